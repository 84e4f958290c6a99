from odoo import http
from odoo.tests import HttpCase, tagged

from .common import QuoteCommon, png_signature


@tagged("post_install", "-at_install")
class QuoteOutcomeCommon(QuoteCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lost_reason = cls.env.ref(
            "accountancy_crm.crm_lost_reason_quotation_refused"
        )

    @classmethod
    def _opportunity(cls, user=None, **vals):
        return cls.env["crm.lead"].create(
            dict(
                {
                    "name": "Quote opportunity",
                    "type": "opportunity",
                    "partner_id": cls.client.id,
                    "user_id": (user or cls.salesman).id,
                    "team_id": cls.team.id,
                },
                **vals,
            )
        )

    def assertWon(self, lead):
        self.assertTrue(lead.active)
        self.assertTrue(lead.stage_id.is_won)
        self.assertEqual(lead.probability, 100)

    def assertOpen(self, lead):
        self.assertTrue(lead.active)
        self.assertFalse(lead.stage_id.is_won)
        self.assertFalse(lead.lost_reason_id)


@tagged("post_install", "-at_install")
class TestQuoteOutcome(QuoteOutcomeCommon):
    def test_confirmed_quote_wins_opportunity(self):
        lead = self._opportunity()
        order = self._quote(opportunity_id=lead.id)
        self.assertOpen(lead)
        order.with_user(self.salesman).action_confirm()
        self.assertWon(lead)

    def test_colleague_confirms_quote_of_my_opportunity(self):
        """The personal-leads rule does not stop the outcome: a colleague who
        may not write my opportunity still wins it by confirming the quote."""
        # A higher expected revenue: sale_crm does not update it (as the
        # salesman, which the rule would refuse too).
        lead = self._opportunity(user=self.salesman_2, expected_revenue=50000)
        order = self._quote(opportunity_id=lead.id, user=self.salesman)
        self.assertFalse(
            self.env["crm.lead"].with_user(self.salesman).search([("id", "=", lead.id)])
        )
        order.with_user(self.salesman).action_confirm()
        self.assertWon(lead)

    def test_cancel_loses_only_without_other_open_quote(self):
        lead = self._opportunity()
        first = self._quote(opportunity_id=lead.id)
        second = self._quote(opportunity_id=lead.id)
        first.with_user(self.salesman).action_cancel()
        self.assertEqual(first.state, "cancel")
        self.assertOpen(lead)
        second.with_user(self.salesman).action_quotation_sent()
        second.with_user(self.salesman).with_context(
            disable_cancel_warning=True
        ).action_cancel()
        self.assertFalse(lead.active)
        self.assertEqual(lead.probability, 0)
        self.assertEqual(lead.lost_reason_id, self.lost_reason)
        note = lead.message_ids.filtered(lambda m: second.name in str(m.body))
        self.assertIn("cancelled by Quote Salesman", str(note.body))

    def test_quote_waiting_for_approval_keeps_opportunity_open(self):
        lead = self._opportunity()
        waiting = self._quote(opportunity_id=lead.id, amount=12000)
        waiting.action_accountancy_request_approval()
        self._quote(opportunity_id=lead.id).action_cancel()
        self.assertOpen(lead)

    def test_cancel_after_confirmed_quote_keeps_it_won(self):
        lead = self._opportunity()
        confirmed = self._quote(opportunity_id=lead.id)
        other = self._quote(opportunity_id=lead.id)
        confirmed.action_confirm()
        other.action_cancel()
        self.assertWon(lead)

    def test_batch_cancel_of_several_opportunities(self):
        lead_a, lead_b = self._opportunity(name="A"), self._opportunity(name="B")
        orders = self._quote(opportunity_id=lead_a.id) | self._quote(
            opportunity_id=lead_b.id
        )
        self._quote(opportunity_id=lead_b.id)  # keeps B open
        orders.action_cancel()
        self.assertFalse(lead_a.active)
        self.assertEqual(lead_a.lost_reason_id, self.lost_reason)
        self.assertOpen(lead_b)

    def test_quote_without_opportunity(self):
        order = self._quote()
        order.action_cancel()
        self.assertEqual(order.state, "cancel")


@tagged("post_install", "-at_install")
class TestQuoteOutcomePortal(HttpCase, QuoteOutcomeCommon):
    """The customer signs or declines in the portal."""

    def test_customer_declines_in_portal(self):
        lead = self._opportunity()
        order = self._quote(opportunity_id=lead.id, require_signature=True)
        order.action_quotation_sent()
        self.authenticate(None, None)
        response = self.url_open(
            f"/my/orders/{order.id}/decline",
            data={
                "csrf_token": http.Request.csrf_token(self),
                "access_token": order._portal_ensure_token(),
                "decline_message": "We stay with our current accountant",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(order.state, "cancel")
        self.assertFalse(lead.active)
        self.assertEqual(lead.lost_reason_id, self.lost_reason)
        note = lead.message_ids.filtered(lambda m: order.name in str(m.body))
        self.assertIn("declined by the customer", str(note.body))
        self.assertIn("We stay with our current accountant", str(note.body))
        self.assertEqual(note.author_id, self.client)

    def test_customer_signs_in_portal(self):
        lead = self._opportunity()
        order = self._quote(
            opportunity_id=lead.id,
            amount=12000,
            require_signature=True,
            require_payment=False,
        )
        order.action_accountancy_request_approval()
        order.with_user(self.sales_manager).action_accountancy_approve()
        order.action_quotation_sent()
        self.authenticate(None, None)
        result = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {
                "access_token": order._portal_ensure_token(),
                "name": "Quote Customer",
                "signature": png_signature(),
            },
        )
        self.assertNotIn("error", result)
        self.env.invalidate_all()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.signed_by, "Quote Customer")
        self.assertWon(lead)
