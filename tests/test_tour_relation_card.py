from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestRelationCardTour(HttpCase):
    def test_relation_card_tour(self):
        self.start_tour("/odoo", "accountancy_relation_card_tour", login="admin")

        Partner = self.env["res.partner"]
        holding = Partner.search([("name", "=", "Tourman Holding B.V.")])
        self.assertEqual(holding.company_registry, "99001122", "KvK number normalised")
        self.assertTrue(holding.is_company)
        self.assertEqual(holding.legal_form, "bv")
        self.assertEqual(holding.tax_regime, "vpb")
        jan = Partner.search([("name", "=", "Jan Tourman")])
        mies = Partner.search([("name", "=", "Mies Tourman")])
        self.assertEqual(jan.fiscal_partner_id, mies)
        self.assertEqual(mies.fiscal_partner_id, jan, "fiscal partnership is symmetric")
        self.assertEqual(holding.shareholder_relation_ids.left_partner_id, jan)
        self.assertEqual(holding.shareholder_relation_ids.share_percentage, 100)
        self.assertIn("Jan Tourman", holding.holding_tree)
