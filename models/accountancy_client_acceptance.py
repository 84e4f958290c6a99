from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date

from . import protected_fields
from .access_checks import check_caller
from .concurrency import lock_rows
from .parameters import Param, get_param, int_at_least, one_of
from .window_actions import form_action

# Who may read and change the identification, UBO, PEP, sanctions and risk data
# of an acceptance, and decide on it. Other accountancy users see the status.
COMPLIANCE_GROUP = "accountancy_crm.group_compliance"
RISK_CLASSES = [("low", "Low"), ("normal", "Normal"), ("high", "High")]
DUE_DILIGENCE_LEVELS = [
    ("simplified", "Simplified"),
    ("normal", "Normal"),
    ("enhanced", "Enhanced"),
]
DUE_DILIGENCE_BY_RISK = {"low": "simplified", "normal": "normal", "high": "enhanced"}
# Months until the next review per risk class (see res.config.settings).
REVIEW_MONTHS = {
    risk_class: Param(
        f"accountancy_crm.acceptance_review_months_{risk_class}",
        months,
        int_at_least(1),
    )
    for risk_class, months in {"high": 12, "normal": 24, "low": 36}.items()
}
CHECK_RESULTS = [("no_hit", "No hit"), ("hit", "Hit")]
DECIDED_STATES = ("accepted", "rejected")
ACCEPTANCE_STATUSES = [
    ("none", "No acceptance"),
    ("pending", "Pending"),
    ("accepted", "Accepted"),
    ("overdue", "Review overdue"),
    ("rejected", "Rejected"),
]
# What a client that is not accepted (or whose review is overdue) blocks; the
# settings choose one mode per operation.
BLOCK_MODES = [
    ("none", "Do not block"),
    ("unaccepted", "Block clients without a valid acceptance"),
    ("overdue", "Also block clients whose review is overdue"),
]
BLOCK_MODE_PARAMS = {
    operation: Param(
        f"accountancy_crm.acceptance_block_{operation}", mode, one_of(BLOCK_MODES)
    )
    for operation, mode in {
        "quote_confirm": "unaccepted",
        "project_create": "none",
        "planning_tasks": "none",
    }.items()
}
# Relations the Wwft checks apply to; suppliers, institutions and partners
# outside the accountancy relations (e.g. sales demo customers) are not checked.
CHECKED_RELATION_KINDS = ("client", "prospect", "former_client")
# Wwft art. 33: keep the data 5 years after the end of the relationship.
RETENTION_YEARS = 5
# Data of the decision: frozen once the acceptance is submitted.
LOCKED_FIELDS = {
    "partner_id",
    "company_id",
    "date",
    "relationship_purpose",
    "relationship_nature",
    "representative_id",
    "client_id_method",
    "client_id_reference",
    "client_verified_by_id",
    "client_verified_on",
    "id_document_type",
    "id_document_number",
    "id_document_expiry",
    "id_document_issue_date",
    "id_document_issue_place",
    "representative_birthdate",
    "id_verified_by_id",
    "id_verified_on",
    "ubo_ids",
    "pep_check_result",
    "pep_checked_on",
    "pep_checked_by_id",
    "sanctions_check_result",
    "sanctions_checked_on",
    "sanctions_checked_by_id",
    "risk_class",
    "decision",
    "decision_reason",
}
# Set by the workflow actions (after their checks), the review job and the
# computes only, as superuser (see protected_fields): {field: allowed on create}.
# A draft is what a new acceptance is anyway.
WORKFLOW_FIELDS = {
    "state": ("draft",),
    "prepared_by_id": (),
    "prepared_on": (),
    "approved_by_id": (),
    "approved_on": (),
    "is_review_overdue": (),
    # Computed: the client's status and the Wwft retention follow from them.
    "is_current": (),
    "retention_until": (),
}
# Fields without read restriction that only compliance officers may change: a
# later review date or another decision would undo the blocking.
COMPLIANCE_WRITE_FIELDS = {"next_review_date", "decision"}


