from datetime import date, datetime, timedelta

import psycopg2

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.sql_db import connection_info_for
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from ..models.accountancy_job_run import (
    JOB_BATCH_SIZE,
    JOB_MAX_RETRIES,
    JOB_THRESHOLD,
)
from ..models.accountancy_job_run_batch import is_retryable
from ..models.parameters import get_param
from .common import AccountancyCrmCommon
from .queue_job_helpers import Database, Job, perform_all_jobs, trap_jobs

# Written by the ORM itself, different on every run of the same work.
VOLATILE = {"id", "create_date", "create_uid", "write_date", "write_uid"}


class KilledWorker(Exception):
    """Stands for a worker killed in the middle of a batch: its transaction
    is rolled back, nothing of the batch is committed."""


class JobRunCommon(AccountancyCrmCommon):
    """Five clients, each with a confirmed service plan and a team, and the
    threshold and batch size lowered so that they make three batches."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.year = cls.this_year
        cls.Run = cls.env["accountancy.job.run"]
        cls.Task = cls.env["project.task"].with_context(active_test=False)
        cls.env["ir.config_parameter"].set_param(JOB_THRESHOLD.key, "4")
        cls.env["ir.config_parameter"].set_param(JOB_BATCH_SIZE.key, "2")
        cls.user_planner = mail_new_test_user(
            cls.env,
            login="acc_job_planner",
            groups="accountancy_crm.group_manager",
            name="Job Planner",
        )
        cls.user_planner_2 = mail_new_test_user(
            cls.env,
            login="acc_job_planner_2",
            groups="accountancy_crm.group_manager",
            name="Second Planner",
        )
        cls.user_acc_2 = mail_new_test_user(
            cls.env,
            login="acc_job_user_2",
            groups="accountancy_crm.group_user",
            name="Other Accountancy User",
        )
        cls.employee = cls.env["hr.employee"].create(
            {"name": "Job Team RLM", "user_id": cls.user_acc.id}
        )
        cls.clients = cls.env["res.partner"]
        for index in range(5):
            cls.clients |= cls._create_company(
                f"Job Client {index} B.V.", relation_kind="client"
            )
        cls.env["accountancy.service.plan"].create(
            [
                {
                    "partner_id": client.id,
                    "year": cls.year,
                    "bookkeeping_frequency": "quarter",
                    "vat_frequency": "month",
                    "annual_accounts_engagement": "review",
                    "annual_accounts_date": date(cls.year, 5, 31),
                    "state": "confirmed",
                }
                for client in cls.clients
            ]
        )
        cls.env["accountancy.assignment"].create(
            [
                {
                    "partner_id": client.id,
                    "year": cls.year,
                    "role_id": cls.role_rlm.id,
                    "employee_id": cls.employee.id,
                }
                for client in cls.clients
            ]
        )

    def _generate(self, user=None, partners=None):
        Wizard = self.env["accountancy.task.generation.wizard"].with_user(
            user or self.user_planner
        )
        wizard = Wizard.create(
            {
                "year": self.year,
                "partner_ids": [Command.set((partners or self.clients).ids)],
            }
        )
        return wizard.action_generate()

    def _rows(self, model, domain, exclude=()):
        """The stored values of the records of ``model`` in ``domain``, as a
        sorted list: equal lists mean the same records with the same values."""
        Model = self.env[model].with_context(active_test=False)
        names = [
            name
            for name, field in Model._fields.items()
            if field.store
            and name not in VOLATILE
            and name not in exclude
            # The chatter: the tests disable tracking, the jobs do not.
            and not name.startswith(("message_", "activity_", "website_message"))
        ]
        self.env.invalidate_all()
        rows = []
        for row in Model.search_read(domain, names):
            del row["id"]
            for name, value in row.items():
                field = Model._fields[name]
                # Records created by the work itself get other ids each time:
                # compare many2ones by name and x2manys by number.
                if field.type == "many2one" and value:
                    row[name] = value[1]
                elif field.type in ("one2many", "many2many"):
                    row[name] = len(value)
            rows.append(repr(sorted(row.items())))
        return sorted(rows)

    def _task_rows(self):
        tasks = self.Task.search([("partner_id", "in", self.clients.ids)])
        return sorted(
            (
                task.partner_id.id,
                task.accountancy_task_key,
                task.name,
                str(task.date_deadline),
                tuple(task.user_ids.ids),
                task.project_id.name,
            )
            for task in tasks
        )

    def _sync_result(self, run_sync, rows):
        """``rows()`` after ``run_sync()`` of the same selection below the
        threshold, which is then rolled back."""
        Param = self.env["ir.config_parameter"]
        threshold = Param.get_param(JOB_THRESHOLD.key)
        Param.set_param(JOB_THRESHOLD.key, "1000000")
        with self.assertRaises(KilledWorker), self.env.cr.savepoint():
            run_sync()
            result = rows()
            raise KilledWorker
        self.env.invalidate_all()
        Param.set_param(JOB_THRESHOLD.key, threshold)
        self.assertFalse(self.Run.search([]))
        return result

    def _run_of(self, operation, year=None):
        return self.Run.search(
            [("operation", "=", operation), ("year", "=", year or self.year)]
        )


@tagged("post_install", "-at_install")
class TestJobRun(JobRunCommon):
    def test_small_selection_runs_at_once(self):
        with trap_jobs() as trap:
            self._generate(partners=self.clients[:4])
            trap.assert_jobs_count(0)
        self.assertFalse(self._run_of("task_generation"))
        self.assertEqual(len(self._task_rows()), 4 * 17)

    def test_task_generation_as_jobs_equals_sync(self):
        expected = self._sync_result(self._generate, self._task_rows)
        self.assertEqual(len(expected), 5 * 17)
        with trap_jobs() as trap:
            action = self._generate()
            self.assertEqual(action["tag"], "display_notification")
            run = self._run_of("task_generation")
            self.assertEqual(run.user_id, self.user_planner)
            self.assertEqual((run.batch_count, run.partner_count), (3, 5))
            self.assertEqual(run.state, "running")
            trap.assert_jobs_count(3)
            self.assertFalse(self._task_rows())
            perform_all_jobs(trap)
        self.assertEqual(self._task_rows(), expected)
        self.assertEqual((run.state, run.done_count, run.failed_count), ("done", 3, 0))
        message = self.env["mail.message"].search(
            [("model", "=", run._name), ("res_id", "=", run.id)]
        )
        self.assertIn(self.user_planner.partner_id, message.partner_ids)
        self.assertIn("all 3 batches (5 clients) are done", str(message.body))

    def test_batch_is_idempotent(self):
        with trap_jobs() as trap:
            self._generate()
            perform_all_jobs(trap)
        before = self._task_rows()
        projects = self.env["project.project"].search_count([])
        Wizard = self.env["accountancy.task.generation.wizard"]
        Wizard.with_user(self.user_planner)._accountancy_run_batch(
            self.year, self.clients[:2]
        )
        self.assertEqual(self._task_rows(), before)
        self.assertEqual(self.env["project.project"].search_count([]), projects)

    def test_killed_batch_runs_again_to_the_same_result(self):
        expected = self._sync_result(self._generate, self._task_rows)
        with trap_jobs() as trap:
            self._generate()
            run = self._run_of("task_generation")
            first, second, third = run.batch_ids
            first.with_user(self.user_planner)._accountancy_run()
            # The second batch dies after its work, before its commit.
            with self.assertRaises(KilledWorker), self.env.cr.savepoint():
                second.with_user(self.user_planner)._accountancy_run()
                self.assertEqual(second.state, "done")
                raise KilledWorker
            self.env.invalidate_all()
            self.assertEqual(second.state, "pending")
            self.assertEqual(len(self._task_rows()), 2 * 17)
            # queue_job runs every job again; the first batch does nothing.
            perform_all_jobs(trap)
        self.assertEqual(self._task_rows(), expected)
        self.assertEqual(run.state, "done")
        self.assertEqual(third.state, "done")

    def test_failed_batch_is_reported_and_retried(self):
        expected = self._sync_result(self._generate, self._task_rows)
        with trap_jobs() as trap:
            self._generate()
            run = self._run_of("task_generation")
            # After the start, planning tasks become blocked for clients
            # without an accepted client acceptance: every batch fails.
            self.env["ir.config_parameter"].set_param(
                "accountancy_crm.acceptance_block_planning_tasks", "unaccepted"
            )
            perform_all_jobs(trap)
        self.assertEqual(
            (run.state, run.failed_count, run.done_count), ("failed", 3, 0)
        )
        self.assertIn("generate planning tasks", run.batch_ids[0].error)
        self.assertFalse(self._task_rows())
        message = self.env["mail.message"].search(
            [("model", "=", run._name), ("res_id", "=", run.id)]
        )
        self.assertIn("3 failed batches of 3", str(message.body))
        # Only the starter or a manager may retry.
        with self.assertRaises(AccessError):
            run.with_user(self.user_acc).action_retry()
        self.env["ir.config_parameter"].set_param(
            "accountancy_crm.acceptance_block_planning_tasks", "never"
        )
        with trap_jobs() as trap:
            run.with_user(self.user_planner).action_retry()
            self.assertEqual(run.state, "running")
            trap.assert_jobs_count(3)
            perform_all_jobs(trap)
        self.assertEqual((run.state, run.failed_count, run.done_count), ("done", 0, 3))
        self.assertEqual(self._task_rows(), expected)
        with self.assertRaisesRegex(UserError, "no failed batches"):
            run.with_user(self.user_planner).action_retry()

    def test_second_run_is_refused_naming_the_running_one(self):
        with trap_jobs():
            self._generate()
            with self.assertRaisesRegex(
                UserError, "Task generation .* already running .*Job Planner"
            ):
                self._generate(user=self.user_planner_2)
            # Neither may a small selection run at once meanwhile.
            with self.assertRaisesRegex(UserError, "already running"):
                self._generate(partners=self.clients[:1])
        self.assertEqual(len(self._run_of("task_generation")), 1)

    def test_client_archived_meanwhile_is_skipped(self):
        with trap_jobs() as trap:
            self._generate()
            self.clients[2].action_archive()
            perform_all_jobs(trap)
        run = self._run_of("task_generation")
        self.assertEqual(run.state, "done")
        self.assertEqual(run.skipped_names, self.clients[2].display_name)
        partners = {row[0] for row in self._task_rows()}
        self.assertEqual(partners, set((self.clients - self.clients[2]).ids))
        message = self.env["mail.message"].search(
            [("model", "=", run._name), ("res_id", "=", run.id)]
        )
        self.assertIn(self.clients[2].name, str(message.body))

    def test_zero_clients(self):
        Strategy = self.env["accountancy.strategy.recompute.wizard"]
        self.env["res.partner"].search([("relation_kind", "=", "client")]).write(
            {"relation_kind": "prospect"}
        )
        with self.assertRaisesRegex(UserError, "no client to recompute"):
            Strategy.create({"year": self.year}).action_recompute()
        Rollover = self.env["accountancy.planning.rollover.wizard"]
        with self.assertRaisesRegex(UserError, "no planning of 2095"):
            Rollover.create({"year_from": 2095, "year_to": 2096}).action_confirm()
        self.assertFalse(self.Run.search([]))

    def test_rollover_as_jobs_equals_sync(self):
        models = [
            "accountancy.assignment",
            "accountancy.service.plan",
            "accountancy.advisory.status",
            "accountancy.employee.budget",
        ]
        Rollover = self.env["accountancy.planning.rollover.wizard"].with_user(
            self.user_planner
        )

        def rows():
            return [
                self._rows(model, [("year", "=", self.year + 1)], exclude={"name"})
                for model in models
            ]

        def rollover():
            Rollover.create(
                {"year_from": self.year, "year_to": self.year + 1}
            ).action_confirm()

        expected = self._sync_result(rollover, rows)
        with trap_jobs() as trap:
            rollover()
            run = self._run_of("planning_rollover")
            self.assertTrue(run.batch_count >= 3)
            perform_all_jobs(trap)
        self.assertEqual(run.state, "done")
        self.assertEqual(rows(), expected)
        self.assertTrue(expected[1])

    def test_strategy_recompute_as_jobs_equals_sync(self):
        Wizard = self.env["accountancy.strategy.recompute.wizard"].with_user(
            self.user_planner
        )

        def rows():
            return self._rows(
                "accountancy.strategy",
                [("partner_id", "in", self.clients.ids), ("year", "=", self.year)],
                exclude={"updated_on"},
            )

        def recompute():
            Wizard.create(
                {"year": self.year, "partner_ids": [Command.set(self.clients.ids)]}
            ).action_recompute()

        expected = self._sync_result(recompute, rows)
        self.assertEqual(len(expected), 5)
        with trap_jobs() as trap:
            recompute()
            trap.assert_jobs_count(3)
            perform_all_jobs(trap)
        self.assertEqual(self._run_of("strategy_recompute").state, "done")
        self.assertEqual(rows(), expected)

    def test_planned_hours_sync_as_jobs_equals_sync(self):
        norm = self.env["accountancy.hour.norm"].search(
            [("service", "=", "vat_month")], limit=1
        ) or self.env["accountancy.hour.norm"].create(
            {"service": "vat_month", "role_id": self.role_rlm.id, "hours": 1.0}
        )

        def rows():
            return self._rows("accountancy.planned.hour", [])

        def change_norm():
            norm.with_user(self.user_planner).write({"hours": norm.hours + 2.5})

        expected = self._sync_result(change_norm, rows)
        with trap_jobs() as trap:
            change_norm()
            run = self._run_of("planned_hours_sync")
            self.assertEqual(run.state, "running")
            perform_all_jobs(trap)
        self.assertEqual(run.state, "done")
        self.assertEqual(rows(), expected)

    def test_fiscal_planned_hours_sync_as_jobs_equals_sync(self):
        # The returns of the fiscal calendar take their hours from the norms
        # like the other services, in the background for a big selection.
        plans = self.env["accountancy.service.plan"].search(
            [("partner_id", "in", self.clients.ids), ("year", "=", self.year)]
        )
        plans.write({"vpb_return": True, "payroll_frequency": "month"})
        Norm = self.env["accountancy.hour.norm"]
        norm = Norm.search([("service", "=", "vpb_return")], limit=1) or Norm.create(
            {"service": "vpb_return", "role_id": self.role_rlm.id, "hours": 4.0}
        )

        def rows():
            return self._rows(
                "accountancy.planned.hour", [("service", "=", "vpb_return")]
            )

        def change_norm():
            norm.with_user(self.user_planner).write({"hours": norm.hours + 1.5})

        expected = self._sync_result(change_norm, rows)
        self.assertEqual(len(expected), len(self.clients))
        with trap_jobs() as trap:
            change_norm()
            run = self._run_of("planned_hours_sync")
            self.assertEqual(run.state, "running")
            perform_all_jobs(trap)
        self.assertEqual(run.state, "done")
        self.assertEqual(rows(), expected)

    def test_who_sees_which_run(self):
        with trap_jobs():
            self._generate()
        run = self._run_of("task_generation")
        Run = self.env["accountancy.job.run"]
        self.assertEqual(Run.with_user(self.user_planner).search([]), run)
        self.assertIn(run, Run.with_user(self.user_manager).search([]))
        self.assertFalse(Run.with_user(self.user_acc_2).search([]))
        self.assertFalse(
            self.env["accountancy.job.run.batch"].with_user(self.user_acc_2).search([])
        )
        with self.assertRaises(AccessError):
            run.with_user(self.user_acc_2).read(["state"])
        with self.assertRaises(AccessError):
            run.with_user(self.user_planner).write({"state": "done"})
        with self.assertRaises(AccessError):
            Run.with_user(self.user_planner).create(
                {"operation": "task_generation", "year": self.year}
            )
        with self.assertRaises(AccessError):
            run.with_user(self.user_employee).read(["state"])

    def _run_job_of(self, batch):
        """Run the queue job of ``batch`` as queue_job's controller does: the
        job's method, then the job marked done."""
        job = Job.load(self.env, batch.job_uuid)
        job.set_started()
        job.perform()
        job.set_done()
        job.store()

    def _found_dead(self, batch):
        """The job of ``batch`` starts and its worker dies, again and again,
        until queue_job's runner gives it up: the runner's own query, which
        re-queues jobs whose lock is free, marks it failed (JobFoundDead)
        without calling any hook."""
        requeue = Database.__new__(Database)._query_requeue_dead_jobs()
        for _attempt in range(get_param(self.env, JOB_MAX_RETRIES) + 2):
            job = Job.load(self.env, batch.job_uuid)
            if job.state == "failed":
                return job
            job.set_enqueued()
            # Enqueued more than the runner's 10 s grace period ago.
            job.date_enqueued = datetime.now() - timedelta(minutes=1)
            job.set_started()
            job.store()
            self.env.flush_all()
            self.env.cr.execute(requeue)
            self.env.invalidate_all()
        return Job.load(self.env, batch.job_uuid)

    def test_job_given_up_fails_the_batch_and_can_be_retried(self):
        """A run whose job queue_job gave up (or that was cancelled) does not
        stay running: the check of ended jobs reports the batch failed with
        the reason, the run ends failed and its starter is told; a retry runs
        the batches again, to the result of the synchronous path."""
        self.env["ir.config_parameter"].set_param(JOB_MAX_RETRIES.key, "2")
        expected = self._sync_result(self._generate, self._task_rows)
        self._generate()
        run = self._run_of("task_generation")
        first, second, third = run.batch_ids
        jobs = self.env["queue.job"].search(
            [("uuid", "in", run.batch_ids.mapped("job_uuid"))]
        )
        self.assertEqual(len(jobs), 3)
        self.assertEqual(set(jobs.mapped("max_retries")), {2})
        self._run_job_of(first)
        self.assertEqual(first.state, "done")
        job = Job.load(self.env, second.job_uuid)
        job.set_cancelled()
        job.store()
        self._found_dead(third)
        dead = self.env["queue.job"].search([("uuid", "=", third.job_uuid)])
        self.assertEqual((dead.state, dead.exc_name), ("failed", "JobFoundDead"))
        # Nothing told the run yet.
        self.assertEqual(
            (run.state, second.state, third.state), ("running", "pending", "pending")
        )
        self.env["accountancy.job.run.batch"]._accountancy_cron_check_jobs()
        self.assertEqual((second.state, third.state), ("failed", "failed"))
        self.assertIn("cancelled", second.error)
        self.assertIn("Job found dead after too many retries", third.error)
        self.assertEqual(
            (run.state, run.done_count, run.failed_count), ("failed", 1, 2)
        )
        message = self.env["mail.message"].search(
            [("model", "=", run._name), ("res_id", "=", run.id)]
        )
        self.assertEqual(len(message), 1)
        self.assertIn("2 failed batches of 3", str(message.body))
        # A second check changes nothing and tells nobody again.
        self.env["accountancy.job.run.batch"]._accountancy_cron_check_jobs()
        self.assertEqual(
            self.env["mail.message"].search_count(
                [("model", "=", run._name), ("res_id", "=", run.id)]
            ),
            1,
        )
        with trap_jobs() as trap:
            run.with_user(self.user_planner).action_retry()
            self.assertEqual(run.state, "running")
            trap.assert_jobs_count(2)
            perform_all_jobs(trap)
        self.assertEqual((run.state, run.done_count, run.failed_count), ("done", 3, 0))
        self.assertEqual(self._task_rows(), expected)

    def test_running_jobs_are_left_alone(self):
        """The check does not touch batches whose job is still pending,
        enqueued or started."""
        self._generate()
        run = self._run_of("task_generation")
        first, second, third = run.batch_ids
        job = Job.load(self.env, second.job_uuid)
        job.set_enqueued()
        job.store()
        job = Job.load(self.env, third.job_uuid)
        job.set_started()
        job.store()
        self.env["accountancy.job.run.batch"]._accountancy_cron_check_jobs()
        self.assertEqual(run.batch_ids.mapped("state"), ["pending"] * 3)
        self.assertEqual(run.state, "running")
        # A job deleted by hand: its batch can never run.
        self.env["queue.job"].search([("uuid", "=", first.job_uuid)]).unlink()
        self.env["accountancy.job.run.batch"]._accountancy_cron_check_jobs()
        self.assertEqual(first.state, "failed")
        self.assertIn("no longer exists", first.error)
        self.assertEqual(run.state, "running")


