"""What the fiscal calendar's file imports share: reading a CSV or XLSX file
with a fixed header, finding the relation of each BSN or RSIN, and saving all
rows or none, with the file's own line number (the header is line 1) in every
message about a bad row."""

import base64
import csv
import io
import zipfile
from datetime import date, datetime

import openpyxl

from odoo import fields, models
from odoo.exceptions import UserError

from ..models.access_checks import check_caller

FISCAL_DATA_GROUP = "accountancy_crm.group_fiscal_data"
# An XLSX file is a zip archive.
ZIP_MAGIC = b"PK\x03\x04"
# BSN and RSIN have 9 digits; a spreadsheet that stored one as a number lost
# its leading zeros.
NUMBER_DIGITS = 9


class ImportRefused(Exception):
    """Rolls the file's savepoint back."""


class AccountancyFiscalImportMixin(models.AbstractModel):
    _name = "accountancy.fiscal.import.mixin"
    _description = "Fiscal calendar file import"

    # The columns the first line of the file must start with.
    _accountancy_header = ()

    file = fields.Binary(required=True, help="CSV (UTF-8) or XLSX file.")
    filename = fields.Char()

    # ------------------------------------------------------------------
    # Reading the file
    # ------------------------------------------------------------------
    def _accountancy_read_rows(self):
        """[(line number, {column: text})] of the file's rows after the
        header; empty rows are left out."""
        self.ensure_one()
        content = base64.b64decode(self.file or b"")
        if content.startswith(ZIP_MAGIC):
            lines = self._accountancy_xlsx_lines(content)
        else:
            lines = self._accountancy_csv_lines(content)
        header = ()
        rows = []
        for line, cells in lines:
            if not header:
                header = tuple(cell.strip().lower() for cell in cells)
                expected = self._accountancy_header
                if header[: len(expected)] != expected:
                    raise UserError(
                        self.env._(
                            "The first line of the file must be the columns "
                            "%(columns)s.",
                            columns=",".join(expected),
                        )
                    )
                continue
            if not any(cell.strip() for cell in cells):
                continue
            rows.append((line, dict(zip(header, cells, strict=False))))
        if not header:
            raise UserError(
                self.env._(
                    "The file is empty: its first line must be the columns "
                    "%(columns)s.",
                    columns=",".join(self._accountancy_header),
                )
            )
        return rows

    def _accountancy_csv_lines(self, content):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UserError(
                self.env._(
                    "The file is not a UTF-8 CSV file or an XLSX file: save it as "
                    "CSV UTF-8 or as an Excel workbook (.xlsx)."
                )
            ) from error
        reader = csv.reader(io.StringIO(text))
        lines = []
        for cells in reader:
            # line_num is the file's line of the row's end: a row with a line
            # break inside a quoted cell is numbered by its last line.
            lines.append((reader.line_num, cells))
        return lines

    def _accountancy_xlsx_lines(self, content):
        try:
            book = openpyxl.load_workbook(
                io.BytesIO(content), read_only=True, data_only=True
            )
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise UserError(
                self.env._(
                    "The file cannot be read as an Excel workbook (.xlsx): save "
                    "it again as .xlsx or as CSV UTF-8."
                )
            ) from error
        try:
            sheet = book.worksheets[0]
            return [
                (line, [self._accountancy_cell_text(value) for value in values])
                for line, values in enumerate(
                    sheet.iter_rows(min_row=1, values_only=True), 1
                )
            ]
        finally:
            book.close()

    def _accountancy_cell_text(self, value):
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value)

    # ------------------------------------------------------------------
    # Relations by BSN or RSIN
    # ------------------------------------------------------------------
    def _accountancy_clean_number(self, text):
        number = (text or "").strip().replace(" ", "").replace(".", "")
        # Leading zeros that a spreadsheet dropped.
        if number.isdigit() and len(number) < NUMBER_DIGITS:
            number = number.zfill(NUMBER_DIGITS)
        return number

    def _accountancy_relations_by_number(self, numbers):
        """{number: relations with that BSN or RSIN} among the relations the
        user may see, in one query; BSNs only for users who may see them."""
        Partner = self.env["res.partner"]
        numbers = list(set(numbers) - {""})
        if not numbers:
            return {}
        may_see_bsn = self.env.user.has_group(FISCAL_DATA_GROUP)
        if may_see_bsn:
            domain = ["|", ("bsn", "in", numbers), ("rsin", "in", numbers)]
            fnames = ["bsn", "rsin"]
        else:
            domain = [("rsin", "in", numbers)]
            fnames = ["rsin"]
        result = {}
        for partner in Partner.search_fetch(domain, fnames):
            own = {partner.rsin} | ({partner.bsn} if may_see_bsn else set())
            for number in own - {False, ""}:
                result[number] = result.get(number, Partner) | partner
        return result

    def _accountancy_relation_of(self, line, number, by_number, errors):
        """The one relation of ``number``, or None with the row's error added
        to ``errors``."""
        matches = by_number.get(number)
        if not matches:
            if self.env.user.has_group(FISCAL_DATA_GROUP):
                message = self.env._(
                    "no relation has BSN or RSIN %(number)s. Enter the number on "
                    "the relation card first.",
                    number=number,
                )
            else:
                message = self.env._(
                    "no relation has RSIN %(number)s. Enter the number on the "
                    "relation card first; importing by BSN needs the Fiscal data "
                    "group.",
                    number=number,
                )
            errors.append((line, message))
            return None
        if len(matches) > 1:
            errors.append(
                (
                    line,
                    self.env._(
                        "BSN or RSIN %(number)s matches %(names)s. Correct the "
                        "numbers on the relation cards.",
                        number=number,
                        names=", ".join(matches.mapped("display_name")),
                    ),
                )
            )
            return None
        return matches

    # ------------------------------------------------------------------
    # Saving all rows or none
    # ------------------------------------------------------------------
    def _accountancy_save_all(self, updates, errors):
        """Write ``updates`` [(line, records, values)] in one savepoint; any
        error (found before or raised by a write) refuses the whole file.
        Rows with the same values are written together; when such a write
        fails, its rows are written one by one to name the bad lines."""
        check_caller(self, "write")
        batches = {}
        for line, records, values in updates:
            key = tuple(sorted(values.items()))
            batches.setdefault(key, []).append((line, records))
        try:
            with self.env.cr.savepoint():
                for key, items in batches.items():
                    records = items[0][1].union(*(r for __, r in items))
                    try:
                        with self.env.cr.savepoint():
                            records.write(dict(key))
                            records.flush_recordset()
                    except UserError:
                        self._accountancy_write_rows(items, dict(key), errors)
                if errors:
                    raise ImportRefused()
        except ImportRefused:
            raise UserError(
                self.env._(
                    "The file was not imported:\n%(errors)s",
                    errors="\n".join(
                        self.env._("Line %(line)s: %(error)s", line=line, error=text)
                        for line, text in sorted(errors, key=lambda item: item[0])
                    ),
                )
            ) from None

    def _accountancy_write_rows(self, items, values, errors):
        for line, records in items:
            try:
                with self.env.cr.savepoint():
                    records.write(values)
                    records.flush_recordset()
            except UserError as error:
                errors.append((line, str(error.args[0])))

    def _accountancy_done(self, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
