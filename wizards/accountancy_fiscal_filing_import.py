"""Filing dates from the firm's tax software: a CSV file of BSN or RSIN, tax,
year and filed on. All rows are checked first; one bad row refuses the whole
file with the line numbers of every bad row, so nothing is half-saved."""

import base64
import csv
import io
from datetime import date, datetime

from odoo import fields, models
from odoo.exceptions import UserError

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


class ImportRefused(Exception):
    """Rolls the file's savepoint back."""


class AccountancyFiscalFilingImport(models.TransientModel):
    _name = "accountancy.fiscal.filing.import"
    _description = "Import filing dates"

    file = fields.Binary(required=True, help="CSV: number,tax,year,filed_on")
    filename = fields.Char()

    def action_import(self):
        check_caller(self, "write")
        self.ensure_one()
        rows = self._read_rows()
        errors = []
        parsed = []
        for line, row in rows:
            number = (row.get("number") or "").strip().replace(" ", "")
            tax = (row.get("tax") or "").strip().lower()
            year_text = (row.get("year") or "").strip()
            filed_on = parse_date((row.get("filed_on") or "").strip())
            if tax not in IMPORT_TAXES:
                errors.append(
                    self.env._(
                        "Line %(line)s: tax %(tax)r is not one of ib, vpb, kvk.",
                        line=line,
                        tax=tax,
                    )
                )
                continue
            if not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
                errors.append(
                    self.env._(
                        "Line %(line)s: %(year)r is not a year such as 2025.",
                        line=line,
                        year=year_text,
                    )
                )
                continue
            if not filed_on:
                errors.append(
                    self.env._(
                        "Line %(line)s: the filing date must be a date such as "
                        "2026-03-31.",
                        line=line,
                    )
                )
                continue
            parsed.append((line, number, tax, int(year_text), filed_on))
        numbers = list({number for __, number, __, __, __ in parsed})
        partners = self.env["res.partner"].search_fetch(
            ["|", ("bsn", "in", numbers), ("rsin", "in", numbers)], ["bsn", "rsin"]
        )
        by_number = {}
        for partner in partners:
            for number in {partner.bsn, partner.rsin} - {False, ""}:
                by_number.setdefault(number, self.env["res.partner"])
                by_number[number] |= partner
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
            matches = by_number.get(number)
            if not matches:
                errors.append(
                    self.env._(
                        "Line %(line)s: no relation has BSN or RSIN %(number)s. "
                        "Enter the number on the relation card first.",
                        line=line,
                        number=number,
                    )
                )
                continue
            if len(matches) > 1:
                errors.append(
                    self.env._(
                        "Line %(line)s: BSN or RSIN %(number)s matches %(names)s. "
                        "Correct the numbers on the relation cards.",
                        line=line,
                        number=number,
                        names=", ".join(matches.mapped("display_name")),
                    )
                )
                continue
            task = task_of.get((matches.id, tax, year))
            if not task:
                errors.append(
                    self.env._(
                        "Line %(line)s: %(client)s has no %(tax)s return of "
                        "%(year)s in the fiscal calendar: generate the tasks of "
                        "its service plan first.",
                        line=line,
                        client=matches.display_name,
                        tax=tax.upper(),
                        year=year,
                    )
                )
                continue
            updates.append((line, task, filed_on))
        try:
            # One savepoint for the file: a bad row undoes the good ones.
            with self.env.cr.savepoint():
                for line, task, filed_on in updates:
                    try:
                        with self.env.cr.savepoint():
                            task.write(
                                {
                                    "accountancy_filed_on": filed_on,
                                    "accountancy_filed_by_id": self.env.user.id,
                                }
                            )
                    except UserError as error:
                        errors.append(
                            self.env._(
                                "Line %(line)s: %(error)s", line=line, error=error
                            )
                        )
                if errors:
                    raise ImportRefused()
        except ImportRefused:
            errors.sort(key=lambda text: int(text.split(":")[0].split()[-1]))
            raise UserError(
                self.env._(
                    "The file was not imported:\n%(errors)s", errors="\n".join(errors)
                )
            ) from None
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._(
                    "%(count)s filing dates imported.", count=len(updates)
                ),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _read_rows(self):
        try:
            text = base64.b64decode(self.file).decode("utf-8-sig")
        except (ValueError, UnicodeDecodeError) as error:
            raise UserError(
                self.env._("The file is not a UTF-8 CSV file: save it as CSV UTF-8.")
            ) from error
        reader = csv.DictReader(io.StringIO(text))
        header = tuple(name.strip().lower() for name in reader.fieldnames or ())
        if header[: len(HEADER)] != HEADER:
            raise UserError(
                self.env._(
                    "The first line of the file must be the columns %(columns)s.",
                    columns=",".join(HEADER),
                )
            )
        reader.fieldnames = list(header)
        return [(reader.line_num, row) for row in reader]
