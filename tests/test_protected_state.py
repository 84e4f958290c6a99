"""State fields are set by their actions
only, and fields with groups are checked on create; tried as the user who
could exploit each, with ``with_user`` and over JSON-RPC, and nothing changes."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import BSN_VALID, AcceptanceCommon, execute_kw

USER_ERROR = "odoo.exceptions.UserError"
ACCESS_ERROR = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestProtectedState(HttpCase, AcceptanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = cls._create_salesman(
            "state_salesman", "State Salesman", password="state_salesman_pw"
        )
        cls.officer.password = "acc_compliance_pw"
        cls.product = cls._create_service_product("Annual accounts (state test)")
        cls._set_quote_approval(10000)

    def _rpc(self, user, password, model, method, args, kwargs=None):
        return execute_kw(self, user, password, model, method, args, kwargs)

    def _quote(self, amount):
        return self._create_quote(self.client, self.product, amount, user=self.salesman)

    # is_current, retention_until and the state of an acceptance

    @mute_logger("odoo.http")
    def test_acceptance_status_only_by_its_actions(self):
        draft = self._make(self.client)
        quote = self._quote(500)
        with self.assertRaises(UserError):
            quote.with_user(self.salesman).action_confirm()
        count = self.Acceptance.search_count([])
        attempts = (
            {"is_current": True},
            {"retention_until": "2099-12-31"},
            {"state": "accepted"},
            {"approved_by_id": self.officer_2.id},
        )
        for user, password in (
            (self.user_acc, "acc_user_pw"),
            (self.officer, "acc_compliance_pw"),
        ):
            for vals in attempts:
                with self.subTest(user=user.login, vals=vals):
                    with self.assertRaises(UserError):
                        draft.with_user(user).write(vals)
                    with self.assertRaises(UserError):
                        self.Acceptance.with_user(user).create(
                            dict({"partner_id": self.client.id}, **vals)
                        )
                    self.assertEqual(
                        self._rpc(
                            user,
                            password,
                            self.Acceptance._name,
                            "write",
                            [draft.ids, vals],
                        ),
                        USER_ERROR,
                    )
                    self.assertEqual(
                        self._rpc(
                            user,
                            password,
                            self.Acceptance._name,
                            "create",
                            [dict({"partner_id": self.client.id}, **vals)],
                        ),
                        USER_ERROR,
                    )
            # a default in the context
            self.assertEqual(
                self._rpc(
                    user,
                    password,
                    self.Acceptance._name,
                    "create",
                    [{"partner_id": self.client.id}],
                    {"context": {"default_state": "accepted"}},
                ),
                USER_ERROR,
            )
        # a copy with defaults (by an officer, who may read what is copied)
        self.assertEqual(
            self._rpc(
                self.officer,
                "acc_compliance_pw",
                self.Acceptance._name,
                "copy",
                [draft.ids],
                {"default": {"state": "accepted", "is_current": True}},
            ),
            USER_ERROR,
        )
        # an import is refused too (load reports the error, creates nothing)
        result = self.Acceptance.with_user(self.officer).load(
            ["partner_id/.id", "relationship_purpose", "state"],
            [[str(self.client.id), "Tax", "accepted"]],
        )
        self.assertFalse(result["ids"])
        self.assertIn("set by the application only", result["messages"][0]["message"])
        self.env.invalidate_all()
        self.assertEqual(self.Acceptance.search_count([]), count)
        self.assertEqual(draft.state, "draft")
        self.assertFalse(draft.is_current)
        self.assertFalse(draft.retention_until)
        self.assertFalse(draft.approved_by_id)
        self.assertEqual(self.client.acceptance_state, "pending")
        with self.assertRaises(UserError):
            quote.with_user(self.salesman).action_confirm()
        self.assertEqual(quote.state, "draft")
        # the actions still decide, with four eyes
        self._decide(draft)
        self.assertTrue(draft.is_current)
        quote.with_user(self.salesman).action_confirm()
        self.assertEqual(quote.state, "sale")

    # The approval of a relation

    @mute_logger("odoo.http")
    def test_relation_approval_only_by_its_actions(self):
        partner = self._create_company(
            "Waiting Relation B.V.", relation_kind="prospect"
        )
        partner.accountancy_state = "to_approve"
        with self.assertRaises(AccessError):
            partner.with_user(self.user_acc).action_accountancy_approve()
        for user, password in (
            (self.user_acc, "acc_user_pw"),
            (self.user_manager, "acc_manager_pw"),
        ):
            for state in ("approved", "rejected", False):
                with self.subTest(user=user.login, state=state):
                    with self.assertRaises(UserError):
                        partner.with_user(user).write({"accountancy_state": state})
                    self.assertEqual(
                        self._rpc(
                            user,
                            password,
                            "res.partner",
                            "write",
                            [partner.ids, {"accountancy_state": state}],
                        ),
                        USER_ERROR,
                    )
            self.assertEqual(
                self._rpc(
                    user,
                    password,
                    "res.partner",
                    "create",
                    [{"name": "Self-approved B.V.", "accountancy_state": "approved"}],
                ),
                USER_ERROR,
            )
            with self.assertRaises(UserError):
                self.Partner.with_user(user).with_context(
                    default_accountancy_state="approved"
                ).create({"name": "Self-approved B.V."})
        self.assertEqual(
            self._rpc(
                self.user_acc,
                "acc_user_pw",
                "res.partner",
                "action_accountancy_approve",
                [partner.ids],
            ),
            ACCESS_ERROR,
        )
        self.env.invalidate_all()
        self.assertEqual(partner.accountancy_state, "to_approve")
        self.assertFalse(self._count_partners(["Self-approved B.V."]))
        # entering a relation as waiting for approval grants nothing (the
        # intake wizard does so); the manager's button approves
        waiting = self.Partner.with_user(self.user_acc).create(
            {"name": "Entered Waiting B.V.", "accountancy_state": "to_approve"}
        )
        self.assertEqual(waiting.accountancy_state, "to_approve")
        partner.with_user(self.user_manager).action_accountancy_approve()
        self.assertEqual(partner.accountancy_state, "approved")

    # The approval of a quotation

    @mute_logger("odoo.http")
    def test_quote_approval_only_by_its_actions(self):
        self._decide(self._make(self.client))
        quote = self._quote(12000)
        self.assertTrue(quote.accountancy_approval_required)
        self_approval = {
            "accountancy_approval_state": "approved",
            "accountancy_approved_by_id": self.user_manager.id,
            "accountancy_approved_amount": 1000000,
        }
        attempts = [{fname: value} for fname, value in self_approval.items()] + [
            self_approval
        ]
        for vals in attempts:
            with self.subTest(vals=vals):
                with self.assertRaises(UserError):
                    quote.with_user(self.salesman).write(vals)
                self.assertEqual(
                    self._rpc(
                        self.salesman,
                        "state_salesman_pw",
                        "sale.order",
                        "write",
                        [quote.ids, vals],
                    ),
                    USER_ERROR,
                )
                self.assertEqual(
                    self._rpc(
                        self.salesman,
                        "state_salesman_pw",
                        "sale.order",
                        "copy",
                        [quote.ids],
                        {"default": vals},
                    ),
                    USER_ERROR,
                )
        count = self.env["sale.order"].search_count([])
        self.assertEqual(
            self._rpc(
                self.salesman,
                "state_salesman_pw",
                "sale.order",
                "create",
                [dict({"partner_id": self.client.id}, **self_approval)],
            ),
            USER_ERROR,
        )
        for method in ("action_confirm", "action_quotation_sent"):
            self.assertEqual(
                self._rpc(
                    self.salesman,
                    "state_salesman_pw",
                    "sale.order",
                    method,
                    [quote.ids],
                ),
                USER_ERROR,
            )
        self.env.invalidate_all()
        self.assertEqual(self.env["sale.order"].search_count([]), count)
        self.assertEqual(quote.accountancy_approval_state, "draft")
        self.assertFalse(quote.accountancy_approved_by_id)
        self.assertFalse(quote.accountancy_approved_amount)
        self.assertEqual(quote.state, "draft")
        # the buttons still work: request as the salesman, approve as manager
        quote.with_user(self.salesman).action_accountancy_request_approval()
        self.assertEqual(quote.accountancy_approval_state, "to_approve")
        manager = mail_new_test_user(
            self.env,
            login="state_sales_manager",
            groups="accountancy_crm.group_manager,sales_team.group_sale_salesman_all_leads",
        )
        quote.with_user(manager).action_accountancy_approve()
        self.assertEqual(quote.accountancy_approved_by_id, manager)
        quote.with_user(self.salesman).action_confirm()
        self.assertEqual(quote.state, "sale")

    # Fields with groups on create

    @mute_logger("odoo.http", "odoo.models")
    def test_field_groups_checked_on_create(self):
        Strategy = self.env["accountancy.strategy"]
        client = self._create_company("PEP Client B.V.", relation_kind="client")
        vals = {"partner_id": client.id, "is_pep": True}
        with self.assertRaises(AccessError):
            Strategy.with_user(self.user_acc).create(vals)
        with self.assertRaises(AccessError):
            Strategy.with_user(self.user_acc).with_context(default_is_pep=True).create(
                {"partner_id": client.id}
            )
        self.assertEqual(
            self._rpc(self.user_acc, "acc_user_pw", Strategy._name, "create", [vals]),
            ACCESS_ERROR,
        )
        self.assertEqual(
            self._rpc(
                self.user_acc,
                "acc_user_pw",
                Strategy._name,
                "create",
                [{"partner_id": client.id, "is_oob": True}],
            ),
            ACCESS_ERROR,
        )
        # the BSN of a relation: Fiscal data group only
        person = {"name": "BSN Person", "is_company": False, "bsn": BSN_VALID}
        with self.assertRaises(AccessError):
            self.Partner.with_user(self.user_acc).create(person)
        self.assertEqual(
            self._rpc(self.user_acc, "acc_user_pw", "res.partner", "create", [person]),
            ACCESS_ERROR,
        )
        self.assertFalse(Strategy.search([("partner_id", "=", client.id)]))
        self.assertFalse(self._count_partners(["BSN Person"]))
        # without the flag the user creates the strategy; a manager sets it
        strategy = Strategy.with_user(self.user_acc).create({"partner_id": client.id})
        strategy.with_user(self.user_manager).is_pep = True
        self.assertTrue(strategy.is_pep)

    # Snapshot links: a frozen file is made by freezing only

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.base.models.ir_attachment")
    def test_snapshot_only_by_freezing(self):
        Snapshot = self.env["accountancy.snapshot"]
        snapshot = Snapshot.create({"partner_id": self.client.id, "reason": "Yearly"})
        fnames = ["partner_id", "company_id", "user_id", "reason", "data_hash"]
        before = snapshot.read(fnames)
        other = self._create_company("Other Snapshot B.V.", relation_kind="client")
        count = Snapshot.search_count([])
        for vals in (
            {"partner_id": other.id},
            {"user_id": self.user_manager.id},
            {"data_json": "{}", "data_hash": "0" * 64},
        ):
            with self.subTest(vals=vals):
                for user, password in (
                    (self.user_acc, "acc_user_pw"),
                    (self.user_manager, "acc_manager_pw"),
                ):
                    self.assertEqual(
                        self._rpc(
                            user,
                            password,
                            Snapshot._name,
                            "write",
                            [snapshot.ids, vals],
                        ),
                        USER_ERROR,
                    )
                    if set(vals) <= {"partner_id", "reason"}:
                        # A client and a reason are what freezing gives.
                        continue
                    self.assertEqual(
                        self._rpc(
                            user,
                            password,
                            Snapshot._name,
                            "create",
                            [dict({"partner_id": other.id, "reason": "x"}, **vals)],
                        ),
                        USER_ERROR,
                    )
        # nor through its PDF, an attachment of the snapshot
        pdf = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", Snapshot._name),
                    ("res_id", "=", snapshot.id),
                    ("res_field", "=", "pdf_file"),
                ]
            )
        )
        self.assertEqual(len(pdf), 1)
        checksum = pdf.checksum
        self.assertEqual(
            self._rpc(
                self.user_acc,
                "acc_user_pw",
                "ir.attachment",
                "write",
                [pdf.ids, {"datas": "Zm9yZ2Vk"}],
            ),
            ACCESS_ERROR,
        )
        self.env.invalidate_all()
        self.assertEqual(pdf.checksum, checksum)
        self.assertEqual(snapshot.read(fnames), before)
        self.assertEqual(Snapshot.search_count([]), count)
