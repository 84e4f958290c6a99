from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user


@tagged("post_install", "-at_install")
class TestFiscalTour(HttpCase):
    def test_fiscal_tour(self):
        env = self.env
        mail_new_test_user(
            env,
            login="tour_fiscal_manager",
            password="tour_fiscal_manager",
            groups="accountancy_crm.group_manager,project.group_project_manager",
            name="Tour Fiscal Manager",
        )
        env["ir.config_parameter"].set_param(
            "accountancy_crm.task_project_mode", "client"
        )
        year = env["accountancy.service.plan"]._planning_year_range()[0]
        person = env["res.partner"].create(
            {"name": "Tour Fiscal Person", "relation_kind": "client"}
        )
        env["accountancy.service.plan"].create(
            {
                "partner_id": person.id,
                "year": year,
                "state": "confirmed",
                "ib_return": True,
                "ib_deferral": True,
            }
        )
        env["accountancy.task.generation.wizard"].create(
            {"year": year, "partner_ids": [(6, 0, person.ids)]}
        ).action_generate()
        task = env["project.task"].search(
            [("partner_id", "=", person.id), ("accountancy_tax", "=", "ib")]
        )
        self.assertFalse(task.accountancy_filed_on)

        self.start_tour("/odoo", "accountancy_fiscal_tour", login="tour_fiscal_manager")

        env.invalidate_all()
        self.assertTrue(task.accountancy_filed_on)
        self.assertEqual(task.accountancy_filed_by_id.login, "tour_fiscal_manager")
        self.assertEqual(task.state, "1_done")
