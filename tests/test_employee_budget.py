from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class TestEmployeeBudget(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Budget = cls.env["accountancy.employee.budget"]
        cls.budget = cls.Budget.create(
            {
                "employee_id": cls.employee.id,
                "year": 2015,
                "role_id": cls.role_rlm.id,
                "productive_hours": 1560,
            }
        )

    def _month(self, budget, month):
        return budget.month_ids.filtered(lambda m: m.month == str(month))

    def _budget_count(self):
        return self.Budget.search_count([])

    def test_contract_hours_by_weekdays(self):
        """A full-time budget: 2080 contract hours, January 2015 175.3,
        February 159.4."""
        budget = self.budget
        self.assertEqual(budget.full_time_hours, 2080)
        self.assertEqual(budget.contract_hours, 2080)
        self.assertAlmostEqual(self._month(budget, 1).contract_hours, 2080 * 22 / 261)
        self.assertAlmostEqual(self._month(budget, 2).contract_hours, 2080 * 20 / 261)
        self.assertAlmostEqual(sum(budget.month_ids.mapped("contract_hours")), 2080)
        self.assertEqual(budget.indirect_hours, 520)
        self.assertAlmostEqual(
            self._month(budget, 1).indirect_hours, 2080 * 22 / 261 - 135.65
        )
        part_time = self.Budget.create(
            {
                "employee_id": self.employee_2.id,
                "year": 2015,
                "part_time_percentage": 75,
                "productive_hours": 523,
            }
        )
        self.assertEqual(part_time.contract_hours, 1560)
        self.assertEqual(part_time.indirect_hours, 1037)

    def test_default_spread_july_half(self):
        spread = {m.month: m.productive_hours for m in self.budget.month_ids}
        self.assertEqual(len(spread), 12)
        self.assertEqual(spread["1"], 135.65)  # 1560 / 11.5
        self.assertEqual(spread["7"], 67.83)
        self.assertAlmostEqual(sum(spread.values()), 1560, places=6)

    def test_full_time_hours_setting(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "accountancy_crm.full_time_hours", "1950"
        )
        budget = self.Budget.create(
            {
                "employee_id": self.employee_2.id,
                "year": 2016,
                "part_time_percentage": 80,
            }
        )
        self.assertEqual(budget.full_time_hours, 1950)
        self.assertEqual(budget.contract_hours, 1560)
        # Existing budgets keep their own full-time hours.
        self.assertEqual(self.budget.full_time_hours, 2080)
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create(
                {"accountancy_full_time_hours": -1}
            ).execute()
        self.assertEqual(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("accountancy_crm.full_time_hours"),
            "1950",
        )

    def test_new_total_respreads_keeping_control_hours(self):
        self._month(self.budget, 3).control_hours = 12
        self.budget.write({"productive_hours": 1150})
        self.assertEqual(self._month(self.budget, 1).productive_hours, 100)
        self.assertEqual(self._month(self.budget, 7).productive_hours, 50)
        self.assertEqual(self._month(self.budget, 3).control_hours, 12)
        self.assertEqual(self.budget.control_hours, 12)
        self.assertEqual(self.budget.indirect_hours, 930)

    def test_months_edited_together(self):
        jan, feb = self._month(self.budget, 1), self._month(self.budget, 2)
        self.budget.write(
            {
                "month_ids": [
                    Command.update(jan.id, {"productive_hours": 145.65}),
                    Command.update(feb.id, {"productive_hours": 125.65}),
                ]
            }
        )
        self.assertEqual(jan.productive_hours, 145.65)
        self.assertEqual(self.budget.productive_hours, 1560)

    # ------------------------------------------------------------------
    # Bad input: a clear error and nothing saved
    # ------------------------------------------------------------------

    def _assert_unchanged(self):
        self.budget.invalidate_recordset()
        self.budget.month_ids.invalidate_recordset()
        self.assertEqual(self.budget.productive_hours, 1560)
        self.assertEqual(self.budget.part_time_percentage, 100)
        self.assertEqual(self._month(self.budget, 1).productive_hours, 135.65)
        self.assertEqual(self._month(self.budget, 1).control_hours, 0)

    def test_spread_not_adding_up_rejected(self):
        jan = self._month(self.budget, 1)
        with self.assertRaises(ValidationError) as error:
            self.budget.write(
                {"month_ids": [Command.update(jan.id, {"productive_hours": 145.65})]}
            )
        self.assertIn("add up to 1570.00", str(error.exception))
        self._assert_unchanged()
        with self.assertRaises(ValidationError):
            jan.write({"productive_hours": 135.67})
        self._assert_unchanged()
        with self.assertRaises(ValidationError):
            self.budget.write(
                {
                    "productive_hours": 1500,
                    "month_ids": [Command.update(jan.id, {"productive_hours": 100})],
                }
            )
        self._assert_unchanged()
        # Within the tolerance of 0.01 hour.
        jan.write({"productive_hours": 135.66})
        self.assertEqual(jan.productive_hours, 135.66)

    def test_spread_not_adding_up_on_create_rejected(self):
        count = self._budget_count()
        with self.assertRaises(ValidationError):
            self.Budget.create(
                {
                    "employee_id": self.employee_2.id,
                    "year": 2015,
                    "productive_hours": 1200,
                    "month_ids": [
                        Command.create({"month": str(m), "productive_hours": 100})
                        for m in range(1, 12)
                    ],
                }
            )
        self.assertEqual(self._budget_count(), count)

    def test_part_time_out_of_range_rejected(self):
        for pct in (-5, 100.5, 120):
            with self.subTest(pct=pct), self.assertRaises(ValidationError):
                self.budget.write({"part_time_percentage": pct})
            self._assert_unchanged()
        count = self._budget_count()
        with self.assertRaises(ValidationError):
            self.Budget.create(
                {
                    "employee_id": self.employee_2.id,
                    "year": 2015,
                    "part_time_percentage": 150,
                }
            )
        self.assertEqual(self._budget_count(), count)

    def test_negative_hours_rejected(self):
        with self.assertRaises(ValidationError) as error:
            self.budget.write({"productive_hours": -10})
        self.assertIn("negative", str(error.exception))
        self._assert_unchanged()
        jan = self._month(self.budget, 1)
        with self.assertRaises(ValidationError) as error:
            jan.write({"control_hours": -2})
        self.assertIn("negative", str(error.exception))
        self._assert_unchanged()
        with self.assertRaises(ValidationError):
            self.budget.write({"full_time_hours": -2080})
        self._assert_unchanged()

    def test_productive_above_contract_rejected(self):
        with self.assertRaises(ValidationError) as error:
            self.budget.write({"productive_hours": 2100})
        self.assertIn("exceed the contract hours", str(error.exception))
        self._assert_unchanged()
        with self.assertRaises(ValidationError) as error:
            self.budget.write({"part_time_percentage": 50})
        self.assertIn("exceed the contract hours", str(error.exception))
        self._assert_unchanged()

    def test_year_out_of_range_rejected(self):
        with self.assertRaises(ValidationError):
            self.budget.write({"year": 1999})
        self.budget.invalidate_recordset()
        self.assertEqual(self.budget.year, 2015)

    # ------------------------------------------------------------------
    # Form with the twelve months
    # ------------------------------------------------------------------

    def test_form_fills_and_edits_months(self):
        with Form(self.Budget) as form:
            form.employee_id = self.employee_2
            form.year = 2016
            form.part_time_percentage = 80
            form.productive_hours = 1150
            self.assertEqual(len(form.month_ids), 12)
            with form.month_ids.edit(0) as jan:
                self.assertEqual(jan.productive_hours, 100)
                jan.productive_hours = 90
                jan.control_hours = 5
            with form.month_ids.edit(1) as feb:
                feb.productive_hours = 110
        budget = form.record
        self.assertEqual(self._month(budget, 1).productive_hours, 90)
        self.assertEqual(self._month(budget, 2).productive_hours, 110)
        self.assertEqual(budget.control_hours, 5)
        self.assertEqual(budget.contract_hours, 1664)

    def test_form_rejects_unbalanced_months(self):
        count = self._budget_count()
        form = Form(self.Budget)
        form.employee_id = self.employee_2
        form.year = 2016
        form.productive_hours = 1150
        with form.month_ids.edit(0) as jan:
            jan.productive_hours = 90
        with self.assertRaises(ValidationError) as error:
            form.save()
        self.assertIn("add up to 1140.00", str(error.exception))
        self.assertEqual(self._budget_count(), count)
