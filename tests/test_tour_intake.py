from odoo.tests import HttpCase, tagged

from .kvk_server import KvkTestServer, KvkTimeoutMixin


@tagged("post_install", "-at_install")
class TestIntakeTour(KvkTimeoutMixin, HttpCase):
    def test_intake_tour(self):
        Partner = self.env["res.partner"]
        # Already a relation: the tour sees the duplicate warning when it picks
        # this company's main branch.
        existing = Partner.create(
            {
                "name": "Bakkerij De Korenschoof (tour)",
                "is_company": True,
                "company_registry": "69599084",
                "kvk_branch_number": "000037178598",
            }
        )
        self.env.ref("base.user_admin").groups_id += self.env.ref(
            "sales_team.group_sale_salesman"
        )
        with KvkTestServer() as server:
            server.configure(self.env)
            self.start_tour("/odoo", "accountancy_intake_tour", login="admin")

        partner = Partner.search(
            [
                ("company_registry", "=", "69599084"),
                ("is_company", "=", True),
                ("id", "!=", existing.id),
            ]
        )
        self.assertEqual(len(partner), 1)
        self.assertEqual(partner.kvk_branch_number, "000037178601")
        self.assertEqual(partner.name, "Bakkerij De Korenschoof")
        self.assertEqual(partner.city, "Utrecht")
        self.assertEqual(partner.legal_form, "eenmanszaak")
        contact = partner.child_ids
        self.assertEqual(contact.name, "Tina Tour")
        self.assertEqual(contact.email, "tina@korenschoof.example.com")
        lead = self.env["crm.lead"].search([("partner_id", "=", partner.id)])
        self.assertEqual(lead.name, "Payroll for the market stall")
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.expected_revenue, 1200)
