from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import AccountancyCrmCommon
from .test_client_acceptance import AcceptanceCommon
from .test_quote_approval import QuoteCommon

TODO = "mail.mail_activity_data_todo"


class AutomationMixin:
    """The shipped example rules are inactive; a firm switches them on."""

    def _activate(self, xmlid):
        rule = self.env.ref(xmlid)
        self.assertFalse(rule.active, "the example rules ship inactive")
        rule.active = True
        return rule

    def _todos(self, records, summary):
        # Pending recomputations (such as the client type of a partner) run
        # at the latest when the request ends, and their rules with them.
        self.env.flush_all()
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", records._name),
                ("res_id", "in", records.ids),
                ("activity_type_id", "=", self.env.ref(TODO).id),
                ("summary", "=", summary),
            ]
        )


@tagged("post_install", "-at_install")
class TestClientTypeDownRule(AutomationMixin, AccountancyCrmCommon):
    """A client whose strategy gives a lower type than last year's."""

    SUMMARY = "Client type lower than last year"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Strategy = cls.env["accountancy.strategy"]
        cls.crit = {
            code: cls.env.ref(f"accountancy_crm.criterion_{code}")
            for code in ("ambassador", "continuity", "write_off", "payment")
        }
        cls.group = cls.env["accountancy.client.group"].create(
            {"name": "Test family Automation", "code": "TAUT"}
        )
        cls.client = cls._create_company(
            "Rule Client B.V.", relation_kind="client", client_group_id=cls.group.id
        )
        cls.rlm_user = cls.user_manager
        cls.rlm = cls.env["hr.employee"].create(
            {"name": "Rule Relationship Manager", "user_id": cls.rlm_user.id}
        )
        cls.env["accountancy.assignment"].create(
            {
                "partner_id": cls.client.id,
                "role_id": cls.role_rlm.id,
                "employee_id": cls.rlm.id,
                "year": cls.this_year,
            }
        )
        # Last year: type A (11 points, see test_strategy).
        cls.last_year = cls.Strategy.create(
            {"partner_id": cls.client.id, "year": cls.this_year - 1}
        )
        cls._score(
            cls.last_year,
            {"ambassador": 1, "continuity": 1, "write_off": 3, "payment": 20},
        )

    @classmethod
    def _score(cls, strategy, values):
        for code, value in values.items():
            strategy.line_ids.filtered(
                lambda line, code=code: line.criterion_id == cls.crit[code]
            ).write({"value": value})

    def test_manager_user_is_this_years_rlm(self):
        self.assertEqual(self.client.accountancy_manager_user_id, self.rlm_user)
        other = self._create_company("No Manager B.V.", user_id=self.user_acc.id)
        self.assertEqual(other.accountancy_manager_user_id, self.user_acc)

    def test_trend(self):
        self.assertFalse(self.client.client_type_trend)
        current = self.Strategy.create({"partner_id": self.client.id})
        self.assertEqual(self.client.client_type_trend, "down")
        self._score(
            current,
            {"ambassador": 1, "continuity": 1, "write_off": 3, "payment": 20},
        )
        self.assertEqual(self.client.client_type_id, self.last_year.client_type_id)
        self.assertEqual(self.client.client_type_trend, "same")
        self._score(self.last_year, {"ambassador": 0, "continuity": 0})
        self.assertEqual(self.client.client_type_trend, "up")

    def test_trend_not_set_by_hand(self):
        with self.assertRaisesRegex(UserError, "set by the application only"):
            self.client.with_user(self.user_manager).write(
                {"client_type_trend": "down"}
            )
        self.assertFalse(self.client.client_type_trend)

    def test_inactive_rule_does_nothing(self):
        self.Strategy.create({"partner_id": self.client.id})
        self.assertEqual(self.client.client_type_trend, "down")
        self.assertFalse(self._todos(self.client, self.SUMMARY))

    def test_active_rule_gives_rlm_a_todo(self):
        self._activate("accountancy_crm.automation_client_type_down")
        # This year's strategy, as a user scores a client: type D, lower.
        current = self.Strategy.with_user(self.user_manager).create(
            {"partner_id": self.client.id}
        )
        todo = self._todos(self.client, self.SUMMARY)
        self.assertEqual(len(todo), 1)
        self.assertEqual(todo.user_id, self.rlm_user)
        self.assertIn("lower type than last year", str(todo.note))
        # Scored up to last year's type: no new to-do.
        self._score(
            current,
            {"ambassador": 1, "continuity": 1, "write_off": 3, "payment": 20},
        )
        self.assertEqual(self.client.client_type_trend, "same")
        # Down again: the rule acts again on the change.
        todo.action_done()
        self._score(current, {"write_off": 40, "payment": 90})
        self.assertEqual(self.client.client_type_trend, "down")
        self.assertEqual(len(self._todos(self.client, self.SUMMARY)), 1)


