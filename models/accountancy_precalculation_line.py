from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# Quotation states in which the pre-calculation may still change: once the
# quote is confirmed (or cancelled) its prices and tasks follow the order.
EDITABLE_ORDER_STATES = ("draft", "sent")


class AccountancyPrecalculationLine(models.Model):
    """Hours of one role of the client team for one service line of a quote
    (voorcalculatie): hours times the role's hourly rate make the line's price."""

    _name = "accountancy.precalculation.line"
    _description = "Pre-calculation line"
    _order = "order_id, order_line_sequence, order_line_id, role_sequence, id"
    _check_company_auto = True

    order_line_id = fields.Many2one(
        "sale.order.line",
        string="Quote line",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        domain=[("display_type", "=", False)],
    )
    # Not precomputed: a precomputed many2one would put the new records in the
    # cached pre-calculation of the quote during the create.
    order_id = fields.Many2one(
        related="order_line_id.order_id", string="Quote", store=True, index=True
    )
    order_line_sequence = fields.Integer(
        related="order_line_id.sequence",
        string="Quote line sequence",
        store=True,
        precompute=True,
    )
    company_id = fields.Many2one(
        related="order_line_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="order_line_id.currency_id")
    product_id = fields.Many2one(related="order_line_id.product_id", string="Service")
    role_id = fields.Many2one("accountancy.role", required=True, ondelete="restrict")
    role_sequence = fields.Integer(
        related="role_id.sequence", string="Role sequence", store=True, precompute=True
    )
    hours = fields.Float(digits=(16, 2), aggregator="sum")
    hourly_rate = fields.Monetary(
        compute="_compute_hourly_rate",
        store=True,
        readonly=False,
        precompute=True,
        currency_field="currency_id",
        aggregator=None,
        help="The role's hourly rate in the currency of the quote; change it for "
        "this quote only if needed.",
    )
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        precompute=True,
        currency_field="currency_id",
        aggregator="sum",
    )

    @api.depends("role_id", "currency_id")
    def _compute_hourly_rate(self):
        """The role's rate, converted from the role's currency into the quote's
        at the quote date; one rate lookup per currency pair and date."""
        factors = {}
        for line in self:
            role = line.role_id
            if not role:
                line.hourly_rate = 0.0
                continue
            order = line.order_line_id.order_id
            company = order.company_id or self.env.company
            source = role.company_currency_id or company.currency_id
            target = line.currency_id or company.currency_id
            if source == target:
                line.hourly_rate = role.hourly_rate
                continue
            date = order.date_order or fields.Datetime.now()
            key = (source, target, company, fields.Date.to_date(date))
            if key not in factors:
                factors[key] = source._get_conversion_rate(*key)
            line.hourly_rate = target.round(role.hourly_rate * factors[key])

    @api.depends("hours", "hourly_rate")
    def _compute_amount(self):
        for line in self:
            line.amount = line.hours * line.hourly_rate

    @api.constrains("hours", "hourly_rate")
    def _check_not_negative(self):
        for line in self:
            if line.hours < 0:
                raise ValidationError(
                    self.env._(
                        "The pre-calculation of %(service)s gives %(role)s %(hours)s "
                        "hours: enter zero or more hours.",
                        service=line.order_line_id.product_id.display_name,
                        role=line.role_id.display_name,
                        hours=line.hours,
                    )
                )
            if line.hourly_rate < 0:
                raise ValidationError(
                    self.env._(
                        "The hourly rate of %(role)s in the pre-calculation of "
                        "%(service)s is negative: enter a rate of zero or more.",
                        service=line.order_line_id.product_id.display_name,
                        role=line.role_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._check_order_editable()
        return lines

    def write(self, vals):
        self._check_order_editable()
        result = super().write(vals)
        if "order_line_id" in vals:
            self._check_order_editable()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_order_locked(self):
        self._check_order_editable()

    def _check_order_editable(self):
        """The pre-calculation belongs to the quotation: a confirmed or cancelled
        order keeps the prices and hours it was confirmed with."""
        locked = self.order_id.filtered(
            lambda order: order.state not in EDITABLE_ORDER_STATES
        )
        if locked:
            raise UserError(
                self.env._(
                    "The pre-calculation of %(orders)s can no longer change because "
                    "the order is confirmed or cancelled: set it back to quotation "
                    "first, or make a new quotation.",
                    orders=", ".join(locked.mapped("name")),
                )
            )
