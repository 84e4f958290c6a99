from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AccountancySalesTargetMonth(models.Model):
    """One month of a sales target; the target's year totals are the sums of
    its months."""

    _name = "accountancy.sales.target.month"
    _inherit = ["accountancy.year.mixin", "accountancy.month.mixin"]
    _description = "Sales target per month"
    _order = "target_id, month_number"

    target_id = fields.Many2one(
        "accountancy.sales.target", required=True, index=True, ondelete="cascade"
    )
    user_id = fields.Many2one(related="target_id.user_id")
    year = fields.Integer(related="target_id.year")
    company_id = fields.Many2one(related="target_id.company_id", store=True)
    currency_id = fields.Many2one(related="target_id.currency_id")
    amount = fields.Monetary(string="Target amount")
    won_count = fields.Integer(string="Target won opportunities")

    _sql_constraints = [
        (
            "target_month_uniq",
            "unique(target_id, month)",
            "A sales target has one line per month: change the existing month.",
        ),
    ]

    @api.constrains("amount", "won_count")
    def _check_amounts(self):
        for line in self:
            if line.amount < 0 or line.won_count < 0:
                raise ValidationError(
                    self.env._(
                        "The sales target of %(user)s for %(month)s %(year)s is "
                        "negative: enter zero or more.",
                        user=line.target_id.user_id.name,
                        month=line._accountancy_month_label(),
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

    @api.ondelete(at_uninstall=False)
    def _unlink_except_closed_year(self):
        self.target_id._check_closed_years(self.target_id.mapped("year"))
