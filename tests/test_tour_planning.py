from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user


@tagged("post_install", "-at_install")
class TestPlanningTour(HttpCase):
    def test_planning_tour(self):
        env = self.env
        ref = env.ref
        this_year = fields.Date.today().year
        next_year = this_year + 1
        role_rlm = ref("accountancy_crm.role_rlm")
        role_jrk = ref("accountancy_crm.role_jrk")
        Assignment = env["accountancy.assignment"]
        Plan = env["accountancy.service.plan"]
        Budget = env["accountancy.employee.budget"]
        mail_new_test_user(
            env,
            login="tour_planning_manager",
            password="tour_planning_manager",
            groups="accountancy_crm.group_manager",
            name="Tour Planning Manager",
        )
        planner, copier = env["hr.employee"].create(
            [{"name": "Petra Tourplanner"}, {"name": "Karel Tourcopy"}]
        )
        client = env["res.partner"].create(
            {
                "name": "Tour Planning Client B.V.",
                "is_company": True,
                "relation_kind": "client",
            }
        )
        # This year's team and services, to be rolled over.
        Assignment.create(
            [
                {
                    "partner_id": client.id,
                    "role_id": role.id,
                    "employee_id": copier.id,
                    "year": this_year,
                }
                for role in (role_rlm, role_jrk)
            ]
        )
        Plan.create(
            {
                "partner_id": client.id,
                "year": this_year,
                "vat_frequency": "quarter",
                "annual_accounts_engagement": "compilation",
                "state": "confirmed",
            }
        )
        # Gives the capacity overview its rows.
        Budget.create(
            {
                "employee_id": planner.id,
                "year": this_year,
                "role_id": role_rlm.id,
                "productive_hours": 1200,
            }
        )
        next_year_domain = [("partner_id", "=", client.id), ("year", "=", next_year)]
        self.assertFalse(Assignment.search(next_year_domain))
        self.assertFalse(Plan.search(next_year_domain))

        self.start_tour(
            "/odoo", "accountancy_planning_tour", login="tour_planning_manager"
        )

        # The team planning cell planned Petra as next year's RLM; the roll-over
        # kept her and copied the JRK of this year.
        env.invalidate_all()
        team = Assignment.search(next_year_domain)
        self.assertEqual(
            {(a.role_id, a.employee_id) for a in team},
            {(role_rlm, planner), (role_jrk, copier)},
        )
        plan = Plan.search(next_year_domain)
        self.assertEqual(len(plan), 1)
        self.assertEqual(plan.state, "proposal")
        self.assertEqual(plan.vat_frequency, "quarter")
        self.assertEqual(plan.annual_accounts_engagement, "compilation")
        budget = Budget.search(
            [("employee_id", "=", planner.id), ("year", "=", next_year)]
        )
        self.assertEqual(len(budget), 1)
        self.assertEqual(budget.productive_hours, 1200)
        # This year's planning is left as it was.
        self.assertEqual(
            Assignment.search(
                [("partner_id", "=", client.id), ("year", "=", this_year)]
            ).employee_id,
            copier,
        )
