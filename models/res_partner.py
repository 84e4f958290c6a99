import re

from dateutil.relativedelta import relativedelta
from stdnum.nl import bsn as nl_bsn

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.misc import get_lang
from odoo.tools.translate import LazyTranslate

from . import import_bisect, protected_fields
from .access_checks import USER_GROUP, check_caller
from .accountancy_client_acceptance import ACCEPTANCE_STATUSES
from .accountancy_partner_duplicate import UNIQUE_RULES
from .record_counts import count_by
from .window_actions import dialog_action, records_action, records_of

_lt = LazyTranslate(__name__)

# Set by action_accountancy_approve and the reject wizard only (see
# protected_fields); the intake wizard enters new relations as waiting.
STATE_FIELDS = {"accountancy_state": ("to_approve",), "client_type_trend": ()}

RELATION_KINDS = [
    ("client", "Client"),
    ("prospect", "Prospect"),
    ("former_client", "Former client"),
    ("supplier", "Supplier"),
    ("institution", "Institution"),
    ("other", "Other"),
]
# This year's client type against last year's (see
# _compute_accountancy_strategy_current).
CLIENT_TYPE_TRENDS = [
    ("up", "Higher than last year"),
    ("same", "Same as last year"),
    ("down", "Lower than last year"),
]
# The customer relationship cycle (see _compute_accountancy_lifecycle_stage).
LIFECYCLE_STAGES = [
    ("prospect", "Prospect"),
    ("new_client", "New client"),
    ("loyal_client", "Loyal client"),
    ("former_client", "Former client"),
]
LEGAL_FORMS = [
    ("eenmanszaak", "Sole proprietorship (eenmanszaak)"),
    ("vof", "General partnership (vof)"),
    ("maatschap", "Professional partnership (maatschap)"),
    ("cv", "Limited partnership (cv)"),
    ("bv", "Private limited company (bv)"),
    ("nv", "Public limited company (nv)"),
    ("cooperatie", "Cooperative (coöperatie)"),
    ("owm", "Mutual insurance society (owm)"),
    ("vereniging", "Association (vereniging)"),
    ("stichting", "Foundation (stichting)"),
    ("kerkgenootschap", "Church society (kerkgenootschap)"),
    ("vve", "Owners' association (vve)"),
    ("other", "Other"),
]
# Without legal personality: the owners file income tax (IB).
IB_LEGAL_FORMS = {"eenmanszaak", "vof", "maatschap", "cv"}
# Corporate tax (VPB) always applies; for the other forms it depends on whether
# they run an enterprise.
VPB_LEGAL_FORMS = {"bv", "nv", "cooperatie", "owm"}

KVK_RE = re.compile(r"^\d{8}$")
BRANCH_RE = re.compile(r"^\d{12}$")
PAYROLL_TAX_RE = re.compile(r"^(\d{9})L(\d{2})$")
NUMBER_FIELDS = (
    "company_registry",
    "kvk_branch_number",
    "rsin",
    "bsn",
    "payroll_tax_number",
)


def normalize_number(value):
    """Strip the spaces, dots and dashes people type in registry numbers."""
    if not value or not isinstance(value, str):
        return value
    return re.sub(r"[\s.\-]", "", value).upper() or False


# Size classes of BW 2:395a (micro), 2:396 (small) and 2:397 (medium), amounts
# for financial years starting on or after 1 January 2024 (Staatsblad 2024-52):
# (class, max balance total EUR, max net turnover EUR, employees below).
# A company belongs to the first class of which it meets at least two of the
# three criteria on two consecutive balance-sheet dates; above medium is large.
SIZE_CLASS_THRESHOLDS = [
    ("micro", 450_000, 900_000, 10),
    ("small", 7_500_000, 15_000_000, 50),
    ("medium", 25_000_000, 50_000_000, 250),
]
SIZE_CLASSES = [
    ("micro", "Micro"),
    ("small", "Small"),
    ("medium", "Medium"),
    ("large", "Large"),
]
# Medium and large companies need a statutory audit (BW 2:393).
AUDIT_SIZE_CLASSES = {"medium", "large"}


def size_class_of_year(balance_total, revenue, employee_count):
    """The smallest size class of which one year's figures meet at least two of
    the three criteria (amounts up to and including the limit, employees below
    it)."""
    for size_class, max_balance, max_revenue, max_employees in SIZE_CLASS_THRESHOLDS:
        met = (
            (balance_total or 0) <= max_balance,
            (revenue or 0) <= max_revenue,
            (employee_count or 0) < max_employees,
        )
        if sum(met) >= 2:
            return size_class
    return "large"


class ImportBatchError(Exception):
    """A batch of imported rows failed: the rows are tried one by one."""