@tagged("post_install", "-at_install")
class TestRetryableErrors(AccountancyCrmCommon):
    """Which real database errors make queue_job run a batch again."""

    def _connect(self):
        """A connection of its own to the test database (not from Odoo's
        pool: it may be killed)."""
        __, info = connection_info_for(self.env.cr.dbname)
        connection = psycopg2.connect(**info)
        self.addCleanup(connection.close)
        return connection

    @mute_logger("odoo.sql_db")
    def test_lost_connection_and_concurrency_are_retried(self):
        # A backend terminated as an administrator, or a restart of
        # PostgreSQL, would.
        other = self._connect().cursor()
        other.execute("SELECT pg_backend_pid()")
        pid = other.fetchone()[0]
        # With a timeout: returns once the backend is gone.
        self.env.cr.execute(SQL("SELECT pg_terminate_backend(%s, 10000)", pid))
        with self.assertRaises(psycopg2.OperationalError) as lost:
            other.execute("SELECT 1")
        self.assertTrue(is_retryable(lost.exception))
        with self.assertRaises(psycopg2.InterfaceError) as closed:
            other.execute("SELECT 1")
        self.assertTrue(is_retryable(closed.exception))

        # A row another transaction holds: a concurrency error.
        blocker = self._connect()
        cursor = blocker.cursor()
        cursor.execute("SET lock_timeout = '5s'")
        # NO KEY UPDATE: the test's own rows refer to countries (key share).
        cursor.execute("SELECT id FROM res_country WHERE code = 'AQ' FOR NO KEY UPDATE")
        with (
            self.assertRaises(psycopg2.errors.LockNotAvailable) as locked,
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                SQL("SELECT id FROM res_country WHERE code = 'AQ' FOR UPDATE NOWAIT")
            )
        blocker.rollback()
        self.assertTrue(is_retryable(locked.exception))

        # A statement that took too long: the same batch would again.
        with (
            self.assertRaises(psycopg2.errors.QueryCanceled) as slow,
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(SQL("SET LOCAL statement_timeout = '10ms'"))
            self.env.cr.execute(SQL("SELECT pg_sleep(1)"))
        self.assertFalse(is_retryable(slow.exception))
