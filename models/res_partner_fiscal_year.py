from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .accountancy_service_plan import MONTHS
from .fiscal_deadlines import is_valid_year_end, year_end_date


class ResPartner(models.Model):
    _inherit = "res.partner"

    # The end of the financial year (boekjaar); broken years get their own
    # deadlines in the fiscal calendar.
    accountancy_year_end_month = fields.Selection(
        MONTHS, string="Financial year ends in", default="12"
    )
    accountancy_year_end_day = fields.Integer(
        string="Financial year ends on day",
        default=31,
        help="Day of the month on which the financial year ends; 29 February "
        "stands for the last day of February.",
    )

    @api.constrains("accountancy_year_end_month", "accountancy_year_end_day")
    def _check_accountancy_year_end(self):
        for partner in self:
            month = int(partner.accountancy_year_end_month or 12)
            if not is_valid_year_end(month, partner.accountancy_year_end_day):
                raise ValidationError(
                    self.env._(
                        "The financial year of %(client)s cannot end on day %(day)s "
                        "of month %(month)s: that is not a date. Enter a day from 1 "
                        "to the last day of the month (31 December for a calendar "
                        "year).",
                        client=partner.display_name,
                        day=partner.accountancy_year_end_day,
                        month=month,
                    )
                )

    def _accountancy_year_end(self, year):
        """The end of the financial year that ends in ``year``."""
        self.ensure_one()
        return year_end_date(
            year,
            int(self.accountancy_year_end_month or 12),
            self.accountancy_year_end_day or 31,
        )
