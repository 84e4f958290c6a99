"""The deferral list (beconregeling) of a tax year and tax from a file: a CSV
or XLSX file with a column of BSN or RSIN numbers. Each row ticks the deferral
of the client's service plan of the tax year; one bad row (unknown or
ambiguous number, no such return) refuses the whole file with the line
numbers of every bad row (accountancy.fiscal.import.mixin)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..models.access_checks import check_caller

HEADER = ("number",)
# The plan fields of each tax: the return and its deferral.
DEFERRAL_FIELDS = {
    "ib": ("ib_return", "ib_deferral"),
    "vpb": ("vpb_return", "vpb_deferral"),
}


class AccountancyFiscalDeferralImport(models.TransientModel):
    _name = "accountancy.fiscal.deferral.import"
    _inherit = ["accountancy.fiscal.import.mixin", "accountancy.year.mixin"]
    _description = "Import the deferral list"
    _accountancy_header = HEADER
    _accountancy_year_fields = ("tax_year",)

    tax_year = fields.Integer(
        required=True,
        default=lambda self: fields.Date.context_today(self).year - 1,
        help="The tax year of the returns on the list: the service plans of this "
        "year get the deferral.",
    )
    tax = fields.Selection(
        [("ib", "Income tax (IB)"), ("vpb", "Corporate tax (VPB)")],
        required=True,
        default="ib",
    )
    file = fields.Binary(help="CSV or XLSX with a column number (BSN or RSIN).")

    @api.constrains("tax_year")
    def _check_tax_year(self):
        for wizard in self:
            if not 2000 <= wizard.tax_year <= 2100:
                raise ValidationError(
                    self.env._(
                        "%(year)s is not a tax year: enter a year such as 2025.",
                        year=wizard.tax_year,
                    )
                )

    def action_import(self):
        check_caller(self, "write")
        self.ensure_one()
        rows = self._accountancy_read_rows()
        return_field, deferral_field = DEFERRAL_FIELDS[self.tax]
        tax_label = dict(self._fields["tax"]._description_selection(self.env))[self.tax]
        numbers = [
            (line, self._accountancy_clean_number(row.get("number")))
            for line, row in rows
        ]
        errors = []
        by_number = self._accountancy_relations_by_number(
            [number for __, number in numbers]
        )
        partners = self.env["res.partner"].union(*by_number.values())
        plans = {
            plan.partner_id.id: plan
            for plan in self.env["accountancy.service.plan"].search_fetch(
                [("partner_id", "in", partners.ids), ("year", "=", self.tax_year)],
                ["partner_id", return_field, deferral_field],
            )
        }
        updates = []
        seen = {}
        for line, number in numbers:
            if not number:
                errors.append(
                    (
                        line,
                        self.env._(
                            "the number is empty: enter the client's BSN or RSIN."
                        ),
                    )
                )
                continue
            partner = self._accountancy_relation_of(line, number, by_number, errors)
            if not partner:
                continue
            plan = plans.get(partner.id)
            if not plan or not plan[return_field]:
                errors.append(
                    (
                        line,
                        self.env._(
                            "%(client)s has no %(tax)s return in its service plan "
                            "of %(year)s: tick the return in the plan first, or "
                            "take the client off the list.",
                            client=partner.display_name,
                            tax=tax_label,
                            year=self.tax_year,
                        ),
                    )
                )
                continue
            if plan.id in seen:
                # The same client twice is harmless: ticked once.
                continue
            seen[plan.id] = line
            if not plan[deferral_field]:
                updates.append((line, plan, {deferral_field: True}))
        self._accountancy_save_all(updates, errors)
        return self._accountancy_done(
            self.env._(
                "%(count)s clients on the %(tax)s deferral list of %(year)s "
                "(%(new)s added). Generate the tasks again to move their "
                "deadlines.",
                count=len(seen),
                tax=tax_label,
                year=self.tax_year,
                new=len(updates),
            )
        )
