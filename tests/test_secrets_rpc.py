"""The KvK API is called only for accountancy users,
and no secret (KvK API key, sync endpoint secret, calendar feed token) is ever
returned to anyone but the users who manage it. Acting as the exploiting
users, over JSON-RPC (as other software would) and with ``with_user``."""

import json

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import execute_kw
from .kvk_server import KvkTestServer

KVK_KEY = "test-key"
SECRET = "endpoint-secret-0123456789abcdef"
DENIED = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestSecretsRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.kvk = KvkTestServer(api_key=KVK_KEY).start()
        cls.addClassCleanup(cls.kvk.stop)
        cls.kvk.configure(cls.env, api_key=KVK_KEY)

        def user(login, groups):
            # mail_new_test_user: the password is the login.
            return mail_new_test_user(cls.env, login=login, groups=groups)

        cls.portal = user("sec_portal", "base.group_portal")
        cls.employee = user("sec_employee", "base.group_user")
        cls.user_acc = user("sec_acc_user", "accountancy_crm.group_user")
        cls.manager = user("sec_manager", "accountancy_crm.group_manager")
        cls.admin = user("sec_admin", "base.group_system,accountancy_crm.group_manager")
        cls.Sector = cls.env["accountancy.sector"].with_context(active_test=False)
        cls.profile = cls.env["accountancy.intake.profile"].create(
            {
                "name": "Secrets intake",
                "relation_kind": "prospect",
                "create_contact": False,
                "create_opportunity": False,
            }
        )
        cls.endpoint = cls.env["accountancy.sync.endpoint"].create(
            {"name": "Secrets endpoint", "url": "https://erp.example.nl/h"}
        )
        cls.endpoint.sudo().secret = SECRET

    def setUp(self):
        super().setUp()
        self.kvk.requests.clear()

    def _rpc(self, user, model, method, *args, **kwargs):
        return execute_kw(self, user, user.login, model, method, list(args), kwargs)

    def assertNoSecret(self, answer, *secrets):
        text = json.dumps(answer, default=str)
        for secret in secrets:
            self.assertNotIn(secret, text)

    # ------------------------------------------------------------------
    # The KvK API only for accountancy users
    # ------------------------------------------------------------------
    @mute_logger("odoo.http")
    def test_kvk_client_is_not_callable_over_rpc(self):
        sectors = self.Sector.search_count([])
        calls = [
            ("search", [], {"name": "jansen"}),
            ("get_profile", ["68750110"], {}),
            ("get_branch_profile", ["000037178601"], {}),
            ("partner_values", [{"kvkNummer": "1"}], {"create_sector": True}),
            ("_kvk_search", [], {"name": "jansen"}),
            ("_kvk_profile", ["68750110"], {}),
            ("_kvk_partner_values", [{"kvkNummer": "1"}], {"create_sector": True}),
            ("_kvk_get", ["/api/v2/zoeken"], {}),
        ]
        for user in (self.portal, self.employee, self.user_acc, self.admin):
            for method, args, kwargs in calls:
                with self.subTest(user=user.login, method=method):
                    answer = self._rpc(
                        user, "accountancy.kvk.client", method, *args, **kwargs
                    )
                    # An exception's name, never a result.
                    self.assertIsInstance(answer, str)
                    self.assertTrue(answer.startswith(("odoo.", "builtins.")))
                    self.assertNoSecret(answer, KVK_KEY)
        self.assertEqual(self.kvk.requests, [], "no request reached the KvK")
        self.assertEqual(self.Sector.search_count([]), sectors)

    def test_kvk_client_refuses_users_without_accountancy_group(self):
        for user in (self.portal, self.employee):
            client = self.env["accountancy.kvk.client"].with_user(user)
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(AccessError, "Accountancy / User"):
                    client._kvk_search(name="jansen")
                with self.assertRaises(AccessError):
                    client._kvk_profile("68750110")
                with self.assertRaises(AccessError):
                    client._kvk_branch_profile("000037178601")
        self.assertEqual(self.kvk.requests, [])
        # The accountancy user's lookup does reach it, with the firm's key.
        self.env["accountancy.kvk.client"].with_user(self.user_acc)._kvk_search(
            name="jansen"
        )
        self.assertEqual(len(self.kvk.requests), 1)
        self.assertEqual(self.kvk.requests[0][2], KVK_KEY)

    @mute_logger("odoo.http")
    def test_intake_wizard_refused_without_accountancy_group(self):
        wizard = (
            self.env["accountancy.intake.wizard"]
            .with_user(self.user_acc)
            .create({"profile_id": self.profile.id, "search_kvk_number": "68750110"})
        )
        wizard.action_search()
        result = wizard.result_ids[:1]
        self.kvk.requests.clear()
        for user in (self.portal, self.employee):
            with self.subTest(user=user.login):
                self.assertEqual(
                    self._rpc(
                        user,
                        "accountancy.intake.wizard",
                        "create",
                        {"profile_id": self.profile.id, "search_name": "jansen"},
                    ),
                    DENIED,
                )
                for model, record, method in (
                    ("accountancy.intake.wizard", wizard, "action_search"),
                    ("accountancy.intake.wizard.result", result, "action_select"),
                ):
                    self.assertEqual(
                        self._rpc(user, model, method, record.ids), DENIED, method
                    )
        self.assertEqual(self.kvk.requests, [])
        self.assertEqual(wizard.state, "search")

    @mute_logger("odoo.http")
    def test_intake_wizard_creates_no_sector_for_a_user(self):
        """The wizard's sector code and name are the user's input: an
        accountancy user (who may not create sectors) gets none created."""
        sectors = self.Sector.search_count([])
        wizard_id = self._rpc(
            self.user_acc,
            "accountancy.intake.wizard",
            "create",
            {
                "profile_id": self.profile.id,
                "state": "relation",
                "name": "Crafted Sector B.V.",
                "sector_code": "99999",
                "sector_name": "Crafted by the user",
            },
        )
        self.assertIsInstance(wizard_id, int)
        # The KvK profile is no field of the wizard any more.
        self.assertEqual(
            self._rpc(
                self.user_acc,
                "accountancy.intake.wizard",
                "write",
                [wizard_id],
                {"kvk_profile": json.dumps({"kvkNummer": "1"})},
            ),
            "builtins.ValueError",
        )
        action = self._rpc(
            self.user_acc, "accountancy.intake.wizard", "action_create", [wizard_id]
        )
        partner = self.env["res.partner"].browse(action["res_id"])
        self.assertEqual(partner.name, "Crafted Sector B.V.")
        self.assertFalse(partner.sector_id)
        self.assertEqual(self.Sector.search_count([]), sectors)
        self.assertFalse(self.Sector.search([("code", "=", "99999")]))
        self.assertEqual(self.kvk.requests, [])

    # ------------------------------------------------------------------
    # The KvK API key
    # ------------------------------------------------------------------
    @mute_logger("odoo.http")
    def test_kvk_api_key_is_never_returned(self):
        # kvk_api_key is no field any more (a KeyError): the settings fields now.
        fnames = ["kvk_api_key_new", "kvk_api_key_set", "kvk_timeout"]
        for user in (self.portal, self.employee, self.user_acc, self.manager):
            with self.subTest(user=user.login):
                answer = self._rpc(user, "res.config.settings", "default_get", fnames)
                self.assertNoSecret(answer, KVK_KEY)
                answer = self._rpc(
                    user,
                    "ir.config_parameter",
                    "search_read",
                    [("key", "=", "accountancy_crm.kvk_api_key")],
                )
                self.assertEqual(answer, DENIED)
                self.assertNoSecret(
                    self.env["res.config.settings"].with_user(user).default_get(fnames),
                    KVK_KEY,
                )
        # An administrator's settings show whether a key is set, not the key.
        settings_id = self._rpc(self.admin, "res.config.settings", "create", {})
        answer = self._rpc(
            self.admin,
            "res.config.settings",
            "read",
            [settings_id],
            ["kvk_api_key_set", "kvk_api_key_new"],
        )
        self.assertEqual(answer[0]["kvk_api_key_set"], True)
        self.assertFalse(answer[0]["kvk_api_key_new"])
        self.assertNoSecret(answer, KVK_KEY)
        self.assertNoSecret(
            self._rpc(self.admin, "res.config.settings", "default_get", fnames),
            KVK_KEY,
        )

    @mute_logger("odoo.http")
    def test_kvk_api_key_replaced_by_administrators_only(self):
        params = self.env["ir.config_parameter"].sudo()
        for user in (self.portal, self.employee, self.user_acc, self.manager):
            with self.subTest(user=user.login):
                answer = self._rpc(
                    user,
                    "res.config.settings",
                    "create",
                    {"kvk_api_key_new": "stolen-key"},
                )
                self.assertEqual(answer, DENIED)
                with self.assertRaises(AccessError):
                    self.env["res.config.settings"].with_user(user).create(
                        {"kvk_api_key_new": "stolen-key"}
                    ).execute()
        self.assertEqual(params.get_param("accountancy_crm.kvk_api_key"), KVK_KEY)
        settings_id = self._rpc(
            self.admin, "res.config.settings", "create", {"kvk_api_key_new": " new "}
        )
        self._rpc(self.admin, "res.config.settings", "execute", [settings_id])
        self.assertEqual(params.get_param("accountancy_crm.kvk_api_key"), "new")
        # Forgotten on the settings record once stored.
        settings = self.env["res.config.settings"].browse(settings_id)
        self.assertFalse(settings.kvk_api_key_new)

    # ------------------------------------------------------------------
    # Sync endpoint secrets
    # ------------------------------------------------------------------
    @mute_logger("odoo.http")
    def test_endpoint_secret_is_never_returned(self):
        Endpoint = "accountancy.sync.endpoint"
        ids = self.endpoint.ids
        for user in (self.user_acc, self.manager, self.admin):
            with self.subTest(user=user.login):
                self.assertEqual(
                    self._rpc(user, Endpoint, "read", ids, ["secret"]), DENIED
                )
                self.assertEqual(
                    self._rpc(user, Endpoint, "search", [("secret", "=", SECRET)]),
                    DENIED,
                )
                answer = self._rpc(user, Endpoint, "search_read", [])
                self.assertNoSecret(answer, SECRET)
                answer = self._rpc(
                    user, Endpoint, "web_read", ids, {"secret_set": {}, "name": {}}
                )
                self.assertNoSecret(answer, SECRET)
                with self.assertRaises(AccessError):
                    self.endpoint.with_user(user).secret  # noqa: B018
        answer = self._rpc(self.manager, Endpoint, "read", ids, ["secret_set"])
        self.assertTrue(answer[0]["secret_set"])
        # Other users cannot replace it.
        for user in (self.portal, self.employee, self.user_acc):
            for method, args in (
                ("write", [ids, {"new_secret": "x" * 32}]),
                ("write", [ids, {"secret": "x" * 32}]),
                ("action_generate_secret", [ids]),
            ):
                with self.subTest(user=user.login, method=method):
                    self.assertEqual(self._rpc(user, Endpoint, method, *args), DENIED)
        self.assertEqual(self.endpoint.sudo().secret, SECRET)

    @mute_logger("odoo.http")
    def test_endpoint_secret_replaced_by_managers(self):
        Endpoint = "accountancy.sync.endpoint"
        ids = self.endpoint.ids
        new = "agreed-with-receiver-0123456789"
        self.assertTrue(
            self._rpc(self.manager, Endpoint, "write", ids, {"new_secret": new})
        )
        self.assertEqual(self.endpoint.sudo().secret, new)
        # Too short: refused as before.
        answer = self._rpc(
            self.manager, Endpoint, "write", ids, {"new_secret": "short"}
        )
        self.assertEqual(answer, "odoo.exceptions.ValidationError")
        self.assertEqual(self.endpoint.sudo().secret, new)
        # A random one is shown once, to the manager who asked for it.
        action = self._rpc(self.manager, Endpoint, "action_generate_secret", ids)
        generated = self.endpoint.sudo().secret
        self.assertNotEqual(generated, new)
        self.assertIn(generated, action["params"]["message"])
        self.assertNoSecret(
            self._rpc(self.manager, Endpoint, "search_read", []), generated
        )

    # ------------------------------------------------------------------
    # Calendar feed tokens
    # ------------------------------------------------------------------
    @mute_logger("odoo.http")
    def test_calendar_token_only_for_its_user(self):
        self.user_acc.with_user(self.user_acc).action_accountancy_ical_renew()
        token = self.user_acc.sudo().accountancy_ical_token
        self.assertTrue(token)
        ids = self.user_acc.ids
        own = self._rpc(
            self.user_acc, "res.users", "read", ids, ["accountancy_ical_url"]
        )
        self.assertIsInstance(own, list, own)
        self.assertTrue(own[0]["accountancy_ical_url"].endswith(f"/{token}.ics"))
        for user in (self.admin, self.manager, self.employee):
            with self.subTest(user=user.login):
                self.assertEqual(
                    self._rpc(
                        user, "res.users", "read", ids, ["accountancy_ical_token"]
                    ),
                    DENIED,
                )
                answer = self._rpc(
                    user,
                    "res.users",
                    "read",
                    ids,
                    ["accountancy_ical_url", "accountancy_ical_active"],
                )
                self.assertFalse(answer[0]["accountancy_ical_url"])
                self.assertTrue(answer[0]["accountancy_ical_active"])
                self.assertNoSecret(
                    self._rpc(user, "res.users", "search_read", [("id", "in", ids)]),
                    token,
                )
                self.assertEqual(
                    self._rpc(
                        user,
                        "res.users",
                        "search",
                        [("accountancy_ical_token", "=like", token[:4] + "%")],
                    ),
                    DENIED,
                )
                self.assertFalse(self.user_acc.with_user(user).accountancy_ical_url)
        # The administrator's user form holds no one else's address.
        arch = self._rpc(self.admin, "res.users", "get_views", [[False, "form"]])[
            "views"
        ]["form"]["arch"]
        self.assertNotIn("accountancy_ical_url", arch)
        # Nobody reads the token itself, its own user included.
        self.assertEqual(
            self._rpc(
                self.user_acc, "res.users", "read", ids, ["accountancy_ical_token"]
            ),
            DENIED,
        )
        self.assertEqual(self.user_acc.sudo().accountancy_ical_token, token)
        # A portal user gets no feed.
        with self.assertRaises(AccessError):
            self.portal.with_user(self.portal).action_accountancy_ical_renew()
        self.assertFalse(self.portal.sudo().accountancy_ical_token)
