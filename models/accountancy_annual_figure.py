from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class AccountancyAnnualFigure(models.Model):
    _name = "accountancy.annual.figure"
    _inherit = ["accountancy.year.mixin", "accountancy.import.template.mixin"]
    _description = "Annual figures of a relation"
    _order = "partner_id, year desc, id"
    _rec_names_search = ["partner_id"]
    _accountancy_year_range = (1900, 2100)
    _accountancy_import_templates = [
        (_lt("Import template for annual figures"), "annual_figures.xlsx")
    ]

    partner_id = fields.Many2one(
        "res.partner",
        string="Relation",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("is_company", "=", True)],
    )
    year = fields.Integer(
        string="Financial year",
        required=True,
        index=True,
        aggregator=False,
        default=lambda self: fields.Date.context_today(self).year - 1,
        help="Calendar year in which the financial year ends (the balance-sheet date).",
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="Currency of the amounts; the size-class thresholds are in euro.",
    )
    revenue = fields.Monetary(
        string="Turnover", help="Net turnover (netto-omzet) of the financial year."
    )
    balance_total = fields.Monetary(
        help="Value of the assets (balance-sheet total) at the balance-sheet date."
    )
    equity = fields.Monetary()
    net_result = fields.Monetary()
    employee_count = fields.Integer(
        string="Employees",
        aggregator="avg",
        help="Average number of employees during the financial year.",
    )
    size_class = fields.Selection(related="partner_id.size_class")

    _sql_constraints = [
        (
            "partner_year_uniq",
            "unique(partner_id, year)",
            (
                "A relation has one set of annual figures per financial year: "
                "change the figures of that year instead of adding them again."
            ),
        ),
    ]

    @api.depends("partner_id", "year")
    def _compute_display_name(self):
        for figure in self:
            figure.display_name = (
                f"{figure.partner_id.display_name or ''} {figure.year or ''}".strip()
            )

    @api.constrains("revenue", "balance_total", "employee_count")
    def _check_not_negative(self):
        labels = {
            "revenue": self.env._("turnover"),
            "balance_total": self.env._("balance total"),
            "employee_count": self.env._("number of employees"),
        }
        for figure in self:
            for fname, label in labels.items():
                if figure[fname] < 0:
                    raise ValidationError(
                        self.env._(
                            "The %(what)s of %(partner)s in %(year)s is negative "
                            "(%(value)s): it cannot be below zero. Only equity and "
                            "net result may be negative.",
                            what=label,
                            partner=figure.partner_id.display_name,
                            year=figure.year,
                            value=figure[fname],
                        )
                    )
