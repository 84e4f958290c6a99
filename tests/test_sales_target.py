from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class TestSalesTarget(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Target = cls.env["accountancy.sales.target"]
        cls.user_sales = mail_new_test_user(
            cls.env,
            login="acc_target_sales",
            password="acc_target_sales_pw",
            groups="accountancy_crm.group_user,sales_team.group_sale_salesman",
            name="Target Salesman",
        )
        # A sales manager who is no accountancy manager.
        cls.user_sales_manager = mail_new_test_user(
            cls.env,
            login="acc_target_sales_manager",
            password="acc_target_sales_manager_pw",
            groups="accountancy_crm.group_user,sales_team.group_sale_manager",
            name="Sales Manager",
        )
        cls.last_year = cls.this_year - 1
        cls.target = cls.Target.create(
            {
                "user_id": cls.user_sales.id,
                "year": cls.this_year,
                "amount": 10000.0,
                "won_count": 4,
            }
        )
        cls.past_target = cls.Target.create(
            {
                "user_id": cls.user_sales.id,
                "year": cls.last_year,
                "amount": 8000.0,
                "won_count": 3,
            }
        )
        cls.stage_won = cls.env["crm.stage"].create(
            {"name": "Target won", "is_won": True}
        )

    def _won_lead(self, revenue, user=None, **vals):
        lead = self.env["crm.lead"].create(
            dict(
                {
                    "name": f"Target lead {revenue}",
                    "type": "opportunity",
                    "expected_revenue": revenue,
                    "user_id": (user or self.user_sales).id,
                },
                **vals,
            )
        )
        lead.action_set_won()
        return lead

    def test_one_target_per_user_year_company(self):
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.Target.create({"user_id": self.user_sales.id, "year": self.this_year})
        # Another year or another company is fine.
        self.Target.create({"user_id": self.user_sales.id, "year": self.this_year + 1})
        self.Target.create(
            {
                "user_id": self.user_sales.id,
                "year": self.this_year,
                "company_id": self.company_2.id,
            }
        )
        self.assertEqual(
            self.Target.search_count([("user_id", "=", self.user_sales.id)]), 4
        )

    def test_negative_amounts_are_refused(self):
        for vals in ({"amount": -1.0}, {"won_count": -2}):
            with self.subTest(vals=vals):
                with self.assertRaises(ValidationError) as cm:
                    self.Target.create(
                        dict(vals, user_id=self.user_manager.id, year=self.this_year)
                    )
                self.assertIn("negative", str(cm.exception))
        self.assertFalse(self.Target.search([("user_id", "=", self.user_manager.id)]))
        with self.assertRaises(ValidationError) as cm:
            self.target.write(
                {"month_ids": [Command.create({"month": "3", "amount": -50.0})]}
            )
        self.assertIn("March", str(cm.exception))
        self.assertFalse(self.target.month_ids)
        self.assertEqual(self.target.amount, 10000.0)

    def test_invalid_year_is_refused(self):
        with self.assertRaises(ValidationError) as cm:
            self.Target.create({"user_id": self.user_manager.id, "year": 25})
        self.assertIn("from 2000 to 2100", str(cm.exception))

    def test_months_give_the_year_totals(self):
        with Form(self.target) as form:
            for month, amount in (("1", 1000.0), ("2", 2500.0)):
                with form.month_ids.new() as line:
                    line.month = month
                    line.amount = amount
                    line.won_count = 1
            self.assertEqual(form.amount, 3500.0)
        self.assertEqual(self.target.amount, 3500.0)
        self.assertEqual(self.target.won_count, 2)
        self.target.month_ids.filtered(lambda m: m.month == "2").amount = 500.0
        self.assertEqual(self.target.amount, 1500.0)
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.target.write({"month_ids": [Command.create({"month": "1"})]})

    def test_closed_year_only_for_accountancy_managers(self):
        manager = self.past_target.with_user(self.user_sales_manager)
        with self.assertRaises(UserError) as cm:
            manager.write({"amount": 1.0})
        self.assertIn("closed", str(cm.exception))
        self.assertIn(str(self.last_year), str(cm.exception))
        self.assertEqual(self.past_target.amount, 8000.0)
        with self.assertRaises(UserError):
            manager.write(
                {"month_ids": [Command.create({"month": "1", "amount": 1.0})]}
            )
        with self.assertRaises(UserError):
            manager.unlink()
        with self.assertRaises(UserError):
            self.Target.with_user(self.user_sales_manager).create(
                {"user_id": self.user_manager.id, "year": self.last_year}
            )
        # Moving this year's target back into a closed year is refused too.
        with self.assertRaises(UserError):
            self.target.with_user(self.user_sales_manager).write(
                {"year": self.last_year}
            )
        self.assertTrue(self.past_target.exists())
        self.assertFalse(self.past_target.month_ids)
        self.assertEqual(self.target.year, self.this_year)
        # This year and later stay open to the sales manager.
        self.target.with_user(self.user_sales_manager).amount = 12000.0
        self.assertEqual(self.target.amount, 12000.0)
        # An accountancy manager may still correct a closed year.
        self.past_target.with_user(self.user_manager).amount = 8500.0
        self.assertEqual(self.past_target.amount, 8500.0)

    def test_closed_year_month_lines(self):
        line = self.env["accountancy.sales.target.month"].create(
            {"target_id": self.past_target.id, "month": "5", "amount": 100.0}
        )
        with self.assertRaises(UserError):
            line.with_user(self.user_sales_manager).amount = 5.0
        with self.assertRaises(UserError):
            line.with_user(self.user_sales_manager).unlink()
        self.assertEqual(line.amount, 100.0)
        line.with_user(self.user_manager).amount = 200.0
        self.assertEqual(self.past_target.amount, 200.0)

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_access(self):
        for user in (self.user_acc, self.user_sales):
            with self.subTest(user=user.login):
                target = self.target.with_user(user)
                self.assertEqual(target.amount, 10000.0)
                with self.assertRaises(AccessError):
                    target.write({"amount": 1.0})
                with self.assertRaises(AccessError):
                    self.Target.with_user(user).create(
                        {"user_id": user.id, "year": self.this_year + 1}
                    )
        with self.assertRaises(AccessError):
            self.target.with_user(self.user_employee).read(["amount"])
        self.assertEqual(self.target.amount, 10000.0)
        # Other offices' targets are invisible.
        other = self.Target.create(
            {"user_id": self.user_sales.id, "company_id": self.company_2.id}
        )
        self.assertFalse(
            self.Target.with_user(self.user_acc).search([("id", "=", other.id)])
        )

    def test_realised_and_progress(self):
        self._won_lead(2000.0)
        self._won_lead(500.0)
        self._won_lead(9999.0, user=self.user_manager)
        last_year_lead = self._won_lead(700.0)
        last_year_lead.date_closed = f"{self.last_year}-06-01 10:00:00"
        open_lead = self.env["crm.lead"].create(
            {
                "name": "Open target lead",
                "type": "opportunity",
                "expected_revenue": 4000.0,
                "user_id": self.user_sales.id,
                "date_deadline": f"{self.this_year}-12-31",
            }
        )
        self.assertTrue(open_lead.active)
        targets = self.target | self.past_target
        targets.invalidate_recordset()
        self.assertEqual(self.target.realised_amount, 2500.0)
        self.assertEqual(self.target.realised_count, 2)
        self.assertEqual(self.target.open_amount, 4000.0)
        self.assertAlmostEqual(self.target.progress, 25.0)
        self.assertAlmostEqual(self.target.count_progress, 50.0)
        self.assertEqual(self.past_target.realised_amount, 700.0)
        # A target of zero shows no progress instead of dividing by zero.
        empty = self.Target.create(
            {"user_id": self.user_manager.id, "year": self.this_year}
        )
        self.assertEqual(empty.realised_amount, 9999.0)
        self.assertEqual(empty.progress, 0.0)
        # The salesman sees their own figures; the accountancy user without
        # sales rights sees the target, not the opportunities.
        self.assertEqual(self.target.with_user(self.user_sales).realised_amount, 2500.0)
        self.assertEqual(self.target.with_user(self.user_acc).realised_amount, 0.0)

    def test_dashboard_action(self):
        action = self.target.action_view_dashboard()
        self.assertEqual(action["res_model"], "accountancy.sales.report")
        rows = self.env["accountancy.sales.report"].search(action["domain"])
        self.assertEqual(rows.mapped("kind"), ["target"])
        self.assertEqual(rows.target_amount, 10000.0)

    def test_display_name(self):
        self.assertEqual(self.target.display_name, f"Target Salesman {self.this_year}")
