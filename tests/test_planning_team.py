from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import AccountancyCrmCommon

TEAM_FIELDS = [
    "team_rlm_id",
    "team_rlm_ass_id",
    "team_jrk_id",
    "team_acc_id",
    "team_rlm_prev_id",
    "team_rlm_ass_prev_id",
    "team_jrk_prev_id",
    "team_acc_prev_id",
]


@tagged("post_install", "-at_install", "is_query_count")
class TestTeamPlanning(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Assignment = cls.env["accountancy.assignment"]
        cls.role_rlm_ass = cls.env.ref("accountancy_crm.role_rlm_ass")
        cls.year = cls.this_year + 1
        cls.clients = cls.Partner.create(
            [
                {
                    "name": f"Planning client {i:03d}",
                    "is_company": True,
                    "relation_kind": "client",
                    "client_group_id": cls.client_group.id if i < 5 else False,
                }
                for i in range(100)
            ]
        )
        cls.client = cls.clients[0]

    def _assign(self, partners, role, employee, year):
        return self.Assignment.create(
            [
                {
                    "partner_id": partner.id,
                    "role_id": role.id,
                    "employee_id": employee.id,
                    "year": year,
                }
                for partner in partners
            ]
        )

    def test_matrix_shows_planning_year_and_year_before(self):
        self._assign(self.client, self.role_rlm, self.employee, self.year)
        self._assign(self.client, self.role_rlm, self.employee_2, self.year - 1)
        self._assign(self.client, self.role_acc, self.employee_2, self.year - 1)
        # Default planning year: next year.
        client = self.client.with_context(planning_year=None)
        self.assertEqual(client.team_rlm_id, self.employee)
        self.assertEqual(client.team_rlm_prev_id, self.employee_2)
        self.assertEqual(client.team_acc_prev_id, self.employee_2)
        self.assertFalse(client.team_acc_id)
        # Planning the current year shows the year before it as previous.
        current = self.client.with_context(planning_year=self.this_year)
        self.assertEqual(current.team_rlm_id, self.employee_2)
        self.assertFalse(current.team_rlm_prev_id)

    def test_matrix_write_creates_updates_and_deletes_assignments(self):
        previous = self._assign(
            self.client, self.role_jrk, self.employee, self.year - 1
        )
        client = self.client.with_context(planning_year=self.year)
        client.write(
            {"team_jrk_id": self.employee.id, "team_rlm_ass_id": self.employee_2.id}
        )
        domain = [("partner_id", "=", self.client.id), ("year", "=", self.year)]
        assignments = self.Assignment.search(domain)
        self.assertEqual(
            {(a.role_id, a.employee_id) for a in assignments},
            {(self.role_jrk, self.employee), (self.role_rlm_ass, self.employee_2)},
        )
        jrk = assignments.filtered(lambda a: a.role_id == self.role_jrk)

        client.write({"team_jrk_id": self.employee_2.id})
        self.assertEqual(jrk.employee_id, self.employee_2, "updated, not recreated")
        self.assertEqual(self.Assignment.search_count(domain), 2)

        client.write({"team_jrk_id": False})
        self.assertFalse(jrk.exists())
        self.assertEqual(self.Assignment.search(domain).role_id, self.role_rlm_ass)
        # The year before is never touched by the planning of the next one.
        self.assertEqual(previous.employee_id, self.employee)

    def test_matrix_multi_edit(self):
        clients = self.clients[:10].with_context(planning_year=self.year)
        clients.write({"team_acc_id": self.employee.id})
        assignments = self.Assignment.search(
            [("partner_id", "in", clients.ids), ("year", "=", self.year)]
        )
        self.assertEqual(len(assignments), 10)
        self.assertEqual(assignments.employee_id, self.employee)
        self.assertEqual(assignments.role_id, self.role_acc)

    def test_matrix_form_edit(self):
        """Editing through the view machinery (onchange and save) works."""
        self._assign(self.client, self.role_rlm, self.employee, self.year - 1)
        view = "accountancy_crm.res_partner_view_list_team_planning"
        partner = self.client.with_context(planning_year=self.year)
        with Form(partner, view=view) as form:
            self.assertEqual(form.team_rlm_prev_id, self.employee)
            form.team_rlm_id = self.employee_2
        self.assertEqual(
            self.Assignment.search(
                [("partner_id", "=", self.client.id), ("year", "=", self.year)]
            ).employee_id,
            self.employee_2,
        )

    def test_search_team_member(self):
        self._assign(self.clients[:3], self.role_rlm, self.employee, self.year)
        self._assign(self.clients[3], self.role_acc, self.employee, self.year - 1)
        self._assign(self.clients[4], self.role_acc, self.employee_2, self.year)
        Partner = self.Partner.with_context(planning_year=self.year)
        base = [("id", "in", self.clients.ids)]
        self.assertEqual(
            Partner.search(base + [("team_member_id", "=", self.employee.id)]),
            self.clients[:3],
        )
        self.assertEqual(
            Partner.search(base + [("team_member_id", "ilike", "Test Assistant")]),
            self.clients[4],
        )
        self.assertEqual(
            len(Partner.search(base + [("team_member_id", "=", False)])), 100 - 4
        )

    def test_matrix_write_denied_to_plain_employee(self):
        client = self.client.with_user(self.user_employee)
        with self.assertRaises(AccessError):
            client.with_context(planning_year=self.year).write(
                {"team_rlm_id": self.employee.id}
            )
        self.assertFalse(
            self.Assignment.search_count([("partner_id", "=", self.client.id)])
        )

    def test_matrix_write_allowed_to_accountancy_user(self):
        client = self.client.with_user(self.user_acc)
        client.with_context(planning_year=self.year).write(
            {"team_rlm_id": self.employee.id}
        )
        self.assertEqual(
            self.Assignment.search([("partner_id", "=", self.client.id)]).employee_id,
            self.employee,
        )

    def _read_matrix_queries(self, partners):
        """Queries of the list view loading the matrix of ``partners``."""
        spec = {fname: {"fields": {"display_name": {}}} for fname in TEAM_FIELDS}
        spec.update(complete_name={}, client_group_id={"fields": {"display_name": {}}})
        Partner = self.env["res.partner"].with_user(self.user_acc)
        Partner = Partner.with_context(planning_year=self.year)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        result = Partner.web_search_read([("id", "in", partners.ids)], spec)
        count = self.env.cr.sql_log_count - before
        self.assertEqual(result["length"], len(partners))
        return count, result

    def test_matrix_read_query_count_constant(self):
        for role in (self.role_rlm, self.role_jrk, self.role_acc):
            self._assign(self.clients, role, self.employee, self.year)
            self._assign(self.clients, role, self.employee_2, self.year - 1)
        self._read_matrix_queries(self.clients[:1])  # warm the caches
        count_10, _result_10 = self._read_matrix_queries(self.clients[:10])
        count_100, result_100 = self._read_matrix_queries(self.clients)
        self.assertEqual(count_10, count_100)
        # search, partners, assignments, employees' names, access rules: 7 queries
        # whatever the number of rows.
        self.assertLessEqual(count_100, 7)
        row = result_100["records"][0]
        self.assertEqual(row["team_rlm_id"]["id"], self.employee.id)
        self.assertEqual(row["team_jrk_prev_id"]["id"], self.employee_2.id)
        self.assertFalse(row["team_rlm_ass_id"])
        with self.assertQueryCount(7):
            self._read_matrix_queries(self.clients)
        with self.assertQueryCount(7):
            self._read_matrix_queries(self.clients[:10])

    def _write_matrix_queries(self, partners, employee, year):
        partners = partners.with_user(self.user_acc).with_context(planning_year=year)
        self.env.flush_all()
        self.env.invalidate_all()
        # A request has its user loaded before anything else (the session
        # check). Without it here, the first env.company of an environment
        # (user and context) would load it: once or not in the count,
        # depending on which environments the calls before used.
        partners.env.user.fetch(["company_id"])
        before = self.env.cr.sql_log_count
        # One role: Odoo itself inserts and updates by chunks of 100 rows.
        partners.write({"team_jrk_id": employee.id})
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_matrix_write_query_count_constant(self):
        """Creating the cells, then changing them, costs no more at 100 than at
        10 clients. A first round in other years warms the caches (access rules,
        registry) of every path."""
        counts = []
        for year, other_year in (
            (self.year - 6, self.year - 5),
            (self.year, self.year + 1),
        ):
            counts = [
                self._write_matrix_queries(self.clients[:10], self.employee, year),
                self._write_matrix_queries(self.clients, self.employee, other_year),
                self._write_matrix_queries(self.clients[:10], self.employee_2, year),
                self._write_matrix_queries(self.clients, self.employee_2, other_year),
            ]
        create_10, create_100, update_10, update_100 = counts
        self.assertEqual(create_100, create_10)
        self.assertEqual(update_100, update_10)
        cells = self.Assignment.search(
            [("partner_id", "in", self.clients.ids), ("year", "=", other_year)]
        )
        self.assertEqual(len(cells), 100)
        self.assertEqual(cells.employee_id, self.employee_2)


@tagged("post_install", "-at_install")
class TestReassignWizard(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Assignment = cls.env["accountancy.assignment"]
        cls.Wizard = cls.env["accountancy.reassign.wizard"]
        cls.year = cls.this_year
        cls.clients = cls.Partner.create(
            [
                {"name": f"Reassign client {i}", "relation_kind": "client"}
                for i in range(3)
            ]
        )
        cls.employee_3 = cls.env["hr.employee"].create(
            {"name": "Test Newcomer", "company_id": cls.company_main.id}
        )
        vals = [
            (cls.clients[0], cls.role_rlm, cls.employee, cls.year),
            (cls.clients[1], cls.role_rlm, cls.employee, cls.year),
            (cls.clients[2], cls.role_jrk, cls.employee, cls.year),
            (cls.clients[0], cls.role_jrk, cls.employee_2, cls.year),
            (cls.clients[0], cls.role_rlm, cls.employee, cls.year + 1),
        ]
        cls.assignments = cls.Assignment.create(
            [
                {
                    "partner_id": partner.id,
                    "role_id": role.id,
                    "employee_id": employee.id,
                    "year": year,
                }
                for partner, role, employee, year in vals
            ]
        )

    def _employees(self):
        return self.assignments.mapped(lambda a: (a.id, a.employee_id.id))

    def _wizard(self, **vals):
        return self.Wizard.create(
            dict(
                {
                    "employee_id": self.employee.id,
                    "target_employee_id": self.employee_3.id,
                    "year": self.year,
                },
                **vals,
            )
        )

    def test_count_and_reassign_year(self):
        wizard = self._wizard()
        self.assertEqual(wizard.assignment_count, 3)
        wizard.action_reassign()
        self.assertEqual(self.assignments[:3].employee_id, self.employee_3)
        self.assertEqual(self.assignments[3].employee_id, self.employee_2)
        self.assertEqual(self.assignments[4].employee_id, self.employee, "next year")

    def test_reassign_later_years_too(self):
        wizard = self._wizard(include_later_years=True)
        self.assertEqual(wizard.assignment_count, 4)
        wizard.action_reassign()
        self.assertEqual(
            (self.assignments - self.assignments[3]).employee_id, self.employee_3
        )

    def test_reassign_limited_to_roles_and_clients(self):
        wizard = self._wizard(role_ids=[self.role_rlm.id])
        self.assertEqual(wizard.assignment_count, 2)
        wizard.partner_ids = self.clients[1]
        self.assertEqual(wizard.assignment_count, 1)
        wizard.action_reassign()
        self.assertEqual(self.assignments[1].employee_id, self.employee_3)
        self.assertEqual(self.assignments[0].employee_id, self.employee)
        self.assertEqual(self.assignments[2].employee_id, self.employee)

    def test_count_in_form_follows_choices(self):
        with Form(self.Wizard) as form:
            form.employee_id = self.employee
            form.target_employee_id = self.employee_3
            form.year = self.year
            self.assertEqual(form.assignment_count, 3)
            form.role_ids.add(self.role_jrk)
            self.assertEqual(form.assignment_count, 1)

    def _assert_refused(self, wizard, message):
        before = self._employees()
        with self.assertRaisesRegex(UserError, message):
            wizard.action_reassign()
        self.assertEqual(self._employees(), before)

    def test_refuse_same_employee(self):
        wizard = self._wizard(target_employee_id=self.employee.id)
        self._assert_refused(wizard, "both the employee to move from and to")

    def test_refuse_nothing_to_move(self):
        wizard = self._wizard(year=self.year - 1)
        self.assertEqual(wizard.assignment_count, 0)
        self._assert_refused(wizard, "nothing to move")

    def test_refuse_target_of_other_company(self):
        other = self.env["hr.employee"].create(
            {"name": "Test Other Office", "company_id": self.company_2.id}
        )
        self._assert_refused(self._wizard(target_employee_id=other.id), "same company")

    def test_refuse_archived_target(self):
        self.employee_3.active = False
        self._assert_refused(self._wizard(), "archived")

    def test_access(self):
        with self.assertRaises(AccessError):
            self.Wizard.with_user(self.user_employee).create(
                {
                    "employee_id": self.employee.id,
                    "target_employee_id": self.employee_3.id,
                }
            )
        wizard = self.Wizard.with_user(self.user_acc).create(
            {
                "employee_id": self.employee.id,
                "target_employee_id": self.employee_3.id,
                "year": self.year,
            }
        )
        action = wizard.action_reassign()
        self.assertEqual(action["res_model"], "accountancy.assignment")
        self.assertEqual(self.assignments[:3].employee_id, self.employee_3)

    def test_employee_form_button_opens_wizard(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "accountancy_crm.accountancy_reassign_wizard_action"
        )
        self.assertEqual(action["res_model"], "accountancy.reassign.wizard")
        arch = self.env["hr.employee"].get_view(
            self.env.ref("hr.view_employee_form").id, "form"
        )["arch"]
        self.assertIn(f"{action['id']}", arch)
        self.assertIn("default_employee_id", arch)