class ResPartner(models.Model):
    _name = "res.partner"
    # The template mixin first: Odoo's res.partner.get_import_templates does
    # not call super(), so the mixin must come before it to add its templates.
    _inherit = [
        "accountancy.import.template.mixin",
        "res.partner",
        "accountancy.year.mixin",
    ]
    _accountancy_year_fields = ("birth_year",)
    _accountancy_import_templates = [
        (_lt("Import template for relations"), "relations.xlsx"),
        (_lt("Import template for contact persons"), "contact_persons.xlsx"),
    ]
    # Odoo's keys plus the old practice system's: an import resolves a relation
    # column by debtor number, KvK number or branch number (_search_display_name).
    _rec_names_search = [
        "complete_name",
        "email",
        "ref",
        "vat",
        "company_registry",
        "debtor_number",
        "kvk_branch_number",
    ]

    relation_kind = fields.Selection(
        RELATION_KINDS,
        index=True,
        tracking=True,
    )
    institution_type = fields.Selection(
        [
            ("bank", "Bank"),
            ("tax_office", "Tax office"),
            ("chamber_of_commerce", "Chamber of commerce"),
            ("uwv", "UWV"),
            ("notary", "Notary"),
            ("pension_fund", "Pension fund"),
            ("other", "Other"),
        ]
    )
    legal_form = fields.Selection(LEGAL_FORMS, tracking=True)
    tax_regime = fields.Selection(
        [
            ("ib", "Income tax (IB)"),
            ("vpb", "Corporate tax (VPB)"),
            ("depends", "Depends"),
        ],
        compute="_compute_accountancy_tax_regime",
        store=True,
        help="IB for natural persons and partnerships, VPB for bv, nv, cooperative "
        "and owm; for foundations and associations it depends on whether they run "
        "an enterprise.",
    )
    # Odoo's own field holds the KvK number; indexed for the duplicate check.
    company_registry = fields.Char(index="btree_not_null", copy=False)
    kvk_branch_number = fields.Char(
        string="KvK branch number",
        copy=False,
        help="Vestigingsnummer: 12 digits. Branches of one legal entity share the "
        "KvK number and differ in branch number.",
    )
    rsin = fields.Char(string="RSIN", index="btree_not_null")
    bsn = fields.Char(
        string="BSN",
        index="btree_not_null",
        copy=False,
        groups="accountancy_crm.group_fiscal_data",
        help="Citizen service number of a natural person.",
    )
    payroll_tax_number = fields.Char(
        help="Loonheffingennummer: RSIN or BSN followed by L and two digits, "
        "e.g. 123456782L01."
    )
    debtor_number = fields.Char(index="btree_not_null", copy=False)
    fiscal_partner_id = fields.Many2one(
        "res.partner",
        index="btree_not_null",
        copy=False,
        domain="[('is_company', '=', False), ('id', '!=', id)]",
        help="The spouse or partner with whom this person files the income tax "
        "return. Setting it here sets it on the other person too.",
    )
    department = fields.Char(
        string="Department name",
        help="Department of this contact person at the relation, e.g. Finance.",
    )
    client_group_id = fields.Many2one(
        "accountancy.client.group", index="btree_not_null", tracking=True
    )
    client_group_member_count = fields.Integer(
        compute="_compute_accountancy_client_group_member_count"
    )
    sector_id = fields.Many2one("accountancy.sector", index="btree_not_null")
    sector_properties = fields.Properties(
        definition="sector_id.partner_properties_definition", copy=True
    )
    assignment_ids = fields.One2many(
        "accountancy.assignment", "partner_id", string="Team"
    )
    current_assignment_ids = fields.One2many(
        "accountancy.assignment",
        compute="_compute_accountancy_current_assignment_ids",
        string="Team this year",
    )
    current_assignment_count = fields.Integer(
        compute="_compute_accountancy_current_assignment_ids"
    )
    shareholder_relation_ids = fields.One2many(
        "res.partner.relation",
        "right_partner_id",
        string="Shareholders",
        domain=[("type_id.is_shareholding", "=", True)],
    )
    participation_relation_ids = fields.One2many(
        "res.partner.relation",
        "left_partner_id",
        string="Participations",
        domain=[("type_id.is_shareholding", "=", True)],
    )
    holding_tree = fields.Html(
        compute="_compute_accountancy_holding_tree", sanitize=False
    )
    current_share_total = fields.Float(
        string="Total of current shares (%)",
        compute="_compute_accountancy_current_share_total",
        help="The shares of the current shareholders together; ended "
        "shareholdings are left out.",
    )
    kvk_legal_form_text = fields.Char(
        string="KvK legal form",
        help="Legal form as the KvK register writes it, kept when it does not map "
        "onto one of the legal forms above.",
    )
    kvk_employee_count = fields.Integer(
        string="Employees (KvK)",
        help="Number of people working at the company according to the KvK register.",
    )
    birth_year = fields.Integer(
        help="Year of birth of a person; gives the age of the entrepreneur in the "
        "client strategy."
    )
    strategy_ids = fields.One2many(
        "accountancy.strategy", "partner_id", string="Strategies"
    )
    # Stored (and written whenever a strategy of the current year changes) so
    # that relation lists can filter on the client type and the kanban and
    # reports can group by it.
    client_type_id = fields.Many2one(
        "accountancy.client.type",
        compute="_compute_accountancy_strategy_current",
        store=True,
        index="btree_not_null",
        # Internal judgement: not for portal users nor plain employees.
        groups="accountancy_crm.group_user",
        # Tracked: automation rules (Settings > Technical > Automation Rules)
        # can act on a change of the client type.
        tracking=True,
        help="Client type of the strategy of the current year.",
    )
    client_type_trend = fields.Selection(
        CLIENT_TYPE_TRENDS,
        compute="_compute_accountancy_strategy_current",
        store=True,
        groups="accountancy_crm.group_user",
        tracking=True,
        help="This year's client type against last year's, by their minimum "
        "points; empty when one of the two years has no strategy. Automation "
        "rules can act on it (e.g. a to-do when a client's type drops).",
    )
    strategy_points = fields.Integer(
        compute="_compute_accountancy_strategy_current",
        store=True,
        groups="accountancy_crm.group_user",
        help="Points of the strategy of the current year.",
    )
    accountancy_state = fields.Selection(
        [
            ("to_approve", "To approve"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
        ],
        string="Approval",
        copy=False,
        index="btree_not_null",
        tracking=True,
        help="Set by the intake wizard when its profile asks for approval of new "
        "relations; empty for relations entered otherwise.",
    )
    project_count = fields.Integer(
        compute="_compute_accountancy_project_count",
        groups="project.group_project_user",
    )
    annual_figure_ids = fields.One2many(
        "accountancy.annual.figure", "partner_id", string="Annual figures"
    )
    size_class = fields.Selection(
        SIZE_CLASSES,
        compute="_compute_accountancy_size_class",
        store=True,
        index="btree_not_null",
        help="Size class by BW 2:395a/396/397: the smallest class of which the "
        "company meets two of the three criteria (balance total, turnover, "
        "employees) in both of its two most recent years of annual figures; with "
        "one year of figures, that year decides. Empty for persons and companies "
        "without figures.",
    )
    statutory_audit_required = fields.Boolean(
        compute="_compute_accountancy_size_class",
        store=True,
        help="Medium and large companies must have their annual accounts audited.",
    )
    snapshot_count = fields.Integer(
        compute="_compute_accountancy_snapshot_count",
        groups="accountancy_crm.group_user",
    )
    contact_moment_count = fields.Integer(
        compute="_compute_accountancy_contact_moment_count",
        groups="accountancy_crm.group_user",
    )
    # Client acceptance (Wwft), see accountancy.client.acceptance.
    acceptance_ids = fields.One2many(
        "accountancy.client.acceptance",
        "partner_id",
        string="Client acceptances",
        groups="accountancy_crm.group_user",
    )
    acceptance_state = fields.Selection(
        ACCEPTANCE_STATUSES,
        string="Client acceptance",
        compute="_compute_accountancy_acceptance_state",
        search="_search_accountancy_acceptance_state",
        compute_sudo=True,
        groups="accountancy_crm.group_user",
        help="Status of the latest decided client acceptance (Wwft) in the current "
        "company: pending while one is prepared, overdue once its review date "
        "has come.",
    )
    relation_end_date = fields.Date(
        string="End of relationship",
        compute="_compute_accountancy_relation_end_date",
        store=True,
        readonly=False,
        precompute=True,
        copy=False,
        tracking=True,
        help="Set when the relation becomes a former client; the client acceptance "
        "file must be kept 5 years after this date.",
    )
    # Team planning matrix: one column per role for the planning year (context
    # key planning_year, default next year, editable) and the year before.
    team_rlm_id = fields.Many2one(
        "hr.employee",
        string="RLM new",
        compute="_compute_accountancy_team_planning",
        inverse="_inverse_accountancy_team_planning",
    )
    team_rlm_ass_id = fields.Many2one(
        "hr.employee",
        string="RLM.ass new",
        compute="_compute_accountancy_team_planning",
        inverse="_inverse_accountancy_team_planning",
    )
    team_jrk_id = fields.Many2one(
        "hr.employee",
        string="JRK new",
        compute="_compute_accountancy_team_planning",
        inverse="_inverse_accountancy_team_planning",
    )
    team_acc_id = fields.Many2one(
        "hr.employee",
        string="ACC new",
        compute="_compute_accountancy_team_planning",
        inverse="_inverse_accountancy_team_planning",
    )
    team_rlm_prev_id = fields.Many2one(
        "hr.employee", string="RLM", compute="_compute_accountancy_team_planning"
    )
    team_rlm_ass_prev_id = fields.Many2one(
        "hr.employee", string="RLM.ass", compute="_compute_accountancy_team_planning"
    )
    team_jrk_prev_id = fields.Many2one(
        "hr.employee", string="JRK", compute="_compute_accountancy_team_planning"
    )
    team_acc_prev_id = fields.Many2one(
        "hr.employee", string="ACC", compute="_compute_accountancy_team_planning"
    )
    # Whom a client's to-dos go to, e.g. those of automation rules (activity
    # for "a user of the record": this field).
    accountancy_manager_user_id = fields.Many2one(
        "res.users",
        string="Relationship manager user",
        compute="_compute_accountancy_manager_user_id",
        help="User of this year's relationship manager (assignment in the role "
        "RLM); the salesperson when the client has none.",
    )
    team_member_id = fields.Many2one(
        "hr.employee",
        string="Team member",
        compute="_compute_accountancy_team_member_id",
        search="_search_accountancy_team_member_id",
        help="Search the clients an employee serves in any role in the planning year.",
    )
    # Client visibility: the one definition of "the current user may see this
    # client and its data", searched by the record rules of res.partner and of
    # every model holding client data (security/accountancy_crm_security.xml).
    accountancy_visible = fields.Boolean(
        string="Visible to me",
        compute="_compute_accountancy_visible",
        search="_search_accountancy_visible",
        help="The relation and its data are visible to the current user: all "
        "relations for managers, compliance officers and (with the setting "
        "Everyone sees all clients) every accountancy user; otherwise the "
        "non-client relations, the clients of the user's teams of this and next "
        "year, the other clients of their client groups and the clients the user "
        "entered. None for users without an accountancy group.",
    )
    service_plan_ids = fields.One2many(
        "accountancy.service.plan", "partner_id", string="Service plans"
    )
    service_plan_count = fields.Integer(
        compute="_compute_accountancy_service_plan_count"
    )
    advisory_status_ids = fields.One2many(
        "accountancy.advisory.status", "partner_id", string="Advisory services"
    )
    # Customer relationship cycle and NPS. The first invoice date is
    # recomputed when customer invoices are posted, reset or cancelled (see
    # account.move), the stage also daily (a new client becomes loyal a year
    # after the first invoice).
    accountancy_first_invoice_date = fields.Date(
        string="First invoice",
        compute="_compute_accountancy_first_invoice_date",
        store=True,
        help="Date of the first posted customer invoice of the relation.",
    )
    accountancy_lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES,
        string="Lifecycle stage",
        compute="_compute_accountancy_lifecycle_stage",
        store=True,
        index="btree_not_null",
        help="Prospect: a prospect, or a client without a posted invoice yet. New "
        "client: first invoice less than a year ago. Loyal client: first invoice a "
        "year ago or longer. Former client: a former client or an archived client. "
        "Empty for suppliers, institutions and other relations.",
    )
    accountancy_nps_count = fields.Integer(
        string="NPS responses",
        compute="_compute_accountancy_nps",
        groups="accountancy_crm.group_user",
    )
    accountancy_nps_last_score = fields.Integer(
        string="Latest NPS score",
        compute="_compute_accountancy_nps",
        groups="accountancy_crm.group_user",
    )
    accountancy_nps = fields.Integer(
        string="NPS",
        compute="_compute_accountancy_nps",
        groups="accountancy_crm.group_user",
        help="Net Promoter Score of all responses of the relation and its contact "
        "persons: % promoters - % detractors.",
    )

    # The duplicate checks (_check_accountancy_duplicate_kvk and the like, see
    # accountancy.partner.duplicate) give the message that names the relation.
    # They read the other rows, so two concurrent saves would both pass them
    # (REPEATABLE READ): PostgreSQL enforces the same rules with these partial
    # exclusion constraints, the equivalent of partial unique indexes that can
    # be deferred. Deferred, because Odoo inserts a record before it runs its
    # Python constraints: an immediate index would refuse the duplicate first,
    # without the message. Each check sets its constraint IMMEDIATE once it
    # has passed, so that the concurrent loser is refused inside the request,
    # where Odoo turns the violation into the message below (see
    # odoo/service/model.py _as_validation_error).
    _sql_constraints = [
        (
            "accountancy_kvk_unique",
            (
                "EXCLUDE USING btree (company_registry WITH =, "
                "(COALESCE(kvk_branch_number, '')) WITH =) "
                "WHERE (is_company AND active AND company_registry <> '') "
                "DEFERRABLE INITIALLY DEFERRED"
            ),
            (
                "Another relation already has this KvK number and branch number (it "
                "may have been saved at the same moment): open that relation instead "
                "of creating a duplicate, or enter the branch number "
                "(vestigingsnummer) if this is another branch. If you cannot see it, "
                "ask an accountancy manager or the team of that client."
            ),
        ),
        (
            "accountancy_bsn_unique",
            (
                "EXCLUDE USING btree (bsn WITH =) WHERE (active AND bsn <> '') "
                "DEFERRABLE INITIALLY DEFERRED"
            ),
            (
                "Another relation already has this BSN (it may have been saved at the "
                "same moment): open that relation instead of creating a duplicate. If "
                "you cannot see it, ask an accountancy manager or the team of that "
                "client."
            ),
        ),
        (
            "accountancy_debtor_number_unique",
            (
                "EXCLUDE USING btree (debtor_number WITH =, "
                "(COALESCE(company_id, 0)) WITH =) WHERE (debtor_number <> '') "
                "DEFERRABLE INITIALLY DEFERRED"
            ),
            (
                "Another relation of this company already has this debtor number (it "
                "may have been saved at the same moment): give each relation its own "
                "debtor number."
            ),
        ),
    ]

    def init(self):
        super().init()
        # A relation is searched by name or number with ILIKE on every column
        # of _rec_names_search: without a trigram index on each of them
        # PostgreSQL scans the whole table (68 ms on 18,700 relations, 1 ms
        # with them). Odoo's own btree indexes stay for sorting and "=".
        # Without fastupdate, an import's rows enter the indexes at once rather
        # than a pending list that every search scans until the next vacuum
        # (with it, two searches of one 2,000-row import took 18 s each).
        if not self.env.registry.has_trigram:
            return
        for fname in self._rec_names_search:
            self.env.cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON %s USING gin (%s gin_trgm_ops)"
                    " WITH (fastupdate = off)",
                    SQL.identifier(f"{self._table}_accountancy_{fname}_trgm_idx"),
                    SQL.identifier(self._table),
                    SQL.identifier(fname),
                )
            )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("commercial_partner_id")
    def _compute_accountancy_first_invoice_date(self):
        # One query for the batch; stored computes run as superuser, so the
        # first invoice counts whichever company issued it.
        relations = self.commercial_partner_id._origin
        first = {}
        if relations:
            first = dict(
                self.env["account.move"]._read_group(
                    [
                        ("commercial_partner_id", "in", relations.ids),
                        ("move_type", "=", "out_invoice"),
                        ("state", "=", "posted"),
                    ],
                    ["commercial_partner_id"],
                    ["invoice_date:min"],
                )
            )
        for partner in self:
            partner.accountancy_first_invoice_date = first.get(
                partner.commercial_partner_id._origin, False
            )

    @api.depends(
        "active",
        "commercial_partner_id.active",
        "commercial_partner_id.relation_kind",
        "accountancy_first_invoice_date",
    )
    def _compute_accountancy_lifecycle_stage(self):
        year_ago = fields.Date.context_today(self) - relativedelta(years=1)
        for partner in self:
            # Contact persons follow their relation.
            relation = partner.commercial_partner_id or partner
            kind = relation.relation_kind
            first = partner.accountancy_first_invoice_date
            is_client = kind == "client" or (not kind and first)
            if kind == "former_client" or (is_client and not relation.active):
                stage = "former_client"
            elif kind == "prospect" or (is_client and not first):
                stage = "prospect"
            elif is_client:
                stage = "new_client" if first > year_ago else "loyal_client"
            else:
                stage = False
            partner.accountancy_lifecycle_stage = stage

    def _compute_accountancy_nps(self):
        # Two queries for the batch: the counts and averages, then the answers
        # given on each relation's latest answer date.
        Response = self.env["accountancy.nps.response"]
        relations = self.commercial_partner_id._origin
        stats = {
            relation: (count, nps, last_date)
            for relation, count, nps, last_date in Response._read_group(
                [("commercial_partner_id", "in", relations.ids)],
                ["commercial_partner_id"],
                ["__count", "nps_value:avg", "date:max"],
            )
        }
        last_score = {}
        if stats:
            latest = Response.search_fetch(
                [
                    ("commercial_partner_id", "in", [r.id for r in stats]),
                    ("date", "in", list({s[2] for s in stats.values()})),
                ],
                ["commercial_partner_id", "date", "score"],
                order="date desc, id desc",
            )
            for response in latest:
                relation = response.commercial_partner_id
                if response.date == stats[relation][2]:
                    last_score.setdefault(relation, response.score)
        for partner in self:
            relation = partner.commercial_partner_id._origin
            count, nps, _last_date = stats.get(relation, (0, 0, False))
            partner.accountancy_nps_count = count
            partner.accountancy_nps = round(nps or 0)
            partner.accountancy_nps_last_score = last_score.get(relation, 0)

    def _compute_accountancy_acceptance_state(self):
        status = self.env["accountancy.client.acceptance"]._status_by_partner(
            self.commercial_partner_id.ids
        )
        for partner in self:
            partner.acceptance_state = status.get(
                partner.commercial_partner_id.id, "none"
            )

    def _search_accountancy_acceptance_state(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            return NotImplemented
        values = {value} if isinstance(value, str) or not value else set(value)
        Acceptance = self.env["accountancy.client.acceptance"]
        partner_ids = Acceptance.sudo()._read_group(
            [("company_id", "=", self.env.company.id)], ["partner_id"], []
        )
        status = Acceptance._status_by_partner([p.id for (p,) in partner_ids])
        matching = [pid for pid, state in status.items() if state in values]
        domain = [("commercial_partner_id", "in", matching)]
        if "none" in values or False in values:
            domain = [
                "|",
                *domain,
                ("commercial_partner_id", "not in", list(status)),
            ]
        if operator in ("!=", "not in"):
            domain = ["!", *domain]
        return domain

    @api.depends("relation_kind")
    def _compute_accountancy_relation_end_date(self):
        today = fields.Date.context_today(self)
        for partner in self:
            if partner.relation_kind != "former_client":
                partner.relation_end_date = False
            elif not partner.relation_end_date:
                partner.relation_end_date = today

    @api.depends("is_company", "legal_form")
    def _compute_accountancy_tax_regime(self):
        for partner in self:
            if not partner.is_company or partner.legal_form in IB_LEGAL_FORMS:
                partner.tax_regime = "ib"
            elif partner.legal_form in VPB_LEGAL_FORMS:
                partner.tax_regime = "vpb"
            else:
                partner.tax_regime = "depends"

    def _compute_accountancy_client_group_member_count(self):
        counts = count_by(self.client_group_id, "res.partner", "client_group_id")
        for partner in self:
            partner.client_group_member_count = counts.get(partner.client_group_id, 0)

    def _compute_accountancy_current_assignment_ids(self):
        year = fields.Date.context_today(self).year
        assignments = self.env["accountancy.assignment"].search(
            [("partner_id", "in", self.ids), ("year", "=", year)]
        )
        for partner in self:
            current = assignments.filtered(lambda a, p=partner: a.partner_id == p)
            partner.current_assignment_ids = current
            partner.current_assignment_count = len(current)

    @api.depends_context("planning_year")
    def _compute_accountancy_team_planning(self):
        year = self._accountancy_planning_year()
        roles = self._accountancy_team_planning_roles()
        cells = self.env["accountancy.assignment"]._team_planning_cells(
            self._origin.ids, [role.id for _prefix, role in roles], [year, year - 1]
        )
        Employee = self.env["hr.employee"]
        for partner in self:
            partner_id = partner._origin.id
            for prefix, role in roles:
                partner[f"{prefix}_id"] = cells.get(
                    (partner_id, role.id, year), Employee
                )
                partner[f"{prefix}_prev_id"] = cells.get(
                    (partner_id, role.id, year - 1), Employee
                )

    def _inverse_accountancy_team_planning(self):
        roles = self._accountancy_team_planning_roles()
        self.env["accountancy.assignment"]._team_planning_apply(
            self._accountancy_planning_year(),
            {
                (partner.id, role.id): partner[f"{prefix}_id"]
                for partner in self
                for prefix, role in roles
            },
        )

    def _compute_accountancy_team_member_id(self):
        self.team_member_id = False

    def _search_accountancy_team_member_id(self, operator, value):
        year = self._accountancy_planning_year()
        if operator in ("=", "!=") and not value:
            # "Team member is (not) set": clients without / with a team that year.
            any_operator = "any" if operator == "!=" else "not any"
            return [("assignment_ids", any_operator, [("year", "=", year)])]
        return [
            (
                "assignment_ids",
                "any",
                [("year", "=", year), ("employee_id", operator, value)],
            )
        ]

    @api.depends_context("uid")
    def _compute_accountancy_visible(self):
        # Per user (record rules evaluate it in Python on the records checked);
        # no query for the users who see all or none.
        domain = self._accountancy_visible_domain()
        if domain in (expression.TRUE_DOMAIN, expression.FALSE_DOMAIN):
            self.accountancy_visible = domain == expression.TRUE_DOMAIN
            return
        # sudo: the same user, without the res.partner rule (the domain is it).
        visible = set(
            self.sudo()
            .with_context(active_test=False)
            .search([("id", "in", self._origin.ids), *domain])
            .ids
        )
        for partner in self:
            partner.accountancy_visible = partner._origin.id in visible

    def _search_accountancy_visible(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(
                self.env._(
                    "Search Visible to me with = or != and True or False, not "
                    "%(operator)s %(value)s.",
                    operator=operator,
                    value=value,
                )
            )
        domain = self._accountancy_visible_domain()
        if (operator == "=") != value:
            domain = ["!", *expression.normalize_domain(domain)]
        return domain

    def _compute_accountancy_service_plan_count(self):
        counts = count_by(self, "accountancy.service.plan", "partner_id")
        for partner in self:
            partner.service_plan_count = counts.get(partner._origin, 0)

    @api.depends(
        "strategy_ids.year", "strategy_ids.points", "strategy_ids.client_type_id"
    )
    def _compute_accountancy_strategy_current(self):
        year = fields.Date.context_today(self).year
        for partner in self:
            current = partner.strategy_ids.filtered(lambda s: s.year == year)[:1]
            previous = partner.strategy_ids.filtered(lambda s: s.year == year - 1)[:1]
            partner.client_type_id = current.client_type_id
            partner.strategy_points = current.points
            partner.client_type_trend = self._accountancy_client_type_trend(
                previous.client_type_id, current.client_type_id
            )

    def _compute_accountancy_manager_user_id(self):
        managers = self._origin._accountancy_manager_users()
        for partner in self:
            partner.accountancy_manager_user_id = (
                managers.get(partner._origin.id) or partner.user_id
            )

    def _compute_accountancy_project_count(self):
        counts = count_by(self, "project.project", "partner_id")
        for partner in self:
            partner.project_count = counts.get(partner._origin, 0)

    def _compute_accountancy_snapshot_count(self):
        counts = count_by(self, "accountancy.snapshot", "partner_id")
        for partner in self:
            partner.snapshot_count = counts.get(partner._origin, 0)

    def _compute_accountancy_contact_moment_count(self):
        # Counted per relation: the moments of its contact persons are on it too.
        counts = count_by(
            self.commercial_partner_id, "accountancy.contact.moment", "partner_id"
        )
        for partner in self:
            partner.contact_moment_count = counts.get(
                partner.commercial_partner_id._origin, 0
            )

    @api.depends(
        "is_company",
        "annual_figure_ids.year",
        "annual_figure_ids.revenue",
        "annual_figure_ids.balance_total",
        "annual_figure_ids.employee_count",
    )
    def _compute_accountancy_size_class(self):
        # One query for the whole batch. Records not saved yet (the card being
        # edited) use the figures in the form instead.
        # TODO: warn on the card when statutory_audit_required
        # is set but the planned engagement is not an audit.
        fnames = ["partner_id", "year", "revenue", "balance_total", "employee_count"]
        Figure = self.env["accountancy.annual.figure"]
        saved = self.filtered(lambda p: p.is_company and isinstance(p.id, int))
        figures_by_partner = {}
        if saved:
            Figure.flush_model(fnames)
            for figure in Figure.search_fetch(
                [("partner_id", "in", saved.ids)], fnames, order="year desc, id"
            ):
                figures_by_partner.setdefault(figure.partner_id.id, []).append(figure)
        for partner in self:
            if not partner.is_company:
                figures = []
            elif isinstance(partner.id, int):
                figures = figures_by_partner.get(partner.id, [])
            else:
                figures = partner.annual_figure_ids.sorted("year", reverse=True)
            partner.size_class = partner._accountancy_size_class_from_figures(figures)
            partner.statutory_audit_required = partner.size_class in AUDIT_SIZE_CLASSES

    @api.depends(
        "shareholder_relation_ids.share_percentage",
        "participation_relation_ids.share_percentage",
    )
    @api.depends_context("lang")
    def _compute_accountancy_holding_tree(self):
        for partner in self:
            partner.holding_tree = partner._accountancy_render_holding_tree()

    @api.depends(
        "shareholder_relation_ids.share_percentage",
        "shareholder_relation_ids.date_end",
    )
    def _compute_accountancy_current_share_total(self):
        Relation = self.env["res.partner.relation"]
        current = Relation._accountancy_current_shareholding_domain()
        for partner in self:
            partner.current_share_total = sum(
                partner.shareholder_relation_ids.filtered_domain(current).mapped(
                    "share_percentage"
                )
            )

    @api.depends("kvk_branch_number")
    def _compute_same_vat_partner_id(self):
        # Branches of one legal entity share its KvK number and VAT id by law:
        # Odoo's "same Tax ID / Company ID" warnings must only name a relation
        # that is not another branch of the same KvK number.
        result = super()._compute_same_vat_partner_id()
        for partner in self:
            kvk = partner.company_registry
            if not kvk:
                continue
            for fname, number in (
                ("same_vat_partner_id", "vat"),
                ("same_company_registry_partner_id", "company_registry"),
            ):
                if partner[fname] and partner[fname].company_registry == kvk:
                    partner[fname] = partner._accountancy_same_number_not_branch(number)
        return result

    def _compute_meeting(self):
        # Calendar counts the meetings with the partner or its contacts as
        # attendees; add the meetings linked to the relation (agenda). One
        # query for the batch; the calendar rules apply.
        result = super()._compute_meeting()
        if not result:
            return result
        linked = self.env["calendar.event"]._read_group(
            [("accountancy_partner_id", "in", self.ids)],
            ["accountancy_partner_id"],
            ["id:array_agg"],
        )
        for partner, event_ids in linked:
            result[partner.id] = list(set(result.get(partner.id, [])) | set(event_ids))
        return result

    # ------------------------------------------------------------
    # CONSTRAINTS AND ONCHANGES
    # ------------------------------------------------------------

    @api.constrains("birth_year")
    def _check_accountancy_birth_year(self):
        for partner in self:
            if partner.birth_year and not 1900 <= partner.birth_year <= 2100:
                raise ValidationError(
                    self.env._(
                        "The birth year %(year)s of %(partner)s is not valid: enter "
                        "a year from 1900 to 2100, or leave it empty.",
                        year=partner.birth_year,
                        partner=partner.display_name,
                    )
                )

    @api.constrains(*NUMBER_FIELDS, "country_id", "is_company", "parent_id")
    def _check_accountancy_numbers(self):
        for partner in self:
            name = partner.display_name or partner.name or ""
            kvk = partner.company_registry
            if kvk and partner._accountancy_is_dutch() and not KVK_RE.match(kvk):
                raise ValidationError(
                    self.env._(
                        "The KvK number %(number)s of %(partner)s is not valid: a KvK "
                        "number has exactly 8 digits, for example 69599084. Correct "
                        "it or leave it empty.",
                        number=kvk,
                        partner=name,
                    )
                )
            branch = partner.kvk_branch_number
            if branch and not BRANCH_RE.match(branch):
                raise ValidationError(
                    self.env._(
                        "The KvK branch number %(number)s of %(partner)s is not "
                        "valid: a branch number (vestigingsnummer) has exactly 12 "
                        "digits, for example 000037178598.",
                        number=branch,
                        partner=name,
                    )
                )
            if partner.rsin and not nl_bsn.is_valid(partner.rsin):
                raise ValidationError(
                    self.env._(
                        "The RSIN %(number)s of %(partner)s is not valid: an RSIN has "
                        "9 digits and passes the eleven test (elfproef). Copy it from "
                        "the KvK extract.",
                        number=partner.rsin,
                        partner=name,
                    )
                )
            payroll = partner.payroll_tax_number
            if payroll:
                match = PAYROLL_TAX_RE.match(payroll)
                if not match or not nl_bsn.is_valid(match.group(1)):
                    raise ValidationError(
                        self.env._(
                            "The payroll tax number %(number)s of %(partner)s is not "
                            "valid: it is the RSIN or BSN followed by L and two "
                            "digits, for example 123456782L01.",
                            number=payroll,
                            partner=name,
                        )
                    )
        self.sudo()._accountancy_check_bsn()

    @api.constrains("company_registry", "kvk_branch_number", "is_company", "active")
    def _check_accountancy_duplicate_kvk(self):
        self._accountancy_check_unique("kvk")

    @api.constrains("bsn", "active")
    def _check_accountancy_duplicate_bsn(self):
        self._accountancy_check_unique("bsn")

    @api.constrains("debtor_number", "company_id")
    def _check_accountancy_debtor_number(self):
        self._accountancy_check_unique("debtor")

    @api.constrains("fiscal_partner_id", "is_company")
    def _check_accountancy_fiscal_partner(self):
        for partner in self.filtered("fiscal_partner_id"):
            fiscal = partner.fiscal_partner_id
            if partner.is_company:
                raise ValidationError(
                    self.env._(
                        "%(partner)s is a company and cannot have a fiscal partner: "
                        "fiscal partners are two natural persons who file their "
                        "income tax return together. Clear the fiscal partner.",
                        partner=partner.display_name,
                    )
                )
            if fiscal == partner:
                raise ValidationError(
                    self.env._(
                        "%(partner)s cannot be their own fiscal partner. Choose "
                        "another person.",
                        partner=partner.display_name,
                    )
                )
            if fiscal.is_company:
                raise ValidationError(
                    self.env._(
                        "The fiscal partner of %(partner)s must be a natural person, "
                        "but %(fiscal)s is a company. Choose a person.",
                        partner=partner.display_name,
                        fiscal=fiscal.display_name,
                    )
                )

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model
    def _search_display_name(self, operator, value):
        domain = super()._search_display_name(operator, value)
        if operator != "=" or not value:
            return domain
        # An exact search is how Odoo's import resolves a relation column. The
        # KvK number is a commercial field, copied onto the contact persons of a
        # company: it identifies the company itself only.
        return expression.OR(
            [
                [(fname, "=", value)]
                for fname in self._rec_names_search
                if fname != "company_registry"
            ]
            + [[("company_registry", "=", value), ("parent_id", "=", False)]]
        )

    def load(self, fields, data):
        # A firm's file of thousands of relations: find its faulty rows by
        # bisection rather than by creating every row on its own.
        if import_bisect.applies(self, fields, data):
            return import_bisect.load_bisect(
                self,
                # super() of the chunk's records, not of self
                lambda records, fnames, rows: super(ResPartner, records).load(  # noqa: UP008
                    fnames, rows
                ),
                fields,
                data,
            )
        return super().load(fields, data)

    def _load_records(self, data_list, update=False):
        import_bisect.check_probe(self, data_list)
        if len(data_list) < 2 or not self.env.context.get("import_file"):
            return super()._load_records(data_list, update=update)
        try:
            return super()._load_records(data_list, update=update)
        except UserError as error:
            # Odoo's import then retries the rows one by one and reports each
            # faulty row; a UserError of the whole batch would be reported once
            # more, on the first row of the file, whatever row caused it.
            raise ImportBatchError(str(error)) from error

    def _update_fields_values(self, fnames):
        # The values Odoo copies from a company to its contact persons
        # (commercial and address fields), read as superuser as Odoo's other
        # syncs read them: its import of a contact person whose company is
        # already saved reads them as the user, and fails for everyone without
        # accounting rights on the credit limit (odoo/odoo#278638, after the
        # 18.0 source this module is built on).
        return super(ResPartner, self.sudo())._update_fields_values(fnames)

    @api.model_create_multi
    def create(self, vals_list):
        # Odoo checks field groups (the BSN) on read and write only, not on
        # create; the approval is set by its actions only.
        protected_fields.check_create(self, vals_list, STATE_FIELDS)
        for vals in vals_list:
            self._accountancy_normalize_numbers(vals)
        groups = {vals.get("client_group_id") for vals in vals_list} - {False, None}
        self.env["accountancy.client.group"].browse(groups)._accountancy_check_join()
        partners = super().create(vals_list)
        self.env["accountancy.sync.message"]._sync_partner_created(partners)
        linked = partners.filtered("fiscal_partner_id")
        if linked and not self.env.context.get("accountancy_fiscal_sync"):
            for partner in linked:
                partner._accountancy_link_fiscal_partner(
                    self.browse(), partner.fiscal_partner_id
                )
        return partners

    def write(self, vals):
        protected_fields.check_write(self, vals, STATE_FIELDS)
        self._accountancy_normalize_numbers(vals)
        if vals.get("client_group_id"):
            self.env["accountancy.client.group"].browse(
                vals["client_group_id"]
            )._accountancy_check_join()
        # Outgoing changes: queued in this transaction, delivered by a cron.
        sync = self.env["accountancy.sync.message"]
        sync_before = sync._sync_partner_before_write(self, vals)
        if "fiscal_partner_id" not in vals or self.env.context.get(
            "accountancy_fiscal_sync"
        ):
            result = super().write(vals)
            sync._sync_partner_after_write(self, sync_before)
            return result
        new_fiscal = self.browse(vals["fiscal_partner_id"])
        if new_fiscal and len(self) > 1:
            raise ValidationError(
                self.env._(
                    "%(fiscal)s can be the fiscal partner of one person only; you "
                    "set it on %(count)s persons at once.",
                    fiscal=new_fiscal.display_name,
                    count=len(self),
                )
            )
        former = {partner: partner.fiscal_partner_id for partner in self}
        result = super().write(vals)
        for partner in self:
            partner._accountancy_link_fiscal_partner(former[partner], new_fiscal)
        sync._sync_partner_after_write(self, sync_before)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_accountancy_snapshots(self):
        # sudo: frozen files keep a client even when the user cannot read them;
        # only whether there are any is used.
        frozen = (
            self.env["accountancy.snapshot"]
            .sudo()
            ._read_group([("partner_id", "in", self.ids)], ["partner_id"])
        )
        if frozen:
            raise UserError(
                self.env._(
                    "%(partners)s cannot be deleted: the client file was frozen "
                    "(snapshots are kept as evidence). Archive the relation instead.",
                    partners=", ".join(p.display_name for (p,) in frozen),
                )
            )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_freeze_client_file(self):
        """Ask why, then freeze the client file (see the freeze wizard)."""
        check_caller(self, "read")
        self.ensure_one()
        return dialog_action(
            self.env._("Freeze client file"),
            "accountancy.snapshot.freeze.wizard",
            {"default_partner_id": self.id},
        )

    def action_view_snapshots(self):
        check_caller(self, "read")
        self.ensure_one()
        return records_action(
            self.env,
            "accountancy_crm.accountancy_snapshot_action",
            [("partner_id", "=", self.id)],
            {"create": False},
        )

    def action_log_contact_moment(self):
        """Open a new contact moment with this relation (and contact person)."""
        check_caller(self, "read")
        self.ensure_one()
        return self._accountancy_contact_moment_dialog()

    def action_view_contact_moments(self):
        check_caller(self, "read")
        self.ensure_one()
        return records_of(
            self.env,
            "accountancy_crm.accountancy_contact_moment_action",
            "partner_id",
            self.commercial_partner_id,
        )

    def action_view_nps_responses(self):
        check_caller(self, "read")
        self.ensure_one()
        return records_action(
            self.env,
            "accountancy_crm.accountancy_nps_response_action",
            [("commercial_partner_id", "=", self.commercial_partner_id.id)],
            {"default_partner_id": self.id},
        )

    def action_view_client_group_members(self):
        check_caller(self, "read")
        self.ensure_one()
        if not self.client_group_id:
            raise UserError(
                self.env._(
                    "%(partner)s is not in a client group: set its client group first.",
                    partner=self.display_name,
                )
            )
        return self.client_group_id.action_view_members()

    def action_view_team(self):
        check_caller(self, "read")
        self.ensure_one()
        return records_of(
            self.env,
            "accountancy_crm.accountancy_assignment_action",
            "partner_id",
            self,
            search_default_filter_current_year=1,
        )

    def action_view_service_plans(self):
        check_caller(self, "read")
        self.ensure_one()
        return records_of(
            self.env,
            "accountancy_crm.accountancy_service_plan_action",
            "partner_id",
            self,
        )

    def schedule_meeting(self):
        # Calendar's button for every internal user; the module's relations
        # (clients, prospects...) are for the accountancy users only.
        accountancy = any(self.commercial_partner_id.mapped("relation_kind"))
        check_caller(self, "read", group=USER_GROUP if accountancy else None)
        action = super().schedule_meeting()
        relation = self.commercial_partner_id
        if relation.relation_kind:
            # The relation card: list its past and planned meetings first (the
            # calendar view only shows the attendees chosen in its side panel).
            action["context"] = dict(
                action.get("context") or {}, default_accountancy_partner_id=relation.id
            )
            action["views"] = sorted(
                action.get("views") or [], key=lambda view: view[1] != "list"
            )
        return action

    def action_view_projects(self):
        check_caller(self, "read")
        self.ensure_one()
        return records_of(self.env, "project.open_view_project_all", "partner_id", self)

    def action_accountancy_approve(self):
        """Approve relations entered through an intake profile with approval."""
        self._accountancy_check_approver()
        partners = self.filtered(lambda p: p.accountancy_state == "to_approve")
        partners.activity_feedback(
            ["accountancy_crm.mail_activity_type_relation_approval"],
            feedback=self.env._("Approved by %(user)s", user=self.env.user.name),
        )
        partners.check_access("write")
        # sudo: a state field (see STATE_FIELDS), the approver is checked above.
        partners.sudo().write({"accountancy_state": "approved"})
        return True

    def action_accountancy_reject(self):
        """Ask the reason, then archive the relations (see the reject wizard)."""
        self._accountancy_check_approver()
        return dialog_action(
            self.env._("Reject relation"),
            "accountancy.approval.reject.wizard",
            {"default_partner_ids": self.ids},
        )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _accountancy_planning_year(self):
        """The year the team planning edits: context key planning_year, else the
        next year (the team is planned in autumn for the coming year)."""
        year = self.env.context.get("planning_year")
        return int(year) if year else fields.Date.context_today(self).year + 1

    @api.model
    def _accountancy_team_planning_roles(self):
        """(field prefix, role) of the columns of the team planning matrix."""
        # The xmlid lookup is cached: no query, unlike env.ref() which checks
        # that the record exists.
        IrModelData = self.env["ir.model.data"]
        Role = self.env["accountancy.role"]
        return [
            (
                prefix,
                Role.browse(
                    IrModelData._xmlid_to_res_id(f"accountancy_crm.role_{code}")
                ),
            )
            for prefix, code in (
                ("team_rlm", "rlm"),
                ("team_rlm_ass", "rlm_ass"),
                ("team_jrk", "jrk"),
                ("team_acc", "acc"),
            )
        ]

    @api.model
    def _accountancy_visible_domain(self):
        """Domain on res.partner of the relations the current user may see.
        Evaluated when a query runs (not cached with the rules), so a change
        of team or of the current year shows at once."""
        user = self.env.user
        if (
            user._is_superuser()
            or user.has_group("accountancy_crm.group_see_all_clients")
            or user.has_group("accountancy_crm.group_manager")
            or user.has_group("accountancy_crm.group_compliance")
        ):
            return expression.TRUE_DOMAIN
        if not user.has_group("accountancy_crm.group_user"):
            return expression.FALSE_DOMAIN
        mine = [("employee_id.user_id", "=", user.id), ("is_current_team", "=", True)]
        client_kinds = ["client", "prospect", "former_client"]
        return [
            "|",
            "|",
            "|",
            (
                "commercial_partner_id",
                "not any",
                [("relation_kind", "in", client_kinds)],
            ),
            ("commercial_partner_id.create_uid", "=", user.id),
            ("commercial_partner_id.assignment_ids", "any", mine),
            (
                "commercial_partner_id.client_group_id.member_ids.assignment_ids",
                "any",
                mine,
            ),
        ]

    def _accountancy_check_visible(self):
        """Refuse a change that would widen the user's own visibility (a team
        assignment, a client group membership) unless the user already sees
        these relations. Names nothing: the relations may be hidden."""
        if self.env.su or not self:
            return
        partners = self.sudo().with_context(active_test=False).exists()
        domain = [("id", "in", partners.ids), ("accountancy_visible", "=", True)]
        if partners.search_count(domain) != len(partners):
            raise AccessError(
                self.env._(
                    "You can only change the team or the client group of clients "
                    "you can see already. Ask a manager, or a colleague of the "
                    "client's team, to add you to the team."
                )
            )

    def _accountancy_manager_users(self, year=None):
        """{client id: user} of the relationship manager of the clients in
        ``self`` in ``year`` (this year by default): the user of the employee
        assigned in the role RLM. No entry for a client without one (callers
        fall back on whom they see fit, e.g. the salesperson). Two queries for
        any number of clients."""
        if year is None:
            year = fields.Date.context_today(self).year
        # The xmlid lookup is cached: no query, unlike env.ref().
        rlm_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "accountancy_crm.role_rlm", raise_if_not_found=False
        )
        if not (rlm_id and self.ids):
            return {}
        assignments = self.env["accountancy.assignment"].search_fetch(
            [
                ("partner_id", "in", self.ids),
                ("year", "=", year),
                ("role_id", "=", rlm_id),
            ],
            ["partner_id", "employee_id"],
        )
        # One query for the users of all the employees.
        assignments.employee_id.fetch(["user_id"])
        return {
            assignment.partner_id.id: assignment.employee_id.user_id
            for assignment in assignments
            if assignment.employee_id.user_id
        }

    @api.model
    def _accountancy_client_type_trend(self, previous, current):
        """ "up", "same" or "down" from client type ``previous`` to ``current``
        (types rank by their minimum points); False when one is missing."""
        if not (previous and current):
            return False
        if current.min_points > previous.min_points:
            return "up"
        if current.min_points < previous.min_points:
            return "down"
        return "same"

    @api.model
    def _accountancy_size_class_from_figures(self, figures):
        """Size class from annual figures sorted newest first: the two most recent
        years must both meet the class (a single year decides alone). Since the
        classes are nested, that is the larger of the two years' own classes: a
        company that grows moves up at once, one that shrinks moves down only
        after two years in the smaller class."""
        figures = [f for f in figures if f.year][:2]
        if not figures:
            return False
        order = [code for code, _label in SIZE_CLASSES]
        return max(
            (
                size_class_of_year(f.balance_total, f.revenue, f.employee_count)
                for f in figures
            ),
            key=order.index,
        )

    def _accountancy_holding_walk(self, upwards, children):
        """The ids of the partners reached from this one through current
        shareholdings, up to its shareholders or down to its subsidiaries
        (this one included), one query per level; each shareholding passed
        is added to ``children`` (shareholder id -> {subsidiary id: %})."""
        Relation = self.env["res.partner.relation"]
        current = Relation._accountancy_current_shareholding_domain()
        # Up: the shareholdings of which the reached partners are the
        # subsidiary (right side); the next level is their shareholders.
        side, ahead = (
            ("right_partner_id", "left_partner_id")
            if upwards
            else ("left_partner_id", "right_partner_id")
        )
        reached, frontier = {self.id}, {self.id}
        while frontier:
            edges = Relation.search_fetch(
                [(side, "in", list(frontier)), *current],
                ["left_partner_id", "right_partner_id", "share_percentage"],
            )
            frontier = set()
            for edge in edges:
                parent, child = edge.left_partner_id.id, edge.right_partner_id.id
                children.setdefault(parent, {})[child] = edge.share_percentage
                next_id = edge[ahead].id
                if next_id not in reached:
                    reached.add(next_id)
                    frontier.add(next_id)
        return reached

    def _accountancy_render_holding_tree(self):
        """The holding structure around this partner, from its ultimate
        shareholders down to its last subsidiaries, as nested HTML lists
        (template res_partner_holding_tree). One query per level of the
        structure."""
        self.ensure_one()
        if not self.id:
            return False
        children = {}  # shareholder id -> {subsidiary id: %}
        ancestors = self._accountancy_holding_walk(True, children)
        seen_down = self._accountancy_holding_walk(False, children)
        if len(children) == 0:
            return False
        has_parent = {c for kids in children.values() for c in kids if c in ancestors}
        roots = sorted(a for a in ancestors if a not in has_parent) or [self.id]
        relevant = ancestors | seen_down
        names = {
            p.id: p.display_name
            for p in self.browse(list(relevant)).with_context(active_test=False)
        }

        lang = self.env["res.lang"]._lang_get(get_lang(self.env).code)

        def node(partner_id, pct, path):
            kids = [
                node(kid, kid_pct, path | {kid})
                for kid, kid_pct in sorted(
                    children.get(partner_id, {}).items(),
                    key=lambda kv: names.get(kv[0], ""),
                )
                if kid in relevant and kid not in path
            ]
            return {
                "id": partner_id,
                "name": names.get(partner_id, ""),
                "current": partner_id == self.id,
                "percentage": (
                    None if pct is None else lang.format("%g", pct, grouping=True)
                ),
                "children": kids,
            }

        tree = [node(root, None, {root}) for root in roots]
        html = self.env["ir.qweb"]._render(
            "accountancy_crm.res_partner_holding_tree", {"nodes": tree}
        )
        return html.strip()

    def _accountancy_check_bsn(self):
        # Runs as superuser so that the check also holds when a user without the
        # Fiscal data group saves a person (e.g. turns it into a company).
        for partner in self:
            if not partner.bsn:
                continue
            name = partner.display_name or partner.name or ""
            if partner.is_company:
                raise ValidationError(
                    self.env._(
                        "%(partner)s is a company: a BSN belongs to a natural "
                        "person. Remove the BSN, or enter the company's RSIN "
                        "instead.",
                        partner=name,
                    )
                )
            if not nl_bsn.is_valid(partner.bsn):
                raise ValidationError(
                    self.env._(
                        "The BSN %(number)s of %(partner)s is not valid: a BSN has 9 "
                        "digits and passes the eleven test (elfproef). Check it "
                        "against the ID document.",
                        number=partner.bsn,
                        partner=name,
                    )
                )

    def _accountancy_is_dutch(self):
        self.ensure_one()
        # The firm is Dutch: a relation without a country is taken as Dutch. The
        # company decides for its addresses, which share its registry number.
        country = self.commercial_partner_id.country_id
        return not country or country.code == "NL"

    def _accountancy_same_number_not_branch(self, number):
        """Another relation with this partner's ``number`` (vat or
        company_registry) that is not another branch of its KvK number, as Odoo
        searches it (superuser, archived ones included, not its own contacts)."""
        self.ensure_one()
        branch = self.kvk_branch_number or False
        domain = [
            (number, "=", self[number]),
            # A branch: same KvK number, another branch number.
            "!",
            "&",
            ("company_registry", "=", self.company_registry),
            ("kvk_branch_number", "!=", branch),
        ]
        if self.company_id or number == "company_registry":
            domain.append(("company_id", "in", [False, self.company_id.id]))
        if self._origin.id:
            domain += [
                ("id", "!=", self._origin.id),
                "!",
                ("id", "child_of", self._origin.id),
            ]
        partners = self.with_context(active_test=False).sudo()
        return partners.search(domain, limit=1)

    def _accountancy_check_constraint_now(self, key):
        """Check the deferred constraint ``key`` of _sql_constraints now, on the
        rows flushed so far, and defer it again for the rest of the
        transaction. A concurrent transaction holding a conflicting row is
        waited for; if it commits, this one is refused with the message."""
        conname = f"{self._table}_{key}"
        # Odoo only logs a warning when it cannot add a constraint (existing
        # duplicates): then there is nothing to check here.
        self.env.cr.execute(
            SQL("SELECT 1 FROM pg_constraint WHERE conname = %s", conname)
        )
        if not self.env.cr.rowcount:
            return
        self.env["res.partner"].flush_model()
        # One round trip: check now, then defer again.
        self.env.cr.execute(
            SQL(
                "SET CONSTRAINTS %(name)s IMMEDIATE; SET CONSTRAINTS %(name)s DEFERRED",
                name=SQL.identifier(conname),
            )
        )

    def _accountancy_check_unique(self, rule):
        """Refuse a duplicate of ``rule`` (see accountancy.partner.duplicate),
        then have PostgreSQL check the rows against concurrent saves."""
        Duplicate = self.env["accountancy.partner.duplicate"]
        message = Duplicate._check_unique(rule, Duplicate._candidates_of(self))
        if message:
            raise ValidationError(message)
        self._accountancy_check_constraint_now(UNIQUE_RULES[rule]["constraint"])

    @api.model
    def _accountancy_normalize_numbers(self, vals):
        for fname in NUMBER_FIELDS:
            if vals.get(fname):
                vals[fname] = normalize_number(vals[fname])

    def _accountancy_link_fiscal_partner(self, former, new):
        """Keep fiscal partnership symmetric: ``self`` was linked to ``former``
        and is now linked to ``new``; unlink the ones left behind."""
        self.ensure_one()
        sync = self.with_context(accountancy_fiscal_sync=True)
        if former and former != new and former.fiscal_partner_id == self:
            sync.browse(former.id).write({"fiscal_partner_id": False})
        if new and new.fiscal_partner_id != self:
            abandoned = new.fiscal_partner_id
            if abandoned and abandoned != self:
                sync.browse(abandoned.id).write({"fiscal_partner_id": False})
            sync.browse(new.id).write({"fiscal_partner_id": self.id})

    @api.model
    def _accountancy_refresh_first_invoice(self, relations):
        """Recompute the first invoice date of ``relations`` and their contact
        persons, and with it their lifecycle stage (and the stage stored on
        their NPS responses)."""
        partners = self.with_context(active_test=False).search(
            [("commercial_partner_id", "in", relations.ids)]
        )
        self.env.add_to_compute(
            self._fields["accountancy_first_invoice_date"], partners
        )
        partners.modified(["accountancy_first_invoice_date"])

    @api.model
    def _cron_accountancy_lifecycle(self):
        """Daily: new clients whose first invoice is a year old become loyal."""
        year_ago = fields.Date.context_today(self) - relativedelta(years=1)
        partners = self.with_context(active_test=False).search(
            [
                ("accountancy_lifecycle_stage", "=", "new_client"),
                ("accountancy_first_invoice_date", "<=", year_ago),
            ]
        )
        partners.modified(["accountancy_first_invoice_date"])
        partners.flush_recordset(["accountancy_lifecycle_stage"])

    def _accountancy_check_approver(self):
        if not self.env.user.has_group("accountancy_crm.group_manager"):
            raise AccessError(
                self.env._(
                    "Only users of the group Accountancy / Manager may approve or "
                    "reject new relations. Ask a manager to review %(partners)s.",
                    partners=", ".join(self.mapped("display_name")),
                )
            )

    def _accountancy_request_approval(self, profile):
        """Give the profile's approver an activity to approve these relations."""
        approver = profile._get_approver()
        for partner in self:
            partner.activity_schedule(
                "accountancy_crm.mail_activity_type_relation_approval",
                user_id=approver.id or self.env.uid,
                note=self.env._(
                    "New relation entered by %(user)s with the intake profile "
                    "%(profile)s: approve or reject it.",
                    user=self.env.user.name,
                    profile=profile.display_name,
                ),
            )

    def _accountancy_check_acceptance(self, operation):
        """Raise a UserError when the client acceptance settings forbid
        ``operation`` ("quote_confirm", "project_create", "planning_tasks") for
        one of these clients (see accountancy.client.acceptance._check_partners)."""
        return self.env["accountancy.client.acceptance"]._check_partners(
            self, operation
        )

    def _accountancy_contact_moment_dialog(self, **defaults):
        """A new contact moment with this relation, or with this contact
        person and its relation (none for an empty recordset); ``defaults``
        adds others (e.g. the opportunity)."""
        relation = self.commercial_partner_id
        return dialog_action(
            self.env._("Log contact moment"),
            "accountancy.contact.moment",
            {
                "default_partner_id": relation.id,
                "default_contact_id": self.id if self != relation else False,
                **{f"default_{fname}": value for fname, value in defaults.items()},
            },
        )
