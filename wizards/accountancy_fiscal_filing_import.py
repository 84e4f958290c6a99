"""Filing dates from the firm's tax software: a CSV or XLSX file of BSN or
RSIN, tax, year and filed on. All rows are checked first; one bad row refuses
the whole file with the line numbers of every bad row, so nothing is
half-saved (accountancy.fiscal.import.mixin)."""

from datetime import date, datetime

from odoo import fields, models

from ..models.access_checks import check_caller

HEADER = ("number", "tax", "year", "filed_on")
IMPORT_TAXES = {"ib": "ib", "vpb": "vpb", "kvk": "kvk"}
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y")


def parse_date(text):
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class AccountancyFiscalFilingImport(models.TransientModel):
    _name = "accountancy.fiscal.filing.import"
    _inherit = ["accountancy.fiscal.import.mixin"]
    _description = "Import filing dates"
    _accountancy_header = HEADER

    file = fields.Binary(help="CSV or XLSX: number,tax,year,filed_on")

    def action_import(self):
        check_caller(self, "write")
        self.ensure_one()
        rows = self._accountancy_read_rows()
        errors = []
        parsed = []
        for line, row in rows:
            number = self._accountancy_clean_number(row.get("number"))
            tax = (row.get("tax") or "").strip().lower()
            year_text = (row.get("year") or "").strip()
            filed_on = parse_date((row.get("filed_on") or "").strip())
            if tax not in IMPORT_TAXES:
                errors.append(
                    (
                        line,
                        self.env._("tax %(tax)r is not one of ib, vpb, kvk.", tax=tax),
                    )
                )
                continue
            if not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
                errors.append(
                    (
                        line,
                        self.env._(
                            "%(year)r is not a year such as 2025.", year=year_text
                        ),
                    )
                )
                continue
            if not filed_on:
                errors.append(
                    (
                        line,
                        self.env._(
                            "the filing date must be a date such as 2026-03-31."
                        ),
                    )
                )
                continue
            parsed.append((line, number, tax, int(year_text), filed_on))
        by_number = self._accountancy_relations_by_number(
            [number for __, number, __, __, __ in parsed]
        )
        partners = self.env["res.partner"].union(*by_number.values())
        years = {year for __, __, __, year, __ in parsed}
        tasks = self.env["project.task"].search_fetch(
            [
                ("partner_id", "in", partners.ids),
                ("accountancy_tax", "in", list(IMPORT_TAXES)),
                ("accountancy_task_key", "in", ["ib", "vpb", "kvk-file"]),
                ("accountancy_period_end", ">=", date(min(years or {2000}), 1, 1)),
                ("accountancy_period_end", "<=", date(max(years or {2000}), 12, 31)),
            ],
            ["partner_id", "accountancy_tax", "accountancy_period_end"],
        )
        task_of = {
            (t.partner_id.id, t.accountancy_tax, t.accountancy_period_end.year): t
            for t in tasks
        }
        updates = []
        for line, number, tax, year, filed_on in parsed:
            partner = self._accountancy_relation_of(line, number, by_number, errors)
            if not partner:
                continue
            task = task_of.get((partner.id, tax, year))
            if not task:
                errors.append(
                    (
                        line,
                        self.env._(
                            "%(client)s has no %(tax)s return of %(year)s in the "
                            "fiscal calendar: generate the tasks of its service "
                            "plan first.",
                            client=partner.display_name,
                            tax=tax.upper(),
                            year=year,
                        ),
                    )
                )
                continue
            updates.append(
                (
                    line,
                    task,
                    {
                        "accountancy_filed_on": filed_on,
                        "accountancy_filed_by_id": self.env.user.id,
                    },
                )
            )
        self._accountancy_save_all(updates, errors)
        return self._accountancy_done(
            self.env._("%(count)s filing dates imported.", count=len(updates))
        )
