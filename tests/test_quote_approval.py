from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import QuoteCommon, execute_kw


@tagged("post_install", "-at_install")
class TestQuoteApproval(QuoteCommon):
    def test_small_quote_needs_no_approval(self):
        order = self._quote(amount=10000)
        self.assertFalse(order.accountancy_approval_required)
        self.assertEqual(order.accountancy_approval_state, "draft")
        order.action_quotation_sent()
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        with self.assertRaises(UserError) as cm:
            self._quote(amount=500).action_accountancy_request_approval()
        self.assertIn("does not need approval", str(cm.exception))

    def test_threshold_zero_means_no_limit(self):
        self.env["ir.config_parameter"].set_param(
            "accountancy_crm.quote_approval_amount", "0"
        )
        order = self._quote(amount=1_000_000)
        self.assertFalse(order.accountancy_approval_required)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_unapproved_quote_cannot_be_sent_or_confirmed(self):
        order = self._quote(amount=12000)
        self.assertTrue(order.accountancy_approval_required)
        self.assertIn("total above", order.accountancy_approval_reason)
        for action in (
            order.action_quotation_send,
            order.action_quotation_sent,
            order.action_confirm,
        ):
            with self.subTest(action=action.__name__):
                with self.assertRaises(UserError) as cm:
                    action()
                message = str(cm.exception)
                self.assertIn("12,000.00", message)
                self.assertIn("Quote Manager", message)
                self.assertIn("Request approval", message)
                self.assertEqual(order.state, "draft")
        # The mail composer's path (it marks the quotation as sent) too.
        with self.assertRaises(UserError):
            order.with_context(mark_so_as_sent=True).message_post(body="Quotation")
        self.assertEqual(order.state, "draft")
        # A batch names the quotations.
        other = self._quote(amount=20000)
        with self.assertRaises(UserError) as cm:
            (order | other).action_quotation_sent()
        self.assertIn(other.name, str(cm.exception))
        self.assertEqual(set((order | other).mapped("state")), {"draft"})

    def test_threshold_in_company_currency(self):
        company = self.env.company
        other = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search(
                [("name", "in", ("EUR", "USD")), ("id", "!=", company.currency_id.id)],
                limit=1,
            )
        )
        other.active = True
        # 0.5 of the other currency per unit of the company currency.
        self.env["res.currency.rate"].create(
            {"currency_id": other.id, "rate": 0.5, "company_id": company.id}
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "Other currency quotes", "currency_id": other.id}
        )
        # 6,000 in the other currency = 12,000 in the company currency.
        order = self._quote(amount=6000, pricelist_id=pricelist.id)
        self.assertEqual(order.currency_id, other)
        self.assertTrue(order.accountancy_approval_required)
        same = self._quote(amount=6000)
        self.assertEqual(same.currency_id, company.currency_id)
        self.assertFalse(same.accountancy_approval_required)

    def test_request_approve_send_confirm(self):
        order = self._quote(amount=12000)
        order.with_user(self.salesman).action_accountancy_request_approval()
        self.assertEqual(order.accountancy_approval_state, "to_approve")
        self.assertEqual(order.accountancy_approval_requested_by_id, self.salesman)
        # The team leader is a manager: he gets the activity.
        self.assertEqual(order.accountancy_approver_id, self.sales_manager)
        activity = self._approval_activities(order)
        self.assertEqual(activity.user_id, self.sales_manager)
        with self.assertRaises(UserError) as cm:
            order.with_user(self.salesman).action_confirm()
        self.assertIn("waiting for approval", str(cm.exception))
        with self.assertRaises(UserError):
            order.with_user(self.salesman).action_accountancy_request_approval()

        order.with_user(self.sales_manager).action_accountancy_approve()
        self.assertEqual(order.accountancy_approval_state, "approved")
        self.assertEqual(order.accountancy_approved_by_id, self.sales_manager)
        self.assertEqual(order.accountancy_approved_amount, 12000)
        self.assertFalse(order.accountancy_approval_required)
        self.assertFalse(activity.exists())
        self.assertTrue(
            order.message_ids.filtered(
                lambda m: "Quotation approved by Quote Manager" in str(m.body)
            )
        )
        order.with_user(self.salesman).action_quotation_sent()
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_cancel_removes_approval_activity(self):
        order = self._quote(amount=12000)
        order.action_accountancy_request_approval()
        self.assertTrue(self._approval_activities(order))
        order.with_user(self.salesman).action_cancel()
        self.assertEqual(order.state, "cancel")
        self.assertFalse(self._approval_activities(order))
        self.assertFalse(order.accountancy_approval_required)

    def test_team_leader_not_manager_gets_no_activity(self):
        self.team.user_id = self.salesman_2
        order = self._quote(amount=12000)
        order.action_accountancy_request_approval()
        approver = order.accountancy_approver_id
        self.assertTrue(approver.has_group("accountancy_crm.group_manager"))
        self.assertEqual(self._approval_activities(order).user_id, approver)

    def test_non_manager_cannot_approve_or_reject(self):
        order = self._quote(amount=12000)
        order.with_user(self.salesman).action_accountancy_request_approval()
        for user in (self.salesman, self.salesman_2):
            with self.assertRaises(AccessError):
                order.with_user(user).action_accountancy_approve()
            with self.assertRaises(AccessError):
                order.with_user(user).action_accountancy_reject()
            with self.assertRaises(AccessError):
                order.with_user(user)._accountancy_reject("No")
        self.assertEqual(order.accountancy_approval_state, "to_approve")
        self.assertTrue(self._approval_activities(order))

    def test_manager_without_sales_rights_approves(self):
        """The approval is the manager's right, also when Sales gives him only
        read access to quotations."""
        manager = self.user_manager  # accountancy manager, no sales group
        self.assertFalse(manager.has_group("sales_team.group_sale_salesman"))
        order = self._quote(amount=12000)
        order.action_accountancy_request_approval()
        order.with_user(manager).action_accountancy_approve()
        self.assertEqual(order.accountancy_approval_state, "approved")
        self.assertEqual(order.accountancy_approved_by_id, manager)

    def test_only_waiting_quotes_are_approved(self):
        order = self._quote(amount=12000)
        with self.assertRaises(UserError) as cm:
            order.with_user(self.sales_manager).action_accountancy_approve()
        self.assertIn("waiting for approval", str(cm.exception))
        self.assertEqual(order.accountancy_approval_state, "draft")

    def test_reject_with_reason(self):
        order = self._quote(amount=12000)
        order.action_accountancy_request_approval()
        action = order.with_user(self.sales_manager).action_accountancy_reject()
        self.assertEqual(action["res_model"], "accountancy.quote.reject.wizard")
        wizard = (
            self.env["accountancy.quote.reject.wizard"]
            .with_user(self.sales_manager)
            .with_context(**action["context"])
            .create({"reason": "Hourly rate too low for this client"})
        )
        self.assertEqual(wizard.order_ids, order)
        wizard.action_reject()
        self.assertEqual(order.accountancy_approval_state, "rejected")
        self.assertEqual(
            order.accountancy_rejection_reason, "Hourly rate too low for this client"
        )
        self.assertFalse(self._approval_activities(order))
        message = order.message_ids.filtered(
            lambda m: "Quotation rejected by Quote Manager" in str(m.body)
        )
        self.assertIn("Hourly rate too low", str(message.body))
        self.assertIn(self.salesman.partner_id, message.partner_ids)
        with self.assertRaises(UserError) as cm:
            order.action_confirm()
        self.assertIn("rejected", str(cm.exception))
        self.assertIn("Hourly rate too low", str(cm.exception))
        # Changed and submitted again.
        order.order_line.price_unit = 15000
        order.action_accountancy_request_approval()
        self.assertEqual(order.accountancy_approval_state, "to_approve")
        self.assertFalse(order.accountancy_rejection_reason)

    def test_amount_rising_after_approval_needs_new_approval(self):
        order = self._quote(amount=12000)
        order.action_accountancy_request_approval()
        order.with_user(self.sales_manager).action_accountancy_approve()
        order.order_line.price_unit = 11000
        self.assertEqual(order.accountancy_approval_state, "approved")
        self.assertFalse(order.accountancy_approval_required)
        order.order_line.price_unit = 12500
        self.assertEqual(order.accountancy_approval_state, "draft")
        self.assertTrue(order.accountancy_approval_required)
        with self.assertRaises(UserError):
            order.action_quotation_sent()
        self.assertEqual(order.state, "draft")

    def test_partner_change_after_approval_needs_new_approval(self):
        # The list price: whether the new customer's pricelist recomputes the
        # line price or not, the total stays above the approval amount.
        self.product.list_price = 12000
        order = self._quote(amount=12000)
        order.action_accountancy_request_approval()
        order.with_user(self.sales_manager).action_accountancy_approve()
        order.partner_id = self._create_company(
            "Other Quote Client", relation_kind="client"
        )
        self.assertEqual(order.accountancy_approval_state, "draft")
        self.assertTrue(order.accountancy_approval_required)

    def test_copy_needs_new_approval(self):
        order = self._quote(amount=12000)
        order.action_accountancy_request_approval()
        order.with_user(self.sales_manager).action_accountancy_approve()
        copy = order.copy()
        self.assertEqual(copy.accountancy_approval_state, "draft")
        self.assertFalse(copy.accountancy_approved_by_id)
        self.assertTrue(copy.accountancy_approval_required)

    def test_no_self_approval(self):
        params = self.env["ir.config_parameter"]
        params.set_param("accountancy_crm.quote_approval_no_self", True)
        order = self._quote(amount=12000, user=self.sales_manager)
        order.with_user(self.sales_manager).action_accountancy_request_approval()
        # Not his own team leader: another manager gets the activity.
        self.assertNotEqual(order.accountancy_approver_id, self.sales_manager)
        with self.assertRaises(UserError) as cm:
            order.with_user(self.sales_manager).action_accountancy_approve()
        self.assertIn("own quotation", str(cm.exception))
        self.assertIn("Quote Manager Two", str(cm.exception))
        self.assertNotIn("Quote Manager,", str(cm.exception))
        self.assertEqual(order.accountancy_approval_state, "to_approve")
        self.assertFalse(order.accountancy_approved_by_id)
        self.assertTrue(self._approval_activities(order))
        # Another manager may; and without the setting he may himself.
        order.with_user(self.sales_manager_2).action_accountancy_approve()
        self.assertEqual(order.accountancy_approval_state, "approved")
        params.set_param("accountancy_crm.quote_approval_no_self", False)
        own = self._quote(amount=12000, user=self.sales_manager)
        own.with_user(self.sales_manager).action_accountancy_request_approval()
        self.assertEqual(own.accountancy_approver_id, self.sales_manager)
        own.with_user(self.sales_manager).action_accountancy_approve()
        self.assertEqual(own.accountancy_approval_state, "approved")

    def test_nobody_to_approve(self):
        """The only manager of the office may not approve his own quotation."""
        self.env["ir.config_parameter"].set_param(
            "accountancy_crm.quote_approval_no_self", True
        )
        manager_c2 = mail_new_test_user(
            self.env,
            login="quote_manager_c2",
            groups="accountancy_crm.group_manager,sales_team.group_sale_salesman",
            name="Quote Manager Office 2",
            company_id=self.company_2.id,
            company_ids=[(6, 0, self.company_2.ids)],
        )
        order = self._quote(
            amount=12000, user=manager_c2, company_id=self.company_2.id, team_id=False
        )
        self.assertTrue(order.accountancy_approval_required)
        with self.assertRaises(UserError) as cm:
            order.with_user(manager_c2).action_accountancy_request_approval()
        self.assertIn("Nobody can approve", str(cm.exception))
        self.assertIn("Second Office B.V.", str(cm.exception))
        self.assertEqual(order.accountancy_approval_state, "draft")
        self.assertFalse(self._approval_activities(order))

    def test_approval_filters(self):
        mine = self._quote(amount=12000)
        mine.action_accountancy_request_approval()
        self.team.user_id = self.sales_manager_2
        other = self._quote(amount=13000)
        other.action_accountancy_request_approval()
        not_requested = self._quote(amount=14000)
        quotes = mine | other | not_requested
        Order = self.env["sale.order"].with_user(self.sales_manager)
        to_approve = [
            ("accountancy_approval_state", "=", "to_approve"),
            ("state", "in", ("draft", "sent")),
        ]
        self.assertEqual(
            Order.search(to_approve + [("id", "in", quotes.ids)]),
            mine | other,
        )
        self.assertEqual(
            Order.search(
                to_approve
                + [
                    ("id", "in", quotes.ids),
                    ("accountancy_approver_id", "=", self.sales_manager.id),
                ]
            ),
            mine,
        )

    def test_new_client_rule(self):
        self.env["ir.config_parameter"].set_param(
            "accountancy_crm.quote_approval_new_client", True
        )
        unknown = self._create_company("Quote Walk-in B.V.")
        known = self._create_company("Quote Returning B.V.")
        contact = self._create_person("Quote Contact", parent_id=unknown.id)
        earlier = self._quote(partner=known, amount=100)
        earlier.action_accountancy_request_approval()
        earlier.with_user(self.sales_manager).action_accountancy_approve()
        earlier.action_confirm()
        orders = {
            "prospect": self._quote(partner=self.prospect, amount=100),
            "client": self._quote(partner=self.client, amount=100),
            "unknown": self._quote(partner=unknown, amount=100),
            "unknown contact": self._quote(partner=contact, amount=100),
            "bought before": self._quote(partner=known, amount=100),
        }
        expected = {
            "prospect": True,
            "client": False,
            "unknown": True,
            "unknown contact": True,
            "bought before": False,
        }
        for name, order in orders.items():
            with self.subTest(partner=name):
                self.assertEqual(order.accountancy_approval_required, expected[name])
        self.assertEqual(orders["prospect"].accountancy_approval_reason, "new client")
        with self.assertRaises(UserError) as cm:
            orders["prospect"].action_confirm()
        self.assertIn("new client", str(cm.exception))
        # Off again: only the amount counts.
        self.env["ir.config_parameter"].set_param(
            "accountancy_crm.quote_approval_new_client", False
        )
        self.env.invalidate_all()
        self.assertFalse(orders["prospect"].accountancy_approval_required)

    def test_settings(self):
        settings = self.env["res.config.settings"].create(
            {
                "accountancy_quote_approval_amount": 25000,
                "accountancy_quote_approval_new_client": True,
                "accountancy_quote_approval_no_self": True,
            }
        )
        settings.execute()
        self.assertEqual(
            self.env["sale.order"]._accountancy_approval_settings(),
            (25000.0, True, True),
        )
        with self.assertRaises(ValidationError) as cm:
            self.env["res.config.settings"].create(
                {"accountancy_quote_approval_amount": -1}
            ).execute()
        self.assertIn("cannot be negative", str(cm.exception))
        self.assertEqual(
            self.env["sale.order"]._accountancy_approval_settings()[0], 25000.0
        )

    def test_approval_check_query_count(self):
        """Checking a batch of quotations costs the same queries for 5 as for 20
        (with the new-client rule, which looks at the sales history)."""
        self.env["ir.config_parameter"].set_param(
            "accountancy_crm.quote_approval_new_client", True
        )

        def measure(size):
            partners = self.env["res.partner"].create(
                [
                    {"name": f"Quote Batch {size} {i}", "relation_kind": "client"}
                    if i % 2
                    else {"name": f"Quote Batch {size} {i}", "is_company": True}
                    for i in range(size)
                ]
            )
            orders = self.env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "order_line": [
                            (0, 0, {"product_id": self.product.id, "price_unit": 50})
                        ],
                    }
                    for partner in partners
                ]
            )
            counts = []
            for _round in range(2):
                self.env.invalidate_all()
                orders = orders.browse(orders.ids)
                self.env.flush_all()
                start = self.cr.sql_log_count
                required = orders.mapped("accountancy_approval_required")
                counts.append(self.cr.sql_log_count - start)
            self.assertEqual(sum(required), (size + 1) // 2)
            return min(counts)

        small, large = measure(5), measure(20)
        self.assertLessEqual(large, small)
        self.assertLess(large, 10)


@tagged("post_install", "-at_install")
class TestQuoteApprovalHttp(HttpCase, QuoteCommon):
    """The portal and the external API respect the approval."""

    def _execute_kw(self, login, model, method, args):
        """The external API as ``login`` (password: login + "_pw")."""
        user = self.env["res.users"].search([("login", "=", login)])
        return execute_kw(self, user, f"{login}_pw", model, method, args)

    @mute_logger("odoo.http")
    def test_non_manager_cannot_approve_over_rpc(self):
        order = self._quote(amount=12000)
        order.action_accountancy_request_approval()
        self.assertEqual(
            self._execute_kw(
                "quote_salesman",
                "sale.order",
                "action_accountancy_approve",
                [order.ids],
            ),
            "odoo.exceptions.AccessError",
        )
        self.assertEqual(
            self._execute_kw(
                "quote_salesman", "sale.order", "action_confirm", [order.ids]
            ),
            "odoo.exceptions.UserError",
        )
        self.env.invalidate_all()
        self.assertEqual(order.accountancy_approval_state, "to_approve")
        self.assertEqual(order.state, "draft")
        self.assertTrue(
            self._execute_kw(
                "quote_manager", "sale.order", "action_accountancy_approve", [order.ids]
            )
        )
        self.env.invalidate_all()
        self.assertEqual(order.accountancy_approval_state, "approved")

    def test_portal_refuses_to_sign_unapproved_quote(self):
        order = self._quote(amount=12000, require_signature=True, require_payment=False)
        url = order.get_portal_url()
        self.authenticate(None, None)
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn(order.name, page.text)
        self.assertNotIn('data-bs-target="#modalaccept"', page.text)
        result = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {
                "access_token": order.access_token,
                "name": "Quote Customer",
                "signature": "iVBORw0KGgo=",
            },
        )
        # a plain message that names nobody; the salesperson gets a to-do
        self.assertIn("cannot be accepted online", result["error"])
        for manager in (self.sales_manager, self.sales_manager_2):
            self.assertNotIn(manager.name, result["error"])
        self.assertEqual(order.activity_ids.user_id, self.salesman)
        self.env.invalidate_all()
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.signature)
        # Once approved, the customer can sign.
        order.action_accountancy_request_approval()
        order.with_user(self.sales_manager).action_accountancy_approve()
        self.assertTrue(order._has_to_be_signed())
        page = self.url_open(url)
        self.assertIn('data-bs-target="#modalaccept"', page.text)
