import sys
from pathlib import Path

from stdnum.nl import bsn as nl_bsn
from stdnum.nl import btw as nl_btw

from odoo.tests import TransactionCase, tagged

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import seed_firm


@tagged("post_install", "-at_install")
class TestSeedFirm(TransactionCase):
    """The firm generator of tools/seed_firm.py at a tiny size, inside the test
    transaction: the counts it promises and numbers that pass the module's
    checks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.params = seed_firm.size_params("tiny")
        cls.counts = seed_firm.generate(cls.env, cls.params, commit=False)

    def test_counts(self):
        params, counts = self.params, self.counts
        self.assertEqual(counts["accountancy.client.group"], params["groups"])
        self.assertEqual(counts["res.partner.relation"], params["relations"])
        self.assertEqual(counts["hr.employee"], params["employees"])
        self.assertEqual(counts["crm.lead"], params["leads"])
        self.assertEqual(counts["accountancy.contact.moment"], params["moments"])
        self.assertEqual(counts["account.move"], params["invoices"])
        clients = self.env["res.partner"].search(
            [("relation_kind", "=", "client"), ("id", ">", 0)]
        )
        generated = clients.filtered(
            lambda p: p.client_group_id.code and p.client_group_id.code.startswith("KG")
        )
        self.assertEqual(len(generated), params["clients"])
        self.assertEqual(counts["accountancy.strategy"], params["clients"])
        self.assertEqual(
            self.env["accountancy.strategy"].search_count(
                [("partner_id", "in", generated.ids)]
            ),
            params["clients"],
        )

    def test_numbers_valid(self):
        partners = (
            self.env["res.partner"]
            .sudo()
            .search([("client_group_id.code", "=like", "KG%")])
        )
        persons = partners.filtered(lambda p: not p.is_company)
        companies = partners - persons
        self.assertTrue(persons and companies)
        self.assertTrue(all(nl_bsn.is_valid(p.bsn) for p in persons))
        self.assertTrue(all(len(p.company_registry) == 8 for p in companies))
        with_rsin = companies.filtered("rsin")
        self.assertTrue(with_rsin)
        for company in with_rsin:
            self.assertTrue(nl_bsn.is_valid(company.rsin))
            self.assertTrue(nl_btw.is_valid(company.vat), company.vat)
        # the module's own checks pass on all of them
        partners._check_accountancy_numbers()
        partners._check_accountancy_duplicate_kvk()
        partners._check_accountancy_duplicate_bsn()
        partners._check_accountancy_debtor_number()

    def test_invoices_posted_and_paid(self):
        moves = self.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("partner_id.client_group_id.code", "=like", "KG%"),
            ]
        )
        self.assertEqual(len(moves), self.params["invoices"])
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        paid = moves.filtered(lambda m: m.payment_state in ("paid", "in_payment"))
        self.assertTrue(paid)
        # the strategy's payment days come from these reconciliations
        strategies = self.env["accountancy.strategy"].search(
            [("partner_id", "in", paid.partner_id.ids)]
        )
        self.assertTrue(
            strategies.line_ids.filtered(
                lambda l: l.criterion_id.source == "payment_days" and l.is_computed
            )
        )

    def test_showcase_relations(self):
        partner = self.env["res.partner"].browse(self.counts["showcase_partner_id"])
        count = self.env["res.partner.relation"].search_count(
            [
                "|",
                ("left_partner_id", "=", partner.id),
                ("right_partner_id", "=", partner.id),
            ]
        )
        self.assertEqual(count, self.params["showcase_relations"])

    def test_deterministic(self):
        first = seed_firm.FirmGenerator(self.env, self.params, seed=7)
        second = seed_firm.FirmGenerator(self.env, self.params, seed=7)
        self.assertEqual(
            [first._person_name() for _i in range(5)],
            [second._person_name() for _i in range(5)],
        )