@tagged("post_install", "-at_install")
class TestAcceptanceAcceptedRule(AutomationMixin, AcceptanceCommon):
    SUMMARY = "Send the engagement letter"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.user_id = cls.user_acc

    def test_inactive_rule_does_nothing(self):
        acceptance = self._decide(self._make(self.client))
        self.assertEqual(acceptance.state, "accepted")
        self.assertFalse(self._todos(acceptance, self.SUMMARY))

    def test_active_rule_on_accepted_only(self):
        self._activate("accountancy_crm.automation_acceptance_accepted")
        acceptance = self._make(self.client)
        acceptance.with_user(self.officer).action_submit()
        self.assertFalse(self._todos(acceptance, self.SUMMARY))
        acceptance.with_user(self.officer_2).action_approve()
        self.assertEqual(acceptance.state, "accepted")
        todo = self._todos(acceptance, self.SUMMARY)
        self.assertEqual(len(todo), 1)
        # No relationship manager this year: the client's salesperson.
        self.assertEqual(todo.user_id, self.user_acc)
        # A rejected client gets no engagement letter.
        refused = self._decide(
            self._make(self.client, decision="reject", decision_reason="Unknown UBO")
        )
        self.assertEqual(refused.state, "rejected")
        self.assertFalse(self._todos(refused, self.SUMMARY))

    def test_state_not_set_by_hand_even_with_rule(self):
        self._activate("accountancy_crm.automation_acceptance_accepted")
        acceptance = self._make(self.client)
        with self.assertRaisesRegex(UserError, "set by the application only"):
            acceptance.with_user(self.officer).write({"state": "accepted"})
        self.assertEqual(acceptance.state, "draft")
        self.assertFalse(self._todos(acceptance, self.SUMMARY))


@tagged("post_install", "-at_install")
class TestQuoteApprovedRule(AutomationMixin, QuoteCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.email = "quote.client@example.com"
        cls.template = cls.env.ref("accountancy_crm.mail_template_quote_approved")

    def _mails(self, orders):
        """E-mails to the client (the approver's to-do mails its approver)."""
        return self.env["mail.mail"].search(
            [
                ("model", "=", "sale.order"),
                ("res_id", "in", orders.ids),
                ("recipient_ids", "in", self.client.ids),
            ]
        )

    def _request_and_approve(self, order):
        order.with_user(self.salesman).action_accountancy_request_approval()
        self.assertFalse(self._mails(order))
        order.with_user(self.sales_manager).action_accountancy_approve()
        self.assertEqual(order.accountancy_approval_state, "approved")

    def test_inactive_rule_does_nothing(self):
        order = self._quote(amount=12000)
        self._request_and_approve(order)
        self.assertEqual(order.state, "draft")
        self.assertFalse(self._mails(order))

    def test_active_rule_mails_and_marks_sent(self):
        self._activate("accountancy_crm.automation_quote_approved_send")
        order = self._quote(amount=12000)
        self._request_and_approve(order)
        self.assertEqual(order.state, "sent")
        mail = self._mails(order)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.client)
        self.assertIn(order.name, mail.subject)
        self.assertIn(order.get_portal_url(), str(mail.body_html))
        self.assertIn(self.client, order.message_partner_ids)

    def test_active_rule_ignores_rejection_and_small_quotes(self):
        self._activate("accountancy_crm.automation_quote_approved_send")
        order = self._quote(amount=12000)
        order.with_user(self.salesman).action_accountancy_request_approval()
        order.with_user(self.sales_manager)._accountancy_reject("Too expensive")
        self.assertEqual(order.accountancy_approval_state, "rejected")
        small = self._quote(amount=500)
        small.with_user(self.salesman).action_quotation_sent()
        self.assertEqual(order.state, "draft")
        self.assertFalse(self._mails(order | small))

    def test_approval_not_set_by_hand_even_with_rule(self):
        self._activate("accountancy_crm.automation_quote_approved_send")
        order = self._quote(amount=12000)
        with self.assertRaisesRegex(UserError, "set by the application only"):
            order.with_user(self.salesman).write(
                {"accountancy_approval_state": "approved"}
            )
        self.assertEqual(order.state, "draft")
        self.assertFalse(self._mails(order))
