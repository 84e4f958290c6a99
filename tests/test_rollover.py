from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import AccountancyCrmCommon

PLANNING_MODELS = [
    "accountancy.assignment",
    "accountancy.service.plan",
    "accountancy.advisory.status",
    "accountancy.employee.budget",
]


@tagged("post_install", "-at_install", "is_query_count")
class TestPlanningRollover(AccountancyCrmCommon):
    """The year roll-over copies teams, service plans, advisory statuses and
    employee budgets into the next year, once, in a constant number of queries."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.year = cls.this_year
        cls.next_year = cls.this_year + 1
        # Start from empty years, whatever demo data or other modules left there.
        for model in PLANNING_MODELS:
            cls.env[model].with_context(active_test=False).search(
                [("year", "in", [cls.year, cls.next_year])]
            ).unlink()
        cls.Wizard = cls.env["accountancy.planning.rollover.wizard"]
        cls.role_rlm_ass = cls.env.ref("accountancy_crm.role_rlm_ass")
        cls.service_strategy = cls.env.ref("accountancy_crm.advisory_service_strategy")
        cls.service_hr = cls.env.ref("accountancy_crm.advisory_service_hr")
        cls.employee_gone = cls.env["hr.employee"].create(
            {"name": "Test Leaver", "company_id": cls.company_main.id}
        )
        cls.client = cls._create_company("Rollover Client B.V.", relation_kind="client")
        cls.former = cls._create_company(
            "Rollover Former B.V.", relation_kind="former_client"
        )
        cls.archived = cls._create_company(
            "Rollover Archived B.V.", relation_kind="client"
        )
        Assignment = cls.env["accountancy.assignment"]
        cls.assign_rlm = Assignment.create(
            {
                "partner_id": cls.client.id,
                "role_id": cls.role_rlm.id,
                "employee_id": cls.employee.id,
                "year": cls.year,
            }
        )
        Assignment.create(
            [
                {
                    "partner_id": cls.client.id,
                    "role_id": cls.role_jrk.id,
                    "employee_id": cls.employee_2.id,
                    "year": cls.year,
                },
                # Points to an employee who leaves: not copied.
                {
                    "partner_id": cls.client.id,
                    "role_id": cls.role_acc.id,
                    "employee_id": cls.employee_gone.id,
                    "year": cls.year,
                },
                {
                    "partner_id": cls.former.id,
                    "role_id": cls.role_rlm.id,
                    "employee_id": cls.employee.id,
                    "year": cls.year,
                },
                {
                    "partner_id": cls.archived.id,
                    "role_id": cls.role_rlm.id,
                    "employee_id": cls.employee.id,
                    "year": cls.year,
                },
            ]
        )
        Plan = cls.env["accountancy.service.plan"]
        cls.plan = Plan.create(
            {
                "partner_id": cls.client.id,
                "year": cls.year,
                "bookkeeping_frequency": "quarter",
                "bookkeeping_watch": True,
                "vat_frequency": "month",
                "compilation_ready_date": date(cls.year, 2, 15),
                "annual_accounts_engagement": "review",
                "annual_accounts_date": date(cls.year, 5, 31),
                "state": "confirmed",
            }
        )
        Plan.create(
            [
                {
                    "partner_id": cls.former.id,
                    "year": cls.year,
                    "vat_frequency": "month",
                },
                {"partner_id": cls.archived.id, "year": cls.year},
            ]
        )
        Status = cls.env["accountancy.advisory.status"]
        Status.create(
            [
                {
                    "partner_id": cls.client.id,
                    "year": cls.year,
                    "service_id": cls.service_strategy.id,
                    "status": "active",
                },
                {
                    "partner_id": cls.client.id,
                    "year": cls.year,
                    "service_id": cls.service_hr.id,
                    "status": "discuss",
                },
                {
                    "partner_id": cls.former.id,
                    "year": cls.year,
                    "service_id": cls.service_hr.id,
                    "status": "active",
                },
            ]
        )
        Budget = cls.env["accountancy.employee.budget"]
        cls.budget = Budget.create(
            {
                "employee_id": cls.employee.id,
                "year": cls.year,
                "role_id": cls.role_rlm.id,
                "part_time_percentage": 80.0,
                "productive_hours": 1150.0,
                "month_ids": [
                    Command.create(
                        {
                            "month": str(month),
                            "productive_hours": 50.0 if month == 7 else 100.0,
                            "control_hours": 2.0,
                        }
                    )
                    for month in range(1, 13)
                ],
            }
        )
        Budget.create(
            {
                "employee_id": cls.employee_gone.id,
                "year": cls.year,
                "productive_hours": 1000.0,
            }
        )
        cls.employee_gone.active = False
        cls.archived.active = False

    def _planning(self, year):
        return {
            model: self.env[model]
            .with_context(active_test=False)
            .search([("year", "=", year)])
            for model in PLANNING_MODELS
        }

    def _wizard(self, **vals):
        return self.Wizard.create(
            dict({"year_from": self.year, "year_to": self.next_year}, **vals)
        )

    def test_defaults_this_year_to_next(self):
        wizard = Form(self.Wizard)
        self.assertEqual(wizard.year_from, self.this_year)
        self.assertEqual(wizard.year_to, self.this_year + 1)

    def test_counts_shown_before_confirming(self):
        wizard = self._wizard()
        self.assertFalse(wizard.year_error)
        # RLM and JRK of the client (not the ACC: archived employee).
        self.assertEqual(wizard.assignment_count, 2)
        self.assertEqual(wizard.service_plan_count, 1)
        self.assertEqual(wizard.advisory_status_count, 2)
        self.assertEqual(wizard.employee_budget_count, 1)
        # Computing the counts created nothing.
        self.assertFalse(any(self._planning(self.next_year).values()))

    def test_rollover_copies_next_year(self):
        self._wizard().action_confirm()
        new = self._planning(self.next_year)
        assignments = new["accountancy.assignment"]
        self.assertEqual(
            {(a.partner_id, a.role_id, a.employee_id) for a in assignments},
            {
                (self.client, self.role_rlm, self.employee),
                (self.client, self.role_jrk, self.employee_2),
            },
        )
        plan = new["accountancy.service.plan"]
        self.assertEqual(plan.partner_id, self.client)
        self.assertEqual(plan.state, "proposal")
        self.assertEqual(plan.bookkeeping_frequency, "quarter")
        self.assertTrue(plan.bookkeeping_watch)
        self.assertEqual(plan.vat_frequency, "month")
        self.assertEqual(plan.annual_accounts_engagement, "review")
        self.assertEqual(plan.compilation_ready_date, date(self.next_year, 2, 15))
        self.assertEqual(plan.annual_accounts_date, date(self.next_year, 5, 31))
        self.assertEqual(plan.company_id, self.plan.company_id)
        statuses = new["accountancy.advisory.status"]
        self.assertEqual(
            {(s.partner_id, s.service_id, s.status) for s in statuses},
            {
                (self.client, self.service_strategy, "active"),
                (self.client, self.service_hr, "discuss"),
            },
        )
        budget = new["accountancy.employee.budget"]
        self.assertEqual(budget.employee_id, self.employee)
        self.assertEqual(budget.role_id, self.role_rlm)
        self.assertEqual(budget.part_time_percentage, 80.0)
        self.assertEqual(budget.full_time_hours, self.budget.full_time_hours)
        self.assertEqual(budget.indirect_hours, self.budget.indirect_hours)
        self.assertEqual(budget.productive_hours, 1150.0)
        self.assertEqual(
            [(m.month, m.productive_hours, m.control_hours) for m in budget.month_ids],
            [
                (m.month, m.productive_hours, m.control_hours)
                for m in self.budget.month_ids
            ],
        )
        self.assertEqual(len(budget.month_ids), 12)
        # The source year is untouched.
        self.assertEqual(self.plan.state, "confirmed")
        self.assertEqual(self.plan.year, self.year)

    def test_skips_former_archived_clients_and_employees(self):
        self._wizard().action_confirm()
        new = self._planning(self.next_year)
        skipped_clients = self.former | self.archived
        for model in (
            "accountancy.assignment",
            "accountancy.service.plan",
            "accountancy.advisory.status",
        ):
            self.assertFalse(new[model].partner_id & skipped_clients, model)
        self.assertNotIn(self.employee_gone, new["accountancy.assignment"].employee_id)
        self.assertNotIn(
            self.employee_gone, new["accountancy.employee.budget"].employee_id
        )

    def test_running_twice_changes_nothing(self):
        self._wizard().action_confirm()
        first = self._planning(self.next_year)
        snapshot = {
            model: records.read([f for f in ("employee_id", "state") if f in records])
            for model, records in first.items()
        }
        wizard = self._wizard()
        self.assertEqual(
            (
                wizard.assignment_count,
                wizard.service_plan_count,
                wizard.advisory_status_count,
                wizard.employee_budget_count,
            ),
            (0, 0, 0, 0),
        )
        wizard.action_confirm()
        second = self._planning(self.next_year)
        self.assertEqual(first, second)
        for model, records in second.items():
            fields = [f for f in ("employee_id", "state") if f in records]
            self.assertEqual(records.read(fields), snapshot[model])

    def test_existing_next_year_records_are_kept(self):
        """A team or plan already made for next year is neither duplicated nor
        overwritten; the rest is still copied."""
        Assignment = self.env["accountancy.assignment"]
        kept = Assignment.create(
            {
                "partner_id": self.client.id,
                "role_id": self.role_rlm.id,
                "employee_id": self.employee_2.id,
                "year": self.next_year,
            }
        )
        kept_plan = self.env["accountancy.service.plan"].create(
            {
                "partner_id": self.client.id,
                "year": self.next_year,
                "vat_frequency": "quarter",
                "state": "confirmed",
            }
        )
        wizard = self._wizard()
        self.assertEqual(wizard.assignment_count, 1)
        self.assertEqual(wizard.service_plan_count, 0)
        wizard.action_confirm()
        new = self._planning(self.next_year)
        rlm = new["accountancy.assignment"].filtered(
            lambda a: a.role_id == self.role_rlm
        )
        self.assertEqual(rlm, kept)
        self.assertEqual(rlm.employee_id, self.employee_2)
        self.assertEqual(new["accountancy.service.plan"], kept_plan)
        self.assertEqual(kept_plan.vat_frequency, "quarter")
        self.assertEqual(kept_plan.state, "confirmed")
        self.assertEqual(len(new["accountancy.assignment"]), 2)

    def test_bad_year_refused_nothing_changed(self):
        before = {model: len(r) for model, r in self._planning(self.year + 2).items()}
        for year_to in (self.year + 2, self.year, self.year - 1):
            wizard = self._wizard(year_to=year_to)
            self.assertTrue(wizard.year_error)
            self.assertEqual(wizard.assignment_count, 0)
            with self.assertRaisesRegex(UserError, "only be rolled over to the next"):
                wizard.action_confirm()
        self.assertFalse(any(self._planning(self.next_year).values()))
        after = {model: len(r) for model, r in self._planning(self.year + 2).items()}
        self.assertEqual(before, after)
        self.assertEqual(len(self._planning(self.year)["accountancy.assignment"]), 5)

    def test_access_manager_only(self):
        with self.assertRaises(AccessError):
            self.Wizard.with_user(self.user_acc).create(
                {"year_from": self.year, "year_to": self.next_year}
            )
        with self.assertRaises(AccessError):
            self._wizard().with_user(self.user_acc).action_confirm()
        self.assertFalse(any(self._planning(self.next_year).values()))
        self.Wizard.with_user(self.user_manager).create(
            {"year_from": self.year, "year_to": self.next_year}
        ).action_confirm()
        new = self._planning(self.next_year)
        self.assertEqual(len(new["accountancy.assignment"]), 2)
        self.assertEqual(len(new["accountancy.employee.budget"]), 1)

    def test_menu_for_managers_only(self):
        menu = self.env.ref("accountancy_crm.accountancy_planning_rollover_wizard_menu")
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.user_manager)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.with_user(self.user_acc)._visible_menu_ids())

    # Performance -------------------------------------------------------------

    def _make_clients(self, count, tag):
        """``count`` clients, each with one assignment, one service plan and one
        advisory status in ``self.year``. One row per client and model keeps each
        model within one ORM INSERT batch (100 rows) at both sizes: beyond that
        the ORM adds one INSERT per 100 rows, never one per client."""
        clients = self.env["res.partner"].create(
            [
                {
                    "name": f"Rollover perf {tag} {i}",
                    "is_company": True,
                    "relation_kind": "client",
                }
                for i in range(count)
            ]
        )
        self.env["accountancy.assignment"].create(
            [
                {
                    "partner_id": client.id,
                    "role_id": self.role_rlm.id,
                    "employee_id": self.employee.id,
                    "year": self.year,
                }
                for client in clients
            ]
        )
        self.env["accountancy.service.plan"].create(
            [
                {
                    "partner_id": client.id,
                    "year": self.year,
                    "vat_frequency": "quarter",
                    "annual_accounts_date": date(self.year, 6, 30),
                }
                for client in clients
            ]
        )
        self.env["accountancy.advisory.status"].create(
            [
                {
                    "partner_id": client.id,
                    "year": self.year,
                    "service_id": self.service_strategy.id,
                    "status": "active",
                }
                for client in clients
            ]
        )
        return clients

    def _clear_years(self):
        for model in PLANNING_MODELS[:3]:
            self.env[model].search(
                [("year", "in", [self.year, self.next_year])]
            ).unlink()
        self.env["accountancy.employee.budget"].search(
            [("year", "=", self.next_year)]
        ).unlink()

    def _count_rollover_queries(self, count, tag):
        self._clear_years()
        self._make_clients(count, tag)
        wizard = self._wizard()
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        wizard.action_confirm()
        self.env.flush_all()
        queries = self.env.cr.sql_log_count - before
        new = self._planning(self.next_year)
        self.assertEqual(len(new["accountancy.service.plan"]), count)
        self.assertEqual(len(new["accountancy.assignment"]), count)
        return queries

    def test_query_count_constant(self):
        self._count_rollover_queries(3, "warm-up")
        queries_10 = self._count_rollover_queries(10, "ten")
        queries_100 = self._count_rollover_queries(100, "hundred")
        self.assertEqual(queries_10, queries_100)
        # And the same with Odoo's own query counter, as crm's tests do.
        self._clear_years()
        self._make_clients(100, "again")
        wizard = self._wizard()
        self.env.invalidate_all()
        with self.assertQueryCount(queries_10):
            wizard.action_confirm()
        self.assertEqual(
            len(self._planning(self.next_year)["accountancy.service.plan"]), 100
        )
