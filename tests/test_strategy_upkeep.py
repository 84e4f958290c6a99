from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AccountancyCrmCommon

UPDATE = "Update the client strategy"
FULL = "Full strategy update"


@tagged("post_install", "-at_install")
class TestStrategyRisks(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Strategy = cls.env["accountancy.strategy"]
        cls.user_compliance = mail_new_test_user(
            cls.env,
            login="acc_compliance",
            password="acc_compliance_pw",
            groups="accountancy_crm.group_compliance",
            name="Compliance Officer",
        )
        cls.client = cls._create_company("Risky B.V.", relation_kind="client")
        cls.strategy = cls.Strategy.create(
            {"partner_id": cls.client.id, "is_pep": True, "is_oob": True}
        )
        cls.crit_continuity = cls.env.ref("accountancy_crm.criterion_continuity")

    def _continuity_line(self, strategy):
        return strategy.line_ids.filtered(
            lambda line: line.criterion_id == self.crit_continuity
        )

    def test_compliance_group(self):
        group = self.env.ref("accountancy_crm.group_compliance")
        self.assertEqual(
            group.category_id,
            self.env.ref("accountancy_crm.module_category_accountancy"),
        )
        self.assertIn(self.env.ref("accountancy_crm.group_user"), group.implied_ids)
        # a row for the group on every model a user of the module has access to
        accesses = self.env["ir.model.access"].search([])
        user_models = accesses.filtered(
            lambda a: a.group_id == self.env.ref("accountancy_crm.group_user")
        ).model_id
        compliance_models = accesses.filtered(lambda a: a.group_id == group).model_id
        self.assertEqual(compliance_models, user_models)

    def test_pep_oob_hidden_from_plain_user(self):
        strategy = self.strategy.with_user(self.user_acc)
        self.assertEqual(strategy.read(["points"])[0]["points"], strategy.points)
        for field in ("is_pep", "is_oob"):
            with self.subTest(field=field):
                with self.assertRaises(AccessError):
                    strategy.read([field])
                with self.assertRaises(AccessError):
                    strategy.write({field: False})
                with self.assertRaises(AccessError):
                    strategy.search([(field, "=", True)])
        # the other risk data is open to every user of the module
        strategy.write(
            {
                "other_risk": True,
                "risk_category": "integrity",
                "risk_reason": "Cash business",
                "small_business": True,
            }
        )
        self.assertEqual(strategy.risk_category, "integrity")
        # the form opens without the protected fields
        with Form(strategy) as form:
            form.remark = "Seen"
        self.assertNotIn("is_pep", strategy.fields_get())

    def test_pep_oob_for_compliance_and_manager(self):
        for user in (self.user_compliance, self.user_manager):
            with self.subTest(user=user.login):
                strategy = self.strategy.with_user(user)
                values = strategy.read(["is_pep", "is_oob"])[0]
                self.assertTrue(values["is_pep"])
                self.assertTrue(values["is_oob"])
                strategy.write({"is_pep": False})
                self.assertFalse(strategy.is_pep)
                strategy.write({"is_pep": True})
                self.assertEqual(strategy.search([("is_pep", "=", True)]), strategy)
                with Form(strategy) as form:
                    form.is_oob = False
                self.assertFalse(strategy.is_oob)
                strategy.is_oob = True

    def test_continuity_follows_selection(self):
        strategy = self.strategy
        line = self._continuity_line(strategy)
        self.assertFalse(line.has_value)
        self.assertEqual(line.points, 0)
        strategy.continuity = "succession_arranged"
        self.assertEqual(line.value, 1)
        self.assertEqual(line.points, 2)
        self.assertEqual(line.note, "Computed from data")
        strategy.continuity = "uncertain"
        self.assertEqual(line.value, 0)
        self.assertTrue(line.has_value)
        self.assertEqual(line.points, 0)
        strategy.continuity = False
        self.assertFalse(line.has_value)
        # a manual line keeps its value: the selection does not override it
        line.write({"manual": True, "value": 1})
        strategy.continuity = "uncertain"
        self.assertEqual(line.value, 1)
        self.assertEqual(line.points, 2)
        # a new strategy starts with the line of its selection
        other = self.Strategy.create(
            {
                "partner_id": self.client.id,
                "year": self.this_year - 1,
                "continuity": "going_concern",
            }
        )
        self.assertEqual(self._continuity_line(other).points, 2)


@tagged("post_install", "-at_install")
class TestStrategyRisksRpc(HttpCase):
    """PEP and OOB are protected at the RPC boundary too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for login, group in (
            ("rpc_strategy_user", "accountancy_crm.group_user"),
            ("rpc_strategy_compliance", "accountancy_crm.group_compliance"),
        ):
            mail_new_test_user(
                cls.env, login=login, password=f"{login}_pw", groups=group
            )
        client = cls.env["res.partner"].create(
            {"name": "Rpc Risky B.V.", "is_company": True, "relation_kind": "client"}
        )
        cls.strategy = cls.env["accountancy.strategy"].create(
            {"partner_id": client.id, "is_pep": True}
        )

    def _read(self, fields):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw/accountancy.strategy/read",
            {
                "model": "accountancy.strategy",
                "method": "read",
                "args": [self.strategy.ids, fields],
                "kwargs": {},
            },
        )

    @mute_logger("odoo.http", "odoo.models")
    def test_pep_over_rpc(self):
        self.authenticate("rpc_strategy_user", "rpc_strategy_user_pw")
        self.assertEqual(self._read(["year"])[0]["year"], self.strategy.year)
        with self.assertRaises(JsonRpcException) as cm:
            self._read(["is_pep"])
        self.assertEqual(str(cm.exception), "odoo.exceptions.AccessError")
        self.authenticate("rpc_strategy_compliance", "rpc_strategy_compliance_pw")
        self.assertTrue(self._read(["is_pep"])[0]["is_pep"])


@tagged("post_install", "-at_install")
class TestStrategyUpkeep(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Strategy = cls.env["accountancy.strategy"]
        cls.Activity = cls.env["mail.activity"]
        cls.year = cls.this_year
        cls.user_rlm = mail_new_test_user(
            cls.env, login="acc_rlm", groups="accountancy_crm.group_user", name="RLM"
        )
        cls.user_rlm_2 = mail_new_test_user(
            cls.env,
            login="acc_rlm_2",
            groups="accountancy_crm.group_user",
            name="RLM 2",
        )
        cls.user_sales = mail_new_test_user(
            cls.env,
            login="acc_sales",
            groups="accountancy_crm.group_user",
            name="Sales",
        )
        cls.employee.user_id = cls.user_rlm
        cls.employee_2.user_id = cls.user_rlm_2
        cls.fresh = cls._client("Fresh B.V.")
        cls.stale = cls._client("Stale B.V.")
        cls.missing = cls._client("Missing B.V.")
        cls.last_year_only = cls._client("Last Year B.V.")
        cls.salesperson_only = cls._create_company(
            "Sales B.V.", relation_kind="client", user_id=cls.user_sales.id
        )
        cls.nobody = cls._create_company("Nobody B.V.", relation_kind="client")
        cls.prospect = cls._client("Prospect B.V.", relation_kind="prospect")
        cls.archived = cls._client("Archived B.V.")
        cls.archived.active = False
        # the salesperson is only the fallback of the relationship manager
        cls.fresh.user_id = cls.user_sales
        cls.stale.user_id = cls.user_sales
        # a relationship manager of last year does not count
        cls.env["accountancy.assignment"].create(
            {
                "partner_id": cls.salesperson_only.id,
                "role_id": cls.role_rlm.id,
                "employee_id": cls.employee_2.id,
                "year": cls.year - 1,
            }
        )
        strategies = cls.Strategy.create(
            [
                {"partner_id": cls.fresh.id},
                {"partner_id": cls.stale.id},
                {"partner_id": cls.last_year_only.id, "year": cls.year - 1},
            ]
        )
        strategies[0].updated_on = datetime(cls.year, 5, 1)
        strategies[1].updated_on = datetime(cls.year - 1, 11, 1)
        strategies[2].updated_on = datetime(cls.year, 5, 1)
        cls.mine = (
            cls.fresh
            | cls.stale
            | cls.missing
            | cls.last_year_only
            | cls.salesperson_only
            | cls.nobody
            | cls.prospect
            | cls.archived
        )

    @classmethod
    def _client(cls, name, relation_kind="client", employee=None):
        partner = cls._create_company(name, relation_kind=relation_kind)
        cls.env["accountancy.assignment"].create(
            {
                "partner_id": partner.id,
                "role_id": cls.role_rlm.id,
                "employee_id": (employee or cls.employee).id,
                "year": cls.year,
            }
        )
        return partner

    def _activities(self, partners=None):
        return self.Activity.search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", (partners or self.mine).ids),
            ]
        )

    def _run(self, day):
        with freeze_time(day):
            self.Strategy._cron_strategy_upkeep()

    def test_cron_record(self):
        cron = self.env.ref("accountancy_crm.ir_cron_strategy_upkeep")
        self.assertEqual(cron.model_id.model, "accountancy.strategy")
        self.assertEqual(cron.code, "model._cron_strategy_upkeep()")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "months"))

    def test_missing_and_stale(self):
        self._run(f"{self.year}-06-15 03:00:00")
        activities = self._activities()
        by_partner = {a.res_id: a for a in activities}
        self.assertEqual(
            set(by_partner),
            set(
                (
                    self.stale
                    | self.missing
                    | self.last_year_only
                    | self.salesperson_only
                ).ids
            ),
        )
        for activity in activities:
            self.assertEqual(activity.summary, UPDATE)
            self.assertEqual(
                activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo")
            )
            self.assertEqual(str(activity.date_deadline), f"{self.year}-06-29")
        # the relationship manager of this year, else the salesperson
        self.assertEqual(by_partner[self.stale.id].user_id, self.user_rlm)
        self.assertEqual(by_partner[self.missing.id].user_id, self.user_rlm)
        self.assertEqual(by_partner[self.salesperson_only.id].user_id, self.user_sales)
        # never twice while one is open; again once it is done
        self._run(f"{self.year}-07-15 03:00:00")
        self.assertEqual(self._activities(), activities)
        by_partner[self.stale.id].action_feedback(feedback="Updated")
        self._run(f"{self.year}-08-15 03:00:00")
        self.assertEqual(len(self._activities(self.stale)), 1)
        self.assertEqual(len(self._activities()), 4)

    def test_max_age_setting(self):
        self.env["ir.config_parameter"].set_param(
            "accountancy_crm.strategy_max_age_months", "1"
        )
        self._run(f"{self.year}-06-15 03:00:00")
        # the strategy of May 1st is now stale too
        self.assertIn(self.fresh.id, self._activities().mapped("res_id"))

    def test_full_update(self):
        self._run(f"{self.year}-09-01 03:00:00")
        activities = self._activities()
        self.assertEqual(
            set(activities.mapped("res_id")),
            set((self.fresh | self.stale | self.missing | self.last_year_only).ids)
            | {self.salesperson_only.id},
        )
        self.assertEqual(set(activities.mapped("summary")), {FULL})
        self.assertEqual(
            activities.filtered(lambda a: a.res_id == self.fresh.id).user_id,
            self.user_rlm,
        )
        self._run(f"{self.year}-09-20 03:00:00")
        self.assertEqual(self._activities(), activities)
        # the months come from the settings
        self.env["ir.config_parameter"].set_param(
            "accountancy_crm.strategy_full_update_months", "3"
        )
        activities.unlink()
        self._run(f"{self.year}-09-01 03:00:00")
        self.assertNotIn(FULL, self._activities().mapped("summary"))
        self._run(f"{self.year}-03-01 03:00:00")
        self.assertIn(FULL, self._activities().mapped("summary"))

    def test_settings(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.strategy_max_age_months, 6)
        self.assertEqual(settings.strategy_full_update_months, "9,2")
        for months in ("9,13", "sept", "0", "9;2"):
            with (
                self.subTest(months=months),
                self.assertRaisesRegex(ValidationError, "month numbers from 1 to 12"),
            ):
                self.env["res.config.settings"].create(
                    {"strategy_full_update_months": months}
                )
        for age in (0, 25):
            with (
                self.subTest(age=age),
                self.assertRaisesRegex(ValidationError, "between 1 and 24"),
            ):
                self.env["res.config.settings"].create({"strategy_max_age_months": age})
        self.env["res.config.settings"].create(
            {"strategy_max_age_months": 12, "strategy_full_update_months": "1, 7"}
        ).execute()
        self.assertEqual(self.Strategy._upkeep_settings(), (12, {1, 7}))
        # a parameter broken outside the settings falls back to the defaults
        params = self.env["ir.config_parameter"]
        params.set_param("accountancy_crm.strategy_max_age_months", "six")
        params.set_param("accountancy_crm.strategy_full_update_months", "x")
        self.assertEqual(self.Strategy._upkeep_settings(), (6, {9, 2}))

    def test_query_count_constant(self):
        day = f"{self.year}-06-15 03:00:00"
        self._run(day)  # every existing client has its activity now

        def make_clients(count, prefix):
            clients = self.Partner.create(
                [
                    {
                        "name": f"{prefix} {i}",
                        "is_company": True,
                        "relation_kind": "client",
                    }
                    for i in range(count)
                ]
            )
            self.env["accountancy.assignment"].create(
                [
                    {
                        "partner_id": client.id,
                        "role_id": self.role_rlm.id,
                        "employee_id": (self.employee if i % 2 else self.employee_2).id,
                        "year": self.year,
                    }
                    for i, client in enumerate(clients)
                ]
            )
            # some with a stale strategy of this year, some without
            strategies = self.Strategy.create(
                [{"partner_id": client.id} for client in clients[: count // 2]]
            )
            strategies.updated_on = datetime(self.year - 1, 1, 1)
            return clients

        def count(clients):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self._run(day)
            self.env.flush_all()
            self.assertEqual(len(self._activities(clients)), len(clients))
            return self.env.cr.sql_log_count - before

        count(make_clients(4, "Warm-up client"))
        with patch("odoo.models.UPDATE_BATCH_SIZE", 100_000):
            count_10 = count(make_clients(10, "Small client"))
            count_50 = count(make_clients(50, "Large client"))
        self.assertEqual(count_10, count_50)
