import hmac
import secrets
from datetime import timedelta

import pytz
from icalendar import Calendar, Event, vCalAddress, vText

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import html2plaintext

ICAL_FEED_PATH = "/accountancy/ical/%s.ics"
# Window of the personal feed, around today.
ICAL_DAYS_BACK = 90
ICAL_DAYS_AHEAD = 366


class ResUsers(models.Model):
    _inherit = "res.users"

    # The secret of the personal iCalendar feed. Nobody reads it through the
    # ORM (groups "." is nobody, administrators included): the feed route and
    # the URL below read it with sudo. Written only through the buttons below.
    accountancy_ical_token = fields.Char(
        string="Calendar feed token",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups=".",
    )
    # The address holds the token: computed for the user's own record only,
    # so that an administrator's user form shows no one else's.
    accountancy_ical_url = fields.Char(
        string="Calendar feed URL",
        compute="_compute_accountancy_ical_url",
        compute_sudo=True,
        help="Subscribe to this address in Outlook, Google Calendar or on your "
        "phone to see your Odoo meetings there (read-only). Anyone who has the "
        "address can read your meetings: keep it secret, renew it when it has "
        "leaked.",
    )

    accountancy_ical_active = fields.Boolean(
        string="Has a calendar feed",
        compute="_compute_accountancy_ical_active",
        compute_sudo=True,
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("accountancy_ical_token")
    @api.depends_context("uid")
    def _compute_accountancy_ical_url(self):
        uid = self.env.uid
        for user in self:
            token = user.accountancy_ical_token if user.id == uid else False
            user.accountancy_ical_url = (
                user.get_base_url() + ICAL_FEED_PATH % token if token else False
            )

    @api.depends("accountancy_ical_token")
    def _compute_accountancy_ical_active(self):
        for user in self:
            user.accountancy_ical_active = bool(user.accountancy_ical_token)

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + [
            "accountancy_ical_url",
            "accountancy_ical_active",
        ]

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_accountancy_ical_renew(self):
        """Give the user a new secret feed address; the old one stops working."""
        self._accountancy_check_ical_owner()
        for user in self:
            # sudo: the field is for administrators; the owner check is above.
            user.sudo().accountancy_ical_token = secrets.token_urlsafe(32)
        return True

    def action_accountancy_ical_revoke(self):
        """Stop the feed: its address answers 404 from now on."""
        self._accountancy_check_ical_owner()
        self.sudo().accountancy_ical_token = False
        return True

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _accountancy_check_ical_owner(self):
        """Only the user themselves and administrators manage a feed."""
        if self.env.su or self.env.user._is_system():
            return
        if self != self.env.user or self.env.user.share:
            raise AccessError(
                self.env._(
                    "You can only create or revoke your own calendar feed. Ask an "
                    "administrator to revoke the feed of %(users)s.",
                    users=", ".join(self.mapped("name")),
                )
            )

    @api.model
    def _accountancy_ical_user(self, token):
        """The active internal user whose feed token is ``token``, else an
        empty recordset. One indexed lookup; the token is compared again in
        constant time."""
        if not token or len(token) < 32:
            return self.browse()
        # sudo: the token is the credential of a public route.
        user = self.sudo().search_fetch(
            [("accountancy_ical_token", "=", token), ("share", "=", False)],
            ["accountancy_ical_token", "lang"],
            limit=1,
        )
        if not user or not hmac.compare_digest(
            user.accountancy_ical_token.encode(), token.encode()
        ):
            return self.browse()
        # From here on everything runs as the feed's user, without sudo.
        return user.with_user(user).with_context(lang=user.lang).sudo(False)

    def _accountancy_ical_events(self):
        """The meetings of the feed: the user is an attendee (and did not
        decline) or the organizer, within the feed's window. Searched as the
        user, so that Odoo's calendar rules apply."""
        self.ensure_one()
        now = fields.Datetime.now()
        partner = self.partner_id
        return (
            self.env["calendar.event"]
            .with_user(self)
            .search(
                [
                    ("start", "<=", now + timedelta(days=ICAL_DAYS_AHEAD)),
                    ("stop", ">=", now - timedelta(days=ICAL_DAYS_BACK)),
                    "|",
                    ("user_id", "=", self.id),
                    (
                        "attendee_ids",
                        "any",
                        [("partner_id", "=", partner.id), ("state", "!=", "declined")],
                    ),
                ],
                order="start, id",
            )
        )

    def _accountancy_ical_feed(self):
        """The user's meetings as an iCalendar (RFC 5545) document, in bytes."""
        self.ensure_one()
        events = self._accountancy_ical_events()
        events.fetch(
            [
                "name",
                "start",
                "stop",
                "allday",
                "start_date",
                "stop_date",
                "location",
                "videocall_location",
                "description",
                "user_id",
                "partner_ids",
                "accountancy_partner_id",
                "show_as",
                "write_date",
            ]
        )
        # Names of attendees and relations only where the user may read them
        # (team rules on relations): one search for the whole feed.
        Partner = self.env["res.partner"].with_user(self)
        visible = Partner.search_fetch(
            [
                (
                    "id",
                    "in",
                    (
                        events.partner_ids
                        | events.accountancy_partner_id
                        | events.user_id.partner_id
                    ).ids,
                )
            ],
            ["display_name", "email"],
        )
        base_url = self.get_base_url()
        host = base_url.split("://", 1)[-1].split("/", 1)[0]
        calendar = Calendar()
        calendar.add("prodid", "-//accountancy_crm//Odoo meetings//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add(
            "x-wr-calname", self.env._("Odoo meetings of %(user)s", user=self.name)
        )
        calendar.add("x-published-ttl", "PT1H")
        for event in events:
            calendar.add_component(
                self._accountancy_ical_vevent(event, visible, base_url, host)
            )
        return calendar.to_ical()

    def _accountancy_ical_vevent(self, event, visible, base_url, host):
        vevent = Event()
        vevent.add("uid", f"calendar.event-{event.id}@{host}")
        vevent.add("dtstamp", pytz.utc.localize(event.write_date))
        vevent.add("summary", event.name or "")
        if event.allday:
            vevent.add("dtstart", event.start_date)
            vevent.add(
                "dtend", (event.stop_date or event.start_date) + timedelta(days=1)
            )
        else:
            vevent.add("dtstart", pytz.utc.localize(event.start))
            vevent.add("dtend", pytz.utc.localize(event.stop))
        if event.location or event.videocall_location:
            vevent.add("location", event.location or event.videocall_location)
        lines = []
        relation = event.accountancy_partner_id
        if relation and relation in visible:
            lines.append(
                self.env._("Relation: %(relation)s", relation=relation.display_name)
            )
        if event.videocall_location:
            lines.append(event.videocall_location)
        description = html2plaintext(event.description or "").strip()
        if description:
            lines.append(description)
        if lines:
            vevent.add("description", "\n\n".join(lines))
        vevent.add("url", f"{base_url}/odoo/calendar.event/{event.id}")
        vevent.add("transp", "TRANSPARENT" if event.show_as == "free" else "OPAQUE")
        organizer = event.user_id.partner_id
        if organizer and organizer in visible and organizer.email:
            address = vCalAddress(f"mailto:{organizer.email}")
            address.params["cn"] = vText(organizer.display_name)
            vevent.add("organizer", address, encode=0)
        for attendee in event.partner_ids & visible:
            if not attendee.email:
                continue
            address = vCalAddress(f"mailto:{attendee.email}")
            address.params["cn"] = vText(attendee.display_name)
            vevent.add("attendee", address, encode=0)
        return vevent
