import secrets
from urllib.parse import urlsplit

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from .access_checks import check_caller
from .res_partner import RELATION_KINDS
from .window_actions import records_of

# Relation kinds an endpoint receives: one boolean per kind of
# res.partner.relation_kind, plus one for relations without a kind.
NO_KIND = "no_kind"
MIN_SECRET_LENGTH = 16


def kind_field(kind):
    """Name of the endpoint boolean for a relation kind (False: no kind)."""
    return f"sync_{kind or NO_KIND}"


KIND_FIELDS = [kind_field(kind) for kind, _label in RELATION_KINDS] + [
    kind_field(False)
]


class AccountancySyncEndpoint(models.Model):
    """A system that receives the changes of relations as signed JSON POSTs
    (webhooks); see accountancy.sync.message for the queue."""

    _name = "accountancy.sync.endpoint"
    _description = "Sync endpoint"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    url = fields.Char(
        string="URL",
        required=True,
        help="Address that receives the changes as HTTP POST requests with a JSON "
        "body, e.g. https://erp.example.nl/hooks/relations.",
    )
    # The shared secret is never read back through the ORM (groups "." is
    # nobody; the signing reads it with sudo): the form shows whether one is
    # set, new_secret replaces it, and action_generate_secret shows a new
    # random one once to the manager who asked for it.
    secret = fields.Char(
        required=True,
        copy=False,
        groups=".",
        default=lambda self: secrets.token_hex(32),
        help="Shared secret: every request carries the header "
        "X-Accountancy-Signature: sha256=<HMAC-SHA256 of the body with this "
        "secret, in hex>, so that the receiver can check that it comes from us. "
        "At least 16 characters.",
    )
    secret_set = fields.Boolean(
        string="Secret set", compute="_compute_secret_set", compute_sudo=True
    )
    new_secret = fields.Char(
        compute="_compute_new_secret",
        inverse="_inverse_new_secret",
        help="Enter the secret agreed with the receiving system to replace the "
        "stored one (at least 16 characters); it is not shown again.",
    )
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        index=True,
        help="Only relations of this company (and relations shared by all "
        "companies) are sent. Leave empty to send the relations of every company.",
    )
    # One boolean per relation kind (RELATION_KINDS of res.partner): explicit,
    # searchable and shown as check boxes; test_sync checks that every kind
    # has one.
    sync_client = fields.Boolean(string="Clients", default=True)
    sync_prospect = fields.Boolean(string="Prospects", default=True)
    sync_former_client = fields.Boolean(string="Former clients", default=True)
    sync_supplier = fields.Boolean(string="Suppliers")
    sync_institution = fields.Boolean(string="Institutions")
    sync_other = fields.Boolean(string="Other relations")
    sync_no_kind = fields.Boolean(
        string="Relations without kind",
        help="Relations whose relation kind is empty.",
    )
    message_ids = fields.One2many(
        "accountancy.sync.message", "endpoint_id", string="Messages"
    )
    queued_count = fields.Integer(compute="_compute_message_counts", string="Queued")
    failed_count = fields.Integer(compute="_compute_message_counts", string="Failed")
    done_count = fields.Integer(compute="_compute_message_counts", string="Delivered")

    @api.depends("message_ids.state")
    def _compute_message_counts(self):
        counts = {
            (endpoint.id, state): count
            for endpoint, state, count in self.env[
                "accountancy.sync.message"
            ]._read_group(
                [("endpoint_id", "in", self.ids)],
                ["endpoint_id", "state"],
                ["__count"],
            )
        }
        for endpoint in self:
            endpoint.queued_count = counts.get((endpoint.id, "queued"), 0)
            endpoint.failed_count = counts.get((endpoint.id, "failed"), 0)
            endpoint.done_count = counts.get((endpoint.id, "done"), 0)

    @api.depends("secret")
    def _compute_secret_set(self):
        for endpoint in self:
            endpoint.secret_set = bool(endpoint.secret)

    def _compute_new_secret(self):
        self.new_secret = False

    def _inverse_new_secret(self):
        # Endpoints are managers' records (access rights); the secret field
        # itself is nobody's, so it is written with sudo once they may write.
        self.check_access("write")
        for endpoint in self.filtered("new_secret"):
            endpoint.sudo().secret = endpoint.new_secret.strip()

    @api.constrains("url")
    def _check_url(self):
        for endpoint in self:
            parts = urlsplit((endpoint.url or "").strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValidationError(
                    self.env._(
                        "The URL of sync endpoint %(name)s must be a web address "
                        "starting with https:// (or http://), e.g. "
                        "https://erp.example.nl/hooks/relations; found: %(url)s.",
                        name=endpoint.name,
                        url=endpoint.url,
                    )
                )

    @api.constrains("secret")
    def _check_secret(self):
        for endpoint in self.sudo():
            if len((endpoint.secret or "").strip()) < MIN_SECRET_LENGTH:
                raise ValidationError(
                    self.env._(
                        "The secret of sync endpoint %(name)s must be at least "
                        "%(length)s characters long; use a long random text and "
                        "give the same secret to the receiving system.",
                        name=endpoint.name,
                        length=MIN_SECRET_LENGTH,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        endpoints = super().create(vals_list)
        self.env.registry.clear_cache()  # _sync_routes
        return endpoints

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()  # _sync_routes
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()  # _sync_routes
        return result

    def action_view_messages(self):
        check_caller(self, "read")
        self.ensure_one()
        action = records_of(
            self.env,
            "accountancy_crm.accountancy_sync_message_action",
            "endpoint_id",
            self,
        )
        state = self.env.context.get("sync_message_state")
        if state:
            action["domain"].append(("state", "=", state))
        return action

    def action_generate_secret(self):
        """Give the endpoint a new random secret and show it once, to the
        manager who asked for it, to give to the receiving system."""
        self.ensure_one()
        self.check_access("write")
        secret = secrets.token_hex(32)
        self.sudo().secret = secret
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("New secret of %(name)s", name=self.name),
                "message": self.env._(
                    "Give this secret to the receiving system now: it is not "
                    "shown again. %(secret)s",
                    secret=secret,
                ),
                "sticky": True,
                "type": "warning",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    @tools.ormcache()
    def _sync_routes(self):
        """The active endpoints as ``(id, company id or False, frozenset of
        kinds)``; cached, because every save of a relation asks for it. The
        kinds are the relation_kind keys, False standing for no kind."""
        # sudo: the routes are needed whoever saves a relation; only ids and
        # kinds are returned, never shown.
        endpoints = (
            self.sudo()
            .with_context(active_test=True)
            .search_fetch([], ["company_id", *KIND_FIELDS], order="id")
        )
        kinds = [kind for kind, _label in RELATION_KINDS] + [False]
        return tuple(
            (
                endpoint.id,
                endpoint.company_id.id,
                frozenset(kind for kind in kinds if endpoint[kind_field(kind)]),
            )
            for endpoint in endpoints
        )
