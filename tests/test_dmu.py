from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class TestDecisionMakingUnit(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Member = cls.env["accountancy.dmu.member"]
        cls.salesman = mail_new_test_user(
            cls.env,
            login="dmu_salesman",
            groups="sales_team.group_sale_salesman",
            name="DMU Salesman",
        )
        cls.salesman_2 = mail_new_test_user(
            cls.env,
            login="dmu_salesman_2",
            groups="sales_team.group_sale_salesman",
            name="Other Salesman",
        )
        cls.client = cls._create_company("DMU Client B.V.", relation_kind="prospect")
        cls.director = cls._create_person(
            "Dirk Director", parent_id=cls.client.id, function="Director"
        )
        cls.controller = cls._create_person(
            "Carla Controller", parent_id=cls.client.id, function="Controller"
        )
        cls.other_client = cls._create_company("Other Client B.V.")
        cls.stranger = cls._create_person(
            "Stan Stranger", parent_id=cls.other_client.id
        )
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Annual accounts DMU Client",
                "type": "opportunity",
                "partner_id": cls.director.id,
                "user_id": cls.salesman.id,
            }
        )

    def _member(self, partner, role, lead=None, **vals):
        return self.Member.create(
            dict(
                {
                    "lead_id": (lead or self.lead).id,
                    "partner_id": partner.id,
                    "role": role,
                },
                **vals,
            )
        )

    def test_members_on_the_opportunity(self):
        decider = self._member(self.director, "decider", note="Signs the engagement")
        # One person can play several roles.
        buyer = self._member(self.director, "buyer")
        gatekeeper = self._member(self.controller, "gatekeeper")
        # The client itself is allowed too (e.g. a one-person company).
        self._member(self.client, "user")
        self.assertEqual(len(self.lead.accountancy_dmu_member_ids), 4)
        self.assertLessEqual(
            decider | buyer | gatekeeper, self.lead.accountancy_dmu_member_ids
        )
        self.assertEqual(decider.function, "Director")
        self.assertEqual(decider.lead_commercial_partner_id, self.client)
        self.assertEqual(decider.company_id, self.lead.company_id)
        # Deleting the opportunity deletes its decision-making unit.
        members = self.lead.accountancy_dmu_member_ids
        self.lead.unlink()
        self.assertFalse(members.exists())

    def test_same_role_twice_is_refused(self):
        self._member(self.director, "decider")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self._member(self.director, "decider")
            self.env.flush_all()

    def test_contact_of_another_relation_is_refused(self):
        with self.assertRaises(ValidationError) as cm:
            self._member(self.stranger, "influencer")
        self.assertIn("Stan Stranger is not a contact person of", str(cm.exception))
        self.assertIn("DMU Client B.V.", str(cm.exception))
        self.assertFalse(self.Member.search([("partner_id", "=", self.stranger.id)]))
        member = self._member(self.controller, "influencer")
        with self.assertRaises(ValidationError):
            member.partner_id = self.stranger
        self.assertEqual(member.partner_id, self.controller)

    def test_partner_domain_offers_the_client_contacts(self):
        field = self.Member._fields["partner_id"]
        domain = safe_eval(field.domain, {"lead_commercial_partner_id": self.client.id})
        found = self.Partner.search(domain)
        self.assertEqual(found, self.client | self.director | self.controller)
        # Without a client on the opportunity, any partner may be chosen.
        self.assertEqual(
            safe_eval(field.domain, {"lead_commercial_partner_id": False}), []
        )

    def test_edit_in_the_lead_form(self):
        lead = self.lead.with_user(self.salesman)
        with Form(lead, view="crm.crm_lead_view_form") as form:
            with form.accountancy_dmu_member_ids.new() as line:
                line.partner_id = self.director.with_user(self.salesman)
                line.role = "decider"
            with form.accountancy_dmu_member_ids.new() as line:
                line.partner_id = self.controller.with_user(self.salesman)
                line.role = "influencer"
        self.assertEqual(
            sorted(
                (m.partner_id.name, m.role)
                for m in self.lead.accountancy_dmu_member_ids
            ),
            [("Carla Controller", "influencer"), ("Dirk Director", "decider")],
        )
        arch = lead.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="accountancy_dmu"', arch)

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.models")
    def test_access_follows_the_opportunity(self):
        own = self._member(self.director, "decider")
        other_lead = self.env["crm.lead"].create(
            {
                "name": "Someone else's deal",
                "type": "opportunity",
                "partner_id": self.client.id,
                "user_id": self.salesman_2.id,
            }
        )
        other = self._member(self.controller, "decider", lead=other_lead)
        Member = self.Member.with_user(self.salesman)
        self.assertEqual(Member.search([("id", "in", (own | other).ids)]), own)
        created = Member.create(
            {"lead_id": self.lead.id, "partner_id": self.controller.id, "role": "user"}
        )
        created.note = "Uses the client portal"
        created.unlink()
        with self.assertRaises(AccessError):
            other.with_user(self.salesman).read(["role"])
        # Accountancy groups have no CRM rights, so none on the DMU either.
        with self.assertRaises(AccessError):
            own.with_user(self.user_acc).read(["role"])
