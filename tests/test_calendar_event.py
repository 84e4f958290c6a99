from datetime import timedelta

from odoo import Command, fields
from odoo.tests import Form, HttpCase, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AccountancyCrmCommon, execute_kw


@tagged("post_install", "-at_install")
class TestCalendarEvent(AccountancyCrmCommon):
    """Meetings linked to the relation they are about, and the card's
    meetings button."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, no_mail_to_attendees=True))
        cls.client = cls._create_company("Agenda Client B.V.", relation_kind="client")
        cls.client_contact = cls._create_person(
            "Agenda Contact", parent_id=cls.client.id
        )
        cls.other_client = cls._create_company(
            "Agenda Other B.V.", relation_kind="prospect"
        )
        cls.supplier = cls._create_company("Agenda Supplier", relation_kind="supplier")
        cls.start = fields.Datetime.now().replace(microsecond=0)

    def _event(self, name, partners, days=1, **vals):
        start = self.start + timedelta(days=days)
        return self.env["calendar.event"].create(
            dict(
                {
                    "name": name,
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "partner_ids": [Command.set(partners.ids)],
                },
                **vals,
            )
        )

    def test_relation_defaults_from_the_one_client_attendee(self):
        me = self.user_acc.partner_id
        event = self._event("Year-end", me | self.client_contact)
        self.assertEqual(event.accountancy_partner_id, self.client)
        # A supplier or colleague does not count; two relations are ambiguous.
        self.assertEqual(
            self._event("Supplier", me | self.supplier).accountancy_partner_id,
            self.env["res.partner"],
        )
        both = self._event("Both", self.client_contact | self.other_client)
        self.assertFalse(both.accountancy_partner_id)

    def test_relation_stored_from_company_attendee(self):
        # The relation itself among the attendees (not one of its contacts),
        # as RPC clients and calendar synchronisation create meetings: the
        # value is stored, not only in the cache.
        for user in (self.env.user, self.user_acc):
            with self.subTest(user=user.login):
                event = self._event("Company", self.client).with_user(user)
                self.env.flush_all()
                self.env.invalidate_all()
                self.assertEqual(event.sudo().accountancy_partner_id, self.client)
        # Attendees added later (write) fill it in too.
        event = self._event("Later", self.user_acc.partner_id)
        self.assertFalse(event.accountancy_partner_id)
        event.write({"partner_ids": [Command.link(self.other_client.id)]})
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(event.accountancy_partner_id, self.other_client)

    def test_relation_chosen_by_hand_stays(self):
        event = self._event(
            "Chosen", self.other_client, accountancy_partner_id=self.client.id
        )
        self.assertEqual(event.accountancy_partner_id, self.client)
        event.partner_ids = [Command.link(self.client_contact.id)]
        self.assertEqual(event.accountancy_partner_id, self.client)

    def test_relation_default_in_form(self):
        with Form(self.env["calendar.event"].with_user(self.user_manager)) as form:
            form.name = "Form meeting"
            form.partner_ids.add(self.client_contact)
            self.assertEqual(form.accountancy_partner_id, self.client)
        self.assertEqual(form.record.accountancy_partner_id, self.client)

    def test_meeting_count_includes_linked_meetings(self):
        past = self._event("Past with contact", self.client_contact, days=-40)
        linked = self._event(
            "Linked only",
            self.user_acc.partner_id,
            accountancy_partner_id=self.client.id,
        )
        self._event("Other", self.other_client)
        self.assertEqual(self.client.meeting_count, 2)
        self.assertEqual(self.other_client.meeting_count, 1)
        self.assertEqual(self.supplier.meeting_count, 0)
        action = self.client.schedule_meeting()
        events = self.env["calendar.event"].search(action["domain"])
        self.assertEqual(events, past | linked)
        self.assertEqual(
            action["context"]["default_accountancy_partner_id"], self.client.id
        )
        # The relation card lists past and planned meetings first.
        self.assertEqual(action["views"][0][1], "list")
        # A partner that is not a relation keeps the calendar's own button.
        colleague_action = self.user_acc.partner_id.schedule_meeting()
        self.assertEqual(colleague_action["views"][0][1], "calendar")

    def test_meeting_count_batch_queries(self):
        """Counting the meetings of 100 relations costs no more queries than of
        10 (the linked meetings are one grouped query)."""
        clients = self.env["res.partner"].create(
            [
                {
                    "name": f"Agenda Batch {i}",
                    "is_company": True,
                    "relation_kind": "client",
                }
                for i in range(100)
            ]
        )
        self.env["calendar.event"].create(
            [
                {
                    "name": f"Batch meeting {i}",
                    "start": self.start,
                    "stop": self.start + timedelta(hours=1),
                    "accountancy_partner_id": client.id,
                }
                for i, client in enumerate(clients)
            ]
        )

        def queries(partners):
            counts = []
            for _round in range(2):
                self.env.invalidate_all()
                partners = partners.browse(partners.ids)
                before = self.env.cr.sql_log_count
                self.assertEqual(sum(partners.mapped("meeting_count")), len(partners))
                counts.append(self.env.cr.sql_log_count - before)
            return min(counts)

        self.assertLessEqual(queries(clients[:100]), queries(clients[:10]))

    def test_colleagues_agenda_for_managers(self):
        menu = self.env.ref("accountancy_crm.calendar_event_menu_colleagues")
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.user_manager)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.with_user(self.user_acc)._visible_menu_ids())
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "accountancy_crm.calendar_event_action_colleagues"
        )
        colleague_meeting = self._event(
            "Colleagues", self.user_acc.partner_id | self.user_fiscal.partner_id
        )
        external_only = self._event("External only", self.client_contact)
        events = (
            self.env["calendar.event"]
            .with_user(self.user_manager)
            .search(safe_eval(action["domain"]))
        )
        self.assertIn(colleague_meeting, events)
        self.assertNotIn(external_only, events)


@tagged("post_install", "-at_install")
class TestCalendarEventRpc(HttpCase):
    """A meeting created over JSON-RPC (as other software and calendar
    synchronisation create them, without the form's onchange) gets its
    relation stored."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, no_mail_to_attendees=True))
        cls.user = mail_new_test_user(
            cls.env,
            login="agenda_rpc_user",
            groups="accountancy_crm.group_user",
            name="Agenda RPC Accountant",
        )
        Partner = cls.env["res.partner"]
        cls.client = Partner.create(
            {"name": "Agenda RPC Client", "is_company": True, "relation_kind": "client"}
        )
        cls.contact = Partner.create(
            {"name": "Agenda RPC Contact", "parent_id": cls.client.id}
        )

    def test_rpc_create_stores_relation(self):
        start = fields.Datetime.now().replace(microsecond=0) + timedelta(days=2)
        for attendee in (self.client, self.contact):
            with self.subTest(attendee=attendee.name):
                event_id = execute_kw(
                    self,
                    self.user,
                    self.user.login,
                    "calendar.event",
                    "create",
                    [
                        {
                            "name": "RPC meeting",
                            "start": fields.Datetime.to_string(start),
                            "stop": fields.Datetime.to_string(
                                start + timedelta(hours=1)
                            ),
                            "partner_ids": [(6, 0, [attendee.id])],
                        }
                    ],
                )
                self.assertIsInstance(event_id, int, event_id)
                self.env.invalidate_all()
                event = self.env["calendar.event"].browse(event_id)
                self.assertEqual(event.accountancy_partner_id, self.client)
