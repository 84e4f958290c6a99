from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import VAT_VALID, AccountancyCrmCommon, KvkServerMixin


@tagged("post_install", "-at_install")
class TestIntakeWizard(KvkServerMixin, AccountancyCrmCommon):
    """The intake wizard against the local KvK test server (no mocks)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Wizard = cls.env["accountancy.intake.wizard"]
        cls.Lead = cls.env["crm.lead"]
        # Selling needs CRM rights besides the accountancy group.
        cls.user_sales = mail_new_test_user(
            cls.env,
            login="acc_intake_sales",
            groups="accountancy_crm.group_user,sales_team.group_sale_salesman",
            name="Intake Salesman",
        )
        cls.user_manager.groups_id += cls.env.ref("sales_team.group_sale_salesman")
        cls.team = cls.env["crm.team"].create({"name": "Test intake team"})
        cls.stage = cls.env["crm.stage"].create(
            {"name": "Test intake first", "sequence": 0, "team_id": cls.team.id}
        )
        cls.tag = cls.env["crm.tag"].create({"name": "Test KvK intake"})
        cls.profile = cls.env["accountancy.intake.profile"].create(
            {
                "name": "Test sales intake",
                "sequence": 1,
                "relation_kind": "prospect",
                "team_id": cls.team.id,
                "user_id": cls.user_sales.id,
                "stage_id": cls.stage.id,
                "tag_ids": [Command.set(cls.tag.ids)],
                "client_group_id": cls.client_group.id,
                "ask_vat": True,
                "ask_email": True,
                "ask_debtor_number": True,
                "create_contact": True,
                "create_opportunity": True,
            }
        )
        cls.profile_approval = cls.env["accountancy.intake.profile"].create(
            {
                "name": "Test intake with approval",
                "relation_kind": "prospect",
                "require_approval": True,
                "approver_id": cls.user_manager.id,
                "create_contact": False,
                "create_opportunity": False,
            }
        )

    def _wizard(self, profile=None, user=None, **vals):
        # A transient record belongs to its creator: each test acts as one user.
        Wizard = self.Wizard.with_user(user or self.user_sales)
        return Wizard.create(dict({"profile_id": (profile or self.profile).id}, **vals))

    def _pick(self, wizard, kvk_number, branch_number=None):
        wizard.write({"search_kvk_number": kvk_number})
        wizard.action_search()
        results = wizard.result_ids
        if branch_number:
            results = results.filtered(lambda r: r.branch_number == branch_number)
        else:
            results = results.filtered(lambda r: r.result_type == "hoofdvestiging")
        self.assertEqual(len(results), 1)
        results.action_select()
        return wizard

    def _count(self, model, domain):
        return self.env[model].with_context(active_test=False).search_count(domain)

    # ------------------------------------------------------------------
    # Search and pick
    # ------------------------------------------------------------------
    def test_search_fills_lines(self):
        wizard = self._wizard(search_name="jansen")
        action = wizard.action_search()
        self.assertEqual(action["res_model"], "accountancy.intake.wizard")
        self.assertEqual(action["res_id"], wizard.id)
        self.assertEqual(action["target"], "new")
        self.assertEqual(len(wizard.result_ids), 2, "hoofdvestiging + rechtspersoon")
        main = wizard.result_ids.filtered(lambda r: r.result_type == "hoofdvestiging")
        self.assertEqual(main.kvk_number, "68750110")
        self.assertEqual(main.branch_number, "000038509504")
        self.assertEqual(main.name, "Jansen Software B.V.")
        self.assertEqual(main.zip, "3511ED")
        self.assertEqual(main.city, "Utrecht")
        self.assertIn("Stationsplein 45", main.address)
        self.assertTrue(main.kvk_active)
        self.assertFalse(main.partner_id)
        self.assertEqual(wizard.result_total, 2)
        # A second search replaces the lines.
        wizard.write({"search_name": False, "search_kvk_number": "69599084"})
        wizard.action_search()
        self.assertEqual(set(wizard.result_ids.mapped("kvk_number")), {"69599084"})

    def test_search_by_postcode(self):
        wizard = self._wizard(search_postcode="3511 ed", search_house_number="45")
        wizard.action_search()
        self.assertIn("68750110", wizard.result_ids.mapped("kvk_number"))

    def test_search_marks_known_relations(self):
        known = self._create_company(
            "Known Bakery",
            company_registry="69599084",
            kvk_branch_number="000037178598",
        )
        wizard = self._wizard(search_kvk_number="69599084")
        wizard.action_search()
        main = wizard.result_ids.filtered(lambda r: r.branch_number == "000037178598")
        other = wizard.result_ids - main
        self.assertEqual(main.partner_id, known)
        self.assertFalse(other.partner_id, "another branch is another relation")

    def test_search_bad_input(self):
        cases = [
            ({}, "Enter a name, a KvK number"),
            ({"search_postcode": "3511ED"}, "both the postcode and the house number"),
            ({"search_house_number": "45"}, "both the postcode and the house number"),
            (
                {"search_postcode": "ABCD12", "search_house_number": "4"},
                "not a Dutch postcode",
            ),
            (
                {"search_postcode": "3511ED", "search_house_number": "45a"},
                "digits only",
            ),
            ({"search_kvk_number": "1234"}, "exactly 8 digits"),
        ]
        for vals, message in cases:
            with self.subTest(vals=vals):
                wizard = self._wizard(**vals)
                with self.assertRaisesRegex(UserError, message):
                    wizard.action_search()
                self.assertFalse(wizard.result_ids)

    def test_pick_maps_values(self):
        wizard = self._pick(self._wizard(), "68750110")
        self.assertEqual(wizard.state, "relation")
        self.assertEqual(wizard.name, "Jansen Software B.V.")
        self.assertEqual(wizard.street, "Stationsplein 45")
        self.assertEqual(wizard.zip, "3511ED")
        self.assertEqual(wizard.city, "Utrecht")
        self.assertEqual(wizard.country_id, self.country_nl)
        self.assertEqual(wizard.company_registry, "68750110")
        self.assertEqual(wizard.kvk_branch_number, "000038509504")
        self.assertEqual(wizard.rsin, "857654329")
        self.assertEqual(wizard.legal_form, "bv")
        self.assertEqual(wizard.kvk_employee_count, 25)
        self.assertEqual(wizard.sector_id, self.sector_it, "existing sector 62010")
        self.assertFalse(wizard.sector_code)
        self.assertEqual(wizard.opportunity_name, "Jansen Software B.V.")
        self.assertEqual(wizard.relation_kind, "prospect", "profile default")
        self.assertEqual(wizard.client_group_id, self.client_group)
        self.assertFalse(wizard.duplicate_kind)
        self.assertFalse(
            self._count(
                "res.partner",
                [("company_registry", "=", "68750110"), ("is_company", "=", True)],
            )
        )

    def test_pick_new_sector_is_created_on_create(self):
        sectors = self.env["accountancy.sector"].with_context(active_test=False)
        # A manager may create sectors (and here an opportunity for the
        # profile's salesman).
        self.user_manager.groups_id += self.env.ref(
            "sales_team.group_sale_salesman_all_leads"
        )
        wizard = self._pick(self._wizard(user=self.user_manager), "68727720")
        self.assertFalse(wizard.sector_id)
        self.assertEqual(wizard.sector_code, "50201")
        self.assertFalse(sectors.search_count([("code", "=", "50201")]), "not yet")
        wizard.contact_name = "Piet Zee"
        wizard.action_create()
        partner = self.Partner.search(
            [("company_registry", "=", "68727720"), ("is_company", "=", True)]
        )
        self.assertEqual(partner.sector_id.code, "50201")
        self.assertEqual(partner.sector_id.create_uid, self.user_manager)
        self.assertEqual(partner.legal_form, "nv")

    def test_pick_new_sector_not_created_for_user(self):
        """Sectors are managers' data: a user's intake saves the relation
        without the sector the KvK names (no sector made as superuser)."""
        sectors = self.env["accountancy.sector"].with_context(active_test=False)
        wizard = self._pick(self._wizard(), "68727720")
        self.assertEqual(wizard.sector_code, "50201")
        wizard.write({"contact_name": "Piet Zee", "sector_name": "Crafted name"})
        wizard.action_create()
        partner = self.Partner.search(
            [("company_registry", "=", "68727720"), ("is_company", "=", True)]
        )
        self.assertEqual(partner.legal_form, "nv")
        self.assertFalse(partner.sector_id)
        self.assertFalse(sectors.search_count([("code", "=", "50201")]))

    def test_pick_branch(self):
        wizard = self._pick(self._wizard(), "69599084", "000037178601")
        self.assertEqual(wizard.kvk_branch_number, "000037178601")
        self.assertEqual(wizard.city, "Utrecht")
        self.assertEqual(wizard.legal_form, "eenmanszaak")

    # ------------------------------------------------------------------
    # Duplicates
    # ------------------------------------------------------------------
    def _assert_duplicate(self, wizard, kind, existing):
        partners_before = self._count("res.partner", [])
        self.assertEqual(wizard.duplicate_kind, kind)
        self.assertEqual(wizard.duplicate_partner_ids, existing)
        action = wizard.action_open_duplicate()
        self.assertEqual(action["res_model"], "res.partner")
        self.assertEqual(action["res_id"], existing.id)
        with self.assertRaisesRegex(UserError, "already known"):
            wizard.action_create()
        self.assertEqual(self._count("res.partner", []), partners_before)
        self.assertFalse(
            self._count("crm.lead", [("name", "=", wizard.opportunity_name)])
        )

    def test_duplicate_kvk_and_branch(self):
        existing = self._create_company(
            "Jansen Software",
            company_registry="68750110",
            kvk_branch_number="000038509504",
        )
        wizard = self._pick(self._wizard(contact_name="Jan"), "68750110")
        self._assert_duplicate(wizard, "kvk", existing)

    def test_duplicate_vat(self):
        existing = self._create_company("Jansen Holding", vat=VAT_VALID)
        wizard = self._pick(self._wizard(contact_name="Jan"), "68750110")
        self.assertFalse(wizard.duplicate_kind)
        wizard.vat = "nl 000099998b57"
        self._assert_duplicate(wizard, "vat", existing)

    def test_duplicate_name_and_zip(self):
        existing = self._create_company(
            "JANSEN SOFTWARE B.V.", zip="3511 ED", city="Utrecht"
        )
        wizard = self._pick(self._wizard(contact_name="Jan"), "68750110")
        self._assert_duplicate(wizard, "name", existing)
        # Another relation after all: the user confirms and creates it.
        wizard.confirm_not_duplicate = True
        wizard.action_create()
        self.assertEqual(
            self._count(
                "res.partner",
                [("company_registry", "=", "68750110"), ("is_company", "=", True)],
            ),
            1,
        )

    def test_duplicate_in_form(self):
        existing = self._create_company("Handwerk B.V.", zip="1234AB")
        with Form(
            self.Wizard.with_context(
                default_profile_id=self.profile.id, default_state="relation"
            )
        ) as form:
            form.name = "handwerk b.v."
            form.contact_name = "Hans"
            form.zip = "1234 ab"
            self.assertEqual(form.duplicate_kind, "name")
            self.assertIn(existing.id, form.duplicate_partner_ids.ids)

    # ------------------------------------------------------------------
    # Create
    # ------------------------------------------------------------------
    def test_create_relation_contact_opportunity(self):
        wizard = self._pick(self._wizard(user=self.user_sales), "68750110")
        wizard.write(
            {
                "vat": VAT_VALID,
                "email": "info@jansen-software.example.com",
                "debtor_number": "D68750",
                "contact_name": "Jan Jansen",
                "contact_email": "jan@jansen-software.example.com",
                "contact_phone": "+31 30 123 4567",
                "contact_function": "Director",
                "opportunity_name": "Annual accounts 2025",
                "expected_revenue": 4500,
                "date_deadline": "2030-03-31",
            }
        )
        action = wizard.action_create()
        partner = self.Partner.search(
            [("company_registry", "=", "68750110"), ("is_company", "=", True)]
        )
        self.assertEqual(len(partner), 1)
        self.assertEqual(action["res_model"], "res.partner")
        self.assertEqual(action["res_id"], partner.id)
        self.assertTrue(partner.is_company)
        self.assertEqual(partner.name, "Jansen Software B.V.")
        self.assertEqual(partner.kvk_branch_number, "000038509504")
        self.assertEqual(partner.rsin, "857654329")
        self.assertEqual(partner.legal_form, "bv")
        self.assertEqual(partner.kvk_employee_count, 25)
        self.assertEqual(partner.sector_id, self.sector_it)
        self.assertEqual(partner.relation_kind, "prospect")
        self.assertEqual(partner.client_group_id, self.client_group)
        self.assertEqual(partner.user_id, self.user_sales)
        self.assertEqual(partner.vat, VAT_VALID)
        self.assertEqual(partner.email, "info@jansen-software.example.com")
        self.assertEqual(partner.debtor_number, "D68750")
        self.assertFalse(partner.accountancy_state, "no approval in this profile")
        contact = partner.child_ids
        self.assertEqual(contact.name, "Jan Jansen")
        self.assertEqual(contact.email, "jan@jansen-software.example.com")
        self.assertEqual(contact.function, "Director")
        self.assertFalse(contact.is_company)
        lead = self.Lead.search([("partner_id", "=", partner.id)])
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.name, "Annual accounts 2025")
        self.assertEqual(lead.expected_revenue, 4500)
        self.assertEqual(str(lead.date_deadline), "2030-03-31")
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.user_id, self.user_sales)
        self.assertEqual(lead.stage_id, self.stage)
        self.assertEqual(lead.tag_ids, self.tag)

    def test_create_opens_opportunity_from_crm(self):
        wizard = (
            self.Wizard.with_user(self.user_sales)
            .with_context(accountancy_intake_open="opportunity")
            .create({"profile_id": self.profile.id})
        )
        self.assertEqual(wizard.open_after, "opportunity")
        self._pick(wizard, "69599068")
        wizard.contact_name = "Els Park"
        action = wizard.action_create()
        self.assertEqual(action["res_model"], "crm.lead")
        lead = self.Lead.browse(action["res_id"])
        self.assertEqual(lead.partner_id.company_registry, "69599068")

    def test_create_by_hand(self):
        wizard = self._wizard(user=self.user_sales, search_name="Handmatig B.V.")
        wizard.action_manual()
        self.assertEqual(wizard.state, "relation")
        self.assertEqual(wizard.name, "Handmatig B.V.")
        wizard.write(
            {"zip": "1000AA", "city": "Amsterdam", "contact_name": "Hans Hand"}
        )
        wizard.action_create()
        partner = self.Partner.search([("name", "=", "Handmatig B.V.")])
        self.assertTrue(partner.is_company)
        self.assertEqual(partner.child_ids.name, "Hans Hand")
        self.assertEqual(len(partner.opportunity_ids), 1)
        self.assertEqual(partner.opportunity_ids.name, "Handmatig B.V.")

    def test_create_bad_input(self):
        wizard = self._wizard(user=self.user_sales)
        wizard.action_manual()
        with self.assertRaisesRegex(UserError, "enter the relation's name"):
            wizard.action_create()
        wizard.name = "Zonder Contact B.V."
        with self.assertRaisesRegex(UserError, "name of the contact person"):
            wizard.action_create()
        wizard.write({"contact_name": "Iemand", "company_registry": "1234"})
        with self.assertRaisesRegex(ValidationError, "exactly 8 digits"):
            wizard.action_create()
        self.assertFalse(
            self._count(
                "res.partner", [("name", "in", ["Zonder Contact B.V.", "Iemand"])]
            )
        )

    def test_create_needs_crm_rights(self):
        wizard = self._wizard(
            user=self.user_acc, name="Geen CRM B.V.", contact_name="X"
        )
        with self.assertRaisesRegex(UserError, "may not create opportunities"):
            wizard.action_create()
        self.assertFalse(self._count("res.partner", [("name", "=", "Geen CRM B.V.")]))

    @mute_logger("odoo.sql_db")
    def test_create_all_or_nothing(self):
        """The opportunity fails (probability 150 breaks crm.lead's check
        constraint): neither the relation nor the contact is left."""
        wizard = self._pick(self._wizard(), "69599076")
        wizard.write({"contact_name": "Kees van Dijk", "opportunity_name": "Broken"})
        partners_before = self._count("res.partner", [])
        with self.assertRaises(IntegrityError):
            wizard.with_context(default_probability=150).action_create()
        self.assertEqual(self._count("res.partner", []), partners_before)
        self.assertFalse(
            self._count(
                "res.partner",
                [("company_registry", "=", "69599076"), ("is_company", "=", True)],
            )
        )
        self.assertFalse(self._count("res.partner", [("name", "=", "Kees van Dijk")]))
        self.assertFalse(self._count("crm.lead", [("name", "=", "Broken")]))
        # Nothing is stuck: the same wizard creates everything afterwards.
        wizard.action_create()
        self.assertEqual(
            self._count(
                "res.partner",
                [("company_registry", "=", "69599076"), ("is_company", "=", True)],
            ),
            1,
        )

    # ------------------------------------------------------------------
    # KvK errors
    # ------------------------------------------------------------------
    def test_kvk_errors(self):
        partners_before = self._count("res.partner", [])
        cases = [
            ({"search_name": "geen resultaat"}, "no company matching"),
            ({"search_kvk_number": "99999999"}, "no data for this number|no company"),
            ({"search_kvk_number": "50000000"}, "temporarily unavailable"),
            ({"search_name": "rommel"}, "not the expected JSON"),
        ]
        for vals, message in cases:
            with self.subTest(vals=vals):
                wizard = self._wizard(**vals)
                with self.assertRaisesRegex(UserError, message):
                    wizard.action_search()
                self.assertFalse(wizard.result_ids)
        self.assertEqual(self._count("res.partner", []), partners_before)

    def test_kvk_error_on_pick(self):
        """The profile lookup fails after the search: the wizard stays in the
        search step and nothing is created."""
        wizard = self._wizard(search_name="jansen")
        wizard.action_search()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("accountancy_crm.kvk_api_key", "another-key")
        with self.assertRaisesRegex(UserError, "refused the API key"):
            wizard.result_ids[0].action_select()
        params.set_param("accountancy_crm.kvk_api_key", "test-key")
        self.assertEqual(wizard.state, "search")
        self.assertFalse(wizard.name)
        self.assertFalse(
            self._count(
                "res.partner",
                [("company_registry", "=", "68750110"), ("is_company", "=", True)],
            )
        )

    # ------------------------------------------------------------------
    # Approval
    # ------------------------------------------------------------------
    def _create_to_approve(self, kvk="90001745"):
        wizard = self._pick(
            self._wizard(profile=self.profile_approval, user=self.user_acc), kvk
        )
        action = wizard.action_create()
        return self.Partner.browse(action["res_id"])

    def test_approval_activity(self):
        partner = self._create_to_approve()
        self.assertEqual(partner.accountancy_state, "to_approve")
        self.assertEqual(partner.relation_kind, "prospect")
        self.assertTrue(partner.active)
        self.assertFalse(partner.child_ids, "profile without contact")
        self.assertFalse(self.Lead.search([("partner_id", "=", partner.id)]))
        activity = partner.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.user_manager)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("accountancy_crm.mail_activity_type_relation_approval"),
        )

    def test_approve_as_manager(self):
        partner = self._create_to_approve()
        partner.with_user(self.user_manager).action_accountancy_approve()
        self.assertEqual(partner.accountancy_state, "approved")
        self.assertFalse(partner.activity_ids, "activity marked done")
        self.assertTrue(partner.active)

    def test_approve_as_user_refused(self):
        partner = self._create_to_approve()
        for user in (self.user_acc, self.user_sales):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(AccessError, "Accountancy / Manager"):
                    partner.with_user(user).action_accountancy_approve()
                with self.assertRaisesRegex(AccessError, "Accountancy / Manager"):
                    partner.with_user(user).action_accountancy_reject()
                wizard = (
                    self.env["accountancy.approval.reject.wizard"]
                    .with_user(user)
                    .create({"partner_ids": partner.ids, "reason": "No"})
                )
                with self.assertRaisesRegex(AccessError, "Accountancy / Manager"):
                    wizard.action_reject()
        self.assertEqual(partner.accountancy_state, "to_approve")
        self.assertTrue(partner.active)
        self.assertEqual(len(partner.activity_ids), 1)

    def test_reject_archives_with_reason(self):
        partner = self._create_to_approve("90003942")
        action = partner.with_user(self.user_manager).action_accountancy_reject()
        self.assertEqual(action["res_model"], "accountancy.approval.reject.wizard")
        wizard = (
            self.env["accountancy.approval.reject.wizard"]
            .with_user(self.user_manager)
            .with_context(**action["context"])
            .create({"reason": "Conflict of interest with an existing client"})
        )
        self.assertEqual(wizard.partner_ids, partner)
        wizard.action_reject()
        self.assertFalse(partner.active)
        self.assertEqual(partner.accountancy_state, "rejected")
        self.assertFalse(partner.activity_ids)
        bodies = partner.message_ids.mapped("body")
        self.assertTrue(
            any("Conflict of interest with an existing client" in b for b in bodies),
            bodies,
        )
        # The KvK number is free again for a new intake of the same company.
        wizard = self._pick(self._wizard(), "90003942")
        self.assertFalse(wizard.duplicate_kind)

    def test_profile_access(self):
        Profile = self.env["accountancy.intake.profile"]
        for user, allowed in (
            (self.user_employee, False),
            (self.user_acc, False),
            (self.user_fiscal, False),
            (self.user_manager, True),
        ):
            with self.subTest(user=user.login):
                self.assertTrue(Profile.with_user(user).has_access("read"))
                self.assertEqual(Profile.with_user(user).has_access("create"), allowed)
                self.assertEqual(Profile.with_user(user).has_access("write"), allowed)
