"""One background run of real jobs: committed data, a real Odoo server with
queue_job's job runner on its own port, and the result checked in the
database once the runner has run the jobs. Everything the test commits is
removed again in its cleanup."""

import uuid
from datetime import date

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.tests.common import BaseCase, get_db_name, tagged
from odoo.tools import SQL, config

from ..models.accountancy_job_run import JOB_BATCH_SIZE, JOB_THRESHOLD

try:
    from job_server import job_server, wait_until
except ImportError:  # tools/ is on the path when run through the Makefile
    job_server = wait_until = None

TIMEOUT = 300
CLIENTS = 5


@tagged("post_install", "-at_install")
class TestJobRunEndToEnd(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def setUp(self):
        super().setUp()
        if job_server is None:
            self.skipTest("tools/job_server.py is not on the Python path")
        self.tag = f"Jobs e2e {uuid.uuid4().hex[:8]}"
        self.year = fields.Date.today().year
        self.addCleanup(self._cleanup)

    def _committed(self, func, uid=SUPERUSER_ID):
        with self.registry.cursor() as cr:
            return func(api.Environment(cr, uid, {}))

    def _setup(self, env):
        Param = env["ir.config_parameter"]
        self.params = {
            key: Param.get_param(key) for key in (JOB_THRESHOLD.key, JOB_BATCH_SIZE.key)
        }
        Param.set_param(JOB_THRESHOLD.key, "2")
        Param.set_param(JOB_BATCH_SIZE.key, "2")
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
                [("batch_ids.partner_ids", "in", partners.ids)]
            )
            uuids = runs.batch_ids.mapped("job_uuid")
            env["queue.job"].search([("uuid", "in", uuids)]).unlink()
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

        with job_server(config.rcfile, get_db_name(), channels="root:2"):
            state = wait_until(lambda: self._committed(ended), TIMEOUT)
        self.assertEqual(state, "done")

        def result(env):
            run = env["accountancy.job.run"].browse(run_id)
            jobs = env["queue.job"].search(
                [("uuid", "in", run.batch_ids.mapped("job_uuid"))]
            )
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
                tasks,
                max(group["__count"] for group in keys),
                notified,
            )

        # Three batches of two clients, each job run once and done; every task
        # exactly once (17 per plan); the starter told once.
        self.assertEqual(
            self._committed(result),
            (3, 3, ["done"] * 3, CLIENTS * 17, 1, 1),
        )
