from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AccountancyCrmCommon

SALES_GROUPS = "accountancy_crm.group_user,sales_team.group_sale_salesman"
MEASURES = [
    "target_amount:sum",
    "realised_amount:sum",
    "open_amount:sum",
    "won_count:sum",
    "target_count:sum",
    "contact_moment_count:sum",
]


@tagged("post_install", "-at_install")
class SalesReportCommon(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Report = cls.env["accountancy.sales.report"]
        cls.Lead = cls.env["crm.lead"]
        cls.Moment = cls.env["accountancy.contact.moment"]
        cls.user_sales = mail_new_test_user(
            cls.env,
            login="acc_report_sales",
            password="acc_report_sales_pw",
            groups=SALES_GROUPS,
            name="Report Salesman",
        )
        cls.user_sales_2 = mail_new_test_user(
            cls.env,
            login="acc_report_sales_2",
            password="acc_report_sales_2_pw",
            groups=SALES_GROUPS,
            name="Report Salesman Two",
        )
        cls.user_all_leads = mail_new_test_user(
            cls.env,
            login="acc_report_all_leads",
            password="acc_report_all_leads_pw",
            groups="accountancy_crm.group_user,"
            "sales_team.group_sale_salesman_all_leads",
            name="Report Sales Lead",
        )
        cls.department = cls.env["hr.department"].create({"name": "Test advisory"})
        cls.department_2 = cls.env["hr.department"].create({"name": "Test audit"})
        cls.employee.write(
            {"user_id": cls.user_sales.id, "department_id": cls.department.id}
        )
        cls.employee_2.write(
            {"user_id": cls.user_sales_2.id, "department_id": cls.department_2.id}
        )
        cls.team = cls.env["crm.team"].create({"name": "Test team Gouda"})
        cls.team_2 = cls.env["crm.team"].create({"name": "Test team Woerden"})
        cls.env["crm.team.member"].create(
            [
                {"crm_team_id": cls.team.id, "user_id": cls.user_sales.id},
                {"crm_team_id": cls.team_2.id, "user_id": cls.user_sales_2.id},
            ]
        )
        cls.stage_new = cls.env["crm.stage"].create({"name": "Report new"})
        cls.stage_won = cls.env["crm.stage"].create(
            {"name": "Report won", "is_won": True}
        )
        cls.relation = cls._create_company("Report Relation B.V.")
        cls.last_year = cls.this_year - 1
        cls.two_years_ago = cls.this_year - 2

    @classmethod
    def _lead(cls, revenue, status="open", user=None, closed=None, **vals):
        lead = cls.Lead.create(
            dict(
                {
                    "name": f"Report lead {revenue}",
                    "type": "opportunity",
                    "expected_revenue": revenue,
                    "stage_id": cls.stage_new.id,
                    "user_id": (user or cls.user_sales).id,
                    "team_id": cls.team.id,
                    "partner_id": cls.relation.id,
                },
                **vals,
            )
        )
        if status == "won":
            lead.action_set_won()
        elif status == "lost":
            lead.action_set_lost()
        if closed:
            lead.date_closed = f"{closed} 12:00:00"
        return lead

    @classmethod
    def _moment(cls, employee=None, partner=None, **vals):
        return cls.Moment.create(
            dict(
                {
                    "date": f"{cls.this_year}-02-03 10:00:00",
                    "employee_id": (employee or cls.employee).id,
                    "partner_id": (partner or cls.relation).id,
                    "channel": "visit",
                    "subject": "Report visit",
                },
                **vals,
            )
        )

    def _rows(self, record, user=None):
        Report = self.Report.with_user(user) if user else self.Report
        if record._name == "accountancy.contact.moment":
            return Report.search([("id", "=", record.id * 10 + 4)])
        if record._name == "accountancy.sales.target":
            return Report.search([("id", "=", record.id * 10 + 2)])
        return Report.search(
            [("lead_id", "=", record.id), ("kind", "!=", "contact_moment")]
        )


@tagged("post_install", "-at_install")
class TestSalesReport(SalesReportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.won = cls._lead(3000.0, "won", closed=f"{cls.this_year}-03-15")
        cls.won_last_year = cls._lead(2000.0, "won", closed=f"{cls.last_year}-05-01")
        cls.won_two_years_ago = cls._lead(
            1000.0, "won", closed=f"{cls.two_years_ago}-07-01"
        )
        cls.open = cls._lead(
            5000.0,
            date_deadline=f"{cls.this_year}-11-30",
            probability=40.0,
        )
        cls.lost = cls._lead(800.0, "lost", closed=f"{cls.this_year}-04-01")
        cls.won_other = cls._lead(
            600.0,
            "won",
            user=cls.user_sales_2,
            closed=f"{cls.this_year}-06-01",
            team_id=cls.team_2.id,
        )
        cls.won_unassigned = cls._lead(
            100.0, "won", closed=f"{cls.this_year}-06-01", user_id=False
        )
        cls.target = cls.env["accountancy.sales.target"].create(
            {
                "user_id": cls.user_sales.id,
                "year": cls.this_year,
                "amount": 10000.0,
                "won_count": 5,
            }
        )
        cls.target_months = cls.env["accountancy.sales.target"].create(
            {
                "user_id": cls.user_sales_2.id,
                "year": cls.this_year,
                "month_ids": [
                    Command.create({"month": "1", "amount": 400.0, "won_count": 1}),
                    Command.create({"month": "7", "amount": 600.0, "won_count": 2}),
                ],
            }
        )
        cls.moment = cls._moment(lead_id=cls.open.id)
        cls.moment_2 = cls._moment(employee=cls.employee_2, channel="phone")

    def test_one_row_per_fact(self):
        expected = {
            self.won: ("opportunity_won", 3000.0, 3000.0, 0.0, 1, 0, 0),
            self.open: ("opportunity_open", 5000.0, 0.0, 5000.0, 0, 1, 0),
            self.lost: ("opportunity_lost", 800.0, 0.0, 0.0, 0, 0, 1),
        }
        for lead, values in expected.items():
            with self.subTest(lead=lead.name):
                row = self._rows(lead)
                self.assertEqual(len(row), 1)
                self.assertEqual(
                    (
                        row.kind,
                        row.amount,
                        row.realised_amount,
                        row.open_amount,
                        row.won_count,
                        row.open_count,
                        row.lost_count,
                    ),
                    values,
                )
                self.assertEqual(row.user_id, self.user_sales)
                self.assertEqual(row.team_id, self.team)
                self.assertEqual(row.department_id, self.department)
                self.assertEqual(row.partner_id, self.relation)
                self.assertEqual(row.year, self.this_year)
                self.assertFalse(row.target_amount or row.contact_moment_count)
        self.assertEqual(self._rows(self.open).weighted_amount, 2000.0)
        self.assertEqual(str(self._rows(self.won).date), f"{self.this_year}-03-15")
        self.assertEqual(str(self._rows(self.open).date), f"{self.this_year}-11-30")
        self.assertEqual(self._rows(self.won_last_year).year, self.last_year)
        # Leads (not opportunities) and archived, not lost ones are no facts.
        lead = self._lead(50.0, type="lead")
        archived = self._lead(70.0, probability=30.0)
        archived.write({"active": False, "probability": 30.0})
        self.assertFalse(self._rows(lead) | self._rows(archived))

    def test_target_rows(self):
        row = self._rows(self.target)
        self.assertEqual(
            (row.kind, row.target_amount, row.target_count, row.realised_amount),
            ("target", 10000.0, 5, 0.0),
        )
        self.assertEqual(str(row.date), f"{self.this_year}-01-01")
        self.assertEqual(row.team_id, self.team)
        self.assertEqual(row.department_id, self.department)
        # A target split over months: one row per month, no year row.
        self.assertFalse(self._rows(self.target_months))
        rows = self.Report.search(
            [("kind", "=", "target"), ("user_id", "=", self.user_sales_2.id)],
            order="date",
        )
        self.assertEqual(rows.mapped("target_amount"), [400.0, 600.0])
        self.assertEqual(
            [str(d) for d in rows.mapped("date")],
            [f"{self.this_year}-01-01", f"{self.this_year}-07-01"],
        )
        self.assertEqual(sum(rows.mapped("target_count")), 3)

    def test_contact_moment_rows(self):
        row = self._rows(self.moment)
        self.assertEqual((row.kind, row.contact_moment_count), ("contact_moment", 1))
        self.assertEqual(row.user_id, self.user_sales)
        self.assertEqual(row.employee_id, self.employee)
        self.assertEqual(row.department_id, self.department)
        self.assertEqual(row.lead_id, self.open)
        self.assertEqual(row.channel, "visit")
        # Without an opportunity the team is the salesperson's team.
        row_2 = self._rows(self.moment_2)
        self.assertEqual(row_2.team_id, self.team_2)
        self.assertEqual(row_2.department_id, self.department_2)
        self.assertFalse(row.amount or row.won_count or row.target_count)

    def test_target_against_realised_per_salesperson(self):
        groups = self.Report._read_group(
            [("year", "=", self.this_year)],
            ["user_id"],
            MEASURES,
        )
        figures = {user: values for user, *values in groups}
        self.assertEqual(figures[self.user_sales], [10000.0, 3000.0, 5000.0, 1, 5, 1])
        self.assertEqual(figures[self.user_sales_2], [1000.0, 600.0, 0.0, 1, 3, 1])
        unassigned = figures[self.env["res.users"]]
        self.assertEqual(unassigned[1], 100.0)

    def test_this_year_against_previous_years(self):
        groups = self.Report._read_group(
            [
                ("kind", "=", "opportunity_won"),
                ("user_id", "=", self.user_sales.id),
                ("date", ">=", f"{self.two_years_ago}-01-01"),
            ],
            ["date:year"],
            ["realised_amount:sum", "__count"],
        )
        self.assertEqual(
            [(day.year, amount, count) for day, amount, count in groups],
            [
                (self.two_years_ago, 1000.0, 1),
                (self.last_year, 2000.0, 1),
                (self.this_year, 3000.0, 1),
            ],
        )
        # Per sales team and department, in counts.
        groups = self.Report._read_group(
            [("year", "=", self.this_year), ("kind", "like", "opportunity")],
            ["team_id", "department_id"],
            ["won_count:sum", "open_count:sum", "lost_count:sum"],
        )
        by_team = {(team, dept): counts for team, dept, *counts in groups}
        self.assertEqual(by_team[(self.team, self.department)], [1, 1, 1])
        self.assertEqual(by_team[(self.team_2, self.department_2)], [1, 0, 0])

    def test_figures_follow_changes(self):
        self.open.action_set_won()
        self.open.date_closed = f"{self.this_year}-08-01 09:00:00"
        row = self._rows(self.open)
        self.assertEqual(row.kind, "opportunity_won")
        self.assertEqual(row.realised_amount, 5000.0)
        self.target.amount = 20000.0
        self.assertEqual(self._rows(self.target).target_amount, 20000.0)

    def test_views_and_menus(self):
        for xmlid in (
            "accountancy_crm.accountancy_sales_report_action",
            "accountancy_crm.accountancy_sales_report_action_salesperson",
        ):
            action = self.env.ref(xmlid)
            modes = [(view.view_id.id, view.view_mode) for view in action.view_ids]
            views = self.Report.with_user(self.user_sales).get_views(
                (modes or [(False, "pivot"), (False, "graph"), (False, "list")])
                + [(action.search_view_id.id, "search")]
            )["views"]
            with self.subTest(action=xmlid):
                self.assertIn("realised_amount", views["pivot"]["arch"])
                self.assertIn("realised_amount", views["graph"]["arch"])
                self.assertIn(
                    'default_period="year,year-1,year-2"', views["search"]["arch"]
                )
        menus = self.env["ir.ui.menu"].with_user(self.user_sales).search([])
        for xmlid in (
            "accountancy_crm.accountancy_sales_report_menu_crm",
            "accountancy_crm.accountancy_sales_report_menu",
            "accountancy_crm.accountancy_sales_target_menu_crm",
        ):
            with self.subTest(menu=xmlid):
                self.assertIn(self.env.ref(xmlid), menus)
        self.assertEqual(
            self.env.ref("accountancy_crm.accountancy_sales_report_menu_crm").parent_id,
            self.env.ref("crm.crm_menu_report"),
        )

    def test_open_source(self):
        for record in (self.won, self.target, self.moment):
            with self.subTest(model=record._name):
                action = self._rows(record).action_open_source()
                self.assertEqual(
                    (action["res_model"], action["res_id"]),
                    (record._name, record.id),
                )
        month_row = self.Report.search(
            [("kind", "=", "target"), ("user_id", "=", self.user_sales_2.id)],
            limit=1,
        )
        action = month_row.action_open_source()
        self.assertEqual(action["res_id"], self.target_months.id)


@tagged("post_install", "-at_install")
class TestSalesReportRules(SalesReportCommon):
    """Each fact is visible to whom its source is."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.won = cls._lead(1000.0, "won")
        cls.won_other = cls._lead(2000.0, "won", user=cls.user_sales_2)
        cls.won_unassigned = cls._lead(300.0, "won", user_id=False)
        cls.target_other = cls.env["accountancy.sales.target"].create(
            {"user_id": cls.user_sales_2.id, "amount": 5000.0}
        )
        cls.client_team = cls._create_company(
            "Report Team Client", relation_kind="client"
        )
        cls.client_hidden = cls._create_company(
            "Report Hidden Client", relation_kind="client"
        )
        cls.env["accountancy.assignment"].create(
            {
                "partner_id": cls.client_team.id,
                "role_id": cls.role_acc.id,
                "employee_id": cls.employee.id,
                "year": cls.this_year,
            }
        )
        cls.moment_team = cls._moment(partner=cls.client_team)
        cls.moment_hidden = cls._moment(
            employee=cls.employee_2, partner=cls.client_hidden
        )
        cls.lead_c2 = cls._lead(
            4000.0, "won", company_id=cls.company_2.id, team_id=False, user_id=False
        )

    def _visible(self, user):
        rows = self.Report.with_user(user).search([])
        return {
            "leads": rows.lead_id.filtered(
                lambda lead: rows.filtered(
                    lambda r: r.lead_id == lead and r.kind != "contact_moment"
                )
            ),
            "targets": rows.filtered(lambda r: r.kind == "target"),
            "moments": rows.filtered(lambda r: r.kind == "contact_moment"),
        }

    def test_salesman_sees_own_and_unassigned_opportunities(self):
        visible = self._visible(self.user_sales)
        self.assertIn(self.won, visible["leads"])
        self.assertIn(self.won_unassigned, visible["leads"])
        self.assertNotIn(self.won_other, visible["leads"])
        # Exactly what crm.lead's own rules give the salesman.
        leads = self.Lead.with_user(self.user_sales).search(
            [("id", "in", (self.won | self.won_other | self.won_unassigned).ids)]
        )
        self.assertEqual(leads, self.won | self.won_unassigned)
        # Targets are public within the firm.
        self.assertIn(self._rows(self.target_other), visible["targets"])
        groups = self.Report.with_user(self.user_sales)._read_group(
            [("kind", "=", "opportunity_won")], [], ["realised_amount:sum"]
        )
        self.assertEqual(groups[0][0], 1300.0)

    def test_all_leads_sees_all_opportunities(self):
        visible = self._visible(self.user_all_leads)
        self.assertTrue(
            (self.won | self.won_other | self.won_unassigned) <= visible["leads"]
        )
        # Not another office's.
        self.assertNotIn(self.lead_c2, visible["leads"])

    def test_user_without_sales_rights_sees_no_opportunities(self):
        visible = self._visible(self.user_acc)
        self.assertFalse(visible["leads"])
        self.assertTrue(visible["targets"])
        self.assertTrue(visible["moments"])

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_employee_without_accountancy_rights(self):
        with self.assertRaises(AccessError):
            self.Report.with_user(self.user_employee).search([])

    def test_contact_moments_follow_client_visibility(self):
        self.env["res.config.settings"].create(
            {"group_accountancy_see_all_clients": False}
        ).execute()
        moments = self.moment_team | self.moment_hidden
        # The salesman is in the team client's team, the accountancy user in
        # no team: each sees the rows of the contact moments they may see.
        for user, visible in (
            (self.user_sales, self.moment_team),
            (self.user_acc, self.Moment),
        ):
            with self.subTest(user=user.login):
                self.assertEqual(
                    self.Moment.with_user(user).search([("id", "in", moments.ids)]),
                    visible,
                )
                rows = self._visible(user)["moments"]
                self.assertEqual(
                    {row.id // 10 for row in rows} & set(moments.ids),
                    set(visible.ids),
                )
        self.assertIn(
            self._rows(self.moment_hidden),
            self._visible(self.user_manager)["moments"],
        )

    def test_other_company(self):
        user_c2 = mail_new_test_user(
            self.env,
            login="acc_report_c2",
            password="acc_report_c2_pw",
            groups="accountancy_crm.group_user,sales_team.group_sale_salesman_all_leads",
            company_id=self.company_2.id,
            company_ids=[Command.set(self.company_2.ids)],
        )
        visible = self._visible(user_c2)
        self.assertIn(self.lead_c2, visible["leads"])
        self.assertNotIn(self._rows(self.target_other), visible["targets"])
        self.assertFalse(visible["moments"])


@tagged("post_install", "-at_install", "is_query_count")
class TestSalesReportQueries(SalesReportCommon):
    """The dashboard's grouped figures cost the same number of queries for 10
    and for 200 opportunities and contact moments."""

    def _add_facts(self, count):
        users = self.user_sales | self.user_sales_2 | self.user_all_leads
        leads = self.Lead.create(
            [
                {
                    "name": f"Query lead {i}",
                    "type": "opportunity",
                    "expected_revenue": 100.0 + i,
                    "stage_id": self.stage_new.id,
                    "user_id": users[i % 3].id,
                    "team_id": (self.team, self.team_2)[i % 2].id,
                    "date_deadline": f"{self.this_year - i % 3}-06-01",
                }
                for i in range(count)
            ]
        )
        leads[: count // 3].action_set_won()
        leads[count // 3 : count // 2].action_set_lost()
        self.Moment.create(
            [
                {
                    "date": f"{self.this_year - i % 3}-03-01 10:00:00",
                    "employee_id": (self.employee, self.employee_2)[i % 2].id,
                    "partner_id": self.relation.id,
                    "channel": "phone",
                    "subject": f"Query moment {i}",
                }
                for i in range(count)
            ]
        )
        self.env.flush_all()

    def _dashboard_queries(self, user):
        """Queries of what the pivot and the grouped list load: the pivot's
        read_group calls (totals, rows, columns, cells) and web_read_group."""
        Report = self.Report.with_user(user)
        domain = [("date", ">=", f"{self.this_year - 2}-01-01")]
        fields = [m.split(":")[0] for m in MEASURES]

        def run():
            Report.env.invalidate_all()
            before = self.env.cr.sql_log_count
            results = [
                Report.read_group(domain, MEASURES, groupby, lazy=False)
                for groupby in (
                    [],
                    ["user_id"],
                    ["date:year"],
                    ["user_id", "date:year"],
                )
            ]
            results.append(
                Report.web_read_group(domain, fields, ["team_id", "department_id"])
            )
            return self.env.cr.sql_log_count - before, results

        run()  # warm the rule and view caches
        return min(run()[0], run()[0]), run()[1]

    def test_dashboard_query_count(self):
        users = (self.user_sales, self.user_all_leads)
        self._add_facts(10)
        few = {user: self._dashboard_queries(user) for user in users}
        self._add_facts(190)
        many = {user: self._dashboard_queries(user) for user in users}
        for user in users:
            with self.subTest(user=user.login):
                self.assertLessEqual(
                    many[user][0],
                    few[user][0],
                    f"{few[user][0]} queries at 10, {many[user][0]} at 200",
                )
                # The figures did grow.
                totals = (few[user][1][0][0], many[user][1][0][0])
                self.assertLess(totals[0]["__count"], totals[1]["__count"])
        # Fixed numbers, to notice a change (measured: see docs/benchmarks.md).
        self.assertLessEqual(max(count for count, _ in many.values()), 12, many)
