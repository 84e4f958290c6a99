import csv
import io

import openpyxl

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from ..models.accountancy_job_run import JOB_BATCH_SIZE, JOB_THRESHOLD
from .common import AccountancyCrmCommon
from .queue_job_helpers import Job, perform_all_jobs, trap_jobs
from .test_import_templates import IMPORT_LOGGERS, XLSX, import_files
from .test_job_run import KilledWorker

FIELDS = [
    "id",
    "name",
    "is_company",
    "parent_id/id",
    "company_registry",
    "client_group_id",
    "city",
]


@tagged("post_install", "-at_install")
class TestImportBackground(AccountancyCrmCommon):
    """A file of the import templates with more rows than the background
    threshold (4 here) is imported by a background run, in batches of 2 rows
    one after the other, as the user who imported it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"]
        params.set_param(JOB_THRESHOLD.key, "4")
        params.set_param(JOB_BATCH_SIZE.key, "2")
        cls.Run = cls.env["accountancy.job.run"]
        cls.Partner = cls.env["res.partner"].with_context(active_test=False)

    def _rows(self, count, groups=None):
        """``count`` relations: companies, each third one a contact person of
        the company on the line before it (so of the batch before it when it
        is the first of its batch). ``groups`` maps a row index to a client
        group code."""
        groups = groups or {}
        rows = []
        for index in range(count):
            if index % 3 == 2:
                rows.append(
                    [
                        f"__import__.bg_{index}",
                        f"Background Contact {index}",
                        "0",
                        f"__import__.bg_{index - 1}",
                        "",
                        "",
                        "",
                    ]
                )
                continue
            rows.append(
                [
                    f"__import__.bg_{index}",
                    f"Background Relation {index} B.V.",
                    "1",
                    "",
                    str(71500000 + index),
                    groups.get(index, ""),
                    "Gouda",
                ]
            )
        return rows

    def _csv(self, rows):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(FIELDS)
        writer.writerows(rows)
        return out.getvalue().encode()

    def _import(self, content, user=None, file_type="text/csv", dryrun=False):
        wizard = (
            self.env["base_import.import"]
            .with_user(user or self.user_manager)
            .create(
                {
                    "res_model": "res.partner",
                    "file": content,
                    "file_type": file_type,
                    "file_name": "relations.xlsx"
                    if file_type == XLSX
                    else "relations.csv",
                }
            )
        )
        return wizard.execute_import(
            FIELDS, FIELDS, import_files.import_options(), dryrun=dryrun
        )

    def _imported(self):
        """What the import made: name, company, parent, KvK number, city and
        creator of each relation, sorted."""
        self.env.invalidate_all()
        partners = self.Partner.search([("name", "=like", "Background %")])
        return sorted(
            (
                partner.name,
                partner.is_company,
                partner.parent_id.name or "",
                partner.company_registry or "",
                partner.city or "",
                partner.create_uid.login,
            )
            for partner in partners
        )

    def _at_once(self, content):
        """The import of ``content`` in the request (threshold raised),
        rolled back: what it made."""
        params = self.env["ir.config_parameter"]
        params.set_param(JOB_THRESHOLD.key, "1000000")
        with self.assertRaises(KilledWorker), self.env.cr.savepoint():
            result = self._import(content)
            self.assertFalse(result["messages"], result["messages"])
            imported = self._imported()
            raise KilledWorker
        self.env.invalidate_all()
        params.set_param(JOB_THRESHOLD.key, "4")
        self.assertFalse(self._imported())
        return imported

    def _run(self):
        return self.Run.search([("operation", "=", "import")])

    def _end_message(self, run):
        return str(
            self.env["mail.message"]
            .search([("model", "=", run._name), ("res_id", "=", run.id)])
            .body
        )

    def test_small_file_imports_at_once(self):
        with trap_jobs() as trap:
            result = self._import(self._csv(self._rows(4)))
            trap.assert_jobs_count(0)
        self.assertEqual(len(result["ids"]), 4)
        self.assertFalse(self._run())
        self.assertEqual(len(self._imported()), 4)

    @mute_logger(*IMPORT_LOGGERS)
    def test_large_file_in_batches_equals_import_at_once(self):
        content = self._csv(self._rows(7))
        expected = self._at_once(content)
        self.assertEqual(len(expected), 7)
        with trap_jobs() as trap:
            result = self._import(content)
            self.assertEqual(result["ids"], [])
            [message] = result["messages"]
            self.assertEqual(message["type"], "info")
            self.assertIn("7 rows", message["message"])
            self.assertIn("4 batches", message["message"])
            run = self._run()
            self.assertEqual(
                (run.state, run.row_count, run.batch_count, run.user_id),
                ("running", 7, 4, self.user_manager),
            )
            self.assertEqual(run.name, "Import of relations.csv")
            self.assertEqual(
                [(b.first_line, b.last_line) for b in run.batch_ids],
                [(2, 3), (4, 5), (6, 7), (8, 8)],
            )
            # One after the other: a batch's job enqueues the next one.
            trap.assert_jobs_count(1)
            self.assertFalse(self._imported())
            # The second batch's worker dies after its work, before its commit.
            trap.perform_enqueued_jobs()
            second = run.batch_ids[1]
            with self.assertRaises(KilledWorker), self.env.cr.savepoint():
                second.with_user(self.user_manager)._accountancy_run()
                self.assertEqual(second.state, "done")
                raise KilledWorker
            self.env.invalidate_all()
            self.assertEqual(second.state, "pending")
            self.assertEqual(len(self._imported()), 2)
            # queue_job runs the job again: the same result as at once.
            perform_all_jobs(trap)
        self.assertEqual(
            run.batch_ids.mapped("state"), ["done"] * 4, run.batch_ids.mapped("error")
        )
        self.assertEqual(self._imported(), expected)
        self.assertEqual((run.state, run.done_count, run.failed_count), ("done", 4, 0))
        self.assertIn("all 7 rows are imported", self._end_message(run))
        # A batch run twice changes nothing.
        run.batch_ids[1].with_user(self.user_manager)._accountancy_run()
        self.assertEqual(self._imported(), expected)
        # Deleted, the run leaves none of its batch files behind.
        Attachment = self.env["ir.attachment"]
        files = [
            ("res_model", "=", "accountancy.job.run.batch"),
            ("res_id", "in", run.batch_ids.ids),
            ("res_field", "=", "import_file"),
        ]
        self.assertEqual(Attachment.search_count(files), 4)
        run.unlink()
        self.assertEqual(Attachment.search_count(files), 0)

    @mute_logger(*IMPORT_LOGGERS)
    def test_xlsx_file_in_batches_equals_import_at_once(self):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(FIELDS)
        for row in self._rows(5):
            # The spreadsheet holds numbers as numbers.
            sheet.append([int(v) if v.isdigit() else v for v in row])
        out = io.BytesIO()
        book.save(out)
        content = out.getvalue()
        params = self.env["ir.config_parameter"]
        params.set_param(JOB_THRESHOLD.key, "1000000")
        with self.assertRaises(KilledWorker), self.env.cr.savepoint():
            result = self._import(content, file_type=XLSX)
            self.assertFalse(result["messages"], result["messages"])
            expected = self._imported()
            raise KilledWorker
        params.set_param(JOB_THRESHOLD.key, "4")
        self.assertIn(
            (
                "Background Relation 0 B.V.",
                True,
                "",
                "71500000",
                "Gouda",
                "acc_manager",
            ),
            expected,
        )
        with trap_jobs() as trap:
            result = self._import(content, file_type=XLSX)
            self.assertEqual(result["messages"][0]["type"], "info")
            perform_all_jobs(trap)
        self.assertEqual(self._imported(), expected)
        self.assertEqual(self._run().state, "done")

    @mute_logger(*IMPORT_LOGGERS)
    def test_faulty_batch_stops_the_import_and_is_retried(self):
        content = self._csv(self._rows(8, groups={4: "BGNEW"}))
        # The test run stays in the request and names the line.
        result = self._import(content, dryrun=True)
        errors = [m for m in result["messages"] if m["type"] == "error"]
        self.assertEqual([e["record"] for e in errors], [6])
        self.assertFalse(self._run())
        self.assertFalse(self._imported())
        with trap_jobs() as trap:
            self._import(content)
            perform_all_jobs(trap)
        run = self._run()
        first, second, third, fourth = run.batch_ids
        self.assertEqual(
            (run.state, run.done_count, run.failed_count), ("failed", 2, 2)
        )
        self.assertEqual((first.state, second.state), ("done", "done"))
        self.assertEqual(third.state, "failed")
        self.assertIn("Line 6:", third.error)
        self.assertIn("BGNEW", third.error)
        self.assertEqual(fourth.state, "failed")
        self.assertIn("Not imported: lines 6-7", fourth.error)
        # The batches before it are kept; nothing of it or after it.
        self.assertEqual(
            [row[0] for row in self._imported()],
            [
                "Background Contact 2",
                "Background Relation 0 B.V.",
                "Background Relation 1 B.V.",
                "Background Relation 3 B.V.",
            ],
        )
        self.assertIn("2 of 4 batches are imported", self._end_message(run))
        # Retried as it is, it stops at the same line again.
        with trap_jobs() as trap:
            run.with_user(self.user_manager).action_retry()
            trap.assert_jobs_count(1)
            perform_all_jobs(trap)
        self.assertEqual((run.state, third.state, fourth.state), ("failed",) * 3)
        self.assertIn("Line 6:", third.error)
        # With the client group made in Odoo the retry imports the rest, to
        # what the file imports at once.
        self.env["accountancy.client.group"].create({"name": "New", "code": "BGNEW"})
        expected = self._at_once_after(run, content)
        with trap_jobs() as trap:
            run.with_user(self.user_manager).action_retry()
            perform_all_jobs(trap)
        self.assertEqual((run.state, run.done_count, run.failed_count), ("done", 4, 0))
        self.assertEqual(self._imported(), expected)
        self.assertEqual(
            self.Partner.search(
                [("name", "=", "Background Relation 4 B.V.")]
            ).client_group_id.code,
            "BGNEW",
        )

    def _at_once_after(self, run, content):
        """What the whole file imports at once, the imported rows removed
        first (rolled back)."""
        with self.assertRaises(KilledWorker), self.env.cr.savepoint():
            self.Partner.search([("name", "=like", "Background %")]).unlink()
            self.env["ir.model.data"].search(
                [("module", "=", "__import__"), ("name", "=like", "bg\\_%")]
            ).unlink()
            expected = self._at_once(content)
            raise KilledWorker
        self.env.invalidate_all()
        return expected

    def test_second_import_is_refused_naming_the_running_one(self):
        content = self._csv(self._rows(6))
        with trap_jobs():
            self._import(content)
            with self.assertRaisesRegex(
                Exception, "Import of relations.csv is already running"
            ):
                self._import(content, user=self.user_acc)
        self.assertEqual(len(self._run()), 1)

    def test_waiting_batches_are_not_taken_for_lost_jobs(self):
        self._import(self._csv(self._rows(6)))
        run = self._run()
        first = run.batch_ids[0]
        self.assertEqual(
            [bool(b.job_uuid) for b in run.batch_ids], [True] + [False] * 2
        )
        # The check of ended jobs runs while the first batch's job waits.
        Batch = self.env["accountancy.job.run.batch"]
        Batch._accountancy_cron_check_jobs()
        self.assertEqual(run.batch_ids.mapped("state"), ["pending"] * 3)
        # The first batch's job is cancelled: it and the ones after it fail.
        job = Job.load(self.env, first.job_uuid)
        job.set_cancelled()
        job.store()
        Batch._accountancy_cron_check_jobs()
        self.assertEqual(run.state, "failed")
        self.assertEqual(run.batch_ids.mapped("state"), ["failed"] * 3)
        self.assertIn("cancelled", first.error)
        self.assertIn("Not imported: lines 2-3", run.batch_ids[2].error)
        self.assertFalse(self._imported())

    def test_contact_person_of_a_company_saved_before(self):
        """Odoo 18.0's import reads the company's commercial fields (the
        credit limit among them) as the user when a contact person's company
        is already saved: a manager without accounting rights imports it."""
        self.assertFalse(self.user_manager.has_group("account.group_account_readonly"))
        company = self._create_company("Saved Before B.V.")
        self.env.flush_all()
        self.env.invalidate_all()
        result = (
            self.env["res.partner"]
            .with_user(self.user_manager)
            .with_context(import_file=True)
            .load(["name", "parent_id/.id"], [["Saved Contact", str(company.id)]])
        )
        self.assertFalse(result["messages"], result["messages"])
        contact = self.Partner.browse(result["ids"])
        self.assertEqual(contact.parent_id, company)
        self.assertEqual(contact.company_registry, company.company_registry)

    def test_hr_officer_without_accountancy_imports_at_once(self):
        """Employees are a model of the import templates; an HR officer
        outside the accountancy groups, who cannot see background runs,
        imports a large file of them at once, as in Odoo."""
        officer = mail_new_test_user(
            self.env, login="bg_hr_officer", groups="hr.group_hr_manager"
        )
        self.assertFalse(
            self.env["accountancy.job.run"].with_user(officer).has_access("read")
        )
        content = "name\n" + "".join(f"Background Employee {i}\n" for i in range(6))
        wizard = (
            self.env["base_import.import"]
            .with_user(officer)
            .create(
                {
                    "res_model": "hr.employee",
                    "file": content.encode(),
                    "file_type": "text/csv",
                    "file_name": "employees.csv",
                }
            )
        )
        with trap_jobs() as trap:
            result = wizard.execute_import(
                ["name"], ["name"], import_files.import_options()
            )
            trap.assert_jobs_count(0)
        self.assertFalse(result["messages"], result["messages"])
        self.assertEqual(len(result["ids"]), 6)
        self.assertFalse(self._run())
