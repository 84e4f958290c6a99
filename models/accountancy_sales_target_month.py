from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .accountancy_service_plan import MONTHS


class AccountancySalesTargetMonth(models.Model):
    """One month of a sales target; the target's year totals are the sums of
    its months."""

    _name = "accountancy.sales.target.month"
    _inherit = ["accountancy.year.mixin"]
    _description = "Sales target per month"
    _order = "target_id, month_number"

    target_id = fields.Many2one(
        "accountancy.sales.target", required=True, index=True, ondelete="cascade"
    )
    user_id = fields.Many2one(related="target_id.user_id")
    year = fields.Integer(related="target_id.year")
    company_id = fields.Many2one(related="target_id.company_id", store=True)
    currency_id = fields.Many2one(related="target_id.currency_id")
    month = fields.Selection(MONTHS, required=True)
    month_number = fields.Integer(compute="_compute_month_number", store=True)
    amount = fields.Monetary(string="Target amount")
    won_count = fields.Integer(string="Target won opportunities")

    _sql_constraints = [
        (
            "target_month_uniq",
            "unique(target_id, month)",
            "A sales target has one line per month: change the existing month.",
        ),
    ]

    @api.depends("month")
    def _compute_month_number(self):
        for line in self:
            line.month_number = int(line.month or 0)

    @api.constrains("amount", "won_count")
    def _check_amounts(self):
        labels = dict(self._fields["month"]._description_selection(self.env))
        for line in self:
            if line.amount < 0 or line.won_count < 0:
                raise ValidationError(
                    self.env._(
                        "The sales target of %(user)s for %(month)s %(year)s is "
                        "negative: enter zero or more.",
                        user=line.target_id.user_id.name,
                        month=labels.get(line.month, line.month),
                        year=line.target_id.year,
                    )
                )

    # Months of a closed year are as locked as their target.
    @api.model_create_multi
    def create(self, vals_list):
        target_ids = {vals.get("target_id") for vals in vals_list} - {None, False}
        targets = self.env["accountancy.sales.target"].browse(list(target_ids))
        targets._check_closed_years(targets.mapped("year"))
        return super().create(vals_list)

    def write(self, vals):
        targets = self.target_id
        if vals.get("target_id"):
            targets |= targets.browse(vals["target_id"])
        targets._check_closed_years(targets.mapped("year"))
        return super().write(vals)

    def unlink(self):
        self.target_id._check_closed_years(self.target_id.mapped("year"))
        return super().unlink()
