import base64

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AccountancyCrmCommon


def _deferral_returns(case, count):
    """``count`` persons with an IB return on the deferral list, generated;
    accountancy users see their teams' clients only."""
    env = case.env
    env["res.config.settings"].create(
        {"group_accountancy_see_all_clients": False}
    ).execute()
    env["ir.config_parameter"].set_param("accountancy_crm.task_project_mode", "client")
    year = env["accountancy.service.plan"]._planning_year_range()[0]
    partners = env["res.partner"].create(
        [
            {"name": f"Secure fiscal {i}", "relation_kind": "client"}
            for i in range(count)
        ]
    )
    env["accountancy.service.plan"].create(
        [
            {
                "partner_id": p.id,
                "year": year,
                "state": "confirmed",
                "ib_return": True,
                "ib_deferral": True,
            }
            for p in partners
        ]
    )
    env["accountancy.task.generation.wizard"].create(
        {"year": year, "partner_ids": [(6, 0, partners.ids)]}
    ).action_generate()
    return partners


@tagged("post_install", "-at_install")
class TestFiscalCalendarAccess(AccountancyCrmCommon):
    """The monitor follows the clients' visibility and office for every group;
    the import is for accountancy users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners = _deferral_returns(cls, 2)
        cls.Monitor = cls.env["accountancy.fiscal.monitor"]
        cls.domain = [("partner_id", "in", cls.partners.ids)]

    def test_monitor_rows_per_group(self):
        self.env.flush_all()
        # 2 returns x 12 month ends.
        self.assertEqual(self.Monitor.search_count(self.domain), 24)
        self.assertEqual(
            self.Monitor.with_user(self.user_manager).search_count(self.domain), 24
        )
        # Not in the clients' teams: nothing of them.
        for user in (self.user_acc, self.user_fiscal, self.user_employee):
            self.assertEqual(
                self.Monitor.with_user(user).search_count(self.domain), 0, user.login
            )
        # Another office sees none of this office's returns.
        self.assertEqual(
            self.Monitor.with_user(self.user_company_2).search_count(self.domain), 0
        )
        # In the team of one client: that client's rows.
        self.employee.user_id = self.user_acc
        self.env["accountancy.assignment"].create(
            {
                "partner_id": self.partners[0].id,
                "employee_id": self.employee.id,
                "role_id": self.role_rlm.id,
                "year": self.this_year,
            }
        )
        self.env.invalidate_all()
        rows = self.Monitor.with_user(self.user_acc).search(self.domain)
        self.assertEqual(rows.partner_id, self.partners[0])
        # Read-only for everyone.
        with self.assertRaises(AccessError):
            self.Monitor.with_user(self.user_manager).create({})

    def test_import_for_accountancy_users(self):
        file = base64.b64encode(b"number,tax,year,filed_on\n")
        Import = self.env["accountancy.fiscal.filing.import"]
        with self.assertRaises(AccessError):
            Import.with_user(self.user_employee).create({"file": file})
        wizard = Import.with_user(self.user_acc).create({"file": file})
        # Another user cannot use someone's wizard.
        with self.assertRaises(AccessError):
            wizard.with_user(self.user_manager).read(["file"])

    def test_deferral_import_for_accountancy_users(self):
        file = base64.b64encode(b"number\n")
        Import = self.env["accountancy.fiscal.deferral.import"]
        vals = {"file": file, "tax": "ib", "tax_year": self.this_year - 1}
        with self.assertRaises(AccessError):
            Import.with_user(self.user_employee).create(vals)
        for user in (self.user_acc, self.user_fiscal, self.user_manager):
            wizard = Import.with_user(user).create(vals)
            self.assertEqual(
                wizard.action_import()["params"]["type"], "success", user.login
            )
        # Another user can neither read nor run someone's wizard.
        wizard = Import.with_user(self.user_acc).create(vals)
        with self.assertRaises(AccessError):
            wizard.with_user(self.user_manager).read(["file"])
        with self.assertRaises(AccessError):
            wizard.with_user(self.user_fiscal).action_import()

    def test_deferral_import_ticks_only_visible_clients(self):
        # An accountancy user outside the clients' teams does not find them:
        # their numbers are unknown to the user, nothing is ticked.
        plans = self.env["accountancy.service.plan"].search(
            [("partner_id", "in", self.partners.ids)]
        )
        plans.ib_deferral = False
        self.partners[0].rsin = "111222333"
        file = base64.b64encode(b"number\n111222333\n")
        wizard = (
            self.env["accountancy.fiscal.deferral.import"]
            .with_user(self.user_acc)
            .create({"file": file, "tax": "ib", "tax_year": plans[0].year})
        )
        with self.assertRaisesRegex(UserError, "no relation has RSIN 111222333"):
            wizard.action_import()
        self.assertFalse(any(plans.mapped("ib_deferral")))

    def test_mark_filed_refused_to_plain_employee(self):
        task = self.env["project.task"].search(
            [("partner_id", "in", self.partners.ids)], limit=1
        )
        with self.assertRaises(AccessError):
            task.with_user(self.user_employee).action_accountancy_mark_filed()
        self.assertFalse(task.accountancy_filed_on)


@tagged("post_install", "-at_install")
class TestFiscalCalendarRpc(HttpCase):
    """The same over JSON-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners = _deferral_returns(cls, 2)
        cls.user_acc = mail_new_test_user(
            cls.env,
            login="rpc_fiscal_acc",
            password="rpc_fiscal_acc_pw",
            groups="accountancy_crm.group_user",
        )
        cls.user_manager = mail_new_test_user(
            cls.env,
            login="rpc_fiscal_mgr",
            password="rpc_fiscal_mgr_pw",
            groups="accountancy_crm.group_manager",
        )
        cls.user_employee = mail_new_test_user(
            cls.env,
            login="rpc_fiscal_emp",
            password="rpc_fiscal_emp_pw",
            groups="base.group_user",
        )

    def _call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def _count(self):
        return self._call_kw(
            "accountancy.fiscal.monitor",
            "search_count",
            [[("partner_id", "in", self.partners.ids)]],
        )

    @mute_logger("odoo.http", "odoo.models")
    def test_rpc_deferral_import(self):
        # An accountancy user runs an own import over RPC; another's wizard
        # is refused.
        self.authenticate("rpc_fiscal_acc", "rpc_fiscal_acc_pw")
        wizard_id = self._call_kw(
            "accountancy.fiscal.deferral.import",
            "create",
            [
                {
                    "file": base64.b64encode(b"number\n").decode(),
                    "tax": "vpb",
                    "tax_year": fields.Date.today().year - 1,
                }
            ],
        )
        result = self._call_kw(
            "accountancy.fiscal.deferral.import", "action_import", [[wizard_id]]
        )
        self.assertEqual(result["params"]["type"], "success")
        self.authenticate("rpc_fiscal_mgr", "rpc_fiscal_mgr_pw")
        with self.assertRaises(JsonRpcException) as cm:
            self._call_kw(
                "accountancy.fiscal.deferral.import", "action_import", [[wizard_id]]
            )
        self.assertIn(
            str(cm.exception),
            ("odoo.exceptions.AccessError", "odoo.exceptions.MissingError"),
        )

    @mute_logger("odoo.http", "odoo.models")
    def test_rpc(self):
        self.authenticate("rpc_fiscal_mgr", "rpc_fiscal_mgr_pw")
        self.assertEqual(self._count(), 24)
        groups = self._call_kw(
            "accountancy.fiscal.monitor",
            "web_read_group",
            [[("partner_id", "in", self.partners.ids)]],
            {"fields": ["returns:sum", "filed:sum"], "groupby": ["tax_year", "tax"]},
        )
        self.assertEqual(groups["groups"][0]["returns"], 24)
        self.authenticate("rpc_fiscal_acc", "rpc_fiscal_acc_pw")
        self.assertEqual(self._count(), 0)
        self.authenticate("rpc_fiscal_emp", "rpc_fiscal_emp_pw")
        self.assertEqual(self._count(), 0)
        with self.assertRaises(JsonRpcException) as cm:
            self._call_kw(
                "accountancy.fiscal.filing.import",
                "create",
                [{"file": base64.b64encode(b"x").decode()}],
            )
        self.assertEqual(str(cm.exception), "odoo.exceptions.AccessError")
        with self.assertRaises(JsonRpcException) as cm:
            self._call_kw(
                "accountancy.fiscal.deferral.import",
                "create",
                [{"file": base64.b64encode(b"number\n").decode(), "tax": "ib"}],
            )
        self.assertEqual(str(cm.exception), "odoo.exceptions.AccessError")
        task = self.env["project.task"].search(
            [("partner_id", "in", self.partners.ids)], limit=1
        )
        with self.assertRaises(JsonRpcException) as cm:
            self._call_kw("project.task", "action_accountancy_mark_filed", [task.ids])
        self.assertEqual(str(cm.exception), "odoo.exceptions.AccessError")
