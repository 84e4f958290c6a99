from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import BSN_VALID, execute_kw

ACCESS_ERROR = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestAccessRpc(HttpCase):
    """What an accountancy user may not see stays hidden over the external
    JSON-RPC API (/jsonrpc, service object, execute_kw), whatever the method."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_acc = mail_new_test_user(
            cls.env,
            login="rpc_access_user",
            password="rpc_access_user_pw",
            # May export, so that a refused export is about the field.
            groups="accountancy_crm.group_user,base.group_allow_export",
        )
        cls.user_compliance = mail_new_test_user(
            cls.env,
            login="rpc_access_compliance",
            password="rpc_access_compliance_pw",
            groups="accountancy_crm.group_compliance",
        )
        employee = cls.env["hr.employee"].create(
            {"name": "Rpc Accountant", "user_id": cls.user_acc.id}
        )
        cls.client_team = cls.env["res.partner"].create(
            {"name": "Rpc Team Client", "is_company": True, "relation_kind": "client"}
        )
        cls.client_hidden = cls.env["res.partner"].create(
            {"name": "Rpc Hidden Client", "is_company": True, "relation_kind": "client"}
        )
        cls.person = cls.env["res.partner"].create(
            {
                "name": "Rpc Owner",
                "bsn": BSN_VALID,
                "parent_id": cls.client_team.id,
            }
        )
        cls.env["accountancy.assignment"].create(
            {
                "partner_id": cls.client_team.id,
                "role_id": cls.env.ref("accountancy_crm.role_acc").id,
                "employee_id": employee.id,
            }
        )
        cls.acceptance = cls.env["accountancy.client.acceptance"].create(
            {
                "partner_id": cls.client_team.id,
                "date": fields.Date.today(),
                "risk_class": "high",
            }
        )
        cls.strategy = cls.env["accountancy.strategy"].create(
            {"partner_id": cls.client_team.id, "is_pep": True}
        )
        cls.env["res.config.settings"].create(
            {"group_accountancy_see_all_clients": False}
        ).execute()

    def _execute_kw(self, login, model, method, args, kwargs=None):
        """The external API as ``login`` (password: login + "_pw")."""
        user = self.env["res.users"].search([("login", "=", login)])
        return execute_kw(self, user, f"{login}_pw", model, method, args, kwargs)

    @mute_logger("odoo.http")
    def test_bsn_not_readable_over_rpc(self):
        login = "rpc_access_user"
        person = [self.person.id]
        # The person itself is readable, so each refusal is about the BSN.
        self.assertEqual(
            self._execute_kw(login, "res.partner", "read", [person, ["name"]]),
            [{"id": self.person.id, "name": "Rpc Owner"}],
        )
        calls = {
            "read": ("read", [person, ["bsn"]], {}),
            "search_read": (
                "search_read",
                [[("id", "=", self.person.id)]],
                {"fields": ["name", "bsn"]},
            ),
            "export_data": ("export_data", [person, ["name", "bsn"]], {}),
            "read_group": (
                "read_group",
                [[("id", "=", self.person.id)], ["bsn"], ["bsn"]],
                {},
            ),
            "search on bsn": ("search", [[("bsn", "=", BSN_VALID)]], {}),
            "search_count on bsn": ("search_count", [[("bsn", "!=", False)]], {}),
        }
        for name, (method, args, kwargs) in calls.items():
            with self.subTest(call=name):
                self.assertEqual(
                    self._execute_kw(login, "res.partner", method, args, kwargs),
                    ACCESS_ERROR,
                )
        # Without the BSN, the export works.
        self.assertEqual(
            self._execute_kw(login, "res.partner", "export_data", [person, ["name"]]),
            {"datas": [["Rpc Owner"]]},
        )

    @mute_logger("odoo.http")
    def test_compliance_fields_not_readable_over_rpc(self):
        login = "rpc_access_user"
        ids = [self.acceptance.id]
        Model = "accountancy.client.acceptance"
        self.assertEqual(
            self._execute_kw(login, Model, "read", [ids, ["state"]]),
            [{"id": self.acceptance.id, "state": "draft"}],
        )
        calls = {
            "read": ("read", [ids, ["risk_class"]], {}),
            "search_read": (
                "search_read",
                [[("id", "in", ids)]],
                {"fields": ["state", "risk_class"]},
            ),
            "export_data": ("export_data", [ids, ["risk_class"]], {}),
            "read_group": ("read_group", [[], ["risk_class"], ["risk_class"]], {}),
            "search on risk_class": ("search", [[("risk_class", "=", "high")]], {}),
        }
        for name, (method, args, kwargs) in calls.items():
            with self.subTest(call=name):
                self.assertEqual(
                    self._execute_kw(login, Model, method, args, kwargs), ACCESS_ERROR
                )
        # The PEP flag of the strategy likewise.
        strategy = [self.strategy.id]
        for method, args, kwargs in (
            ("read", [strategy, ["is_pep"]], {}),
            ("search_read", [[("id", "in", strategy)]], {"fields": ["is_pep"]}),
            ("search", [[("is_pep", "=", True)]], {}),
        ):
            with self.subTest(call=f"strategy {method}"):
                self.assertEqual(
                    self._execute_kw(
                        login, "accountancy.strategy", method, args, kwargs
                    ),
                    ACCESS_ERROR,
                )
        # UBOs are for compliance officers only, as a whole model.
        self.assertEqual(
            self._execute_kw(
                login, "accountancy.client.acceptance.ubo", "search_read", [[]]
            ),
            ACCESS_ERROR,
        )
        # The compliance officer reads them.
        self.assertEqual(
            self._execute_kw(
                "rpc_access_compliance", Model, "read", [ids, ["risk_class"]]
            ),
            [{"id": self.acceptance.id, "risk_class": "high"}],
        )

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule")
    def test_hidden_client_not_readable_over_rpc(self):
        login = "rpc_access_user"
        self.assertEqual(
            self._execute_kw(
                login, "res.partner", "read", [[self.client_hidden.id], ["name"]]
            ),
            ACCESS_ERROR,
        )
        self.assertEqual(
            self._execute_kw(
                login,
                "res.partner",
                "search_read",
                [[("name", "like", "Rpc %Client")]],
                {"fields": ["name"]},
            ),
            [{"id": self.client_team.id, "name": "Rpc Team Client"}],
        )
        # The compliance officer reviews every client.
        self.assertEqual(
            self._execute_kw(
                "rpc_access_compliance",
                "res.partner",
                "read",
                [[self.client_hidden.id], ["name"]],
            ),
            [{"id": self.client_hidden.id, "name": "Rpc Hidden Client"}],
        )
