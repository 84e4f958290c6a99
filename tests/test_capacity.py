import contextlib
import io
from datetime import date

from openpyxl import load_workbook

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import AccountancyCrmCommon

REPORT = "accountancy_crm.accountancy_capacity_overview_xlsx"
REPORT_ROWS = "accountancy_crm.accountancy_capacity_report_overview_xlsx"


@tagged("post_install", "-at_install")
class TestCapacity(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Norm = cls.env["accountancy.hour.norm"]
        cls.Planned = cls.env["accountancy.planned.hour"]
        cls.Plan = cls.env["accountancy.service.plan"]
        cls.Budget = cls.env["accountancy.employee.budget"]
        cls.Capacity = cls.env["accountancy.capacity.report"]
        cls.role_ass = cls.env.ref("accountancy_crm.role_rlm_ass")
        cls.type_a = cls.env.ref("accountancy_crm.client_type_a")
        cls.year = cls.this_year
        # Own norms only, so that the figures below do not follow the defaults.
        cls.Norm.search([]).write({"active": False})
        cls.norm_bookkeeping = cls.Norm.create(
            {"service": "bookkeeping_month", "role_id": cls.role_ass.id, "hours": 5}
        )
        cls.Norm.create(
            [
                {"service": "vat_quarter", "role_id": cls.role_ass.id, "hours": 2},
                {
                    "service": "bookkeeping_year",
                    "role_id": cls.role_ass.id,
                    "hours": 30,
                },
                {
                    "service": "annual_compilation",
                    "role_id": cls.role_jrk.id,
                    "hours": 10,
                },
                {
                    "service": "annual_compilation",
                    "role_id": cls.role_jrk.id,
                    "client_type_id": cls.type_a.id,
                    "hours": 20,
                },
                # No accountant in the team below: no planned hours for it.
                {
                    "service": "annual_compilation",
                    "role_id": cls.role_acc.id,
                    "hours": 3,
                },
            ]
        )
        cls.department = cls.env["hr.department"].create({"name": "Test team North"})
        cls.employee.department_id = cls.department
        cls.client = cls._create_company("Capacity Client B.V.", relation_kind="client")
        cls._team(cls.client)
        cls.plan = cls.Plan.create(
            {
                "partner_id": cls.client.id,
                "year": cls.year,
                "bookkeeping_frequency": "month",
                "vat_frequency": "quarter",
                "annual_accounts_engagement": "compilation",
                "annual_accounts_date": date(cls.year, 3, 15),
            }
        )

    @classmethod
    def _team(cls, partners, year=None):
        vals = []
        for partner in partners:
            vals += [
                {
                    "partner_id": partner.id,
                    "role_id": cls.role_ass.id,
                    "employee_id": cls.employee.id,
                    "year": year or cls.year,
                },
                {
                    "partner_id": partner.id,
                    "role_id": cls.role_jrk.id,
                    "employee_id": cls.employee_2.id,
                    "year": year or cls.year,
                },
            ]
        return cls.env["accountancy.assignment"].create(vals)

    def _count(self, func):
        """Queries made by ``func``, pending writes flushed before and after."""
        queries = []
        with contextlib.contextmanager(self._patchExecute)(queries):
            func()
        return len(queries)

    def _hours(self, domain):
        return {
            (p.employee_id, p.service, p.year, int(p.month)): p.hours
            for p in self.Planned.search(domain)
        }

    # ------------------------------------------------------------------
    # Hour norms
    # ------------------------------------------------------------------

    def test_norm_negative_hours_rejected(self):
        count = self.Norm.search_count([])
        with self.assertRaises(ValidationError):
            self.Norm.create(
                {"service": "vat_month", "role_id": self.role_ass.id, "hours": -1}
            )
        self.assertEqual(self.Norm.search_count([]), count)
        with self.assertRaises(ValidationError):
            self.norm_bookkeeping.write({"hours": -0.5})
        self.norm_bookkeeping.invalidate_recordset()
        self.assertEqual(self.norm_bookkeeping.hours, 5)

    def test_norm_duplicate_rejected(self):
        count = self.Norm.search_count([])
        with self.assertRaises(ValidationError):
            self.Norm.create(
                {
                    "service": "bookkeeping_month",
                    "role_id": self.role_ass.id,
                    "hours": 7,
                }
            )
        self.assertEqual(self.Norm.search_count([]), count)

    # ------------------------------------------------------------------
    # Planned hours
    # ------------------------------------------------------------------

    def test_planned_hours_per_month(self):
        hours = self._hours([("plan_id", "=", self.plan.id)])
        y = self.year
        expected = {
            (self.employee, "bookkeeping_month", y, m): 5.0 for m in range(1, 13)
        }
        # Quarterly: the month after each quarter, Q4 in January next year.
        for year, month in ((y, 4), (y, 7), (y, 10), (y + 1, 1)):
            expected[(self.employee, "vat_quarter", year, month)] = 2.0
        # Annual accounts in the month of their completion date.
        expected[(self.employee_2, "annual_compilation", y, 3)] = 10.0
        self.assertEqual(hours, expected)
        planned = self.Planned.search([("plan_id", "=", self.plan.id)], limit=1)
        self.assertEqual(planned.partner_id, self.client)
        self.assertEqual(planned.date.day, 1)

    def test_most_specific_norm_wins(self):
        self.client.client_type_id = self.type_a
        self.env["accountancy.planned.hour"]._sync_plans(self.plan)
        hours = self._hours(
            [("plan_id", "=", self.plan.id), ("service", "=", "annual_compilation")]
        )
        self.assertEqual(
            hours, {(self.employee_2, "annual_compilation", self.year, 3): 20.0}
        )

    def test_yearly_bookkeeping_and_default_month(self):
        self.plan.write(
            {
                "bookkeeping_frequency": "year",
                "bookkeeping_month": "9",
                "vat_frequency": "none",
                "annual_accounts_date": False,
            }
        )
        hours = self._hours([("plan_id", "=", self.plan.id)])
        self.assertEqual(
            hours,
            {
                (self.employee, "bookkeeping_year", self.year, 9): 30.0,
                # No completion date: June of the plan year.
                (self.employee_2, "annual_compilation", self.year, 6): 10.0,
            },
        )

    def test_plan_changes_follow(self):
        self.plan.write({"vat_frequency": "none", "annual_accounts_engagement": "none"})
        services = set(
            self.Planned.search([("plan_id", "=", self.plan.id)]).mapped("service")
        )
        self.assertEqual(services, {"bookkeeping_month"})
        self.plan.unlink()
        self.assertFalse(self.Planned.search([("partner_id", "=", self.client.id)]))

    def test_team_changes_follow(self):
        jrk = self.env["accountancy.assignment"].search(
            [
                ("partner_id", "=", self.client.id),
                ("role_id", "=", self.role_jrk.id),
                ("year", "=", self.year),
            ]
        )
        other = self.env["hr.employee"].create({"name": "Test Replacement"})
        jrk.employee_id = other
        annual = self.Planned.search(
            [("plan_id", "=", self.plan.id), ("service", "=", "annual_compilation")]
        )
        self.assertEqual(annual.employee_id, other)
        jrk.unlink()
        self.assertFalse(
            self.Planned.search(
                [("plan_id", "=", self.plan.id), ("role_id", "=", self.role_jrk.id)]
            )
        )

    def test_norm_changes_follow(self):
        self.norm_bookkeeping.hours = 8
        hours = self._hours(
            [("plan_id", "=", self.plan.id), ("service", "=", "bookkeeping_month")]
        )
        self.assertEqual(set(hours.values()), {8.0})
        self.assertEqual(len(hours), 12)
        self.norm_bookkeeping.unlink()
        self.assertFalse(
            self._hours(
                [("plan_id", "=", self.plan.id), ("service", "=", "bookkeeping_month")]
            )
        )

    def test_sync_query_count_constant(self):
        counts = []
        for size in (10, 100):
            clients = self.Partner.create(
                [{"name": f"Sync {size} {i}", "is_company": True} for i in range(size)]
            )
            self._team(clients)
            plans = self.Plan.create(
                [
                    {
                        "partner_id": client.id,
                        "year": self.year,
                        "bookkeeping_frequency": "month",
                        "vat_frequency": "quarter",
                        "annual_accounts_engagement": "compilation",
                    }
                    for client in clients
                ]
            )
            self.env.invalidate_all()
            counts.append(self._count(lambda p=plans: self.Planned._sync_plans(p)))
            self.env.invalidate_all()
            with self.assertQueryCount(8):
                self.Planned._sync_plans(plans)
            self.assertEqual(
                self.Planned.search_count([("plan_id", "in", plans.ids)]), size * 17
            )
        self.assertEqual(counts[0], counts[1])

    # ------------------------------------------------------------------
    # Capacity overview
    # ------------------------------------------------------------------

    def _budget(self, employee, productive, **vals):
        return self.Budget.create(
            dict(
                {
                    "employee_id": employee.id,
                    "year": self.year,
                    "role_id": self.role_ass.id,
                    "productive_hours": productive,
                },
                **vals,
            )
        )

    def _row(self, employee, month):
        return self.Capacity.search(
            [
                ("employee_id", "=", employee.id),
                ("year", "=", self.year),
                ("month", "=", str(month)),
            ]
        )

    def test_capacity_rows(self):
        budget = self._budget(self.employee, 1150)  # 100 a month, July 50
        budget.month_ids.filtered(lambda m: m.month == "4").control_hours = 96.5
        april = self._row(self.employee, 4)
        self.assertEqual(len(april), 1)
        self.assertEqual(april.budget_id, budget)
        self.assertEqual(april.role_id, self.role_ass)
        self.assertEqual(april.department_id, self.department)
        self.assertAlmostEqual(april.available_hours, 100.0)
        self.assertAlmostEqual(april.planned_hours, 7.0)  # bookkeeping 5 + VAT 2
        self.assertAlmostEqual(april.control_hours, 96.5)
        self.assertAlmostEqual(april.free_hours, -3.5)
        self.assertAlmostEqual(
            april.contract_hours + 0, budget.month_ids[3].contract_hours
        )
        self.assertAlmostEqual(
            april.indirect_hours, april.contract_hours - april.available_hours
        )
        # An employee with planned hours and no budget is overbooked.
        march = self._row(self.employee_2, 3)
        self.assertFalse(march.budget_id)
        self.assertAlmostEqual(march.free_hours, -10.0)
        overbooked = self.Capacity.search(
            [
                ("year", "=", self.year),
                ("free_hours", "<", 0),
                ("employee_id", "in", (self.employee | self.employee_2).ids),
            ]
        )
        self.assertEqual(
            set(overbooked.mapped(lambda r: (r.employee_id, r.month))),
            {(self.employee, "4"), (self.employee_2, "3")},
        )

    def test_capacity_actions(self):
        budget = self._budget(self.employee, 1150)
        action = self._row(self.employee, 4).action_open_budget()
        self.assertEqual(action["res_id"], budget.id)
        action = self._row(self.employee_2, 3).action_open_budget()
        self.assertNotIn("res_id", action)
        self.assertEqual(action["context"]["default_employee_id"], self.employee_2.id)
        action = self._row(self.employee, 4).action_open_planned_hours()
        planned = self.Planned.search(action["domain"])
        self.assertEqual(
            set(planned.mapped("service")), {"bookkeeping_month", "vat_quarter"}
        )
        self.assertEqual(planned.plan_id, self.plan)

    def _firm(self, size):
        clients = self.Partner.create(
            [{"name": f"Firm {size} {i}", "is_company": True} for i in range(size)]
        )
        self._team(clients)
        self.Plan.create(
            [
                {
                    "partner_id": client.id,
                    "year": self.year,
                    "bookkeeping_frequency": "month",
                    "vat_frequency": "month",
                    "annual_accounts_engagement": "compilation",
                }
                for client in clients
            ]
        )
        return clients

    def _overview_groups(self, capacity):
        return capacity.read_group(
            [("year", "=", self.year)],
            ["available_hours:sum", "planned_hours:sum", "free_hours:sum"],
            ["employee_id", "date:month"],
            lazy=False,
        )

    def test_capacity_overview_query_count(self):
        self._budget(self.employee, 1150)
        capacity = self.Capacity.with_user(self.user_manager)
        totals = []
        for size in (10, 100):
            self._firm(size)
            # The first call fills the caches (record rules, access rights) as
            # on a running server; the second is the one measured.
            self._overview_groups(capacity)
            self.env.invalidate_all()
            with self.assertQueryCount(5):
                groups = self._overview_groups(capacity)
            totals.append(sum(g["planned_hours"] for g in groups))
        # The overview grows with the clients, the query count does not.
        self.assertAlmostEqual(totals[1] - totals[0], 100 * (12 * 5 + 12 * 0 + 10))

    def test_capacity_multi_company(self):
        self._budget(self.employee, 1150)
        rows = self.Capacity.with_user(self.user_company_2).search(
            [("employee_id", "=", self.employee.id)]
        )
        self.assertFalse(rows)
        rows = self.Capacity.with_user(self.user_acc).search(
            [("employee_id", "=", self.employee.id), ("year", "=", self.year)]
        )
        self.assertEqual(len(rows), 12)

    # ------------------------------------------------------------------
    # XLSX export
    # ------------------------------------------------------------------

    def _render(self, report, ids):
        content, report_type = self.env["ir.actions.report"]._render(report, ids)
        self.assertEqual(report_type, "xlsx")
        sheet = load_workbook(io.BytesIO(content), read_only=True).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]

    def test_xlsx_layout_and_figures(self):
        self.employee.barcode = "TAC"
        budget = self._budget(self.employee, 1150, part_time_percentage=80)
        budget.month_ids.filtered(lambda m: m.month == "2").control_hours = 4
        rows = self._render(REPORT, budget.ids)
        self.assertEqual(
            rows[0][:6], ["Role", "Employee", "Employee name", "Year", "Total", "Jan"]
        )
        self.assertEqual(rows[0][-1], "Dec")
        self.assertEqual(rows[1][:4], ["RLM.ass", "TAC", "Test Accountant", self.year])
        labels = [row[2] for row in rows[2:8]]
        self.assertEqual(
            labels,
            [
                "Contract hours (pt%)",
                "Indirect/absent",
                "Available for production",
                "Already planned",
                "Control hours (manual)",
                "Free capacity",
            ],
        )
        contract, indirect, available, planned, control, free = rows[2:8]
        self.assertEqual(contract[3], 80)
        self.assertAlmostEqual(contract[4], 1664.0)  # 2080 * 80%
        self.assertAlmostEqual(indirect[4], 1664.0 - 1150.0)
        self.assertAlmostEqual(available[4], 1150.0)
        self.assertAlmostEqual(available[5 + 6], 50.0)  # July at half
        # Bookkeeping 12 x 5, VAT in April, July and October x 2 this year.
        self.assertAlmostEqual(planned[4], 66.0)
        self.assertAlmostEqual(planned[5 + 3], 7.0)
        self.assertAlmostEqual(control[5 + 1], 4.0)
        self.assertAlmostEqual(free[5 + 1], 100 - 5 - 4)
        self.assertAlmostEqual(free[4], 1150 - 66 - 4)
        self.assertEqual(len(rows), 8)

    def test_xlsx_from_capacity_rows(self):
        self._budget(self.employee, 1150)
        rows_ids = self.Capacity.search(
            [
                ("year", "=", self.year),
                ("employee_id", "in", (self.employee | self.employee_2).ids),
            ]
        ).ids
        rows = self._render(REPORT_ROWS, rows_ids)
        names = [row[2] for row in rows if row[3] == self.year]
        self.assertEqual(sorted(names), ["Test Accountant", "Test Assistant"])
        # The assistant has no budget: planned hours only, free capacity negative.
        block = next(i for i, row in enumerate(rows) if row[2] == "Test Assistant")
        self.assertAlmostEqual(rows[block + 6][4], -10.0)

    def test_xlsx_query_count_constant(self):
        employees = self.env["hr.employee"].create(
            [{"name": f"Xlsx {i}"} for i in range(2)]
        )
        budgets = self.Budget.create(
            [
                {"employee_id": e.id, "year": self.year, "productive_hours": 1000}
                for e in employees | self.employee | self.employee_2
            ]
        )
        counts = []
        for size in (10, 100):
            self._firm(size)
            self._render(REPORT, budgets.ids)  # warm the caches
            self.env.invalidate_all()
            counts.append(self._count(lambda: self._render(REPORT, budgets.ids)))
            self.env.invalidate_all()
            with self.assertQueryCount(9):
                self._render(REPORT, budgets.ids)
        self.assertEqual(counts[0], counts[1])

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    def test_access_norms(self):
        norm = self.norm_bookkeeping.with_user(self.user_acc)
        self.assertEqual(norm.hours, 5)
        with self.assertRaises(AccessError):
            norm.write({"hours": 9})
        with self.assertRaises(AccessError):
            self.Norm.with_user(self.user_acc).create(
                {"service": "vat_month", "role_id": self.role_ass.id, "hours": 1}
            )
        self.norm_bookkeeping.invalidate_recordset()
        self.assertEqual(self.norm_bookkeeping.hours, 5)
        self.norm_bookkeeping.with_user(self.user_manager).write({"hours": 6})
        self.assertEqual(self.norm_bookkeeping.hours, 6)

    def test_access_budgets_and_planned_hours(self):
        budget = self._budget(self.employee, 1150)
        as_user = budget.with_user(self.user_acc)
        self.assertEqual(as_user.productive_hours, 1150)
        with self.assertRaises(AccessError):
            as_user.write({"productive_hours": 1000})
        with self.assertRaises(AccessError):
            as_user.month_ids[0].write({"control_hours": 3})
        budget.invalidate_recordset()
        self.assertEqual(budget.productive_hours, 1150)
        self.assertFalse(budget.month_ids[0].control_hours)
        budget.with_user(self.user_manager).write({"productive_hours": 1035})
        self.assertAlmostEqual(sum(budget.month_ids.mapped("productive_hours")), 1035)
        planned = self.Planned.with_user(self.user_acc).search(
            [("plan_id", "=", self.plan.id)], limit=1
        )
        self.assertTrue(planned)
        with self.assertRaises(AccessError):
            planned.write({"hours": 99})
        # A user who may change a plan updates its planned hours as well.
        self.plan.with_user(self.user_acc).write({"vat_frequency": "none"})
        self.assertFalse(
            self.Planned.search(
                [("plan_id", "=", self.plan.id), ("service", "like", "vat_")]
            )
        )

    def test_access_plain_employee_reads_capacity(self):
        self._budget(self.employee, 1150)
        rows = self.Capacity.with_user(self.user_employee).search(
            [("employee_id", "=", self.employee.id), ("year", "=", self.year)]
        )
        self.assertEqual(len(rows), 12)
        with self.assertRaises(AccessError):
            self.Budget.with_user(self.user_employee).create(
                {"employee_id": self.employee_2.id, "year": self.year}
            )


