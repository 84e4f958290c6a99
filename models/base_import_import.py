import base64
import csv
import io

from odoo import models
from odoo.fields import Date
from odoo.models import fix_import_export_id_paths

from odoo.addons.base_import.models.base_import import ImportValidationError

from .accountancy_job_run import IMPORT_OPERATION, JOB_BATCH_SIZE
from .accountancy_onboarding import IMPORT_MODELS
from .parameters import get_param


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
        if not dryrun and not self.env.context.get("accountancy_import_batch"):
            started = self._accountancy_import_in_background(fields, columns, options)
            if started:
                return started
        result = super().execute_import(fields, columns, options, dryrun=dryrun)
        offset = self._accountancy_line_offset(options)
        for message in result.get("messages", []):
            rows = message.get("rows")
            if not isinstance(rows, dict) or "from" not in rows:
                continue
            message["rows"] = {key: value + offset for key, value in rows.items()}
            message["record"] = message["rows"]["from"] + 1
        if result.get("name"):
            header = 1 if options.get("has_headers") else 0
            result["name"] = [""] * header + list(result["name"])
        return result

    # ------------------------------------------------------------
    # BACKGROUND IMPORT
    # ------------------------------------------------------------

    def _accountancy_import_in_background(self, fields, columns, options):
        """Import a file of more rows than the background threshold as a
        background run (accountancy.job.run): batches of about the batch size,
        split between records, imported one after the other, each committed
        on its own, as Odoo's import screen imports a large file in batches
        of requests. Return the import screen's answer, or None for a file
        imported at once. The test run stays in the request: it saves
        nothing, and its answer is the list of errors by line."""
        Run = self.env["accountancy.job.run"]
        # Someone who cannot follow a background run (an HR officer importing
        # employees) imports at once, as in Odoo.
        if not Run.has_access("read"):
            return None
        try:
            data, import_fields = self._convert_import_data(fields, options)
        except ImportValidationError:
            return None  # reported by Odoo's import
        if not Run._accountancy_use_jobs(data):
            return None
        first_line = self._accountancy_line_offset(options) + 1
        paths = [fix_import_export_id_paths(path) for path in import_fields]
        size = get_param(self.env, JOB_BATCH_SIZE)
        bounds, start = [], 0
        for _record, info in self.env[self.res_model]._extract_records(paths, data):
            stop = info["rows"]["to"] + 1
            if stop - start >= size:
                bounds.append((start, stop))
                start = stop
        if start < len(data):
            bounds.append((start, len(data)))
        run = Run._accountancy_start_batches(
            {
                "operation": IMPORT_OPERATION,
                "year": Date.context_today(self).year,
                "file_name": self.file_name or self.env._("file"),
                "res_model": self.res_model,
                "row_count": len(data),
                "import_fields": import_fields,
                "import_columns": [
                    column
                    for column, field in zip(columns, fields, strict=False)
                    if field
                ],
                "import_options": options,
            },
            [
                {
                    "import_file": self._accountancy_batch_file(
                        import_fields, data[start:stop]
                    ),
                    "first_line": first_line + start,
                    "last_line": first_line + stop - 1,
                }
                for start, stop in bounds
            ],
        )
        message = self.env._(
            "The file has %(rows)s rows: it is imported in the background, in "
            "%(batches)s batches one after the other. You get a message when it "
            "has ended; the progress and any errors are under Planning > "
            "Background runs (%(run)s).",
            rows=len(data),
            batches=run.batch_count,
            run=run.name,
        )
        return {
            "ids": [],
            "messages": [ImportValidationError(message, error_type="info").__dict__],
            "name": [],
            "nextrow": 0,
        }

    @staticmethod
    def _accountancy_line_offset(options):
        """The line of the file before its data row 0: the skipped lines and
        the header (line 1)."""
        return (options.get("skip") or 0) + (1 if options.get("has_headers") else 0)

    @staticmethod
    def _accountancy_batch_file(import_fields, rows):
        """The rows of a batch as CSV under a header of the imported fields."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(import_fields)
        writer.writerows(rows)
        return base64.b64encode(out.getvalue().encode())
