from datetime import date

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class TestContactMoment(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Moment = cls.env["accountancy.contact.moment"]
        cls.Activity = cls.env["mail.activity"]
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")
        cls.employee.user_id = cls.user_acc
        cls.relation = cls._create_company("Moment Relation B.V.")
        cls.contact = cls._create_person("Moment Contact", parent_id=cls.relation.id)
        cls.other_relation = cls._create_company("Other Relation B.V.")
        cls.other_contact = cls._create_person(
            "Other Contact", parent_id=cls.other_relation.id
        )
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Moment opportunity",
                "type": "opportunity",
                "partner_id": cls.contact.id,
            }
        )

    def _vals(self, **vals):
        return dict(
            {
                "date": "2025-03-10 10:00:00",
                "employee_id": self.employee.id,
                "partner_id": self.relation.id,
                "channel": "phone",
                "subject": "Annual accounts",
            },
            **vals,
        )

    def _activities(self, record):
        return self.Activity.search(
            [("res_model", "=", record._name), ("res_id", "=", record.id)]
        )

    def test_create_schedules_activity(self):
        moments = self.Moment.create(
            [
                self._vals(next_contact_date="2025-04-01"),
                self._vals(
                    lead_id=self.lead.id,
                    channel="visit",
                    next_contact_date="2025-05-01",
                ),
                self._vals(subject="No follow-up"),
            ]
        )
        on_partner = self._activities(self.relation)
        self.assertEqual(len(on_partner), 1)
        self.assertEqual(on_partner.date_deadline, date(2025, 4, 1))
        self.assertEqual(on_partner.user_id, self.user_acc)
        self.assertEqual(on_partner.activity_type_id, self.todo)
        self.assertEqual(moments[0].activity_id, on_partner)
        # With an opportunity the to-do goes on the opportunity.
        on_lead = self._activities(self.lead)
        self.assertEqual(len(on_lead), 1)
        self.assertEqual(on_lead.date_deadline, date(2025, 5, 1))
        self.assertEqual(moments[1].activity_id, on_lead)
        self.assertFalse(moments[2].activity_id)

    def test_write_does_not_duplicate_activity(self):
        moment = self.Moment.create(self._vals(next_contact_date="2025-04-01"))
        activity = moment.activity_id
        moment.write({"subject": "Annual accounts 2024"})
        moment.write({"next_contact_date": "2025-04-01"})
        self.assertEqual(self._activities(self.relation), activity)
        # A new date moves the same to-do.
        moment.next_contact_date = date(2025, 4, 15)
        self.assertEqual(self._activities(self.relation), activity)
        self.assertEqual(activity.date_deadline, date(2025, 4, 15))
        # No date any more: no to-do any more.
        moment.next_contact_date = False
        self.assertFalse(self._activities(self.relation))
        self.assertFalse(moment.activity_id)
        # Done to-do, new date: a new to-do.
        moment.next_contact_date = date(2025, 6, 1)
        moment.activity_id.action_feedback(feedback="Called")
        self.assertFalse(moment.activity_id)
        moment.next_contact_date = date(2025, 7, 1)
        self.assertEqual(
            self._activities(self.relation).date_deadline, date(2025, 7, 1)
        )

    def test_default_employee_and_partner_from_lead(self):
        moment = self.Moment.with_user(self.user_acc).create(
            {"subject": "Quick call", "lead_id": self.lead.id}
        )
        self.assertEqual(moment.employee_id, self.employee)
        self.assertEqual(moment.user_id, self.user_acc)
        self.assertEqual(moment.partner_id, self.relation)
        self.assertEqual(moment.channel, "phone")

    def test_next_date_before_moment_rejected(self):
        # assertRaises (not assertRaisesRegex) rolls back to a savepoint, as the
        # request of the user would be rolled back.
        with self.assertRaises(ValidationError) as error:
            self.Moment.create(self._vals(next_contact_date="2025-03-09"))
        self.assertIn("before the contact moment", str(error.exception))
        self.assertFalse(self.Moment.search([("partner_id", "=", self.relation.id)]))
        self.assertFalse(self._activities(self.relation))
        moment = self.Moment.create(self._vals(next_contact_date="2025-03-10"))
        activity = moment.activity_id
        with self.assertRaises(ValidationError):
            moment.write({"next_contact_date": "2025-01-01"})
        moment.invalidate_recordset()
        activity.invalidate_recordset()
        self.assertEqual(moment.next_contact_date, date(2025, 3, 10))
        self.assertEqual(activity.date_deadline, date(2025, 3, 10))

    def test_contact_of_other_relation_rejected(self):
        with self.assertRaises(ValidationError) as error:
            self.Moment.create(self._vals(contact_id=self.other_contact.id))
        self.assertIn("is not a contact person of", str(error.exception))
        with self.assertRaises(ValidationError) as error:
            self.Moment.create(
                self._vals(partner_id=self.other_relation.id, lead_id=self.lead.id)
            )
        self.assertIn("belongs to", str(error.exception))
        self.assertFalse(
            self.Moment.search(
                [("partner_id", "in", (self.relation | self.other_relation).ids)]
            )
        )
        moment = self.Moment.create(self._vals(contact_id=self.contact.id))
        with self.assertRaises(ValidationError):
            moment.write({"contact_id": self.other_contact.id})
        moment.invalidate_recordset()
        self.assertEqual(moment.contact_id, self.contact)

    def test_log_buttons_defaults(self):
        action = self.contact.action_log_contact_moment()
        self.assertEqual(action["target"], "new")
        self.assertEqual(action["context"]["default_partner_id"], self.relation.id)
        self.assertEqual(action["context"]["default_contact_id"], self.contact.id)
        moment_form = Form(
            self.Moment.with_user(self.user_acc).with_context(**action["context"])
        )
        moment_form.subject = "Logged from the card"
        moment = moment_form.save()
        self.assertEqual(moment.partner_id, self.relation)
        self.assertEqual(moment.contact_id, self.contact)
        self.assertEqual(moment.employee_id, self.employee)
        self.relation.invalidate_recordset(["contact_moment_count"])
        self.assertEqual(self.relation.contact_moment_count, 1)
        self.assertEqual(self.contact.contact_moment_count, 1)

        action = self.relation.action_log_contact_moment()
        self.assertFalse(action["context"]["default_contact_id"])

        action = self.lead.action_log_contact_moment()
        self.assertEqual(action["context"]["default_lead_id"], self.lead.id)
        self.assertEqual(action["context"]["default_partner_id"], self.relation.id)
        self.assertEqual(action["context"]["default_contact_id"], self.contact.id)
        moment_form = Form(self.Moment.with_context(**action["context"]))
        moment_form.subject = "Logged from the opportunity"
        moment_form.employee_id = self.employee
        moment = moment_form.save()
        self.assertEqual(moment.lead_id, self.lead)
        self.assertEqual(self.lead.contact_moment_count, 1)
        view_action = self.lead.action_view_contact_moments()
        self.assertEqual(self.Moment.search(view_action["domain"]), moment)
        view_action = self.contact.action_view_contact_moments()
        self.assertEqual(len(self.Moment.search(view_action["domain"])), 2)

    def _count_queries(self, records):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        records.mapped("contact_moment_count")
        return self.env.cr.sql_log_count - before

    def test_counts_constant_queries(self):
        counts = {}
        for size in (10, 100):
            partners = self.Partner.create(
                [{"name": f"Count {size} {i}", "is_company": True} for i in range(size)]
            )
            leads = self.env["crm.lead"].create(
                [{"name": f"Lead {p.name}", "partner_id": p.id} for p in partners]
            )
            self.Moment.create(
                [
                    self._vals(partner_id=p.id, lead_id=lead.id, subject=f"S {i}")
                    for i, (p, lead) in enumerate(zip(partners, leads, strict=True))
                ]
                * 2
            )
            counts[size] = (self._count_queries(partners), self._count_queries(leads))
            self.assertEqual(set(partners.mapped("contact_moment_count")), {2})
            self.assertEqual(set(leads.mapped("contact_moment_count")), {2})
        self.assertEqual(counts[10], counts[100])
        self.assertLessEqual(counts[100][0], 4)
        self.assertLessEqual(counts[100][1], 4)

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.models")
    def test_access_as_real_users(self):
        with self.assertRaises(AccessError):
            self.Moment.with_user(self.user_employee).create(self._vals())
        self.assertFalse(self.Moment.search([("partner_id", "=", self.relation.id)]))
        moment = self.Moment.with_user(self.user_acc).create(
            self._vals(next_contact_date="2025-04-01")
        )
        self.assertEqual(moment.activity_id.user_id, self.user_acc)
        moment.with_user(self.user_acc).report = "<p>Discussed the figures</p>"
        with self.assertRaises(AccessError):
            moment.with_user(self.user_employee).read(["subject"])
        # Another office does not see the moments of this one.
        with self.assertRaises(AccessError):
            moment.with_user(self.user_company_2).read(["subject"])

    def test_log_from_opportunity_checks_the_caller(self):
        """The opportunity's Log button is for accountancy users, as the
        relation's: a salesperson who may read the opportunity but is not in
        the accountancy group is refused, also when calling the ORM (or RPC)."""
        sales_groups = "sales_team.group_sale_salesman_all_leads"
        seller = mail_new_test_user(
            self.env,
            login="moment_seller",
            groups=f"accountancy_crm.group_user,{sales_groups}",
        )
        plain_seller = mail_new_test_user(
            self.env, login="moment_plain_seller", groups=sales_groups
        )
        # Both may read the opportunity and its customer.
        for user in (seller, plain_seller):
            self.lead.with_user(user).read(["partner_id"])
            self.lead.partner_id.with_user(user).read(["commercial_partner_id"])
        action = self.lead.with_user(seller).action_log_contact_moment()
        self.assertEqual(action["context"]["default_lead_id"], self.lead.id)
        with self.assertRaises(AccessError):
            self.lead.with_user(plain_seller).action_log_contact_moment()
