from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from ..models.res_partner import SIZE_CLASS_THRESHOLDS, size_class_of_year
from .common import AccountancyCrmCommon

# (balance total, turnover, employees) exactly at the limits of each class
AT_LIMIT = {
    "micro": (450_000, 900_000, 9),
    "small": (7_500_000, 15_000_000, 49),
    "medium": (25_000_000, 50_000_000, 249),
}
# One euro (one employee) above the limits of each class
ABOVE_LIMIT = {
    "micro": (450_001, 900_001, 10),
    "small": (7_500_001, 15_000_001, 50),
    "medium": (25_000_001, 50_000_001, 250),
}
MICRO = (100_000, 200_000, 2)
SMALL = (2_000_000, 5_000_000, 20)
MEDIUM = (20_000_000, 40_000_000, 100)
LARGE = (100_000_000, 200_000_000, 1000)


@tagged("post_install", "-at_install")
class TestAnnualFigure(AccountancyCrmCommon):
    """Annual figures and the size class of BW 2:395a/396/397."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Figure = cls.env["accountancy.annual.figure"]
        cls.company = cls._create_company("Size Test B.V.")

    def _figure(self, partner, year, figures, **vals):
        balance, revenue, employees = figures
        return self.Figure.create(
            dict(
                {
                    "partner_id": partner.id,
                    "year": year,
                    "balance_total": balance,
                    "revenue": revenue,
                    "employee_count": employees,
                },
                **vals,
            )
        )

    def _class_of(self, *figures_per_year, start=2020):
        """Size class of a new company with the given figures, oldest first."""
        company = self._create_company(f"Size {figures_per_year} {start}")
        for offset, figures in enumerate(figures_per_year):
            self._figure(company, start + offset, figures)
        return company.size_class

    # Thresholds

    def test_threshold_table(self):
        self.assertEqual(
            SIZE_CLASS_THRESHOLDS,
            [
                ("micro", 450_000, 900_000, 10),
                ("small", 7_500_000, 15_000_000, 50),
                ("medium", 25_000_000, 50_000_000, 250),
            ],
        )

    def test_size_class_boundaries(self):
        """Exactly at a limit is still inside (<= for amounts, < for employees);
        one above on all three criteria is the next class."""
        expected_above = {"micro": "small", "small": "medium", "medium": "large"}
        for size_class, figures in AT_LIMIT.items():
            with self.subTest(size_class=size_class, at="limit"):
                self.assertEqual(self._class_of(figures), size_class)
                self.assertEqual(size_class_of_year(*figures), size_class)
        for size_class, figures in ABOVE_LIMIT.items():
            with self.subTest(size_class=size_class, at="above"):
                self.assertEqual(self._class_of(figures), expected_above[size_class])

    def test_each_criterion_at_its_limit(self):
        """Each criterion on its own: at the limit counts, above does not."""
        for size_class, limit in AT_LIMIT.items():
            above = ABOVE_LIMIT[size_class]
            for index in range(3):
                # this criterion at its limit, one other met, the third far above
                other = (index + 1) % 3
                at = list(LARGE)
                at[index], at[other] = limit[index], limit[other]
                over = list(at)
                over[index] = above[index]
                with self.subTest(size_class=size_class, criterion=index):
                    self.assertEqual(size_class_of_year(*at), size_class)
                    self.assertNotEqual(size_class_of_year(*over), size_class)

    def test_two_of_three(self):
        big_balance, big_revenue, big_staff = LARGE
        balance, revenue, staff = MICRO
        cases = [
            ((balance, revenue, big_staff), "micro"),
            ((balance, big_revenue, staff), "micro"),
            ((big_balance, revenue, staff), "micro"),
            ((balance, big_revenue, big_staff), "large"),
            ((big_balance, revenue, big_staff), "large"),
            ((big_balance, big_revenue, staff), "large"),
            # two criteria small, one micro: small
            ((balance, 5_000_000, 20), "small"),
            # one micro, one small, one medium: two of three within small
            ((balance, 5_000_000, 100), "small"),
            # one micro, one medium, one large: two of three within medium
            ((balance, 40_000_000, 1000), "medium"),
        ]
        for figures, expected in cases:
            with self.subTest(figures=figures):
                self.assertEqual(self._class_of(figures), expected)

    # Years

    def test_single_year_decides(self):
        for figures, expected in (
            (MICRO, "micro"),
            (SMALL, "small"),
            (MEDIUM, "medium"),
            (LARGE, "large"),
        ):
            with self.subTest(expected=expected):
                self.assertEqual(self._class_of(figures), expected)

    def test_two_consecutive_years(self):
        self.assertEqual(self._class_of(MICRO, MICRO), "micro")
        self.assertEqual(self._class_of(MEDIUM, MEDIUM), "medium")
        # only the two most recent years count
        self.assertEqual(self._class_of(LARGE, MICRO, MICRO), "micro")
        self.assertEqual(self._class_of(MICRO, LARGE, LARGE), "large")
        # a class must be met in both years: the larger of the two wins
        self.assertEqual(self._class_of(MICRO, MEDIUM), "medium")
        self.assertEqual(self._class_of(MEDIUM, MICRO), "medium")

    def test_order_of_entry_does_not_matter(self):
        company = self._create_company("Entered backwards B.V.")
        self._figure(company, 2024, MICRO)
        self._figure(company, 2023, MICRO)
        self._figure(company, 2022, LARGE)
        self.assertEqual(company.size_class, "micro")

    def test_company_that_grew(self):
        """Micro for years, then a small year: the micro thresholds are no longer
        met on two consecutive dates, so it is small at once (the small
        thresholds hold in both years, micro figures being within them). It only
        returns to micro after two consecutive micro years."""
        company = self._create_company("Growing B.V.")
        self._figure(company, 2021, MICRO)
        self._figure(company, 2022, MICRO)
        self.assertEqual(company.size_class, "micro")
        self._figure(company, 2023, SMALL)
        self.assertEqual(company.size_class, "small")
        self._figure(company, 2024, SMALL)
        self.assertEqual(company.size_class, "small")
        # one year back under the micro thresholds is not enough
        self._figure(company, 2025, MICRO)
        self.assertEqual(company.size_class, "small")
        self._figure(company, 2026, MICRO)
        self.assertEqual(company.size_class, "micro")

    def test_company_that_shrank(self):
        company = self._create_company("Shrinking B.V.")
        self._figure(company, 2022, MEDIUM)
        self._figure(company, 2023, MEDIUM)
        self.assertTrue(company.statutory_audit_required)
        self._figure(company, 2024, SMALL)
        self.assertEqual(company.size_class, "medium")
        self.assertTrue(company.statutory_audit_required)
        self._figure(company, 2025, SMALL)
        self.assertEqual(company.size_class, "small")
        self.assertFalse(company.statutory_audit_required)

    def test_recomputed_on_write_and_unlink(self):
        company = self._create_company("Editing B.V.")
        old = self._figure(company, 2023, MICRO)
        new = self._figure(company, 2024, MICRO)
        self.assertEqual(company.size_class, "micro")
        new.write({"revenue": 60_000_000, "balance_total": 30_000_000})
        self.assertEqual(company.size_class, "large")
        new.unlink()
        self.assertEqual(company.size_class, "micro")
        old.year = 2019
        self.assertEqual(company.size_class, "micro")
        old.unlink()
        self.assertFalse(company.size_class)
        self.assertFalse(company.statutory_audit_required)

    def test_persons_and_companies_without_figures(self):
        self.assertFalse(self.company.size_class)
        person = self._create_person("Size Test Person")
        self._figure(person, 2024, LARGE)
        self.assertFalse(person.size_class)
        self.assertFalse(person.statutory_audit_required)
        person.is_company = True
        self.assertEqual(person.size_class, "large")
        person.is_company = False
        self.assertFalse(person.size_class)

    def test_statutory_audit_required(self):
        for figures, expected in (
            (MICRO, False),
            (SMALL, False),
            (AT_LIMIT["small"], False),
            (ABOVE_LIMIT["small"], True),
            (MEDIUM, True),
            (LARGE, True),
        ):
            with self.subTest(figures=figures):
                company = self._create_company(f"Audit {figures}")
                self._figure(company, 2024, figures)
                self.assertEqual(company.statutory_audit_required, expected)

    def test_size_class_in_card_form(self):
        """The card shows the class of the figures being entered, before saving."""
        with Form(self.company) as card:
            with card.annual_figure_ids.new() as line:
                line.year = 2024
                line.balance_total = MEDIUM[0]
                line.revenue = MEDIUM[1]
                line.employee_count = MEDIUM[2]
            self.assertEqual(card.size_class, "medium")
            self.assertTrue(card.statutory_audit_required)
        self.assertEqual(self.company.size_class, "medium")

    def test_search_by_size_class(self):
        self._figure(self.company, 2024, LARGE)
        figures = self.Figure.search([("partner_id.size_class", "=", "large")])
        self.assertIn(self.company, figures.partner_id)
        self.assertEqual(figures.mapped("size_class"), ["large"] * len(figures))

    # Bad input

    @mute_logger("odoo.sql_db")
    def test_unique_per_year(self):
        self._figure(self.company, 2024, MICRO)
        with self.assertRaises(IntegrityError):
            self._figure(self.company, 2024, SMALL)
        other = self._create_company("Other Size B.V.")
        self._figure(other, 2024, SMALL)
        self._figure(self.company, 2023, SMALL)

    def test_negative_values_rejected(self):
        for fname in ("revenue", "balance_total", "employee_count"):
            with self.subTest(field=fname):
                with self.assertRaises(ValidationError) as caught:
                    self._figure(self.company, 2024, MICRO, **{fname: -1})
                self.assertIn("negative", str(caught.exception))
                self.assertFalse(
                    self.Figure.search_count([("partner_id", "=", self.company.id)])
                )
        # a batch with one bad line saves nothing
        with self.assertRaises(ValidationError):
            self.Figure.create(
                [
                    {"partner_id": self.company.id, "year": 2023, "revenue": 10},
                    {"partner_id": self.company.id, "year": 2024, "revenue": -10},
                ]
            )
        self.assertFalse(self.company.annual_figure_ids)
        figure = self._figure(self.company, 2024, MICRO)
        with self.assertRaises(ValidationError):
            figure.employee_count = -3
        self.assertEqual(figure.employee_count, MICRO[2])

    def test_negative_equity_and_result_allowed(self):
        figure = self._figure(
            self.company, 2024, MICRO, equity=-50_000, net_result=-20_000
        )
        self.assertEqual(figure.equity, -50_000)
        self.assertEqual(figure.net_result, -20_000)
        self.assertEqual(self.company.size_class, "micro")

    def test_year_out_of_range(self):
        for year in (1899, 2101):
            with self.subTest(year=year), self.assertRaises(ValidationError):
                self._figure(self.company, year, MICRO)

    # Access

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_model")
    def test_access(self):
        figure = self._figure(self.company, 2024, MICRO)
        as_employee = figure.with_user(self.user_employee)
        self.assertEqual(as_employee.revenue, MICRO[1])
        with self.assertRaises(AccessError):
            as_employee.revenue = 1
        with self.assertRaises(AccessError):
            self.Figure.with_user(self.user_employee).create(
                {"partner_id": self.company.id, "year": 2020}
            )
        with self.assertRaises(AccessError):
            as_employee.unlink()
        for user in (self.user_acc, self.user_manager, self.user_fiscal):
            with self.subTest(user=user.login):
                Figure = self.Figure.with_user(user)
                new = Figure.create({"partner_id": self.company.id, "year": 2000})
                new.revenue = 5
                self.assertEqual(new.revenue, 5)
                new.unlink()
                self.assertFalse(new.exists())

    # Performance

    def _compute_queries(self, partners):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        partners._compute_accountancy_size_class()
        return self.env.cr.sql_log_count - before

    def test_size_class_constant_queries(self):
        """Computing the class of 10 or 100 companies costs the same queries."""
        companies = self.Partner.create(
            [
                {"name": f"Size Perf {i}", "is_company": True, "legal_form": "bv"}
                for i in range(100)
            ]
        )
        self.Figure.create(
            [
                {
                    "partner_id": company.id,
                    "year": year,
                    "balance_total": 300_000 * (i + 1),
                    "revenue": 600_000 * (i + 1),
                    "employee_count": 3 * i,
                }
                for i, company in enumerate(companies)
                for year in (2023, 2024)
            ]
        )
        self.assertEqual(companies[0].size_class, "micro")
        self.assertEqual(companies[99].size_class, "large")
        count_10 = self._compute_queries(companies[:10])
        count_100 = self._compute_queries(companies)
        self.assertEqual(count_10, count_100)
        # the partners, their figures (one search) and the ORM's prefetch of
        # their many2one targets
        self.assertLessEqual(count_100, 4)
