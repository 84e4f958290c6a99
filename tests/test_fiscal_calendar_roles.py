from datetime import date

from odoo.tests import Form, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from ..models import fiscal_deadlines as fd
from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install", "is_query_count")
class TestFiscalRoles(AccountancyCrmCommon):
    """The role that does each return: its default from the hour norms, the
    tasks assigned from the client team, the planned hours; the monitor and
    the task list per employee, role, client group and status."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(
            "accountancy_crm.planning_years_back", 3
        )
        cls.env["ir.config_parameter"].set_param(
            "accountancy_crm.task_project_mode", "client"
        )
        cls.year = cls.this_year - 3
        cls.Plan = cls.env["accountancy.service.plan"]
        cls.Norm = cls.env["accountancy.hour.norm"]
        cls.Planned = cls.env["accountancy.planned.hour"]
        cls.Task = cls.env["project.task"]
        cls.Monitor = cls.env["accountancy.fiscal.monitor"]
        cls.role_ass = cls.env.ref("accountancy_crm.role_rlm_ass")
        cls.bv = cls._create_company(
            "Roles BV B.V.",
            relation_kind="client",
            legal_form="bv",
            client_group_id=cls.client_group.id,
        )
        cls.person = cls._create_person("Roles Person", relation_kind="client")
        # The team of the year: a user per role.
        cls.users = {}
        cls.employees = {}
        for role in (cls.role_rlm, cls.role_ass, cls.role_acc):
            user = mail_new_test_user(
                cls.env,
                login=f"roles_{role.code.lower()}",
                groups="accountancy_crm.group_user",
                name=f"Roles {role.code}",
            )
            cls.users[role] = user
            cls.employees[role] = cls.env["hr.employee"].create(
                {"name": f"Roles {role.code}", "user_id": user.id}
            )
        cls.env["accountancy.assignment"].create(
            [
                {
                    "partner_id": partner.id,
                    "year": cls.year,
                    "role_id": role.id,
                    "employee_id": cls.employees[role].id,
                }
                for partner in (cls.bv, cls.person)
                for role in cls.employees
            ]
        )

    def _plan(self, partner, **vals):
        return self.Plan.create(
            dict(
                {"partner_id": partner.id, "year": self.year, "state": "confirmed"},
                **vals,
            )
        )

    def _generate(self, partners):
        self.env["accountancy.task.generation.wizard"].create(
            {"year": self.year, "partner_ids": [(6, 0, partners.ids)]}
        ).action_generate()
        return self.Task.search(
            [("partner_id", "in", partners.ids), ("accountancy_tax", "!=", False)]
        )

    def _hours(self, plan, service):
        return {
            (row.role_id, row.year, int(row.month)): row.hours
            for row in self.Planned.search(
                [("plan_id", "=", plan.id), ("service", "=", service)]
            )
        }

    def test_default_roles_from_the_hour_norms(self):
        plan = self._plan(
            self.bv, vpb_return=True, payroll_frequency="month", kvk_filing=True
        )
        # The shipped norms: VPB by the relationship manager, payroll by the
        # assistant, the KvK filing by the annual accounts preparer.
        self.assertEqual(plan.vpb_role_id, self.role_rlm)
        self.assertEqual(plan.payroll_role_id, self.role_ass)
        self.assertEqual(plan.kvk_role_id, self.role_jrk)
        self.assertFalse(plan.ib_role_id)
        # A norm with more hours for another role makes that role the default,
        # for the office it is for only.
        self.Norm.create(
            {
                "service": "ib_return",
                "role_id": self.role_acc.id,
                "hours": 9.0,
                "company_id": self.company_2.id,
            }
        )
        self.assertEqual(
            self._plan(self.person, ib_return=True).ib_role_id, self.role_rlm
        )
        other = self._create_person("Roles Office Person", relation_kind="client")
        office_plan = self._plan(other, ib_return=True, company_id=self.company_2.id)
        self.assertEqual(office_plan.ib_role_id, self.role_acc)
        # No norm at all: the line's standard role.
        self.Norm.search([("service", "=", "kvk_filing")]).active = False
        plan.kvk_filing = False
        self.assertFalse(plan.kvk_role_id)
        plan.kvk_filing = True
        self.assertEqual(plan.kvk_role_id, self.role_jrk)
        # A role chosen by hand stays when the plan changes.
        plan.vpb_role_id = self.role_acc
        plan.vpb_deferral = True
        self.assertEqual(plan.vpb_role_id, self.role_acc)
        # The form proposes the role when the line is ticked.
        with Form(self.Plan) as form:
            form.partner_id = self._create_company(
                "Roles Form B.V.", relation_kind="client", legal_form="bv"
            )
            form.year = self.year
            form.payroll_frequency = "four_weeks"
            self.assertEqual(form.payroll_role_id, self.role_ass)

    def test_tasks_assigned_from_the_role(self):
        plan = self._plan(
            self.bv,
            vpb_return=True,
            payroll_frequency="month",
            kvk_filing=True,
        )
        plan.vpb_role_id = self.role_acc
        tasks = self._generate(self.bv)
        vpb = tasks.filtered(lambda t: t.accountancy_tax == "vpb")
        payroll = tasks.filtered(lambda t: t.accountancy_tax == "payroll")
        kvk = tasks.filtered(lambda t: t.accountancy_tax == "kvk")
        self.assertEqual(vpb.user_ids, self.users[self.role_acc])
        self.assertEqual(vpb.accountancy_role_id, self.role_acc)
        self.assertEqual(payroll.user_ids, self.users[self.role_ass])
        self.assertEqual(set(payroll.mapped("accountancy_role_id")), {self.role_ass})
        # Nobody in the JRK role of the team: the relationship manager.
        self.assertEqual(kvk.accountancy_role_id, self.role_jrk)
        self.assertEqual(kvk.user_ids, self.users[self.role_rlm])
        # Another role in the plan gives the open returns to its employee;
        # a done return keeps its assignee.
        done = payroll.filtered(lambda t: t.accountancy_task_key == "payroll-month-01")
        done.write({"accountancy_filed_on": date(self.year, 2, 1), "state": "1_done"})
        plan.write(
            {"vpb_role_id": self.role_ass.id, "payroll_role_id": self.role_acc.id}
        )
        self.assertEqual(self._generate(self.bv), tasks)
        self.assertEqual(vpb.user_ids, self.users[self.role_ass])
        self.assertEqual(vpb.accountancy_role_id, self.role_ass)
        self.assertEqual((payroll - done).user_ids, self.users[self.role_acc])
        self.assertEqual(done.user_ids, self.users[self.role_ass])
        self.assertEqual(done.accountancy_role_id, self.role_ass)
        # Generating again changes nothing.
        before = [(t.id, t.user_ids.ids, t.date_deadline) for t in tasks]
        self._generate(self.bv)
        self.assertEqual(
            [(t.id, t.user_ids.ids, t.date_deadline) for t in tasks], before
        )

    def test_planned_hours_of_the_returns(self):
        # This year: a change of a norm moves the hours of this year's plans
        # and later ones (earlier years are history).
        y = self.this_year
        client = self._create_company(
            "Roles Hours B.V.", relation_kind="client", legal_form="bv"
        )
        self.env["accountancy.assignment"].create(
            [
                {
                    "partner_id": client.id,
                    "year": y,
                    "role_id": role.id,
                    "employee_id": employee.id,
                }
                for role, employee in self.employees.items()
            ]
        )
        plan = self.Plan.create(
            {
                "partner_id": client.id,
                "year": y,
                "vpb_return": True,
                "payroll_frequency": "four_weeks",
            }
        )
        norm = self.Norm.search([("service", "=", "vpb_return")], limit=1)
        self.assertEqual(norm.role_id, self.role_rlm)
        # Due on 31 May of the next year: its hours fall in that month.
        self.assertEqual(
            self._hours(plan, "vpb_return"), {(self.role_rlm, y + 1, 5): 4.0}
        )
        # Thirteen four-weekly returns, due one month after each period.
        payroll = self._hours(plan, "payroll_four_weeks")
        self.assertEqual(sum(payroll.values()), 13.0)
        self.assertEqual({role for role, __, __ in payroll}, {self.role_ass})
        # The hours follow the role that does the return; a second role's
        # norm keeps its own hours.
        self.Norm.create(
            {"service": "vpb_return", "role_id": self.role_acc.id, "hours": 1.0}
        )
        plan.vpb_role_id = self.role_ass
        self.assertEqual(
            self._hours(plan, "vpb_return"),
            {(self.role_ass, y + 1, 5): 4.0, (self.role_acc, y + 1, 5): 1.0},
        )
        # On the deferral list: due 1 May two years on, the work in April.
        plan.vpb_deferral = True
        self.assertEqual(
            self._hours(plan, "vpb_return"),
            {(self.role_ass, y + 2, 4): 4.0, (self.role_acc, y + 2, 4): 1.0},
        )
        # A changed norm moves the hours of the plans that use it.
        norm.hours = 6.0
        self.assertEqual(
            self._hours(plan, "vpb_return")[(self.role_ass, y + 2, 4)], 6.0
        )
        plan.write({"vpb_return": False, "vpb_deferral": False})
        self.assertFalse(plan.vpb_role_id)
        self.assertFalse(self._hours(plan, "vpb_return"))

    def test_monitor_and_task_list_per_employee_role_group_status(self):
        y = self.year
        persons = self.env["res.partner"].create(
            [
                {
                    "name": f"Roles Monitor {i}",
                    "relation_kind": "client",
                    "client_group_id": self.client_group.id if i < 2 else False,
                }
                for i in range(4)
            ]
        )
        self.env["accountancy.assignment"].create(
            [
                {
                    "partner_id": partner.id,
                    "year": y,
                    "role_id": role.id,
                    "employee_id": self.employees[role].id,
                }
                for partner in persons
                for role in (self.role_rlm, self.role_acc)
            ]
        )
        plans = self.Plan.create(
            [
                {
                    "partner_id": partner.id,
                    "year": y,
                    "state": "confirmed",
                    "ib_return": True,
                    "ib_deferral": True,
                }
                for partner in persons
            ]
        )
        plans[:2].ib_role_id = self.role_acc
        tasks = self._generate(persons)
        # One of each employee's two returns filed: 2 of 4.
        tasks.filtered(lambda t: t.partner_id in persons[0] | persons[2]).write(
            {"accountancy_filed_on": date(y + 1, 6, 1)}
        )
        domain = [("partner_id", "in", persons.ids)]
        # Grouped per employee and per role.
        groups = self.Monitor._read_group(
            domain + [("month_end", "=", date(y + 1, 8, 31))],
            ["user_id", "role_id"],
            ["returns:sum", "filed:sum"],
        )
        self.assertEqual(
            {(user, role, total, filed) for user, role, total, filed in groups},
            {
                (self.users[self.role_acc], self.role_acc, 2, 1),
                (self.users[self.role_rlm], self.role_rlm, 2, 1),
            },
        )
        groups = self.Monitor._read_group(
            domain + [("month_end", "=", date(y + 1, 8, 31))],
            ["client_group_id"],
            ["returns:sum"],
        )
        self.assertEqual(
            dict(groups),
            {self.client_group: 2, self.env["accountancy.client.group"]: 2},
        )
        # The status filter: 2 of 4 filed is on track up to the end of
        # October (47.5 %), far behind from November (56.25 %) on.
        ends = [end for end, __ in fd.schedule_month_ends(y)]
        on_track = self.Monitor.search(domain + [("status", "=", "on_track")])
        self.assertEqual(set(on_track.mapped("month_end")), set(ends[:6]))
        far = self.Monitor.search(domain + [("status", "in", ["far_behind"])])
        self.assertEqual(set(far.mapped("month_end")), set(ends[6:]))
        self.assertEqual(len(far), 4 * 6)
        self.assertEqual(
            self.Monitor.search_count(domain + [("status", "!=", "on_track")]),
            len(far),
        )
        # The task list: per client group, employee and role.
        Task = self.Task.with_context(active_test=False)
        self.assertEqual(
            Task.search(
                [
                    ("accountancy_client_group_id", "=", self.client_group.id),
                    ("partner_id", "in", persons.ids),
                ]
            ),
            tasks.filtered(lambda t: t.partner_id in persons[:2]),
        )
        groups = Task._read_group(
            [("id", "in", tasks.ids)], ["accountancy_role_id", "user_ids"], ["__count"]
        )
        self.assertEqual(
            {(role, user, count) for role, user, count in groups},
            {
                (self.role_acc, self.users[self.role_acc], 2),
                (self.role_rlm, self.users[self.role_rlm], 2),
            },
        )
        groups = Task._read_group(
            [("id", "in", tasks.ids)], ["accountancy_client_group_id"], ["__count"]
        )
        self.assertEqual(
            dict(groups),
            {self.client_group: 2, self.env["accountancy.client.group"]: 2},
        )

    def test_status_filter_follows_the_returns_the_user_sees(self):
        y = self.year
        persons = self.env["res.partner"].create(
            [{"name": f"Roles Seen {i}", "relation_kind": "client"} for i in range(4)]
        )
        self.Plan.create(
            [
                {
                    "partner_id": partner.id,
                    "year": y,
                    "state": "confirmed",
                    "ib_return": True,
                    "ib_deferral": True,
                }
                for partner in persons
            ]
        )
        tasks = self._generate(persons)
        # The one client the user serves has filed; the firm has not.
        tasks.filtered(
            lambda t: t.partner_id == persons[0]
        ).accountancy_filed_on = date(y + 1, 6, 1)
        self.env["res.config.settings"].create(
            {"group_accountancy_see_all_clients": False}
        ).execute()
        self.env["accountancy.assignment"].create(
            {
                "partner_id": persons[0].id,
                "year": self.this_year,
                "role_id": self.role_rlm.id,
                "employee_id": self.employees[self.role_acc].id,
            }
        )
        user = self.users[self.role_acc]
        end = date(y + 1, 9, 30)
        domain = [("partner_id", "in", persons.ids), ("month_end", "=", end)]
        self.assertFalse(self.Monitor.search(domain + [("status", "=", "on_track")]))
        mine = self.Monitor.with_user(user).search(
            domain + [("status", "=", "on_track")]
        )
        self.assertEqual(mine.partner_id, persons[0])

    def test_status_filter_query_count(self):
        y = self.year
        Monitor = self.Monitor.with_user(self.user_manager)

        def returns(count, prefix):
            partners = self.env["res.partner"].create(
                [
                    {"name": f"{prefix} {i}", "relation_kind": "client"}
                    for i in range(count)
                ]
            )
            self.Plan.create(
                [
                    {
                        "partner_id": p.id,
                        "year": y,
                        "state": "confirmed",
                        "ib_return": True,
                        "ib_deferral": True,
                    }
                    for p in partners
                ]
            )
            self._generate(partners)

        domain = [
            ("partner_id.name", "=like", "Status filter %"),
            ("status", "=", "far_behind"),
        ]
        returns(10, "Status filter")
        self.env.invalidate_all()
        Monitor.search_count(domain)
        with self.assertQueryCount(3):
            self.assertEqual(Monitor.search_count(domain), 10 * 9)
        returns(90, "Status filter more")
        self.env.invalidate_all()
        Monitor.search_count(domain)
        with self.assertQueryCount(3):
            self.assertEqual(Monitor.search_count(domain), 100 * 9)
