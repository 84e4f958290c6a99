from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from ..models.accountancy_job_run import JOB_BATCH_SIZE, JOB_THRESHOLD
from ..models.accountancy_kvk_client import KVK_TIMEOUT
from ..models.accountancy_strategy import STRATEGY_FULL_UPDATE_MONTHS
from ..models.accountancy_sync_message import SYNC_MAX_ATTEMPTS
from ..models.parameters import PARAMS, get_param
from ..models.sale_order import APPROVAL_NEW_CLIENT
from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class TestParameters(AccountancyCrmCommon):
    """Each system parameter of the module is defined once: the settings field
    shows the key and default of its definition, and the code reads the value
    through get_param, which falls back on the default."""

    def test_settings_fields_use_the_definitions(self):
        Settings = self.env["res.config.settings"]
        keys = set()
        for fname, field in Settings._fields.items():
            key = getattr(field, "config_parameter", None)
            if not (key and key.startswith("accountancy_crm.")):
                continue
            keys.add(key)
            with self.subTest(field=fname):
                self.assertIn(key, PARAMS)
                default = field.default(Settings) if field.default else False
                # An empty text is as unset as no default.
                self.assertEqual(default or False, PARAMS[key].default or False)
        self.assertGreaterEqual(len(keys), 15)

    def _set(self, param, text):
        self.env["ir.config_parameter"].set_param(param.key, text)

    def test_get_param(self):
        cases = [
            # (definition, stored text, value read)
            (JOB_THRESHOLD, False, 200),
            (JOB_THRESHOLD, "12", 12),
            (JOB_THRESHOLD, "-3", 0),
            (JOB_THRESHOLD, "many", 200),
            (JOB_BATCH_SIZE, "0", 1),
            (KVK_TIMEOUT, "30", 30),
            (KVK_TIMEOUT, "600", 10),
            (SYNC_MAX_ATTEMPTS, "500", 50),
            (STRATEGY_FULL_UPDATE_MONTHS, "3, 4", {3, 4}),
            (STRATEGY_FULL_UPDATE_MONTHS, "13", {9, 2}),
            (APPROVAL_NEW_CLIENT, "True", True),
            (APPROVAL_NEW_CLIENT, False, False),
        ]
        for param, text, value in cases:
            with self.subTest(key=param.key, text=text):
                self._set(param, text)
                self.assertEqual(get_param(self.env, param), value)

    def test_read_whoever_runs_it(self):
        """A user who may not read system parameters still gets the values."""
        self._set(JOB_THRESHOLD, "7")
        env = self.env(user=self.user_acc)
        self.assertFalse(env["ir.config_parameter"].has_access("read"))
        self.assertEqual(get_param(env, JOB_THRESHOLD), 7)


@tagged("post_install", "-at_install")
class TestManagerUsers(AccountancyCrmCommon):
    """This year's relationship manager of a client: one helper for the
    relation card, the strategy upkeep, the acceptance reviews and the task
    generation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clients = cls.Partner
        cls.managers = {}
        for index in range(10):
            user = mail_new_test_user(
                cls.env,
                login=f"house_rlm_{index}",
                groups="accountancy_crm.group_user",
                name=f"House RLM {index}",
            )
            employee = cls.env["hr.employee"].create(
                {"name": f"House RLM {index}", "user_id": user.id}
            )
            client = cls._create_company(f"House Client {index}")
            cls.env["accountancy.assignment"].create(
                {
                    "partner_id": client.id,
                    "role_id": cls.role_rlm.id,
                    "employee_id": employee.id,
                    "year": cls.this_year,
                }
            )
            cls.clients |= client
            cls.managers[client.id] = user
        # Last year's manager and another role do not count this year.
        cls.other = cls._create_company("House Other", user_id=cls.user_acc.id)
        for year, role in (
            (cls.this_year - 1, cls.role_rlm),
            (cls.this_year, cls.role_jrk),
        ):
            cls.env["accountancy.assignment"].create(
                {
                    "partner_id": cls.other.id,
                    "role_id": role.id,
                    "employee_id": cls.employee.id,
                    "year": year,
                }
            )
        cls.employee.user_id = cls.user_manager

    def test_managers(self):
        partners = self.clients | self.other
        self.assertEqual(partners._accountancy_manager_users(), self.managers)
        self.assertEqual(
            self.other._accountancy_manager_users(self.this_year - 1),
            {self.other.id: self.user_manager},
        )
        # The relation card falls back on the salesperson.
        self.assertEqual(self.other.accountancy_manager_user_id, self.user_acc)
        self.assertEqual(
            self.clients[0].accountancy_manager_user_id,
            self.managers[self.clients[0].id],
        )

    def test_query_count_does_not_grow(self):
        """Three queries (the user's time zone for this year, the assignments,
        the employees' users) for 1 or 10 clients, also through the computed
        field of the relation card."""
        self.clients._accountancy_manager_users()  # warm the caches
        for partners in (self.clients[:1], self.clients):
            self.env.invalidate_all()
            with self.assertQueryCount(3):
                partners._accountancy_manager_users()
            self.env.invalidate_all()
            partners.fetch(["user_id"])
            with self.assertQueryCount(3):
                partners.mapped("accountancy_manager_user_id")
