from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import BSN_VALID


@tagged("post_install", "-at_install")
class TestSecurityRpc(HttpCase):
    """The BSN is protected at the RPC boundary too, not only in Python."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_acc = mail_new_test_user(
            cls.env,
            login="rpc_acc_user",
            password="rpc_acc_user_pw",
            groups="accountancy_crm.group_user",
        )
        cls.user_fiscal = mail_new_test_user(
            cls.env,
            login="rpc_fiscal_user",
            password="rpc_fiscal_user_pw",
            groups="accountancy_crm.group_fiscal_data",
        )
        cls.person = cls.env["res.partner"].create(
            {"name": "Rpc Person", "bsn": BSN_VALID}
        )

    def _call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    @mute_logger("odoo.http", "odoo.models")
    def test_bsn_read_denied_for_accountancy_user(self):
        self.authenticate("rpc_acc_user", "rpc_acc_user_pw")
        # Other fields are readable...
        result = self._call_kw("res.partner", "read", [[self.person.id], ["name"]])
        self.assertEqual(result[0]["name"], "Rpc Person")
        # ...the BSN is not, through read nor through web_read nor search.
        with self.assertRaises(JsonRpcException) as cm:
            self._call_kw("res.partner", "read", [[self.person.id], ["bsn"]])
        self.assertEqual(str(cm.exception), "odoo.exceptions.AccessError")
        with self.assertRaises(JsonRpcException) as cm:
            self._call_kw(
                "res.partner",
                "web_read",
                [[self.person.id]],
                {"specification": {"name": {}, "bsn": {}}},
            )
        self.assertEqual(str(cm.exception), "odoo.exceptions.AccessError")
        with self.assertRaises(JsonRpcException) as cm:
            self._call_kw(
                "res.partner", "write", [[self.person.id], {"bsn": "123456782"}]
            )
        self.assertEqual(str(cm.exception), "odoo.exceptions.AccessError")
        self.person.invalidate_recordset()
        self.assertEqual(self.person.bsn, BSN_VALID)

    def test_bsn_read_allowed_for_fiscal_user(self):
        self.authenticate("rpc_fiscal_user", "rpc_fiscal_user_pw")
        result = self._call_kw("res.partner", "read", [[self.person.id], ["bsn"]])
        self.assertEqual(result[0]["bsn"], BSN_VALID)
        result = self._call_kw(
            "res.partner",
            "web_read",
            [[self.person.id]],
            {"specification": {"bsn": {}}},
        )
        self.assertEqual(result[0]["bsn"], BSN_VALID)