@tagged("post_install", "-at_install")
class TestCapacityDefaults(AccountancyCrmCommon):
    def test_default_norms_plan_hours(self):
        """The default norms (data) give a plan planned hours out of the box."""
        role_ass = self.env.ref("accountancy_crm.role_rlm_ass")
        client = self._create_company("Defaults Client B.V.", relation_kind="client")
        self.env["accountancy.assignment"].create(
            [
                {
                    "partner_id": client.id,
                    "role_id": role.id,
                    "employee_id": employee.id,
                    "year": self.this_year,
                }
                for role, employee in (
                    (role_ass, self.employee),
                    (self.role_jrk, self.employee_2),
                )
            ]
        )
        plan = self.env["accountancy.service.plan"].create(
            {
                "partner_id": client.id,
                "year": self.this_year,
                "bookkeeping_frequency": "quarter",
                "annual_accounts_engagement": "review",
            }
        )
        planned = self.env["accountancy.planned.hour"].search(
            [("plan_id", "=", plan.id)]
        )
        self.assertEqual(
            set(planned.mapped("service")), {"bookkeeping_quarter", "annual_review"}
        )
        self.assertEqual(planned.employee_id, self.employee | self.employee_2)
        self.assertTrue(all(p.hours > 0 for p in planned))
        self.assertEqual(
            self.env.ref("accountancy_crm.hour_norm_bookkeeping_month_rlm_ass").hours, 6
        )
