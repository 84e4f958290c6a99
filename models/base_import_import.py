from odoo import models

from .accountancy_onboarding import IMPORT_MODELS


class BaseImportImport(models.TransientModel):
    _inherit = "base_import.import"

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def execute_import(self, fields, columns, options, dryrun=False):
        """Errors of the module's import templates name the line of the file,
        the header being line 1, as a spreadsheet numbers its rows. Odoo's
        import screen shows a row's index among the data rows instead: 0 for
        the first one (a record's error) or 1 (a column's error), so "row 1"
        could be the file's second or third line. Its messages say
        ``rows`` (0-based, shown plus one) and ``record`` (shown as is): both
        become the file's numbering, and the imported names, which the screen
        looks up by ``rows``, move along. Completely empty lines, which Odoo
        drops before importing, are not counted."""
        if self.res_model not in dict(IMPORT_MODELS):
            return super().execute_import(fields, columns, options, dryrun=dryrun)
        # A user who may not create the records is refused at once, as the
        # import button of Getting started refuses them.
        self.env[self.res_model].check_access("create")
        result = super().execute_import(fields, columns, options, dryrun=dryrun)
        header = 1 if options.get("has_headers") else 0
        offset = (options.get("skip") or 0) + header
        for message in result.get("messages", []):
            rows = message.get("rows")
            if not isinstance(rows, dict) or "from" not in rows:
                continue
            message["rows"] = {key: value + offset for key, value in rows.items()}
            message["record"] = message["rows"]["from"] + 1
        if result.get("name"):
            result["name"] = [""] * header + list(result["name"])
        return result
