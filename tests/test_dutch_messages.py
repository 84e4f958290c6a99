from datetime import timedelta

from lxml import etree, html

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import AcceptanceCommon, dutch_env


@tagged("post_install", "-at_install")
class TestDutchMessages(AcceptanceCommon):
    """A Dutch user reads the choices, dates and amounts in the module's
    messages in Dutch: translated selection labels, the Dutch date format
    and decimal comma."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.nl = dutch_env(cls.env)

    # Selection labels

    def test_month_of_a_sales_target(self):
        target = self.nl["accountancy.sales.target"].create(
            {"user_id": self.user_manager.id, "year": self.this_year}
        )
        with self.assertRaises(ValidationError) as cm:
            target.write(
                {"month_ids": [Command.create({"month": "3", "amount": -50.0})]}
            )
        self.assertIn("Maart", str(cm.exception))
        self.assertNotIn("March", str(cm.exception))

    def test_month_of_an_employee_budget(self):
        budget = (
            self.env["accountancy.employee.budget"]
            .create(
                {
                    "employee_id": self.employee.id,
                    "year": 2015,
                    "role_id": self.role_rlm.id,
                    "productive_hours": 1560,
                }
            )
            .with_env(self.nl)
        )
        january = budget.month_ids.filtered(lambda m: m.month == "1")
        with self.assertRaises(ValidationError) as cm:
            january.write({"control_hours": -2})
        self.assertIn("Januari", str(cm.exception))
        self.assertNotIn("January", str(cm.exception))

    def test_acceptance_status_in_the_blocking_message(self):
        with self.assertRaises(UserError) as cm:
            self.nl["accountancy.client.acceptance"]._check_partners(
                self.client.with_env(self.nl), "quote_confirm"
            )
        self.assertIn("geen acceptatie", str(cm.exception))
        self.assertNotIn("no acceptance", str(cm.exception))

    def test_service_of_a_duplicate_hour_norm(self):
        Norm = self.nl["accountancy.hour.norm"]
        vals = {"service": "bookkeeping_month", "role_id": self.role_acc.id}
        Norm.search([(k, "=", v) for k, v in vals.items()]).unlink()
        Norm.create(dict(vals, hours=3))
        with self.assertRaises(ValidationError) as cm:
            Norm.create(dict(vals, hours=4))
        self.assertIn("Administratie, per maand", str(cm.exception))
        self.assertNotIn("Bookkeeping, per month", str(cm.exception))

    # Dates and amounts

    def test_dates_of_a_contact_moment(self):
        with self.assertRaises(ValidationError) as cm:
            self.nl["accountancy.contact.moment"].create(
                {
                    "date": "2025-03-10 10:00:00",
                    "employee_id": self.employee.id,
                    "partner_id": self.client.id,
                    "channel": "phone",
                    "subject": "Jaarrekening",
                    "next_contact_date": "2025-03-01",
                }
            )
        self.assertIn("01-03-2025", str(cm.exception))
        self.assertIn("10-03-2025", str(cm.exception))
        self.assertNotIn("2025-03-01", str(cm.exception))

    def test_dates_of_an_acceptance_review(self):
        with self.assertRaises(ValidationError) as cm:
            self.Acceptance.with_env(self.nl).create(
                self._acceptance_vals(
                    self.client,
                    date="2025-03-10",
                    next_review_date="2025-02-01",
                )
            )
        self.assertIn("01-02-2025", str(cm.exception))
        self.assertIn("10-03-2025", str(cm.exception))

    def test_percentages_of_the_holding_tree(self):
        holding = self._create_company("Nl Holding B.V.")
        subsidiary = self._create_company("Nl Werkmaatschappij B.V.")
        self._share(holding, subsidiary, 33.5)
        # The HTML the tree had when Python wrote it, tag for tag.
        self.assertEqual(
            holding.with_context(lang="en_US").holding_tree,
            '<ul class="o_accountancy_holding_tree"><li data-partner-id="%(h)s">'
            "<strong>Nl Holding B.V.</strong><ul>"
            '<li data-partner-id="%(s)s"><a href="/odoo/res.partner/%(s)s">'
            'Nl Werkmaatschappij B.V.</a> <span class="text-muted">(33.5 %%)</span>'
            "</li></ul></li></ul>" % {"h": holding.id, "s": subsidiary.id},
        )
        tree = holding.with_env(self.nl).holding_tree
        self.assertIn("(33,5 %)", tree)
        # Rendered by its template with the same structure as before.
        root = html.fromstring(tree)
        self.assertEqual(root.get("class"), "o_accountancy_holding_tree")
        self.assertEqual(
            [li.get("data-partner-id") for li in root.iter("li")],
            [str(holding.id), str(subsidiary.id)],
        )
        self.assertEqual(
            root.xpath("//a/@href"), ["/odoo/res.partner/%s" % subsidiary.id]
        )
        self.assertIn("<strong>Nl Holding B.V.</strong>", tree)

    def test_current_shares_ignore_ended_ones(self):
        """The Holding tab's total: a shareholder who sold his shares to
        another no longer counts (it said 200 %)."""
        company = self._create_company("Verkocht B.V.")
        today = self.today
        self._share(
            self.owner,
            company,
            100,
            date_start=today - timedelta(days=400),
            date_end=today - timedelta(days=30),
        )
        self._share(self.owner_2, company, 100, date_start=today - timedelta(days=29))
        self.assertEqual(len(company.shareholder_relation_ids), 2)
        self.assertEqual(company.current_share_total, 100)
        # The list's column is no longer summed (it added the ended shares).
        arch = self.env["res.partner"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        node = etree.fromstring(arch).xpath(
            "//field[@name='shareholder_relation_ids']//field[@name='share_percentage']"
        )
        self.assertTrue(node)
        self.assertIsNone(node[0].get("sum"))
