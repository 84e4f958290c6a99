from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user


@tagged("post_install", "-at_install")
class TestSalesTour(HttpCase):
    def test_sales_tour(self):
        env = self.env
        params = env["ir.config_parameter"]
        # The template's quotation (about 12,000) is above it.
        params.set_param("accountancy_crm.quote_approval_amount", "5000")
        # The client acceptance (Wwft) has its own tests and tour.
        params.set_param("accountancy_crm.acceptance_block_quote_confirm", "none")
        # Signed online, paid on the invoice.
        env.company.write(
            {"portal_confirmation_sign": True, "portal_confirmation_pay": False}
        )
        manager = mail_new_test_user(
            env,
            login="tour_quote_manager",
            password="tour_quote_manager",
            groups="accountancy_crm.group_manager,sales_team.group_sale_manager",
            name="Tour Quote Manager",
            email="tour.quote.manager@example.com",
        )
        client = env["res.partner"].create(
            {
                "name": "Tour Quote Client B.V.",
                "is_company": True,
                "relation_kind": "client",
                "email": "info@tourquoteclient.example.com",
            }
        )
        contact = env["res.partner"].create(
            {
                "name": "Tour Quote Contact",
                "parent_id": client.id,
                "email": "contact@tourquoteclient.example.com",
            }
        )
        customer = mail_new_test_user(
            env,
            login="tour_quote_customer",
            password="tour_quote_customer",
            groups="base.group_portal",
            partner_id=contact.id,
        )
        template = env.ref("accountancy_crm.sale_order_template_accountancy_services")
        campaign = env["utm.campaign"].create(
            {"name": "Tour Campaign", "accountancy_cost": 1000}
        )
        lead = env["crm.lead"].create(
            {
                "name": "Tour Quote Opportunity",
                "type": "opportunity",
                "partner_id": client.id,
                "user_id": manager.id,
                "expected_revenue": 15000,
                "campaign_id": campaign.id,
            }
        )
        env["accountancy.sales.target"].create(
            {
                "user_id": manager.id,
                "year": fields.Date.today().year,
                "amount": 100000,
                "won_count": 5,
            }
        )

        # Sending and signing attach the quotation's report: in tests Odoo
        # renders it as HTML, without wkhtmltopdf.
        self.start_tour("/odoo", "accountancy_sales_tour", login=manager.login)
        order = lead.order_ids
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "sent")
        self.assertEqual(order.accountancy_approval_state, "approved")
        self.assertEqual(order.accountancy_approved_by_id, manager)
        self.assertEqual(order.sale_order_template_id, template)
        precalculated = order.order_line.filtered("precalculation_line_ids")
        self.assertEqual(
            precalculated.product_id,
            env.ref("accountancy_crm.product_annual_accounts")
            | env.ref("accountancy_crm.product_vat_return")
            | env.ref("accountancy_crm.product_bookkeeping"),
        )
        self.assertGreater(order.amount_untaxed, 5000)
        self.assertTrue(lead.active)
        self.assertFalse(lead.stage_id.is_won)
        self.start_tour(
            f"/my/orders/{order.id}",
            "accountancy_sales_portal_tour",
            login=customer.login,
        )

        env.invalidate_all()
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.signature)
        self.assertIn("Tour Quote", order.signed_by)
        self.assertTrue(lead.active)
        self.assertTrue(lead.stage_id.is_won)
        self.assertEqual(lead.probability, 100)
        # The confirmation made the client's project, linked to the opportunity,
        # with a task per service line; the task of a pre-calculated line lists
        # its hours per role.
        project = lead.accountancy_project_id
        self.assertTrue(project)
        self.assertEqual(project.partner_id, client)
        self.assertEqual(order.project_id, project)
        self.assertEqual(len(project.task_ids), len(order.order_line))
        for line in precalculated:
            with self.subTest(line=line.product_id.name):
                task = line.task_id
                self.assertEqual(task.project_id, project)
                description = str(task.description)
                self.assertIn("Pre-calculated hours per role", description)
                for precalculation in line.precalculation_line_ids:
                    self.assertIn(
                        f"{precalculation.role_id.display_name}: "
                        f"{precalculation.hours:g} hours",
                        description,
                    )
        # The results: the campaign's return and the target against realised.
        self.assertEqual(campaign.accountancy_won_count, 1)
        self.assertEqual(campaign.accountancy_won_revenue, 15000)
        self.assertAlmostEqual(campaign.accountancy_roi, 14)
        self.start_tour(
            f"/odoo/action-accountancy_crm.utm_campaign_action_accountancy/{campaign.id}",
            "accountancy_sales_results_tour",
            login=manager.login,
        )
