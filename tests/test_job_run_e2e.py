"""Background runs of real jobs: committed data, a real Odoo server with
queue_job's job runner on its own port, and the result checked in the
database once the runner has run the jobs; also with the database connection
of a batch lost in the middle of its work. Everything the tests commit is
removed again in their cleanup."""

import uuid
from datetime import date

import psycopg2

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.sql_db import connection_info_for
from odoo.tests.common import BaseCase, get_db_name, tagged
from odoo.tools import SQL, config

from ..models.accountancy_job_run import (
    JOB_BATCH_SIZE,
    JOB_MAX_RETRIES,
    JOB_THRESHOLD,
)

try:
    from job_server import job_server, wait_until
except ImportError:  # tools/ is on the path when run through the Makefile
    job_server = wait_until = None

TIMEOUT = 300
CLIENTS = 5


def end_jobs(env, batches):
    """The jobs that ``batches`` enqueued to end their run."""
    jobs = env["queue.job"].search(
        [
            ("model_name", "=", batches._name),
            ("method_name", "=", "_accountancy_end_run"),
        ]
    )
    return jobs.filtered(lambda job: set(job.records.ids) & set(batches.ids))


@tagged("post_install", "-at_install")
class TestJobRunEndToEnd(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        if job_server is None:
            return
        # One server for the class: it runs the jobs of every test as soon as
        # they are committed.
        cls.server = cls.enterClassContext(
            job_server(config.rcfile, get_db_name(), channels="root:2")
        )
        if not wait_until(cls.server.is_up, TIMEOUT, interval=1):
            raise RuntimeError("the job server did not start")

    def setUp(self):
        super().setUp()
        if job_server is None:
            self.skipTest("tools/job_server.py is not on the Python path")
        self.tag = f"Jobs e2e {uuid.uuid4().hex[:8]}"
        self.year = fields.Date.today().year
        # Jobs replaced by a retry, removed in the cleanup too.
        self.job_uuids = []
        self.addCleanup(self._cleanup)

    def _committed(self, func, uid=SUPERUSER_ID):
        with self.registry.cursor() as cr:
            return func(api.Environment(cr, uid, {}))

    def _setup_params(self, env):
        """Threshold and batch size 2, restored in the cleanup."""
        Param = env["ir.config_parameter"]
        self.params = {
            key: Param.get_param(key)
            for key in (JOB_THRESHOLD.key, JOB_BATCH_SIZE.key, JOB_MAX_RETRIES.key)
        }
        Param.set_param(JOB_THRESHOLD.key, "2")
        Param.set_param(JOB_BATCH_SIZE.key, "2")

    def _setup(self, env):
        self._setup_params(env)
        employee = env["hr.employee"].create({"name": f"{self.tag} RLM"})
        clients = env["res.partner"].create(
            [
                {
                    "name": f"{self.tag} client {index}",
                    "is_company": True,
                    "relation_kind": "client",
                }
                for index in range(CLIENTS)
            ]
        )
        env["accountancy.service.plan"].create(
            [
                {
                    "partner_id": client.id,
                    "year": self.year,
                    "bookkeeping_frequency": "quarter",
                    "vat_frequency": "month",
                    "annual_accounts_engagement": "review",
                    "annual_accounts_date": date(self.year, 5, 31),
                    "state": "confirmed",
                }
                for client in clients
            ]
        )
        env["accountancy.assignment"].create(
            [
                {
                    "partner_id": client.id,
                    "year": self.year,
                    "role_id": env.ref("accountancy_crm.role_rlm").id,
                    "employee_id": employee.id,
                }
                for client in clients
            ]
        )
        return clients.ids

    def _start(self, env, partner_ids):
        wizard = env["accountancy.task.generation.wizard"].create(
            {"year": self.year, "partner_ids": [Command.set(partner_ids)]}
        )
        wizard.action_generate()
        run = env["accountancy.job.run"].search(
            [("operation", "=", "task_generation"), ("year", "=", self.year)]
        )
        return run.id

    def _cleanup(self):
        def clean(env):
            partners = (
                env["res.partner"]
                .with_context(active_test=False)
                .search([("name", "=like", f"{self.tag}%")])
            )
            runs = env["accountancy.job.run"].search(
                [
                    "|",
                    ("batch_ids.partner_ids", "in", partners.ids),
                    ("file_name", "=", f"{self.tag}.csv"),
                ]
            )
            uuids = runs.batch_ids.mapped("job_uuid") + self.job_uuids
            (
                env["queue.job"].search([("uuid", "in", uuids)])
                | end_jobs(env, runs.batch_ids)
            ).unlink()
            runs.unlink()
            tasks = (
                env["project.task"]
                .with_context(active_test=False)
                .search([("partner_id", "in", partners.ids)])
            )
            projects = tasks.project_id
            tasks.unlink()
            projects.unlink()
            env["accountancy.planned.hour"].search(
                [("partner_id", "in", partners.ids)]
            ).unlink()
            env["accountancy.service.plan"].search(
                [("partner_id", "in", partners.ids)]
            ).unlink()
            env["accountancy.assignment"].search(
                [("partner_id", "in", partners.ids)]
            ).unlink()
            # Client acceptances made for the clients are kept by the ORM.
            if partners:
                env.cr.execute(
                    SQL(
                        "DELETE FROM accountancy_client_acceptance"
                        " WHERE partner_id IN %s",
                        tuple(partners.ids),
                    )
                )
                env.invalidate_all()
            partners.unlink()
            env["hr.employee"].with_context(active_test=False).search(
                [("name", "=like", f"{self.tag}%")]
            ).unlink()
            for key, value in getattr(self, "params", {}).items():
                env["ir.config_parameter"].set_param(key, value or False)

        self._committed(clean)

    def test_real_jobs_generate_the_tasks_once(self):
        partner_ids = self._committed(self._setup)
        admin = self._committed(lambda env: env.ref("base.user_admin").id)
        run_id = self._committed(lambda env: self._start(env, partner_ids), uid=admin)
        self.assertTrue(run_id)

        def ended(env):
            run = env["accountancy.job.run"].browse(run_id)
            return run.state != "running" and run.state

        state = wait_until(lambda: self._committed(ended), TIMEOUT)
        self.assertEqual(state, "done")

        def result(env):
            run = env["accountancy.job.run"].browse(run_id)
            jobs = env["queue.job"].search(
                [("uuid", "in", run.batch_ids.mapped("job_uuid"))]
            )
            ended_by = end_jobs(env, run.batch_ids)
            tasks = env["project.task"].search_count(
                [("partner_id", "in", partner_ids)]
            )
            keys = env["project.task"].read_group(
                [("partner_id", "in", partner_ids)],
                ["accountancy_task_key"],
                ["partner_id", "accountancy_task_key"],
                lazy=False,
            )
            notified = env["mail.message"].search_count(
                [
                    ("model", "=", run._name),
                    ("res_id", "=", run.id),
                    ("partner_ids", "in", run.user_id.partner_id.ids),
                ]
            )
            return (
                run.batch_count,
                run.done_count,
                sorted(jobs.mapped("state")),
                ended_by.mapped("state"),
                tasks,
                max(group["__count"] for group in keys),
                notified,
            )

        # Three batches of two clients, each job run once and done, and the
        # job each enqueued to end the run; every task exactly once (17 per
        # plan); the starter told once.
        self.assertEqual(
            self._committed(result),
            (3, 3, ["done"] * 3, ["done"] * 3, CLIENTS * 17, 1, 1),
        )

    def test_real_jobs_import_a_file_in_order(self):
        """A file of five relations, the third and fifth contact persons of
        the company before them, which is in the batch before theirs: three
        batches, run one after the other by the job runner (two channels),
        each job once, every row imported once."""
        rows = [["id", "name", "is_company", "parent_id/id"]]
        for index in range(CLIENTS):
            person = index in (2, 4)
            rows.append(
                [
                    f"__import__.e2e_{self.tag[-8:]}_{index}",
                    f"{self.tag} {'contact' if person else 'company'} {index}",
                    "0" if person else "1",
                    f"__import__.e2e_{self.tag[-8:]}_{index - 1}" if person else "",
                ]
            )
        content = "\n".join(",".join(row) for row in rows).encode()

        def start(env):
            self._setup_params(env)
            wizard = env["base_import.import"].create(
                {
                    "res_model": "res.partner",
                    "file": content,
                    "file_type": "text/csv",
                    "file_name": f"{self.tag}.csv",
                }
            )
            result = wizard.execute_import(
                rows[0],
                rows[0],
                {"has_headers": True, "separator": ",", "quoting": '"'},
            )
            self.assertEqual(result["messages"][0]["type"], "info")
            return (
                env["accountancy.job.run"]
                .search(
                    [
                        ("operation", "=", "import"),
                        ("file_name", "=", f"{self.tag}.csv"),
                    ]
                )
                .id
            )

        admin = self._committed(lambda env: env.ref("base.user_admin").id)
        run_id = self._committed(start, uid=admin)
        self.assertTrue(run_id)

        def ended(env):
            run = env["accountancy.job.run"].browse(run_id)
            return run.state != "running" and run.state

        self.assertEqual(wait_until(lambda: self._committed(ended), TIMEOUT), "done")

        def result(env):
            run = env["accountancy.job.run"].browse(run_id)
            jobs = env["queue.job"].search(
                [("uuid", "in", run.batch_ids.mapped("job_uuid"))]
            )
            partners = env["res.partner"].search(
                [("name", "=like", f"{self.tag} %")], order="name"
            )
            return (
                run.batch_count,
                sorted(jobs.mapped("state")),
                # Each batch started after the one before it had ended.
                all(
                    earlier.date_done <= later.date_started
                    for earlier, later in zip(
                        jobs.sorted("date_started"),
                        jobs.sorted("date_started")[1:],
                        strict=False,
                    )
                ),
                [(p.name, p.parent_id.name or "") for p in partners],
            )

        batches, states, in_order, partners = self._committed(result)
        self.assertEqual((batches, states, in_order), (3, ["done"] * 3, True))
        self.assertEqual(
            partners,
            sorted(
                (
                    f"{self.tag} {'contact' if i in (2, 4) else 'company'} {i}",
                    f"{self.tag} company {i - 1}" if i in (2, 4) else "",
                )
                for i in range(CLIENTS)
            ),
        )

    # ------------------------------------------------------------------
    # The database connection of a batch lost in the middle of its work
    # ------------------------------------------------------------------

    def _connect(self, autocommit=False):
        """A PostgreSQL connection of the test's own (not from Odoo's pool)."""
        __, info = connection_info_for(get_db_name())
        connection = psycopg2.connect(**info)
        connection.autocommit = autocommit
        self.addCleanup(connection.close)
        return connection

    def _task_rows(self, env, partner_ids):
        tasks = (
            env["project.task"]
            .with_context(active_test=False)
            .search([("partner_id", "in", partner_ids)])
        )
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

    def _sync_rows(self, partner_ids, uid):
        """The tasks that the synchronous path makes of the same selection, in
        a transaction that is rolled back."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, uid, {})
            env["ir.config_parameter"].sudo().set_param(JOB_THRESHOLD.key, str(10**9))
            env["accountancy.task.generation.wizard"].create(
                {"year": self.year, "partner_ids": [Command.set(partner_ids)]}
            ).action_generate()
            rows = self._task_rows(env, partner_ids)
            cr.rollback()
        # The parameter's value read in that transaction stays in the cache.
        self.registry.clear_cache()
        return rows

    def _hold_plan(self, partner_id):
        """Lock the service plan of ``partner_id`` in a transaction of the
        test's own: the batch of that client waits for it when it inserts the
        client's tasks (their foreign key), after its other work. The start of
        the run does not touch plans."""
        connection = self._connect()
        connection.cursor().execute(
            "SELECT id FROM accountancy_service_plan"
            " WHERE partner_id = %s AND year = %s FOR UPDATE",
            [partner_id, self.year],
        )
        return connection

    def _terminate_waiting(self, holder, monitor, run_id):
        """Wait until backends wait for a lock of ``holder`` and the other
        batches of the run are done (so that the run row is free), then
        terminate the waiting ones as an administrator (or a restart of
        PostgreSQL) would; return their pids."""
        cursor = monitor.cursor()

        def others_done():
            cursor.execute(
                "SELECT array_agg(state ORDER BY sequence)"
                " FROM accountancy_job_run_batch WHERE run_id = %s",
                [run_id],
            )
            states = cursor.fetchone()[0] or []
            return states[1:] and set(states[1:]) == {"done"}

        self.assertTrue(wait_until(others_done, TIMEOUT))
        holder_cursor = holder.cursor()
        holder_cursor.execute("SELECT pg_backend_pid()")
        holder_pid = holder_cursor.fetchone()[0]

        def waiting():
            cursor.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE %s = ANY(pg_blocking_pids(pid))",
                [holder_pid],
            )
            return [row[0] for row in cursor.fetchall()]

        pids = wait_until(waiting, TIMEOUT)
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])
        return pids

    def _committed_count(self, monitor, table, partner_ids):
        """The rows of ``table`` of ``partner_ids`` that are committed."""
        query = SQL(
            "SELECT count(*) FROM %s WHERE partner_id = ANY(%s)",
            SQL.identifier(table),
            partner_ids,
        )
        cursor = monitor.cursor()
        cursor.execute(query.code, query.params)
        return cursor.fetchone()[0]

    def _run_state(self, run_id):
        def state(env):
            run = env["accountancy.job.run"].browse(run_id)
            return run.state != "running" and run.state

        return wait_until(lambda: self._committed(state), TIMEOUT)

    def _run_outcome(self, run_id, partner_ids):
        def outcome(env):
            run = env["accountancy.job.run"].browse(run_id)
            jobs = env["queue.job"].search(
                [("uuid", "in", run.batch_ids.mapped("job_uuid"))]
            )
            return {
                "batches": run.batch_ids.mapped("state"),
                "errors": run.batch_ids.mapped("error"),
                "jobs": sorted(jobs.mapped("state")),
                "retries": max(jobs.mapped("retry")),
                "rows": self._task_rows(env, partner_ids),
                # The messages telling the starter that the run has ended.
                "messages": env["mail.message"].search_count(
                    [
                        ("model", "=", run._name),
                        ("res_id", "=", run.id),
                        ("partner_ids", "in", run.user_id.partner_id.ids),
                    ]
                ),
            }

        return self._committed(outcome)

    def test_lost_connection_is_retried_to_the_same_result(self):
        partner_ids = self._committed(self._setup)
        admin = self._committed(lambda env: env.ref("base.user_admin").id)
        expected = self._sync_rows(partner_ids, admin)
        self.assertEqual(len(expected), CLIENTS * 17)
        first_batch = partner_ids[:2]
        monitor = self._connect(autocommit=True)
        holder = self._hold_plan(first_batch[1])
        run_id = self._committed(lambda env: self._start(env, partner_ids), uid=admin)
        self.assertTrue(self._terminate_waiting(holder, monitor, run_id))
        # The batch had made projects and tasks: none of them is kept.
        self.assertEqual(self._committed_count(monitor, "project_task", first_batch), 0)
        self.assertEqual(
            self._committed_count(monitor, "project_project", first_batch), 0
        )
        holder.rollback()
        self.assertEqual(self._run_state(run_id), "done")
        outcome = self._run_outcome(run_id, partner_ids)
        # The job of the first batch ran again (queue_job's retry), and the
        # end result is the synchronous one, every task once.
        self.assertEqual(outcome["jobs"], ["done"] * 3)
        self.assertGreaterEqual(outcome["retries"], 2)
        self.assertEqual(outcome["rows"], expected)
        self.assertEqual(outcome["messages"], 1)

    def test_job_given_up_reports_the_batch_and_is_retried(self):
        """With its retries used up, the job of the batch fails for good: the
        run does not stay running but ends failed with the batch's error, and
        a retry brings the synchronous result."""
        partner_ids = self._committed(self._setup)
        self._committed(
            lambda env: env["ir.config_parameter"].set_param(JOB_MAX_RETRIES.key, "1")
        )
        admin = self._committed(lambda env: env.ref("base.user_admin").id)
        expected = self._sync_rows(partner_ids, admin)
        first_batch = partner_ids[:2]
        monitor = self._connect(autocommit=True)
        holder = self._hold_plan(first_batch[1])
        run_id = self._committed(lambda env: self._start(env, partner_ids), uid=admin)
        self.assertTrue(self._terminate_waiting(holder, monitor, run_id))
        holder.rollback()
        self.assertEqual(self._run_state(run_id), "failed")
        outcome = self._run_outcome(run_id, partner_ids)
        self.assertEqual(outcome["batches"], ["failed", "done", "done"])
        self.assertIn("Max. retries (1) reached", outcome["errors"][0])
        self.assertEqual(outcome["jobs"], ["done", "done", "failed"])
        self.assertEqual(self._committed_count(monitor, "project_task", first_batch), 0)
        self.assertEqual(outcome["messages"], 1)

        def retry(env):
            run = env["accountancy.job.run"].browse(run_id)
            self.job_uuids += run.batch_ids.mapped("job_uuid")
            run.action_retry()

        self._committed(retry, uid=admin)
        self.assertEqual(self._run_state(run_id), "done")
        outcome = self._run_outcome(run_id, partner_ids)
        self.assertEqual(outcome["batches"], ["done"] * 3)
        self.assertEqual(outcome["rows"], expected)
        self.assertEqual(outcome["messages"], 2)
