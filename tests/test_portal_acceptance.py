"""A client whose Wwft acceptance blocks confirming a
quotation cannot Accept & Sign it in the portal; a refusal after the signature
leaves nothing half-saved; the customer sees a plain message, the salesperson
gets a to-do. Through the real portal routes, as the client's portal user."""

from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AcceptanceCommon, png_signature

ACCEPT_BUTTON = 'data-bs-target="#modalaccept"'
SUMMARY = "Customer could not accept the quotation online"


@tagged("post_install", "-at_install")
class TestPortalAcceptance(HttpCase, AcceptanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.salesman = cls._create_salesman("portal_salesman", "Portal Salesman")
        cls.portal_user = mail_new_test_user(
            env,
            login="portal_customer",
            password="portal_customer_pw",
            groups="base.group_portal",
            name="Portal Customer",
        )
        cls.portal_user.partner_id.parent_id = cls.client
        cls.product = cls._create_service_product("Annual accounts (portal test)")
        cls.project_product = cls._create_service_product(
            "Advisory project (portal test)", service_tracking="project_only"
        )
        cls._set_quote_approval(0)

    def _sent_quote(self, product):
        order = self._create_quote(
            self.client,
            product,
            900,
            user_id=self.salesman.id,
            require_signature=True,
            require_payment=False,
        )
        order.action_quotation_sent()
        return order

    def _accept(self, order):
        return self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {
                "access_token": order._portal_ensure_token(),
                "name": "Portal Customer",
                "signature": png_signature(),
            },
        )

    def _assert_untouched(self, order, result):
        staff = (self.officer | self.officer_2 | self.salesman).mapped("name")
        self.assertIn("cannot be accepted online", result["error"])
        for name in staff:
            self.assertNotIn(name, result["error"])
        self.assertNotIn("Traceback", result["error"])
        self.env.invalidate_all()
        self.assertEqual(order.state, "sent")
        self.assertFalse(order.signature)
        self.assertFalse(order.signed_by)
        self.assertFalse(order.signed_on)
        self.assertFalse(
            order.message_ids.filtered(lambda m: "signed by" in str(m.body))
        )
        activity = order.activity_ids.filtered(lambda a: a.summary == SUMMARY)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesman)
        return activity

    def test_no_accept_and_sign_for_unaccepted_client(self):
        order = self._sent_quote(self.product)
        self.authenticate("portal_customer", "portal_customer_pw")
        page = self.url_open(order.get_portal_url())
        self.assertEqual(page.status_code, 200)
        self.assertIn(order.name, page.text)
        self.assertNotIn(ACCEPT_BUTTON, page.text)
        # the route itself refuses, also when called twice (one to-do)
        self._accept(order)
        activity = self._assert_untouched(order, self._accept(order))
        self.assertIn("client acceptance", str(activity.note))
        # once the client is accepted, the customer signs and it is confirmed
        self._decide(self._make(self.client))
        page = self.url_open(order.get_portal_url())
        self.assertIn(ACCEPT_BUTTON, page.text)
        result = self._accept(order)
        self.assertNotIn("error", result)
        self.env.invalidate_all()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.signed_by, "Portal Customer")

    def test_refusal_after_signature_leaves_nothing(self):
        """Confirming is allowed, but creating the quotation's project is not:
        Odoo stores the signature before confirming, the module undoes it."""
        self._set_mode("quote_confirm", "none")
        self._set_mode("project_create", "unaccepted")
        order = self._sent_quote(self.project_product)
        Project = self.env["project.project"]
        projects = Project.search_count([("partner_id", "=", self.client.id)])
        self.authenticate("portal_customer", "portal_customer_pw")
        page = self.url_open(order.get_portal_url())
        self.assertIn(ACCEPT_BUTTON, page.text)
        activity = self._assert_untouched(order, self._accept(order))
        self.assertIn("create a project", str(activity.note))
        self.assertEqual(
            Project.search_count([("partner_id", "=", self.client.id)]), projects
        )
        self.assertFalse(order.order_line.project_id)
        # the Accept & Sign button is still there for a new try
        page = self.url_open(order.get_portal_url())
        self.assertIn(ACCEPT_BUTTON, page.text)
