from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from ..models.accountancy_onboarding import (
    SCORING_CHECKED,
)
from .common import AccountancyCrmCommon

STEPS = ("relations_done", "team_done", "scoring_done", "planning_done")


@tagged("post_install", "-at_install")
class TestOnboarding(AccountancyCrmCommon):
    """Getting started: steps done or not from the data of the company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A firm that starts: a company of its own, no clients anywhere (the
        # demo clients become prospects), scoring not checked yet.
        cls.firm = cls.env["res.company"].create({"name": "New Firm B.V."})
        cls.env["res.partner"].search([("relation_kind", "=", "client")]).write(
            {"relation_kind": "prospect"}
        )
        cls.env["ir.config_parameter"].sudo().set_param(SCORING_CHECKED.key, False)
        cls.manager = mail_new_test_user(
            cls.env,
            login="onboarding_manager",
            groups="accountancy_crm.group_manager,base.group_user",
            company_id=cls.firm.id,
            company_ids=[Command.set(cls.firm.ids)],
        )
        cls.user = mail_new_test_user(
            cls.env,
            login="onboarding_user",
            groups="accountancy_crm.group_user",
            company_id=cls.firm.id,
            company_ids=[Command.set(cls.firm.ids)],
        )

    def _steps(self, user):
        # The form as the user opens it: a new record, counts by onchange.
        form = Form(self.env["accountancy.onboarding"].with_user(user))
        return form

    def test_fresh_firm_shows_every_step_to_do(self):
        form = self._steps(self.manager)
        for step in STEPS:
            self.assertFalse(getattr(form, step), step)
        self.assertEqual(form.done_count, 0)
        self.assertEqual(form.step_count, 4)
        self.assertFalse(form.all_done)
        self.assertEqual(form.planning_year, fields.Date.today().year + 1)

    def test_steps_done_after_the_data_is_there(self):
        env = self.env(user=self.manager)
        client = env["res.partner"].create(
            {"name": "First Client B.V.", "is_company": True, "relation_kind": "client"}
        )
        form = self._steps(self.manager)
        self.assertTrue(form.relations_done)
        self.assertEqual(form.client_count, 1)
        self.assertFalse(form.team_done)

        employee = (
            self.env["hr.employee"]
            .with_company(self.firm)
            .create({"name": "Firm Employee", "accountancy_code": "FE"})
        )
        next_year = fields.Date.today().year + 1
        self.env["accountancy.assignment"].create(
            {
                "partner_id": client.id,
                "role_id": self.role_rlm.id,
                "employee_id": employee.id,
                "year": next_year,
            }
        )
        onboarding = env["accountancy.onboarding"].create({})
        onboarding.action_mark_scoring_checked()
        env["accountancy.service.plan"].create(
            {"partner_id": client.id, "year": next_year, "company_id": self.firm.id}
        )
        form = self._steps(self.manager)
        for step in STEPS:
            self.assertTrue(getattr(form, step), step)
        self.assertEqual(form.coded_employee_count, 1)
        self.assertEqual(form.team_count, 1)
        self.assertEqual(form.service_plan_count, 1)
        self.assertTrue(form.all_done)
        self.assertEqual(form.done_count, 4)
        # The other company still has its own steps to do.
        other = self.env["accountancy.onboarding"].create(
            {"company_id": self.company_2.id}
        )
        self.assertFalse(other.team_done)
        self.assertFalse(other.planning_done)

    def test_only_managers_mark_the_scoring_checked(self):
        onboarding = self.env["accountancy.onboarding"].with_user(self.user).create({})
        with self.assertRaises(AccessError):
            onboarding.action_mark_scoring_checked()
        self.assertFalse(
            self.env["ir.config_parameter"].sudo().get_param(SCORING_CHECKED.key)
        )
        action = (
            self.env["accountancy.onboarding"]
            .with_user(self.manager)
            .create({})
            .action_mark_scoring_checked()
        )
        reopened = self.env["accountancy.onboarding"].browse(action["res_id"])
        self.assertTrue(reopened.scoring_done)

    def test_import_buttons_open_odoo_import(self):
        onboarding = (
            self.env["accountancy.onboarding"].with_user(self.manager).create({})
        )
        action = onboarding.with_context(
            accountancy_import_model="res.partner.relation"
        ).action_open_import()
        self.assertEqual(action["tag"], "import")
        self.assertEqual(action["params"]["model"], "res.partner.relation")
        with self.assertRaises(UserError) as cm:
            onboarding.with_context(
                accountancy_import_model="res.users"
            ).action_open_import()
        self.assertIn("res.users", str(cm.exception))
        # A user may read but not create employee budgets: no import for them.
        as_user = self.env["accountancy.onboarding"].with_user(self.user).create({})
        with self.assertRaises(AccessError):
            as_user.with_context(
                accountancy_import_model="accountancy.employee.budget"
            ).action_open_import()

    def test_getting_started_is_the_first_menu(self):
        root = self.env.ref("accountancy_crm.accountancy_menu_root")
        first = root.child_id.sorted("sequence")[0]
        self.assertEqual(
            first, self.env.ref("accountancy_crm.accountancy_onboarding_menu")
        )
        self.assertEqual(
            first.action, self.env.ref("accountancy_crm.accountancy_onboarding_action")
        )
