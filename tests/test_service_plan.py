from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class TestServicePlan(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Plan = cls.env["accountancy.service.plan"]
        cls.client = cls._create_company(
            "Plan Client B.V.",
            relation_kind="client",
            client_group_id=cls.client_group.id,
        )
        cls.client_2 = cls._create_company("Plan Client 2 B.V.", relation_kind="client")

    def _plan(self, **vals):
        return self.Plan.create(
            dict({"partner_id": self.client.id, "year": self.this_year}, **vals)
        )

    def _plan_count(self):
        return self.Plan.search_count(
            [("partner_id", "in", (self.client | self.client_2).ids)]
        )

    def test_create_defaults(self):
        plan = self._plan(bookkeeping_frequency="month", vat_frequency="quarter")
        self.assertEqual(plan.state, "proposal")
        self.assertEqual(plan.updated_on, plan.create_date.date())
        self.assertEqual(plan.client_group_id, self.client_group)
        self.assertEqual(self.client.service_plan_count, 1)
        self.assertEqual(self.client.service_plan_ids, plan)

    def test_year_range_default(self):
        # Default range: one year back, two ahead.
        self._plan(year=self.this_year - 1)
        self._plan(partner_id=self.client_2.id, year=self.this_year + 2)
        for year in (self.this_year - 2, self.this_year + 3, 0):
            with self.subTest(year=year):
                before = self._plan_count()
                with self.assertRaises(ValidationError) as error:
                    self._plan(year=year)
                self.assertIn("cannot be planned", str(error.exception))
                self.assertEqual(self._plan_count(), before)

    def test_year_range_from_settings(self):
        settings = self.env["res.config.settings"].create(
            {"planning_years_back": 3, "planning_years_ahead": 1}
        )
        settings.execute()
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get_param("accountancy_crm.planning_years_back"), "3")
        self.assertEqual(
            self.Plan._planning_year_range(), (self.this_year - 3, self.this_year + 1)
        )
        self._plan(year=self.this_year - 3)
        with self.assertRaises(ValidationError) as error:
            self._plan(partner_id=self.client_2.id, year=self.this_year + 2)
        self.assertIn(
            f"from {self.this_year - 3} to {self.this_year + 1}", str(error.exception)
        )
        self.assertEqual(self._plan_count(), 1)

    def test_settings_refuse_bad_range(self):
        params = self.env["ir.config_parameter"].sudo()
        for vals in (
            {"planning_years_back": 0},
            {"planning_years_back": -1},
            {"planning_years_ahead": 11},
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                self.env["res.config.settings"].create(vals)
            self.assertFalse(params.get_param("accountancy_crm.planning_years_back"))

    def test_write_out_of_range_year_refused(self):
        plan = self._plan()
        with self.assertRaises(ValidationError):
            plan.write({"year": self.this_year + 10})
        plan.invalidate_recordset()
        self.assertEqual(plan.year, self.this_year)

    def test_yearly_bookkeeping_needs_month(self):
        with self.assertRaises(ValidationError) as error:
            self._plan(bookkeeping_frequency="year")
        self.assertIn("enter the month", str(error.exception))
        self.assertEqual(self._plan_count(), 0)
        plan = self._plan(bookkeeping_frequency="year", bookkeeping_month="4")
        with self.assertRaises(ValidationError) as error:
            plan.write({"bookkeeping_month": False})
        self.assertIn("enter the month", str(error.exception))
        plan.invalidate_recordset()
        self.assertEqual(plan.bookkeeping_month, "4")

    def test_second_plan_same_client_year_refused(self):
        self._plan()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self._plan(vat_frequency="month")
        self.assertEqual(self._plan_count(), 1)
        # Another year or client is fine.
        self._plan(year=self.this_year + 1)
        self._plan(partner_id=self.client_2.id)
        self.assertEqual(self._plan_count(), 3)

    def test_updated_on_set_on_write(self):
        plan = self._plan()
        plan.updated_on = "2000-01-01"
        plan.write({"vat_frequency": "month"})
        self.assertEqual(plan.updated_on, plan.write_date.date())
        plan.updated_on = "2000-01-01"
        plan.write({"state": "confirmed"})
        self.assertNotEqual(str(plan.updated_on), "2000-01-01")

    def test_form(self):
        with Form(self.Plan) as form:
            form.partner_id = self.client
            form.year = self.this_year
            form.bookkeeping_frequency = "year"
            form.bookkeeping_month = "3"
            form.annual_accounts_engagement = "review"
        plan = form.record
        self.assertEqual(plan.bookkeeping_month, "3")
        self.assertEqual(plan.annual_accounts_engagement, "review")

    def test_access(self):
        plan = self._plan()
        # A plain employee may read plans but not write or create them.
        self.assertEqual(plan.with_user(self.user_employee).vat_frequency, "none")
        with self.assertRaises(AccessError):
            plan.with_user(self.user_employee).write({"vat_frequency": "month"})
        with self.assertRaises(AccessError):
            self.Plan.with_user(self.user_employee).create(
                {"partner_id": self.client_2.id, "year": self.this_year}
            )
        self.assertEqual(plan.vat_frequency, "none")
        self.assertEqual(self._plan_count(), 1)
        # The accountancy user may.
        plan.with_user(self.user_acc).write({"vat_frequency": "month"})
        self.assertEqual(plan.vat_frequency, "month")
        self.Plan.with_user(self.user_acc).create(
            {"partner_id": self.client_2.id, "year": self.this_year}
        )
        self.assertEqual(self._plan_count(), 2)

    def test_relation_card_button(self):
        plan = self._plan()
        action = self.client.action_view_service_plans()
        self.assertEqual(action["res_model"], "accountancy.service.plan")
        self.assertEqual(self.Plan.search(action["domain"]), plan)
        self.assertEqual(action["context"]["default_partner_id"], self.client.id)
