"""The background runs over JSON-RPC, as the web client (and any other
software with a session) calls them, for a user of each group. Who may do
what (the access rights and record rules of security/):

- a portal user, or an internal user without an accountancy group: nothing
  (no read, no retry, no start);
- an accountancy user: reads the runs they started (and their batches) of
  their companies, retries those when failed, starts what their group may
  run (e.g. a strategy recompute, not task generation);
- an accountancy manager: reads and retries every run of their companies,
  starts every operation;
- nobody creates, writes or deletes runs or batches (the runs write
  themselves), and nobody reads or retries a run of another company or one
  they may not see.
"""

from odoo import Command, fields, http
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from ..models.accountancy_job_run import JOB_BATCH_SIZE, JOB_THRESHOLD
from .queue_job_helpers import Job

RUN = "accountancy.job.run"
BATCH = "accountancy.job.run.batch"
ACCESS_ERROR = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestJobRunRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.year = fields.Date.today().year
        env["ir.config_parameter"].set_param(JOB_THRESHOLD.key, "2")
        env["ir.config_parameter"].set_param(JOB_BATCH_SIZE.key, "2")
        cls.company = env.company
        cls.company_2 = env["res.company"].create({"name": "Runs Office Two B.V."})

        def user(login, groups, company=None):
            company = company or cls.company
            return mail_new_test_user(
                env,
                login=login,
                password=f"{login}_pw",
                groups=groups,
                name=login.replace("_", " ").title(),
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )

        cls.portal = user("runs_portal", "base.group_portal")
        cls.employee = user("runs_employee", "base.group_user")
        cls.accountant = user("runs_accountant", "accountancy_crm.group_user")
        cls.accountant_2 = user("runs_accountant_2", "accountancy_crm.group_user")
        cls.manager = user("runs_manager", "accountancy_crm.group_manager")
        cls.manager_2 = user(
            "runs_manager_2", "accountancy_crm.group_manager", company=cls.company_2
        )
        cls.clients = env["res.partner"].create(
            [
                {"name": f"Runs Client {index} B.V.", "relation_kind": "client"}
                for index in range(3)
            ]
        )
        env["accountancy.service.plan"].create(
            [
                {
                    "partner_id": client.id,
                    "year": cls.year,
                    "vat_frequency": "quarter",
                    "annual_accounts_engagement": "none",
                    "state": "confirmed",
                }
                for client in cls.clients
            ]
        )
        # A failed run of each of three starters (the runs as they are after
        # a failed batch), one of them in the other company.
        # Other years than the runs the tests start: one running run per
        # operation, year and company.
        cls.run_own = cls._failed_run(
            cls.accountant, "strategy_recompute", cls.year - 1
        )
        cls.run_other = cls._failed_run(
            cls.accountant_2, "strategy_recompute", cls.year - 2
        )
        cls.run_company_2 = cls._failed_run(
            cls.manager_2, "strategy_recompute", cls.year - 1, cls.company_2
        )
        cls.all_runs = cls.run_own | cls.run_other | cls.run_company_2

    @classmethod
    def _failed_run(cls, user, operation, year, company=None):
        return (
            cls.env[RUN]
            .sudo()
            .create(
                {
                    "operation": operation,
                    "year": year,
                    "user_id": user.id,
                    "company_id": (company or cls.company).id,
                    "state": "failed",
                    "partner_count": 1,
                    "batch_count": 1,
                    "batch_ids": [
                        Command.create(
                            {
                                "sequence": 0,
                                "partner_ids": cls.clients[:1].ids,
                                "state": "failed",
                                "error": "Failed in the fixture",
                            }
                        )
                    ],
                }
            )
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _login(self, user):
        self.authenticate(user.login, f"{user.login}_pw")

    def _call(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def _refused(self, model, method, args, kwargs=None):
        """The name of the exception of a call that must fail."""
        with self.assertRaises(JsonRpcException) as refusal:
            self._call(model, method, args, kwargs)
        return str(refusal.exception)

    def _seen(self, model):
        return {row["id"] for row in self._call(model, "search_read", [[], ["id"]])}

    def _states(self):
        self.env.invalidate_all()
        return (
            self.all_runs.mapped("state"),
            self.all_runs.batch_ids.mapped("state"),
        )

    def _assert_not_writable(self, run):
        """Nobody creates, writes or deletes runs or batches over RPC."""
        before = self._states()
        for model, record in ((RUN, run), (BATCH, run.batch_ids)):
            self.assertEqual(
                self._refused(
                    model,
                    "create",
                    [{"run_id": run.id}]
                    if model == BATCH
                    else [{"operation": "task_generation", "year": self.year}],
                ),
                ACCESS_ERROR,
            )
            self.assertEqual(
                self._refused(model, "write", [record.ids, {"state": "done"}]),
                ACCESS_ERROR,
            )
            self.assertEqual(self._refused(model, "unlink", [record.ids]), ACCESS_ERROR)
        # The job's own methods are private: not callable at all.
        for method in ("_accountancy_run", "_accountancy_job_failed"):
            self.assertEqual(
                self._refused(BATCH, method, [run.batch_ids.ids]), ACCESS_ERROR
            )
        self.assertEqual(self._states(), before)
        self.assertTrue(run.exists())

    def _start_recompute(self):
        wizard_id = self._call(
            "accountancy.strategy.recompute.wizard",
            "create",
            [{"year": self.year, "partner_ids": [Command.set(self.clients.ids)]}],
        )
        return self._call(
            "accountancy.strategy.recompute.wizard", "action_recompute", [[wizard_id]]
        )

    def _start_generation(self):
        wizard_id = self._call(
            "accountancy.task.generation.wizard",
            "create",
            [{"year": self.year, "partner_ids": [Command.set(self.clients.ids)]}],
        )
        return self._call(
            "accountancy.task.generation.wizard", "action_generate", [[wizard_id]]
        )

    def _started(self, operation, user):
        return self.env[RUN].search(
            [
                ("operation", "=", operation),
                ("year", "=", self.year),
                ("user_id", "=", user.id),
                ("state", "=", "running"),
            ]
        )

    # ------------------------------------------------------------------
    # The callers
    # ------------------------------------------------------------------

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.accountancy_crm")
    def test_portal_and_plain_employee_get_nothing(self):
        for user in (self.portal, self.employee):
            with self.subTest(user=user.login):
                self._login(user)
                before = self._states()
                for model in (RUN, BATCH):
                    self.assertEqual(
                        self._refused(model, "search_read", [[], ["id"]]),
                        ACCESS_ERROR,
                    )
                    self.assertEqual(
                        self._refused(
                            model,
                            "read",
                            [
                                (
                                    self.all_runs
                                    if model == RUN
                                    else self.all_runs.batch_ids
                                ).ids,
                                ["state"],
                            ],
                        ),
                        ACCESS_ERROR,
                    )
                self.assertEqual(
                    self._refused(RUN, "action_retry", [self.run_own.ids]),
                    ACCESS_ERROR,
                )
                self._assert_not_writable(self.run_own)
                for start in (self._start_recompute, self._start_generation):
                    with self.assertRaises(JsonRpcException) as refusal:
                        start()
                    self.assertEqual(str(refusal.exception), ACCESS_ERROR)
                self.assertEqual(self._states(), before)
                self.assertFalse(self.env[RUN].search([("state", "=", "running")]))

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.accountancy_crm")
    def test_accountancy_user_sees_and_retries_own_runs(self):
        self._login(self.accountant)
        self.assertEqual(self._seen(RUN), set(self.run_own.ids))
        self.assertEqual(self._seen(BATCH), set(self.run_own.batch_ids.ids))
        rows = self._call(RUN, "read", [self.run_own.ids, ["state", "failed_count"]])
        self.assertEqual(rows[0]["state"], "failed")
        for run in (self.run_other, self.run_company_2):
            self.assertEqual(
                self._refused(RUN, "read", [run.ids, ["state"]]), ACCESS_ERROR
            )
            self.assertEqual(
                self._refused(BATCH, "read", [run.batch_ids.ids, ["error"]]),
                ACCESS_ERROR,
            )
            self.assertEqual(
                self._refused(RUN, "action_retry", [run.ids]), ACCESS_ERROR
            )
        self.assertEqual(self.run_other.state, "failed")
        self._assert_not_writable(self.run_own)

        # The own failed run is retried: its batch gets a new job.
        old_job = self.run_own.batch_ids.job_uuid
        self.assertTrue(self._call(RUN, "action_retry", [self.run_own.ids]))
        self.env.invalidate_all()
        self.assertEqual(self.run_own.state, "running")
        batch = self.run_own.batch_ids
        self.assertEqual((batch.state, batch.error), ("pending", False))
        self.assertNotEqual(batch.job_uuid, old_job)
        job = self.env["queue.job"].search([("uuid", "=", batch.job_uuid)])
        self.assertEqual((job.state, job.user_id), ("pending", self.accountant))

        # Starting: a strategy recompute of more clients than the threshold
        # runs in the background as the user; task generation is for managers.
        action = self._start_recompute()
        self.assertEqual(action["tag"], "display_notification")
        run = self._started("strategy_recompute", self.accountant)
        self.assertEqual((run.batch_count, run.partner_count), (2, 3))
        self.assertEqual(run.company_id, self.company)
        with self.assertRaises(JsonRpcException) as refusal:
            self._start_generation()
        self.assertEqual(str(refusal.exception), ACCESS_ERROR)
        self.assertFalse(self._started("task_generation", self.accountant))
        self.assertEqual(self._seen(RUN), set((self.run_own | run).ids))

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.accountancy_crm")
    def test_manager_sees_and_retries_the_runs_of_the_company(self):
        self._login(self.manager)
        mine = self.run_own | self.run_other
        self.assertEqual(self._seen(RUN), set(mine.ids))
        self.assertEqual(self._seen(BATCH), set(mine.batch_ids.ids))
        self.assertEqual(
            self._refused(RUN, "read", [self.run_company_2.ids, ["state"]]),
            ACCESS_ERROR,
        )
        self.assertEqual(
            self._refused(RUN, "action_retry", [self.run_company_2.ids]),
            ACCESS_ERROR,
        )
        self.assertEqual(self.run_company_2.state, "failed")
        self._assert_not_writable(self.run_other)
        # Someone else's run of the company.
        self.assertTrue(self._call(RUN, "action_retry", [self.run_other.ids]))
        self.env.invalidate_all()
        self.assertEqual(self.run_other.state, "running")
        action = self._start_generation()
        self.assertEqual(action["tag"], "display_notification")
        run = self._started("task_generation", self.manager)
        self.assertEqual((run.batch_count, run.partner_count), (2, 3))
        self.assertEqual(len(run.batch_ids.mapped("job_uuid")), 2)

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.accountancy_crm")
    def test_manager_of_the_other_company(self):
        self._login(self.manager_2)
        self.assertEqual(self._seen(RUN), set(self.run_company_2.ids))
        for run in (self.run_own, self.run_other):
            self.assertEqual(
                self._refused(RUN, "action_retry", [run.ids]), ACCESS_ERROR
            )
        self.assertTrue(self._call(RUN, "action_retry", [self.run_company_2.ids]))
        self.env.invalidate_all()
        self.assertEqual(self.run_company_2.state, "running")

    # ------------------------------------------------------------------
    # A background import over JSON-RPC
    # ------------------------------------------------------------------

    def _import_over_rpc(self, names):
        """Import a CSV of relations named ``names`` as the web client's
        import screen does: the wizard, the file's upload, the import."""
        content = "name,is_company\n" + "".join(f"{name},1\n" for name in names)
        wizard_id = self._call(
            "base_import.import", "create", [{"res_model": "res.partner"}]
        )
        upload = self.url_open(
            "/base_import/set_file",
            data={"id": wizard_id, "csrf_token": http.Request.csrf_token(self)},
            files={"ufile": ("rpc-relations.csv", content.encode(), "text/csv")},
        )
        self.assertEqual(upload.status_code, 200, upload.text)
        return self._call(
            "base_import.import",
            "execute_import",
            [
                [wizard_id],
                ["name", "is_company"],
                ["name", "is_company"],
                {"has_headers": True, "separator": ",", "quoting": '"'},
            ],
        )

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.base_import")
    def test_background_import_over_rpc(self):
        names = [f"Rpc Import {index} B.V." for index in range(3)]
        Partner = self.env["res.partner"].with_context(active_test=False)
        for user in (self.portal, self.employee):
            with self.subTest(user=user.login):
                self._login(user)
                with self.assertRaises(JsonRpcException) as refusal:
                    self._import_over_rpc(names)
                self.assertEqual(str(refusal.exception), ACCESS_ERROR)
                self.assertFalse(self.env[RUN].search([("operation", "=", "import")]))
        self._login(self.accountant)
        result = self._import_over_rpc(names)
        self.assertEqual(result["messages"][0]["type"], "info", result["messages"])
        self.assertIn("in the background", result["messages"][0]["message"])
        run = self._started("import", self.accountant)
        self.assertEqual((run.row_count, run.batch_count), (3, 2))
        self.assertIn(run.id, self._seen(RUN))
        self._assert_not_writable(run)
        # Its rows (BSNs among them) stay with the batches' jobs.
        self.assertEqual(
            self._refused(BATCH, "read", [run.batch_ids.ids, ["import_file"]]),
            ACCESS_ERROR,
        )
        attachment = self.env["ir.attachment"].search(
            [
                ("res_model", "=", BATCH),
                ("res_id", "in", run.batch_ids.ids),
                ("res_field", "=", "import_file"),
            ]
        )
        self.assertEqual(len(attachment), 2)
        self.assertEqual(
            self._refused("ir.attachment", "read", [attachment[:1].ids, ["datas"]]),
            ACCESS_ERROR,
        )
        # Nobody else reads the run, not even a manager; nor can they import
        # meanwhile.
        self._login(self.manager)
        self.assertNotIn(run.id, self._seen(RUN))
        self.assertFalse(set(run.batch_ids.ids) & self._seen(BATCH))
        self.assertEqual(self._refused(RUN, "action_retry", [run.ids]), ACCESS_ERROR)
        self._login(self.accountant_2)
        self.assertNotIn(run.id, self._seen(RUN))
        with self.assertRaises(JsonRpcException) as refusal:
            self._import_over_rpc(names)
        self.assertEqual(str(refusal.exception), "odoo.exceptions.UserError")
        # The jobs import as the accountant, one batch after the other.
        self.assertEqual(
            len(
                self.env["queue.job"].search(
                    [("uuid", "in", run.batch_ids.mapped("job_uuid"))]
                )
            ),
            1,
        )
        for batch in run.batch_ids:
            # The job of the next batch is enqueued by the one before it.
            self.env.invalidate_all()
            Job.load(self.env, batch.job_uuid).perform()
        self.env.invalidate_all()
        self.assertEqual(run.batch_ids.mapped("state"), ["done", "done"])
        partners = Partner.search([("name", "in", names)])
        self.assertEqual(len(partners), 3)
        self.assertEqual(partners.create_uid, self.accountant)