class AccountancyClientAcceptance(models.Model):
    """Client due diligence under the Wwft (anti-money laundering act): the
    identification of the client, its representative and its ultimate beneficial
    owners, the PEP and sanctions checks, the risk class and the decision, with
    four eyes. A client has a history of acceptances; its latest decided one
    (``is_current``) gives its status."""

    _name = "accountancy.client.acceptance"
    _description = "Client acceptance (Wwft)"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        # Wwft retention: the file of a client must survive the client card.
        ondelete="restrict",
        index=True,
        tracking=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("to_approve", "To approve"),
            ("accepted", "Accepted"),
            ("rejected", "Rejected"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    date = fields.Date(
        string="Acceptance date",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Date of the due diligence; the next review is counted from it.",
    )
    is_current = fields.Boolean(
        compute="_compute_is_current",
        store=True,
        index=True,
        help="The latest decided acceptance of the client in this company: it "
        "gives the client's acceptance status.",
    )
    relationship_purpose = fields.Text(
        string="Purpose of the relationship",
        help="Why the client engages the firm, e.g. annual accounts and tax returns.",
    )
    relationship_nature = fields.Text(
        string="Nature of the relationship",
        help="What the firm does for the client, how often, and the expected "
        "flows of money and information.",
    )
    representative_id = fields.Many2one(
        "res.partner",
        domain="[('is_company', '=', False)]",
        help="The natural person who represents the client towards the firm.",
    )
    # Identification of the client
    client_id_method = fields.Selection(
        [
            ("kvk_extract", "KvK extract"),
            ("id_document", "ID document (natural person)"),
            ("other", "Other reliable source"),
        ],
        string="Client identified by",
        groups=COMPLIANCE_GROUP,
    )
    client_id_reference = fields.Char(
        string="Identification reference",
        groups=COMPLIANCE_GROUP,
        help="E.g. the date and number of the KvK extract.",
    )
    client_verified_by_id = fields.Many2one(
        "res.users", string="Client verified by", groups=COMPLIANCE_GROUP
    )
    client_verified_on = fields.Date(groups=COMPLIANCE_GROUP)
    # Identification of the representative
    id_document_type = fields.Selection(
        [
            ("passport", "Passport"),
            ("id_card", "Identity card"),
            ("driving_licence", "Driving licence"),
            ("residence_permit", "Residence permit"),
        ],
        string="ID document type",
        groups=COMPLIANCE_GROUP,
    )
    id_document_number = fields.Char(
        string="ID document number", groups=COMPLIANCE_GROUP, copy=False
    )
    id_document_expiry = fields.Date(
        string="ID document expiry date", groups=COMPLIANCE_GROUP, copy=False
    )
    id_document_issue_date = fields.Date(
        string="ID document issued on", groups=COMPLIANCE_GROUP, copy=False
    )
    id_document_issue_place = fields.Char(
        string="ID document issued at", groups=COMPLIANCE_GROUP, copy=False
    )
    representative_birthdate = fields.Date(
        string="Representative's date of birth", groups=COMPLIANCE_GROUP
    )
    id_verified_by_id = fields.Many2one(
        "res.users", string="ID verified by", groups=COMPLIANCE_GROUP, copy=False
    )
    id_verified_on = fields.Date(
        string="ID verified on", groups=COMPLIANCE_GROUP, copy=False
    )
    # Ultimate beneficial owners
    ubo_ids = fields.One2many(
        "accountancy.client.acceptance.ubo",
        "acceptance_id",
        string="Ultimate beneficial owners",
        groups=COMPLIANCE_GROUP,
        copy=True,
    )
    ubo_interest_total = fields.Float(
        string="Total interest of the UBOs (%)",
        compute="_compute_ubo_interest",
        store=True,
        groups=COMPLIANCE_GROUP,
    )
    ubo_interest_exceeded = fields.Boolean(
        string="UBO interests above 100 %",
        compute="_compute_ubo_interest",
        store=True,
        groups=COMPLIANCE_GROUP,
        help="The stated interests of the UBOs add up to more than 100 %: check "
        "the ownership structure.",
    )
    # Checks
    pep_check_result = fields.Selection(
        CHECK_RESULTS,
        string="PEP check",
        groups=COMPLIANCE_GROUP,
        tracking=True,
        help="Whether the client, its representative or a UBO is a politically "
        "exposed person.",
    )
    pep_checked_on = fields.Date(string="PEP checked on", groups=COMPLIANCE_GROUP)
    pep_checked_by_id = fields.Many2one(
        "res.users", string="PEP checked by", groups=COMPLIANCE_GROUP
    )
    sanctions_check_result = fields.Selection(
        CHECK_RESULTS,
        string="Sanctions check",
        groups=COMPLIANCE_GROUP,
        tracking=True,
        help="Result of the check against the EU and national sanctions lists.",
    )
    sanctions_checked_on = fields.Date(groups=COMPLIANCE_GROUP)
    sanctions_checked_by_id = fields.Many2one(
        "res.users", string="Sanctions checked by", groups=COMPLIANCE_GROUP
    )
    is_pep = fields.Boolean(
        string="PEP involved",
        compute="_compute_is_pep",
        store=True,
        groups=COMPLIANCE_GROUP,
    )
    has_high_risk_country = fields.Boolean(
        string="High-risk country involved",
        compute="_compute_has_high_risk_country",
        store=True,
        groups=COMPLIANCE_GROUP,
        help="The client, its representative or a UBO is established in a country "
        "marked as high-risk (Countries, or the accountancy settings).",
    )
    # Risk
    risk_class = fields.Selection(RISK_CLASSES, groups=COMPLIANCE_GROUP, tracking=True)
    due_diligence_level = fields.Selection(
        DUE_DILIGENCE_LEVELS,
        compute="_compute_due_diligence_level",
        store=True,
        groups=COMPLIANCE_GROUP,
        help="Follows the risk class; a PEP or a high-risk country always calls "
        "for enhanced due diligence.",
    )
    # Decision
    decision = fields.Selection(
        [("accept", "Accept"), ("reject", "Reject")],
        string="Proposed decision",
        tracking=True,
    )
    decision_reason = fields.Text(groups=COMPLIANCE_GROUP)
    prepared_by_id = fields.Many2one(
        "res.users", readonly=True, copy=False, tracking=True
    )
    prepared_on = fields.Datetime(readonly=True, copy=False)
    approved_by_id = fields.Many2one(
        "res.users", string="Decided by", readonly=True, copy=False, tracking=True
    )
    approved_on = fields.Datetime(string="Decided on", readonly=True, copy=False)
    # Whom automation rules give the to-dos that follow a decision.
    manager_user_id = fields.Many2one(
        related="partner_id.accountancy_manager_user_id",
        string="Relationship manager user",
    )
    # Review and retention
    next_review_date = fields.Date(
        compute="_compute_next_review_date",
        store=True,
        readonly=False,
        copy=False,
        tracking=True,
        help="From the acceptance date and the months of the risk class in the "
        "settings; may be set earlier by hand.",
    )
    is_review_overdue = fields.Boolean(
        string="Review overdue",
        readonly=True,
        copy=False,
        help="Set by the daily review job when the review date has come.",
    )
    document_ids = fields.One2many(
        "accountancy.acceptance.document",
        "acceptance_id",
        string="Documents",
        groups=COMPLIANCE_GROUP,
    )
    document_count = fields.Integer(
        compute="_compute_document_count", groups=COMPLIANCE_GROUP
    )
    retention_until = fields.Date(
        string="Keep until",
        compute="_compute_retention_until",
        store=True,
        help="The file must be kept 5 years after the end of the relationship; "
        "empty while the relationship lasts.",
    )

    @api.depends("partner_id", "date")
    def _compute_display_name(self):
        for acceptance in self:
            acceptance.display_name = self.env._(
                "Acceptance %(client)s %(date)s",
                client=acceptance.partner_id.display_name or "",
                date=format_date(self.env, acceptance.date),
            )

    @api.depends(
        "state",
        "date",
        "partner_id",
        "company_id",
        "partner_id.acceptance_ids.state",
        "partner_id.acceptance_ids.date",
    )
    def _compute_is_current(self):
        saved = self.filtered(lambda a: isinstance(a.id, int))
        latest = {}
        # One current acceptance per client and company: two acceptances of a
        # client decided at the same moment would each see only itself. The
        # second one waits here and is retried with the first one in view (see
        # concurrency.lock_rows).
        lock_rows(saved.filtered(lambda a: a.state in DECIDED_STATES).partner_id)
        if saved:
            # One query for the batch; ordered so that the first one seen per
            # client and company is the latest decided one.
            for acceptance in self.search_fetch(
                [
                    ("partner_id", "in", saved.partner_id.ids),
                    ("state", "in", DECIDED_STATES),
                ],
                ["partner_id", "company_id"],
                order="date desc, id desc",
            ):
                key = (acceptance.partner_id.id, acceptance.company_id.id)
                latest.setdefault(key, acceptance.id)
        for acceptance in self:
            key = (acceptance.partner_id.id, acceptance.company_id.id)
            acceptance.is_current = (
                acceptance.state in DECIDED_STATES and latest.get(key) == acceptance.id
            )

    @api.depends("ubo_ids.interest_percentage")
    def _compute_ubo_interest(self):
        for acceptance in self:
            total = sum(acceptance.ubo_ids.mapped("interest_percentage"))
            acceptance.ubo_interest_total = total
            acceptance.ubo_interest_exceeded = total > 100.0

    @api.depends("pep_check_result", "ubo_ids.is_pep")
    def _compute_is_pep(self):
        for acceptance in self:
            acceptance.is_pep = acceptance.pep_check_result == "hit" or any(
                acceptance.ubo_ids.mapped("is_pep")
            )

    @api.depends(
        "partner_id.country_id.accountancy_high_risk",
        "representative_id.country_id.accountancy_high_risk",
        "ubo_ids.country_id.accountancy_high_risk",
    )
    def _compute_has_high_risk_country(self):
        for acceptance in self:
            countries = (
                acceptance.partner_id.country_id
                | acceptance.representative_id.country_id
                | acceptance.ubo_ids.country_id
            )
            acceptance.has_high_risk_country = any(
                countries.mapped("accountancy_high_risk")
            )

    @api.depends("risk_class", "is_pep", "has_high_risk_country")
    def _compute_due_diligence_level(self):
        for acceptance in self:
            if acceptance.is_pep or acceptance.has_high_risk_country:
                acceptance.due_diligence_level = "enhanced"
            else:
                acceptance.due_diligence_level = DUE_DILIGENCE_BY_RISK.get(
                    acceptance.risk_class, False
                )

    @api.depends("date", "risk_class")
    def _compute_next_review_date(self):
        months = self._review_months()
        for acceptance in self:
            if acceptance.date and acceptance.risk_class:
                acceptance.next_review_date = acceptance.date + relativedelta(
                    months=months[acceptance.risk_class]
                )
            else:
                acceptance.next_review_date = False

    def _compute_document_count(self):
        counts = dict(
            self.env["accountancy.acceptance.document"]._read_group(
                [("acceptance_id", "in", self.ids)], ["acceptance_id"], ["__count"]
            )
        )
        for acceptance in self:
            acceptance.document_count = counts.get(acceptance, 0)

    @api.depends("partner_id.relation_end_date")
    def _compute_retention_until(self):
        for acceptance in self:
            end = acceptance.partner_id.relation_end_date
            acceptance.retention_until = (
                end + relativedelta(years=RETENTION_YEARS) if end else False
            )

    @api.constrains("date", "next_review_date")
    def _check_next_review_date(self):
        for acceptance in self:
            if acceptance.next_review_date and acceptance.next_review_date < (
                acceptance.date
            ):
                raise ValidationError(
                    self.env._(
                        "The next review date %(review)s of %(acceptance)s is before "
                        "its acceptance date %(date)s: choose a review date on or "
                        "after the acceptance date.",
                        review=format_date(self.env, acceptance.next_review_date),
                        acceptance=acceptance.display_name,
                        date=format_date(self.env, acceptance.date),
                    )
                )

    @api.constrains("id_document_expiry", "id_verified_on", "id_document_issue_date")
    def _check_id_document_dates(self):
        for acceptance in self:
            expiry = acceptance.id_document_expiry
            verified = acceptance.id_verified_on
            issued = acceptance.id_document_issue_date
            if expiry and verified and expiry < verified:
                raise ValidationError(
                    self.env._(
                        "The ID document of %(acceptance)s expired on %(expiry)s, "
                        "before it was verified on %(verified)s: an expired "
                        "document does not identify anyone. Ask for a valid ID "
                        "document and record that one.",
                        acceptance=acceptance.display_name,
                        expiry=expiry,
                        verified=verified,
                    )
                )
            if expiry and issued and issued > expiry:
                raise ValidationError(
                    self.env._(
                        "The ID document of %(acceptance)s is issued on %(issued)s, "
                        "after its expiry date %(expiry)s: check both dates.",
                        acceptance=acceptance.display_name,
                        issued=issued,
                        expiry=expiry,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        protected_fields.check_create(self, vals_list, WORKFLOW_FIELDS)
        self._check_protected_fields(protected_fields.create_values(self, vals_list))
        return super().create(vals_list)

    def write(self, vals):
        protected_fields.check_write(self, vals, WORKFLOW_FIELDS)
        self._check_protected_fields(set(vals))
        if LOCKED_FIELDS.intersection(vals):
            frozen = self.filtered(lambda a: a.state != "draft")
            if frozen:
                raise UserError(
                    self.env._(
                        "%(acceptance)s is %(state)s: its data can no longer be "
                        "changed. Send it back to draft if it is still to approve, "
                        "or start a new review.",
                        acceptance=frozen[0].display_name,
                        state=dict(
                            self._fields["state"]._description_selection(self.env)
                        )[frozen[0].state],
                    )
                )
        if vals.get("next_review_date"):
            # A review date moved to the future clears the overdue mark.
            today = fields.Date.context_today(self)
            if fields.Date.to_date(vals["next_review_date"]) > today:
                vals = dict(vals, is_review_overdue=False)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        decided = self.filtered(lambda a: a.state != "draft")
        if decided:
            raise UserError(
                self.env._(
                    "%(acceptance)s cannot be deleted: a submitted or decided "
                    "acceptance is part of the client file, which must be kept 5 "
                    "years after the relationship ends.",
                    acceptance=decided[0].display_name,
                )
            )

    @api.model
    def _check_protected_fields(self, fnames):
        if self.env.su:
            return
        self.check_field_access_rights("write", sorted(fnames))
        if COMPLIANCE_WRITE_FIELDS.intersection(fnames) and not (
            self.env.user.has_group(COMPLIANCE_GROUP)
        ):
            raise AccessError(
                self.env._(
                    "Only compliance officers may set the decision or the review "
                    "date of a client acceptance. Ask one of them: %(officers)s.",
                    officers=", ".join(self._compliance_officers().mapped("name"))
                    or self.env._("none, ask an administrator to appoint one"),
                )
            )

    def action_submit(self):
        """The preparer hands the acceptance over for approval (four eyes)."""
        self._check_compliance_officer(self.env._("prepare a client acceptance"))
        for acceptance in self:
            acceptance._check_ready_to_submit()
        self.sudo().write(
            {
                "state": "to_approve",
                "prepared_by_id": self.env.uid,
                "prepared_on": fields.Datetime.now(),
            }
        )
        return True

    def action_approve(self):
        """A second compliance officer confirms the proposed decision."""
        self._check_compliance_officer(self.env._("approve a client acceptance"))
        for acceptance in self:
            if acceptance.state != "to_approve":
                raise UserError(
                    self.env._(
                        "%(acceptance)s is not waiting for approval: submit it first.",
                        acceptance=acceptance.display_name,
                    )
                )
            if acceptance.prepared_by_id == self.env.user:
                others = self._compliance_officers() - self.env.user
                raise UserError(
                    self.env._(
                        "You prepared %(acceptance)s, so you cannot approve it "
                        "(four-eyes principle). Ask another compliance officer: "
                        "%(officers)s.",
                        acceptance=acceptance.display_name,
                        officers=", ".join(others.mapped("name"))
                        or self.env._("none, ask an administrator to appoint one"),
                    )
                )
        now = fields.Datetime.now()
        for decision, state in (("accept", "accepted"), ("reject", "rejected")):
            batch = self.filtered(lambda a, d=decision: a.decision == d)
            batch.sudo().write(
                {
                    "state": state,
                    "approved_by_id": self.env.uid,
                    "approved_on": now,
                }
            )
        # The earlier acceptances of these clients are reviewed now.
        previous = self.search(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("id", "not in", self.ids),
                ("activity_ids", "!=", False),
            ]
        )
        previous.activity_feedback(
            ["accountancy_crm.mail_activity_type_acceptance_review"],
            feedback=self.env._("Reviewed by a new client acceptance."),
        )
        return True

    def action_reset_to_draft(self):
        """Send an acceptance waiting for approval back to its preparer."""
        self._check_compliance_officer(self.env._("send a client acceptance back"))
        if self.filtered(lambda a: a.state != "to_approve"):
            raise UserError(
                self.env._(
                    "Only acceptances waiting for approval can go back to draft; a "
                    "decided acceptance stays as it is: start a new review instead."
                )
            )
        self.sudo().write(
            {"state": "draft", "prepared_by_id": False, "prepared_on": False}
        )
        return True

    def action_new_review(self):
        """Start the periodic review: a new draft with the data of this one."""
        self.ensure_one()
        self._check_compliance_officer(self.env._("start a review"))
        review = self.copy({"date": fields.Date.context_today(self)})
        return form_action(self._name, review.id)

    def action_view_documents(self):
        check_caller(self, "read")
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Documents"),
            "res_model": "accountancy.acceptance.document",
            "view_mode": "list,form",
            "domain": [("acceptance_id", "=", self.id)],
            "context": {"default_acceptance_id": self.id},
        }

    def _check_ready_to_submit(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(
                self.env._(
                    "%(acceptance)s has already been submitted.",
                    acceptance=self.display_name,
                )
            )
        missing = [
            self._fields[fname]._description_string(self.env)
            for fname in (
                "relationship_purpose",
                "relationship_nature",
                "pep_check_result",
                "sanctions_check_result",
                "risk_class",
                "decision",
            )
            if not self[fname]
        ]
        if self.decision == "reject" and not self.decision_reason:
            missing.append(
                self._fields["decision_reason"]._description_string(self.env)
            )
        if missing:
            raise UserError(
                self.env._(
                    "Fill in %(fields)s before submitting %(acceptance)s.",
                    fields=", ".join(missing),
                    acceptance=self.display_name,
                )
            )
        if self.decision == "accept" and self.sanctions_check_result == "hit":
            raise UserError(
                self.env._(
                    "%(acceptance)s has a hit in the sanctions check: such a client "
                    "cannot be accepted. Propose to reject it, or record the check "
                    "again if the hit was a false positive.",
                    acceptance=self.display_name,
                )
            )

    @api.model
    def _compliance_officers(self):
        """Active internal users of the Compliance group."""
        group = self.env.ref(COMPLIANCE_GROUP)
        # Names of colleagues only, to tell the user whom to ask.
        return group.sudo().users.filtered(lambda u: u.active and not u.share)

    @api.model
    def _check_compliance_officer(self, what):
        if not self.env.user.has_group(COMPLIANCE_GROUP):
            raise UserError(
                self.env._(
                    "Only compliance officers may %(what)s. Ask one of them: "
                    "%(officers)s.",
                    what=what,
                    officers=", ".join(self._compliance_officers().mapped("name"))
                    or self.env._("none, ask an administrator to appoint one"),
                )
            )

    @api.model
    def _review_months(self):
        """Months until the next review per risk class, from the settings."""
        return {
            risk_class: get_param(self.env, param)
            for risk_class, param in REVIEW_MONTHS.items()
        }

    @api.model
    def _block_mode(self, operation):
        return get_param(self.env, BLOCK_MODE_PARAMS[operation])

    @api.model
    def _status_by_partner(self, partner_ids):
        """{partner id: acceptance status} in the current company, for the status
        on the relation card and the blocking checks. One query. Runs as
        superuser: a status is not sensitive, and quotes are confirmed by sales
        users who have no access to the acceptances themselves."""
        today = fields.Date.context_today(self)
        status = dict.fromkeys(partner_ids, "none")
        acceptances = self.sudo().search_fetch(
            [
                ("partner_id", "in", list(partner_ids)),
                ("company_id", "=", self.env.company.id),
                "|",
                ("is_current", "=", True),
                ("state", "in", ("draft", "to_approve")),
            ],
            [
                "partner_id",
                "state",
                "is_current",
                "next_review_date",
                "is_review_overdue",
            ],
        )
        for acceptance in acceptances:
            pid = acceptance.partner_id.id
            if not acceptance.is_current:
                if status[pid] == "none":
                    status[pid] = "pending"
            elif acceptance.state == "rejected":
                status[pid] = "rejected"
            elif acceptance.is_review_overdue or (
                acceptance.next_review_date and acceptance.next_review_date <= today
            ):
                status[pid] = "overdue"
            else:
                status[pid] = "accepted"
        return status

    @api.model
    def _check_partners(self, partners, operation):
        """Raise a UserError when the settings block ``operation`` for one of
        ``partners`` (see res.partner._accountancy_check_acceptance)."""
        mode = self._block_mode(operation)
        if mode == "none":
            return True
        clients = partners.commercial_partner_id.filtered(
            lambda p: p.relation_kind in CHECKED_RELATION_KINDS
        )
        if not clients:
            return True
        allowed = {"accepted", "overdue"} if mode == "unaccepted" else {"accepted"}
        status = self._status_by_partner(clients.ids)
        blocked = clients.filtered(lambda p: status[p.id] not in allowed)
        if not blocked:
            return True
        labels = dict(
            self.env["res.partner"]
            ._fields["acceptance_state"]
            ._description_selection(self.env)
        )
        operations = {
            "quote_confirm": self.env._("confirm a quotation"),
            "project_create": self.env._("create a project"),
            "planning_tasks": self.env._("generate planning tasks"),
        }
        raise UserError(
            self.env._(
                "You cannot %(operation)s for %(clients)s: the client acceptance "
                "(Wwft) is %(status)s. A valid, approved client acceptance is "
                "required first; the compliance officers can resolve this: "
                "%(officers)s.",
                operation=operations.get(operation, operation),
                clients=", ".join(blocked.mapped("display_name")),
                status=", ".join(
                    sorted({labels[status[p.id]].lower() for p in blocked})
                ),
                officers=", ".join(self._compliance_officers().mapped("name"))
                or self.env._("none, ask an administrator to appoint one"),
            )
        )

    @api.model
    def _cron_acceptance_review(self, batch_size=500):
        """Give the relationship manager a review activity for each current
        acceptance whose review date has come, and mark it overdue. Marked
        acceptances are not picked again, so a second run adds nothing. One batch
        per call, a fixed number of queries per batch; the cron runner calls again
        while some remain."""
        today = fields.Date.context_today(self)
        domain = [
            ("is_current", "=", True),
            ("state", "=", "accepted"),
            ("is_review_overdue", "=", False),
            ("next_review_date", "<=", today),
        ]
        due = self.search(domain, order="next_review_date, id", limit=batch_size)
        if not due:
            return
        remaining = self.search_count(domain) - len(due)
        activity_type = self.env.ref(
            "accountancy_crm.mail_activity_type_acceptance_review"
        )
        open_ids = set(
            self.env["mail.activity"]
            .search_fetch(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", due.ids),
                    ("activity_type_id", "=", activity_type.id),
                ],
                ["res_id"],
            )
            .mapped("res_id")
        )
        manager_user = due.partner_id._accountancy_manager_users(today.year)
        model_id = self.env["ir.model"]._get_id(self._name)
        # mail.activity stores the display name of its record: read them in batch
        due.mapped("display_name")
        vals_list = []
        for acceptance in due:
            if acceptance.id in open_ids:
                continue
            user = manager_user.get(acceptance.partner_id.id) or (
                acceptance.prepared_by_id
            )
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": acceptance.id,
                    "activity_type_id": activity_type.id,
                    "summary": self.env._("Review the client acceptance"),
                    "note": self.env._(
                        "The Wwft review of %(client)s was due on %(date)s: start "
                        "a new review with the compliance officers.",
                        client=acceptance.partner_id.display_name,
                        date=format_date(self.env, acceptance.next_review_date),
                    ),
                    "date_deadline": max(acceptance.next_review_date, today),
                    "user_id": (user or self.env.user).id,
                    "automated": True,
                }
            )
        # quick update: no notification e-mail per activity.
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
            vals_list
        )
        # sudo: a workflow field (see WORKFLOW_FIELDS), whoever runs the job.
        due.sudo().write({"is_review_overdue": True})
        self.env["ir.cron"]._notify_progress(done=len(due), remaining=remaining)
