"""The queue of outgoing relation changes: one message per endpoint and change,
written in the transaction of the change and delivered later by a cron as a
signed JSON POST (see the README, "Outgoing relation changes")."""

import hashlib
import hmac
import json
import logging
import uuid
from datetime import datetime, timedelta, timezone

import requests

from odoo import api, fields, models

from .parameters import Param, get_param, number_between

_logger = logging.getLogger(__name__)

PAYLOAD_VERSION = 1
MIN_TIMEOUT = 1
MAX_TIMEOUT = 60
MAX_MAX_ATTEMPTS = 50
SYNC_MAX_ATTEMPTS = Param(
    "accountancy_crm.sync_max_attempts",
    8,
    number_between(int, 1, MAX_MAX_ATTEMPTS, clamp=True),
)
SYNC_TIMEOUT = Param(
    "accountancy_crm.sync_timeout",
    10,
    number_between(float, MIN_TIMEOUT, MAX_TIMEOUT, clamp=True),
)
# Exponential back-off: 2, 4, 8... minutes after the 1st, 2nd, 3rd... failed
# attempt, at most 6 hours.
BACKOFF_BASE = timedelta(minutes=2)
BACKOFF_MAX = timedelta(hours=6)
BATCH_SIZE = 20
# Answers worth trying again; any other status outside 2xx fails at once.
RETRY_STATUSES = {408, 429}
ERROR_LENGTH = 500
DONE_KEEP_DAYS = 90

# Fields of res.partner whose change is sent, with their name in the payload's
# "changed_fields".
SYNC_FIELDS = {
    "name": "name",
    "is_company": "is_company",
    "relation_kind": "relation_kind",
    "active": "active",
    "debtor_number": "debtor_number",
    "ref": "reference",
    "company_registry": "kvk_number",
    "kvk_branch_number": "kvk_branch_number",
    "vat": "vat",
    "legal_form": "legal_form",
    "client_group_id": "client_group",
    "street": "address.street",
    "street2": "address.street2",
    "zip": "address.zip",
    "city": "address.city",
    "country_id": "address.country_code",
    "email": "email",
    "phone": "phone",
    "mobile": "mobile",
    "company_id": "company",
}
PAYLOAD_FIELDS = [*SYNC_FIELDS, "commercial_partner_id"]


def _utc_iso(value):
    """ISO 8601 in UTC with a Z, as receivers parse it everywhere."""
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


