from datetime import date

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from ..wizards.accountancy_task_generation_wizard import (
    last_day,
    period_deadline,
    yearly_vat_deadline,
)
from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install", "is_query_count")
class TestTaskGeneration(AccountancyCrmCommon):
    """Generate tasks: project tasks with deadlines from confirmed service plans,
    assigned to the client's team, once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.year = cls.this_year
        cls.Wizard = cls.env["accountancy.task.generation.wizard"]
        cls.Task = cls.env["project.task"].with_context(active_test=False)
        cls.env["ir.config_parameter"].set_param(
            "accountancy_crm.task_project_mode", "client"
        )
        cls.role_rlm_ass = cls.env.ref("accountancy_crm.role_rlm_ass")
        # Whoever runs the wizard needs to create projects and tasks.
        cls.user_planner = mail_new_test_user(
            cls.env,
            login="acc_planner",
            groups="accountancy_crm.group_manager",
            name="Planner",
        )
        cls.user_rlm, cls.user_ass, cls.user_jrk = (
            mail_new_test_user(
                cls.env, login=f"acc_team_{code}", groups="base.group_user", name=code
            )
            for code in ("rlm", "ass", "jrk")
        )
        Employee = cls.env["hr.employee"]
        cls.emp_rlm, cls.emp_ass, cls.emp_jrk = Employee.create(
            [
                {"name": "Team RLM", "user_id": cls.user_rlm.id},
                {"name": "Team assistant", "user_id": cls.user_ass.id},
                {"name": "Team JRK", "user_id": cls.user_jrk.id},
            ]
        )
        cls.client_a = cls._create_company(
            "Tasks Client A B.V.", relation_kind="client"
        )
        cls.client_b = cls._create_company(
            "Tasks Client B B.V.", relation_kind="client"
        )
        cls.client_c = cls._create_company(
            "Tasks Client C B.V.", relation_kind="client"
        )
        cls.client_d = cls._create_company(
            "Tasks Client D B.V.", relation_kind="client"
        )
        Plan = cls.env["accountancy.service.plan"]
        cls.plan_a = Plan.create(
            {
                "partner_id": cls.client_a.id,
                "year": cls.year,
                "bookkeeping_frequency": "quarter",
                "vat_frequency": "month",
                "annual_accounts_engagement": "review",
                "annual_accounts_date": date(cls.year, 5, 31),
                "state": "confirmed",
            }
        )
        cls.plan_b = Plan.create(
            {
                "partner_id": cls.client_b.id,
                "year": cls.year,
                "bookkeeping_frequency": "month",
                "vat_frequency": "quarter",
                "annual_accounts_engagement": "compilation",
                "state": "confirmed",
            }
        )
        cls.plan_c = Plan.create(
            {
                "partner_id": cls.client_c.id,
                "year": cls.year,
                "bookkeeping_frequency": "year",
                "bookkeeping_month": "3",
                "vat_frequency": "year",
                "state": "confirmed",
            }
        )
        # Still a proposal: no tasks.
        cls.plan_d = Plan.create(
            {
                "partner_id": cls.client_d.id,
                "year": cls.year,
                "vat_frequency": "month",
                "state": "proposal",
            }
        )
        Assignment = cls.env["accountancy.assignment"]
        Assignment.create(
            [
                {
                    "partner_id": cls.client_a.id,
                    "role_id": role.id,
                    "employee_id": employee.id,
                    "year": cls.year,
                }
                for role, employee in (
                    (cls.role_rlm, cls.emp_rlm),
                    (cls.role_rlm_ass, cls.emp_ass),
                    (cls.role_jrk, cls.emp_jrk),
                )
            ]
            + [
                # Client B has only a relationship manager: the fallback.
                {
                    "partner_id": cls.client_b.id,
                    "role_id": cls.role_rlm.id,
                    "employee_id": cls.emp_rlm.id,
                    "year": cls.year,
                },
                # Last year's team of client C does not count this year.
                {
                    "partner_id": cls.client_c.id,
                    "role_id": cls.role_rlm.id,
                    "employee_id": cls.emp_rlm.id,
                    "year": cls.year - 1,
                },
            ]
        )

    def _generate(self, user=None, **vals):
        wizard = self.Wizard.with_user(user or self.user_planner).create(
            dict({"year": self.year}, **vals)
        )
        return wizard.action_generate()

    def _tasks(self, plan, prefix=""):
        tasks = self.Task.search(
            [
                ("accountancy_service_plan_id", "=", plan.id),
                ("accountancy_task_key", "=like", f"{prefix}%"),
            ]
        )
        return {task.accountancy_task_key: task for task in tasks}

    def _deadlines(self, plan, prefix):
        return {
            key: task.date_deadline.date()
            for key, task in self._tasks(plan, prefix).items()
        }

    # Deadlines -------------------------------------------------------------

    def test_deadline_helpers(self):
        self.assertEqual(last_day(2024, 2), date(2024, 2, 29))
        self.assertEqual(last_day(2025, 2), date(2025, 2, 28))
        self.assertEqual(last_day(2025, 13), date(2026, 1, 31))
        self.assertEqual(period_deadline(2025, 12), date(2026, 1, 31))
        self.assertEqual(yearly_vat_deadline(2025), date(2026, 3, 31))

    def test_vat_monthly_deadlines(self):
        self._generate()
        year = self.year
        expected = {
            f"vat-m{month:02d}": last_day(year, month + 1) for month in range(1, 13)
        }
        self.assertEqual(self._deadlines(self.plan_a, "vat-"), expected)
        self.assertEqual(expected["vat-m12"], date(year + 1, 1, 31))
        self.assertEqual(expected["vat-m03"], date(year, 4, 30))

    def test_vat_quarterly_deadlines(self):
        self._generate()
        year = self.year
        self.assertEqual(
            self._deadlines(self.plan_b, "vat-"),
            {
                "vat-q1": date(year, 4, 30),
                "vat-q2": date(year, 7, 31),
                "vat-q3": date(year, 10, 31),
                "vat-q4": date(year + 1, 1, 31),
            },
        )
        self.assertEqual(
            self._tasks(self.plan_b, "vat-q4")["vat-q4"].name,
            f"VAT return Q4 {year}",
        )

    def test_vat_yearly_deadline(self):
        self._generate()
        self.assertEqual(
            self._deadlines(self.plan_c, "vat-"),
            {"vat-year": date(self.year + 1, 3, 31)},
        )

    def test_bookkeeping_deadlines(self):
        self._generate()
        year = self.year
        self.assertEqual(
            self._deadlines(self.plan_a, "bookkeeping-"),
            {
                "bookkeeping-q1": date(year, 4, 30),
                "bookkeeping-q2": date(year, 7, 31),
                "bookkeeping-q3": date(year, 10, 31),
                "bookkeeping-q4": date(year + 1, 1, 31),
            },
        )
        monthly = self._deadlines(self.plan_b, "bookkeeping-")
        self.assertEqual(len(monthly), 12)
        self.assertEqual(monthly["bookkeeping-m01"], last_day(year, 2))
        self.assertEqual(monthly["bookkeeping-m12"], date(year + 1, 1, 31))
        # Yearly: in the production month of the plan.
        self.assertEqual(
            self._deadlines(self.plan_c, "bookkeeping-"),
            {"bookkeeping-year": date(year, 3, 31)},
        )

    def test_annual_accounts_deadline(self):
        self._generate()
        task = self._tasks(self.plan_a, "annual")["annual-accounts"]
        self.assertEqual(task.date_deadline.date(), date(self.year, 5, 31))
        self.assertEqual(task.name, f"Annual accounts {self.year - 1} (Review)")
        # Engagement without a planned date: the task exists, without deadline.
        task_b = self._tasks(self.plan_b, "annual")["annual-accounts"]
        self.assertFalse(task_b.date_deadline)
        # No engagement, no task.
        self.assertFalse(self._tasks(self.plan_c, "annual"))

    def test_only_confirmed_plans(self):
        self._generate()
        self.assertFalse(self._tasks(self.plan_d))
        self.assertEqual(len(self._tasks(self.plan_a)), 4 + 12 + 1)
        self.assertEqual(len(self._tasks(self.plan_b)), 12 + 4 + 1)
        self.assertEqual(len(self._tasks(self.plan_c)), 2)

    # Assignees and projects ------------------------------------------------

    def test_assigned_to_team_role(self):
        self._generate()
        tasks_a = self._tasks(self.plan_a)
        self.assertEqual(tasks_a["vat-m01"].user_ids, self.user_ass)
        self.assertEqual(tasks_a["bookkeeping-q2"].user_ids, self.user_ass)
        self.assertEqual(tasks_a["annual-accounts"].user_ids, self.user_jrk)
        # Nobody in the role: the relationship manager.
        tasks_b = self._tasks(self.plan_b)
        self.assertEqual(tasks_b["vat-q1"].user_ids, self.user_rlm)
        self.assertEqual(tasks_b["annual-accounts"].user_ids, self.user_rlm)
        # No team this year: unassigned (not the user running the wizard).
        tasks_c = self._tasks(self.plan_c)
        self.assertFalse(tasks_c["vat-year"].user_ids)

    def test_one_project_per_client(self):
        self._generate()
        for plan in self.plan_a | self.plan_b | self.plan_c:
            project = self.Task.search(
                [("accountancy_service_plan_id", "=", plan.id)]
            ).project_id
            self.assertEqual(len(project), 1)
            self.assertEqual(project.partner_id, plan.partner_id)
            self.assertEqual(project.accountancy_service_line, "all")
            self.assertEqual(project.privacy_visibility, "employees")
        task = self._tasks(self.plan_a)["vat-m01"]
        self.assertEqual(task.partner_id, self.client_a)
        # Next year's plan reuses the client's project.
        plan_next = self.plan_a.copy({"year": self.year + 1, "state": "confirmed"})
        project = task.project_id
        self._generate(year=self.year + 1, partner_ids=self.client_a.ids)
        next_tasks = self.Task.search(
            [("accountancy_service_plan_id", "=", plan_next.id)]
        )
        self.assertTrue(next_tasks)
        self.assertEqual(next_tasks.project_id, project)
        self.assertEqual(
            self.env["project.project"].search_count(
                [("partner_id", "=", self.client_a.id)]
            ),
            1,
        )

    def test_one_project_per_service_line(self):
        self.env["ir.config_parameter"].set_param(
            "accountancy_crm.task_project_mode", "service_line"
        )
        self._generate()
        tasks = self._tasks(self.plan_a)
        projects = self.Task.search(
            [("accountancy_service_plan_id", "=", self.plan_a.id)]
        ).project_id
        self.assertEqual(
            sorted(projects.mapped("accountancy_service_line")),
            ["annual_accounts", "bookkeeping", "vat"],
        )
        self.assertEqual(projects.partner_id, self.client_a)
        self.assertEqual(tasks["vat-m05"].project_id.accountancy_service_line, "vat")
        self.assertEqual(
            tasks["annual-accounts"].project_id.name,
            "Tasks Client A B.V. - Annual accounts",
        )

    def test_setting_in_config(self):
        settings = Form(self.env["res.config.settings"])
        settings.accountancy_task_project_mode = "service_line"
        settings.save().execute()
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(
                "accountancy_crm.task_project_mode"
            ),
            "service_line",
        )

    def test_selected_clients_only(self):
        wizard = self.Wizard.with_user(self.user_planner).create(
            {"year": self.year, "partner_ids": self.client_b.ids}
        )
        self.assertEqual(wizard.plan_count, 1)
        wizard.action_generate()
        self.assertTrue(self._tasks(self.plan_b))
        self.assertFalse(self._tasks(self.plan_a))
        self.assertFalse(self._tasks(self.plan_c))

    def test_form_counts_confirmed_plans(self):
        Plan = self.env["accountancy.service.plan"]
        form = Form(self.Wizard.with_user(self.user_planner))
        self.assertEqual(form.year, self.year)
        # Demo data may hold confirmed plans too.
        confirmed = Plan.search_count(
            [("year", "=", self.year), ("state", "=", "confirmed")]
        )
        self.assertGreaterEqual(confirmed, 3)
        self.assertEqual(form.plan_count, confirmed)
        form.year = self.year - 1
        self.assertEqual(
            form.plan_count,
            Plan.search_count(
                [("year", "=", self.year - 1), ("state", "=", "confirmed")]
            ),
        )
        form.partner_ids.add(self.client_a)
        form.year = self.year
        self.assertEqual(form.plan_count, 1)

    def test_clients_from_context(self):
        wizard = self.Wizard.with_context(
            active_model="res.partner", active_ids=self.client_c.ids
        ).create({"year": self.year})
        self.assertEqual(wizard.partner_ids, self.client_c)
        self.assertEqual(wizard.plan_count, 1)

    # Idempotence -----------------------------------------------------------

    def test_running_twice_creates_no_duplicates(self):
        self._generate()
        all_plans = (self.plan_a | self.plan_b | self.plan_c).ids
        domain = [("accountancy_service_plan_id", "in", all_plans)]
        first = self.Task.search(domain)
        projects = self.env["project.project"].search_count([])
        self._generate()
        self.assertEqual(self.Task.search(domain), first)
        self.assertEqual(self.env["project.project"].search_count([]), projects)
        # An archived task is not recreated; a deleted one is.
        tasks = self._tasks(self.plan_a)
        tasks["vat-m01"].active = False
        tasks["vat-m02"].unlink()
        self._generate()
        tasks = self._tasks(self.plan_a)
        self.assertEqual(len(tasks), 17)
        self.assertFalse(tasks["vat-m01"].active)
        self.assertTrue(tasks["vat-m02"].active)

    def test_task_key_unique(self):
        self._generate()
        task = self._tasks(self.plan_a)["vat-m01"]
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            task.copy(
                {
                    "accountancy_service_plan_id": self.plan_a.id,
                    "accountancy_task_key": "vat-m01",
                }
            )
        # A plain copy of the task does not copy its planning key.
        copy = task.copy()
        self.assertFalse(copy.accountancy_service_plan_id)
        self.assertFalse(copy.accountancy_task_key)

    # Bad input and access --------------------------------------------------

    def test_no_confirmed_plan_refused(self):
        count = self.Task.search_count([])
        with self.assertRaisesRegex(UserError, "no confirmed service plan"):
            self._generate(partner_ids=self.client_d.ids)
        with self.assertRaisesRegex(UserError, "no confirmed service plan"):
            self._generate(year=self.year + 2)
        with self.assertRaisesRegex(UserError, "between 2000 and 2100"):
            self._generate(year=19)
        self.assertEqual(self.Task.search_count([]), count)

    def test_client_acceptance_blocks_generation(self):
        """With the settings blocking planning tasks for clients without a
        valid client acceptance (Wwft), nothing is generated."""
        self.env["ir.config_parameter"].set_param(
            "accountancy_crm.acceptance_block_planning_tasks", "unaccepted"
        )
        count = self.Task.search_count([])
        projects = self.env["project.project"].search_count([])
        with self.assertRaisesRegex(UserError, "generate planning tasks"):
            self._generate()
        self.assertEqual(self.Task.search_count([]), count)
        self.assertEqual(self.env["project.project"].search_count([]), projects)

    def test_access_manager_only(self):
        count = self.Task.search_count([])
        with self.assertRaises(AccessError):
            self._generate(user=self.user_acc)
        self.assertEqual(self.Task.search_count([]), count)
        self._generate(user=self.user_planner)
        self.assertEqual(len(self._tasks(self.plan_a)), 17)
        menu = self.env.ref("accountancy_crm.accountancy_task_generation_wizard_menu")
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.user_manager)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.with_user(self.user_acc)._visible_menu_ids())

    # Performance -----------------------------------------------------------

    def _make_perf_clients(self, count, tag):
        """``count`` new clients, each with a confirmed plan holding one task
        (yearly VAT) and an assistant, so each model stays within one ORM INSERT
        batch (100 rows) at both sizes."""
        clients = self.env["res.partner"].create(
            [
                {"name": f"Tasks perf {tag} {i}", "is_company": True}
                for i in range(count)
            ]
        )
        self.env["accountancy.service.plan"].create(
            [
                {
                    "partner_id": client.id,
                    "year": self.year,
                    "vat_frequency": "year",
                    "state": "confirmed",
                }
                for client in clients
            ]
        )
        self.env["accountancy.assignment"].create(
            [
                {
                    "partner_id": client.id,
                    "role_id": self.role_rlm_ass.id,
                    "employee_id": self.emp_ass.id,
                    "year": self.year,
                }
                for client in clients
            ]
        )
        return clients

    def _queries(self, func):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        func()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def _floor_queries(self, count, tag):
        """Queries of Odoo's own batch create of the same number of projects and
        tasks (one each per client), without the wizard."""
        clients = self.env["res.partner"].create(
            [{"name": f"Floor {tag} {i}", "is_company": True} for i in range(count)]
        )
        planner_env = self.env(user=self.user_planner)

        def create():
            projects = planner_env["project.project"].create(
                [
                    {
                        "name": client.name,
                        "partner_id": client.id,
                        "company_id": self.company_main.id,
                        "privacy_visibility": "employees",
                    }
                    for client in clients
                ]
            )
            planner_env["project.task"].with_context(
                mail_auto_subscribe_no_notify=True, mail_create_nolog=True
            ).create(
                [
                    {
                        "name": "VAT",
                        "project_id": project.id,
                        "partner_id": project.partner_id.id,
                        "company_id": self.company_main.id,
                        "date_deadline": f"{self.year + 1}-03-31 12:00:00",
                        "user_ids": [(6, 0, self.user_ass.ids)],
                    }
                    for project in projects
                ]
            )

        return self._queries(create)

    def _generation_queries(self, clients):
        wizard = self.Wizard.with_user(self.user_planner).create(
            {"year": self.year, "partner_ids": clients.ids}
        )
        return self._queries(wizard.action_generate)

    def test_query_count_constant(self):
        """The wizard's own queries do not depend on the number of plans: beyond
        Odoo's own cost of creating the projects and tasks (followers, personal
        stages, mail aliases: a few queries per record in project and mail), the
        count is the same at 10 and 100 clients. Running it again, with nothing
        to create, costs the same at both sizes."""
        self._generation_queries(self._make_perf_clients(3, "warm-up"))
        self._floor_queries(3, "warm-up")
        overhead = {}
        clients = {}
        for count in (10, 100):
            clients[count] = self._make_perf_clients(count, count)
            queries = self._generation_queries(clients[count])
            floor = self._floor_queries(count, count)
            overhead[count] = queries - floor
            tasks = self.Task.search([("partner_id", "in", clients[count].ids)])
            self.assertEqual(len(tasks), count)
            self.assertEqual(tasks.user_ids, self.user_ass)
        self.assertEqual(overhead[10], overhead[100])
        again_10 = self._generation_queries(clients[10])
        wizard = self.Wizard.with_user(self.user_planner).create(
            {"year": self.year, "partner_ids": clients[100].ids}
        )
        self.env.invalidate_all()
        with self.assertQueryCount(again_10):
            wizard.action_generate()
        self.assertEqual(
            self.Task.search_count([("partner_id", "in", clients[100].ids)]), 100
        )
