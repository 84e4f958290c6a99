from datetime import timedelta

from icalendar import Calendar

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import execute_kw


@tagged("post_install", "-at_install")
class TestIcalFeed(HttpCase):
    """GET /accountancy/ical/<token>.ics: the user's own meetings, 404 for an
    unknown or revoked token."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(
                cls.env.context, tracking_disable=True, no_mail_to_attendees=True
            )
        )
        cls.user = mail_new_test_user(
            cls.env,
            login="ical_user",
            groups="accountancy_crm.group_user",
            name="Ical Accountant",
        )
        cls.colleague = mail_new_test_user(
            cls.env,
            login="ical_colleague",
            groups="accountancy_crm.group_user",
            name="Ical Colleague",
        )
        employee = cls.env["hr.employee"].create(
            {"name": "Ical Accountant", "user_id": cls.user.id}
        )
        Partner = cls.env["res.partner"]
        cls.client = Partner.create(
            {"name": "Ical Team Client", "is_company": True, "relation_kind": "client"}
        )
        cls.hidden = Partner.create(
            {
                "name": "Ical Hidden Client",
                "is_company": True,
                "relation_kind": "client",
            }
        )
        cls.env["accountancy.assignment"].create(
            {
                "partner_id": cls.client.id,
                "role_id": cls.env.ref("accountancy_crm.role_acc").id,
                "employee_id": employee.id,
            }
        )
        cls.env["res.config.settings"].create(
            {"group_accountancy_see_all_clients": False}
        ).execute()

        now = fields.Datetime.now().replace(microsecond=0)
        me, other = cls.user.partner_id, cls.colleague.partner_id
        Event = cls.env["calendar.event"]

        def event(name, days, partners, **vals):
            start = now + timedelta(days=days)
            return Event.create(
                dict(
                    {
                        "name": name,
                        "start": start,
                        "stop": start + timedelta(hours=1),
                        "user_id": cls.env.ref("base.user_admin").id,
                        "partner_ids": [(6, 0, partners.ids)],
                    },
                    **vals,
                )
            )

        cls.ev_attendee = event(
            "Ical year-end meeting",
            3,
            me | other,
            accountancy_partner_id=cls.client.id,
            location="Utrecht office",
            description="<p>Discuss the <b>annual accounts</b></p>",
        )
        cls.ev_hidden_relation = event(
            "Ical other relation", 4, me, accountancy_partner_id=cls.hidden.id
        )
        cls.ev_organizer = event("Ical organised by me", 5, other, user_id=cls.user.id)
        cls.ev_private_mine = event(
            "Ical private with me", 6, me | other, privacy="private"
        )
        cls.ev_past = event("Ical last month", -30, me)
        cls.ev_too_old = event("Ical long ago", -200, me)
        cls.ev_too_far = event("Ical in two years", 730, me)
        cls.ev_not_mine = event("Ical colleague only", 2, other)
        cls.ev_private_other = event(
            "Ical colleague private", 2, other, privacy="private"
        )
        cls.ev_declined = event("Ical declined", 7, me | other)
        cls.ev_declined.attendee_ids.filtered(
            lambda a: a.partner_id == me
        ).state = "declined"
        today = fields.Date.today()
        cls.ev_allday = Event.create(
            {
                "name": "Ical training day",
                "allday": True,
                "start": now + timedelta(days=10),
                "stop": now + timedelta(days=11),
                "start_date": today + timedelta(days=10),
                "stop_date": today + timedelta(days=11),
                "partner_ids": [(6, 0, me.ids)],
                "user_id": cls.user.id,
            }
        )

    def _feed(self, token):
        return self.url_open(f"/accountancy/ical/{token}.ics")

    def _renew(self, user=None):
        user = user or self.user
        user.with_user(user).action_accountancy_ical_renew()
        return user.sudo().accountancy_ical_token

    def _events(self, response):
        self.assertEqual(response.status_code, 200, response.text[:500])
        self.assertTrue(response.headers["Content-Type"].startswith("text/calendar"))
        calendar = Calendar.from_ical(response.content)
        return {str(ev.get("summary")): ev for ev in calendar.walk("VEVENT")}

    def test_feed_holds_the_users_meetings_only(self):
        events = self._events(self._feed(self._renew()))
        self.assertEqual(
            set(events),
            {
                "Ical year-end meeting",
                "Ical other relation",
                "Ical organised by me",
                "Ical private with me",
                "Ical last month",
                "Ical training day",
            },
        )
        meeting = events["Ical year-end meeting"]
        self.assertEqual(
            meeting.decoded("dtstart"),
            self.ev_attendee.start.replace(tzinfo=meeting.decoded("dtstart").tzinfo),
        )
        self.assertEqual(str(meeting.get("location")), "Utrecht office")
        description = str(meeting.get("description"))
        self.assertIn("Relation: Ical Team Client", description)
        self.assertIn("annual accounts", description)
        self.assertNotIn("<b>", description)
        attendees = [str(a) for a in meeting.get("attendee")]
        self.assertIn(f"mailto:{self.user.email}", attendees)
        self.assertIn(f"calendar.event-{self.ev_attendee.id}@", str(meeting.get("uid")))
        # A relation the user may not see is not named.
        self.assertNotIn(
            "Ical Hidden Client", str(events["Ical other relation"].get("description"))
        )
        # All-day events are dates.
        allday = events["Ical training day"]
        self.assertEqual(allday.decoded("dtstart"), self.ev_allday.start_date)
        self.assertEqual(
            allday.decoded("dtend"), self.ev_allday.stop_date + timedelta(days=1)
        )

    def test_feeds_are_personal(self):
        mine, theirs = self._renew(), self._renew(self.colleague)
        self.assertNotEqual(mine, theirs)
        events = self._events(self._feed(theirs))
        self.assertIn("Ical colleague only", events)
        self.assertIn("Ical colleague private", events)
        self.assertNotIn("Ical last month", events)

    def test_unknown_token_404(self):
        self._renew()
        for token in ("x" * 43, "short", self.user.sudo().accountancy_ical_token[:-1]):
            response = self._feed(token)
            self.assertEqual(response.status_code, 404, token)
            self.assertNotIn("BEGIN:VCALENDAR", response.text)

    def test_renewed_and_revoked_token_404(self):
        first = self._renew()
        self.assertEqual(self._feed(first).status_code, 200)
        second = self._renew()
        self.assertNotEqual(first, second)
        self.assertEqual(self._feed(first).status_code, 404)
        self.assertEqual(self._feed(second).status_code, 200)
        self.user.with_user(self.user).action_accountancy_ical_revoke()
        self.assertFalse(self.user.sudo().accountancy_ical_token)
        self.assertEqual(self._feed(second).status_code, 404)

    def test_archived_user_feed_404(self):
        token = self._renew()
        self.user.active = False
        self.assertEqual(self._feed(token).status_code, 404)

    def test_token_is_readable_by_its_user_only(self):
        token = self._renew()
        own = self.user.with_user(self.user).read(
            ["accountancy_ical_url", "accountancy_ical_active"]
        )[0]
        self.assertTrue(
            own["accountancy_ical_url"].endswith(f"/accountancy/ical/{token}.ics")
        )
        self.assertTrue(own["accountancy_ical_active"])
        admin = self.env.ref("base.user_admin")
        for reader in (self.colleague, admin):
            other = self.user.with_user(reader)
            with self.assertRaises(AccessError):
                other.read(["accountancy_ical_token"])
            # The address is computed for its own user only.
            self.assertFalse(
                other.read(["accountancy_ical_url"])[0]["accountancy_ical_url"]
            )
            # Whether a feed exists is not a secret.
            self.assertTrue(other.accountancy_ical_active)
        # Nobody reads the token itself, its user included (the URL holds it).
        with self.assertRaises(AccessError):
            self.user.with_user(self.user).read(["accountancy_ical_token"])

    def test_only_owner_or_admin_manages_a_feed(self):
        token = self._renew()
        with self.assertRaises(AccessError) as cm:
            self.user.with_user(self.colleague).action_accountancy_ical_revoke()
        self.assertIn("your own calendar feed", str(cm.exception))
        with self.assertRaises(AccessError):
            self.user.with_user(self.colleague).action_accountancy_ical_renew()
        self.assertEqual(self.user.sudo().accountancy_ical_token, token)
        # An administrator may revoke it.
        self.user.with_user(
            self.env.ref("base.user_admin")
        ).action_accountancy_ical_revoke()
        self.assertFalse(self.user.sudo().accountancy_ical_token)

    def _execute_kw(self, user, model, method, args, kwargs=None):
        # mail_new_test_user: password = login
        return execute_kw(self, user, user.login, model, method, args, kwargs)

    @mute_logger("odoo.http")
    def test_token_over_rpc(self):
        token = self._renew()
        denied = "odoo.exceptions.AccessError"
        own = self._execute_kw(
            self.user, "res.users", "read", [self.user.ids, ["accountancy_ical_url"]]
        )
        self.assertTrue(own[0]["accountancy_ical_url"].endswith(f"/{token}.ics"))
        other = self._execute_kw(
            self.colleague,
            "res.users",
            "read",
            [self.user.ids, ["accountancy_ical_url"]],
        )
        self.assertFalse(other[0]["accountancy_ical_url"])
        for method, args in (
            ("read", [self.user.ids, ["accountancy_ical_token"]]),
            ("search", [[("accountancy_ical_token", "=", token)]]),
            ("write", [self.user.ids, {"accountancy_ical_token": "x" * 43}]),
            ("action_accountancy_ical_revoke", [self.user.ids]),
        ):
            self.assertEqual(
                self._execute_kw(self.colleague, "res.users", method, args),
                denied,
                method,
            )
        # The user cannot choose their own token either (only renew it).
        self.assertEqual(
            self._execute_kw(
                self.user,
                "res.users",
                "write",
                [self.user.ids, {"accountancy_ical_token": "x" * 43}],
            ),
            denied,
        )
        self.assertEqual(self.user.sudo().accountancy_ical_token, token)