class AccountancySyncMessage(models.Model):
    _name = "accountancy.sync.message"
    _description = "Sync message"
    _order = "id desc"
    _check_company_auto = True

    endpoint_id = fields.Many2one(
        "accountancy.sync.endpoint",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one(
        related="endpoint_id.company_id", store=True, precompute=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Relation",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )
    event = fields.Selection(
        [
            ("created", "Created"),
            ("updated", "Updated"),
            ("archived", "Archived"),
            ("unarchived", "Unarchived"),
        ],
        required=True,
        readonly=True,
    )
    changed_fields = fields.Char(
        readonly=True, help="Fields of the payload that changed, comma-separated."
    )
    uuid = fields.Char(
        string="Delivery ID",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: str(uuid.uuid4()),
        help="Sent in the X-Accountancy-Delivery header and in the payload; the "
        "same on every attempt, so that the receiver can ignore a repeated "
        "delivery.",
    )
    payload = fields.Text(
        readonly=True,
        help="The exact JSON body that is sent, built when the relation was saved.",
    )
    state = fields.Selection(
        [("queued", "Queued"), ("done", "Delivered"), ("failed", "Failed")],
        default="queued",
        required=True,
        index=True,
        readonly=True,
    )
    attempts = fields.Integer(readonly=True)
    next_attempt = fields.Datetime(
        default=fields.Datetime.now, index=True, readonly=True
    )
    last_error = fields.Text(readonly=True)
    last_status_code = fields.Integer(string="Last HTTP status", readonly=True)
    delivered_at = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("uuid_uniq", "unique(uuid)", "The delivery ID of a sync message is unique."),
    ]

    @api.depends("endpoint_id", "partner_id", "event")
    def _compute_display_name(self):
        events = dict(self._fields["event"]._description_selection(self.env))
        for message in self:
            message.display_name = " / ".join(
                filter(
                    None,
                    [
                        message.endpoint_id.name,
                        message.partner_id.display_name,
                        events.get(message.event),
                    ],
                )
            )

    @api.autovacuum
    def _gc_delivered_messages(self):
        """Delivered messages are kept for DONE_KEEP_DAYS days."""
        limit_date = fields.Datetime.now() - timedelta(days=DONE_KEEP_DAYS)
        self.sudo().search(
            [("state", "=", "done"), ("delivered_at", "<", limit_date)],
            limit=models.GC_UNLINK_LIMIT,
        ).unlink()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_retry_now(self):
        """Deliver the selected messages now (failed ones get one more try)."""
        messages = self._lock_free(self.filtered(lambda m: m.state != "done"))
        messages.filtered(lambda m: m.state == "failed").write({"state": "queued"})
        messages._deliver()
        return True

    def action_requeue(self):
        """Put failed messages back in the queue with a fresh number of tries."""
        messages = self._lock_free(self.filtered(lambda m: m.state == "failed"))
        messages.write(
            {"state": "queued", "attempts": 0, "next_attempt": fields.Datetime.now()}
        )
        self._trigger_cron()
        return True

    # ------------------------------------------------------------------
    # Queueing (called from res.partner create and write)
    # ------------------------------------------------------------------

    @api.model
    def _sync_partner_before_write(self, partners, vals):
        """What ``_sync_partner_after_write`` needs: the old values of the synced
        fields in ``vals``; None when the write cannot queue anything (no synced
        field written, or no active endpoint: then no query at all)."""
        fnames = [fname for fname in SYNC_FIELDS if fname in vals]
        if not fnames or not partners:
            return None
        routes = self.env["accountancy.sync.endpoint"]._sync_routes()
        if not routes:
            return None
        # sudo: the comparison needs the stored values whoever saves.
        partners = partners.sudo()
        partners.fetch(list({*fnames, "relation_kind"}))
        old = {
            partner.id: {fname: partner[fname] for fname in [*fnames, "relation_kind"]}
            for partner in partners
        }
        return {"fnames": fnames, "old": old, "routes": routes}

    @api.model
    def _sync_partner_after_write(self, partners, before):
        """Queue a message per endpoint for each commercial partner of which a
        synced field really changed."""
        if not before:
            return self.browse()
        changes = []
        for partner in partners.sudo():
            if partner.commercial_partner_id != partner:
                continue
            old = before["old"].get(partner.id)
            if old is None:
                continue
            changed = [
                fname for fname in before["fnames"] if partner[fname] != old[fname]
            ]
            if not changed:
                continue
            if "active" in changed:
                event = "archived" if not partner.active else "unarchived"
            else:
                event = "updated"
            changes.append((partner, event, changed, old["relation_kind"]))
        return self._sync_queue(changes, before["routes"])

    @api.model
    def _sync_partner_created(self, partners):
        """Queue a "created" message per endpoint for new commercial partners."""
        routes = self.env["accountancy.sync.endpoint"]._sync_routes()
        if not routes or not partners:
            return self.browse()
        changes = [
            (partner, "created", list(SYNC_FIELDS), partner.relation_kind)
            for partner in partners.sudo()
            if partner.commercial_partner_id == partner
        ]
        return self._sync_queue(changes, routes)

    @api.model
    def _sync_queue(self, changes, routes):
        """Create the messages of ``changes`` (partner, event, changed field
        names, relation kind before the change) in one batch."""
        vals_list = []
        now = datetime.now(timezone.utc)
        for partner, event, changed, old_kind in changes:
            kinds = {partner.relation_kind, old_kind}
            company = partner.company_id.id
            endpoint_ids = [
                endpoint_id
                for endpoint_id, endpoint_company, endpoint_kinds in routes
                if (not endpoint_company or not company or endpoint_company == company)
                and kinds & endpoint_kinds
            ]
            if not endpoint_ids:
                continue
            data = self._sync_payload_data(partner, event, changed, now)
            for endpoint_id in endpoint_ids:
                delivery = str(uuid.uuid4())
                body = {"version": PAYLOAD_VERSION, "delivery_id": delivery, **data}
                vals_list.append(
                    {
                        "endpoint_id": endpoint_id,
                        "partner_id": partner.id,
                        "event": event,
                        "changed_fields": ", ".join(data["changed_fields"]),
                        "uuid": delivery,
                        "payload": json.dumps(body, indent=2, ensure_ascii=False),
                    }
                )
        if not vals_list:
            return self.browse()
        # sudo: the queue is technical; whoever may change a relation queues its
        # change, but only managers see the queue.
        messages = self.sudo().create(vals_list)
        self._trigger_cron()
        return messages

    @api.model
    def _trigger_cron(self):
        """Wake the delivery cron up after this transaction commits."""
        try:
            cron = self.env.ref("accountancy_crm.ir_cron_sync_deliver")
        except ValueError:
            return  # deleted by someone: the changes wait in the queue
        cron.sudo()._trigger()

    @api.model
    def _sync_payload_data(self, partner, event, changed, now):
        """The payload of version 1 without version and delivery_id (which
        differ per message); documented in the README."""
        group = partner.client_group_id
        company = partner.company_id
        return {
            "event": event,
            "timestamp": _utc_iso(now),
            "changed_fields": [SYNC_FIELDS[fname] for fname in changed],
            "relation": {
                "id": partner.id,
                "name": partner.name or None,
                "is_company": partner.is_company,
                "relation_kind": partner.relation_kind or None,
                "active": partner.active,
                "debtor_number": partner.debtor_number or None,
                "reference": partner.ref or None,
                "kvk_number": partner.company_registry or None,
                "kvk_branch_number": partner.kvk_branch_number or None,
                "vat": partner.vat or None,
                "legal_form": partner.legal_form or None,
                "client_group": (
                    {"id": group.id, "code": group.code or None, "name": group.name}
                    if group
                    else None
                ),
                "address": {
                    "street": partner.street or None,
                    "street2": partner.street2 or None,
                    "zip": partner.zip or None,
                    "city": partner.city or None,
                    "country_code": partner.country_id.code or None,
                },
                "email": partner.email or None,
                "phone": partner.phone or None,
                "mobile": partner.mobile or None,
                "company": (
                    {"id": company.id, "name": company.name} if company else None
                ),
            },
        }

    # ------------------------------------------------------------------
    # Delivery
    # ------------------------------------------------------------------

    @api.model
    def _due_domain(self, now):
        return [
            ("state", "=", "queued"),
            ("next_attempt", "<=", now),
            ("endpoint_id.active", "=", True),
        ]

    @api.model
    def _cron_deliver(self, now=None, limit=BATCH_SIZE):
        """Deliver one batch of due messages. The cron runner of Odoo 18 calls
        this again (committing in between) while _notify_progress reports
        remaining ones; this method itself never commits, so tests call it."""
        now = now or fields.Datetime.now()
        self.flush_model()
        self.env["accountancy.sync.endpoint"].flush_model(["active"])
        # Raw SQL: the ORM cannot lock with SKIP LOCKED, which lets two cron
        # workers (or a "Retry now") work on different messages. A message waits
        # while an older message of the same relation to the same endpoint is
        # still queued, so that a receiver gets the changes in order.
        self.env.cr.execute(
            """
            SELECT m.id
              FROM accountancy_sync_message m
              JOIN accountancy_sync_endpoint e ON e.id = m.endpoint_id
             WHERE m.state = 'queued'
               AND m.next_attempt <= %(now)s
               AND e.active
               AND NOT EXISTS (
                   SELECT 1
                     FROM accountancy_sync_message o
                    WHERE o.endpoint_id = m.endpoint_id
                      AND o.partner_id = m.partner_id
                      AND o.state = 'queued'
                      AND o.id < m.id
               )
             ORDER BY m.id
             LIMIT %(limit)s
               FOR UPDATE OF m SKIP LOCKED
            """,
            {"now": now, "limit": limit},
        )
        messages = self.browse([row[0] for row in self.env.cr.fetchall()])
        messages._deliver(now=now)
        remaining = self.search_count(self._due_domain(now))
        self.env["ir.cron"]._notify_progress(done=len(messages), remaining=remaining)
        return messages

    def _lock_free(self, messages):
        """The ``messages`` that no other transaction (a running cron) holds,
        locked for this one."""
        if not messages:
            return messages
        messages.flush_recordset()
        # Raw SQL: row locks with SKIP LOCKED are not available in the ORM.
        self.env.cr.execute(
            """
            SELECT id FROM accountancy_sync_message
             WHERE id IN %s
               FOR UPDATE SKIP LOCKED
            """,
            [tuple(messages.ids)],
        )
        free = {row[0] for row in self.env.cr.fetchall()}
        return messages.filtered(lambda m: m.id in free)

    def _deliver(self, now=None):
        """POST each queued message of ``self`` to its endpoint and record the
        outcome. Does not commit and does not look at next_attempt: the caller
        chose the messages."""
        now = now or fields.Datetime.now()
        timeout = get_param(self.env, SYNC_TIMEOUT)
        max_attempts = get_param(self.env, SYNC_MAX_ATTEMPTS)
        # Endpoints that did not answer in this run: their other messages wait
        # for the next attempt without using up one of their tries.
        unreachable = {}
        with requests.Session() as session:
            for message in self.sudo().filtered(lambda m: m.state == "queued"):
                endpoint = message.endpoint_id
                if endpoint.id in unreachable:
                    message.write({"next_attempt": unreachable[endpoint.id]})
                    continue
                outcome = message._post(session, timeout)
                vals = {
                    "attempts": message.attempts + 1,
                    "last_status_code": outcome["status"],
                }
                if outcome["ok"]:
                    vals.update(state="done", delivered_at=now)
                else:
                    vals["last_error"] = outcome["error"]
                    if not outcome["retry"] or vals["attempts"] >= max_attempts:
                        vals["state"] = "failed"
                    else:
                        vals["next_attempt"] = now + self._backoff(
                            vals["attempts"], outcome["retry_after"]
                        )
                        if outcome["unreachable"]:
                            unreachable[endpoint.id] = vals["next_attempt"]
                message.write(vals)
                _logger.info(
                    "Sync message %s to %s: %s",
                    message.uuid,
                    endpoint.url,
                    "delivered" if outcome["ok"] else outcome["error"],
                )
        return True

    @api.model
    def _backoff(self, attempts, retry_after=None):
        delay = min(BACKOFF_BASE * 2 ** (attempts - 1), BACKOFF_MAX)
        if retry_after:
            delay = min(max(delay, timedelta(seconds=retry_after)), BACKOFF_MAX)
        return delay

    def _signature(self, body):
        return hmac.new(
            self.endpoint_id.sudo().secret.encode(), body, hashlib.sha256
        ).hexdigest()

    def _post(self, session, timeout):
        """One HTTP attempt; returns a dict ok, status, error, retry,
        retry_after (seconds), unreachable."""
        self.ensure_one()
        body = (self.payload or "").encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Odoo accountancy_crm sync",
            "X-Accountancy-Event": self.event,
            "X-Accountancy-Delivery": self.uuid,
            "X-Accountancy-Signature": "sha256=" + self._signature(body),
        }
        outcome = {
            "ok": False,
            "status": 0,
            "error": False,
            "retry": True,
            "retry_after": None,
            "unreachable": False,
        }
        try:
            response = session.post(
                self.endpoint_id.url.strip(),
                data=body,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.exceptions.Timeout:
            outcome["unreachable"] = True
            outcome["error"] = self.env._(
                "No answer within %(timeout)s seconds.", timeout=timeout
            )
            return outcome
        except requests.exceptions.RequestException as error:
            outcome["unreachable"] = True
            outcome["error"] = self.env._(
                "Connection failed: %(error)s", error=str(error)[:ERROR_LENGTH]
            )
            return outcome
        status = response.status_code
        outcome["status"] = status
        if 200 <= status < 300:
            outcome["ok"] = True
            return outcome
        outcome["retry"] = status >= 500 or status in RETRY_STATUSES
        outcome["unreachable"] = status == 429
        if response.headers.get("Retry-After", "").strip().isdigit():
            outcome["retry_after"] = int(response.headers["Retry-After"])
        outcome["error"] = self.env._(
            "HTTP %(status)s %(reason)s: %(body)s",
            status=status,
            reason=response.reason or "",
            body=(response.text or "")[:ERROR_LENGTH],
        )
        return outcome
