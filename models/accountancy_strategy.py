from collections import defaultdict
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

from . import protected_fields
from .parameters import Param, get_param, int_at_least

_lt = LazyTranslate(__name__)

# Sources whose values the recompute reads from the database; the others
# (write-offs, ambassador, continuity, by hand) are entered by the user.
COMPUTED_SOURCES = ("fee_volume", "payment_days", "age", "group_size")
# Who may read and change the PEP and OOB flags of the risk data.
RISK_GROUPS = "accountancy_crm.group_manager,accountancy_crm.group_compliance"
# Continuity values that score as "going concern or succession arranged" (1).
CONTINUITY_POSITIVE = ("going_concern", "succession_arranged")


def parse_months(text):
    """The month numbers of a comma-separated list such as "9,2"; ValueError
    when an item is not a month number from 1 to 12."""
    months = set()
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        month = int(item)
        if not 1 <= month <= 12:
            raise ValueError(item)
        months.add(month)
    return months


# Settings of the upkeep cron: months after which a strategy is stale, and
# the months of the full update.
STRATEGY_MAX_AGE_MONTHS = Param(
    "accountancy_crm.strategy_max_age_months", 6, int_at_least(1)
)
STRATEGY_FULL_UPDATE_MONTHS = Param(
    "accountancy_crm.strategy_full_update_months", "9,2", parse_months
)


class AccountancyStrategy(models.Model):
    """The strategy of a client for one year: a value per scoring criterion,
    the points these give and the client type of the total."""

    _name = "accountancy.strategy"
    _description = "Client strategy"
    _inherit = [
        "mail.thread",
        "accountancy.year.mixin",
        "accountancy.import.template.mixin",
    ]
    _order = "year desc, partner_id"
    _accountancy_year_range = (1900, 2100)
    _accountancy_import_templates = [
        (_lt("Import template for client strategies"), "strategies.xlsx")
    ]

    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        ondelete="cascade",
        index=True,
        tracking=True,
    )
    year = fields.Integer(
        required=True,
        default=lambda self: fields.Date.context_today(self).year,
        tracking=True,
    )
    line_ids = fields.One2many(
        "accountancy.strategy.line", "strategy_id", string="Criteria", copy=True
    )
    # Stored so that the overviews can group strategies by them (a pivot cannot
    # group on a path such as partner_id.client_group_id).
    client_group_id = fields.Many2one(
        related="partner_id.client_group_id", store=True, index="btree_not_null"
    )
    sector_id = fields.Many2one(
        related="partner_id.sector_id", store=True, index="btree_not_null"
    )
    points = fields.Integer(
        compute="_compute_points", store=True, aggregator="avg", tracking=True
    )
    client_type_id = fields.Many2one(
        "accountancy.client.type",
        compute="_compute_client_type_id",
        store=True,
        index="btree_not_null",
        tracking=True,
    )
    remark = fields.Text()
    updated_on = fields.Datetime(
        readonly=True, copy=False, help="Last change of a value or a recompute."
    )
    updated_by_id = fields.Many2one(
        "res.users", string="Updated by", readonly=True, copy=False
    )
    # Risk data. PEP and OOB are not tracked: the chatter is open to every user.
    is_oob = fields.Boolean(
        string="Public-interest entity (OOB)",
        groups=RISK_GROUPS,
        help="Organisatie van openbaar belang: listed company, bank or insurer.",
    )
    is_pep = fields.Boolean(
        string="Politically exposed person (PEP)",
        groups=RISK_GROUPS,
        help="The client or its ultimate beneficial owner is a politically exposed "
        "person.",
    )
    other_risk = fields.Boolean()
    risk_category = fields.Selection(
        [
            ("financial", "Financial"),
            ("fiscal", "Fiscal"),
            ("integrity", "Integrity"),
            ("continuity", "Continuity"),
            ("other", "Other"),
        ]
    )
    risk_reason = fields.Text()
    small_business = fields.Boolean(help="Small-business (MKB) indicator.")
    continuity = fields.Selection(
        [
            ("going_concern", "Going concern"),
            ("succession_arranged", "Succession arranged"),
            ("uncertain", "Uncertain"),
        ],
        tracking=True,
        help="Sets the value of the continuity criterion (going concern or "
        "succession arranged: yes, uncertain: no) unless that line is Manual.",
    )

    _sql_constraints = [
        (
            "partner_year_uniq",
            "unique(partner_id, year)",
            "A client has one strategy per year: open the existing one.",
        ),
    ]

    @api.depends("line_ids.points")
    def _compute_points(self):
        for strategy in self:
            strategy.points = sum(strategy.line_ids.mapped("points"))

    @api.depends("points")
    def _compute_client_type_id(self):
        types = self.env["accountancy.client.type"].search([])
        for strategy in self:
            strategy.client_type_id = types._find_for_points(strategy.points)

    def _compute_display_name(self):
        for strategy in self:
            strategy.display_name = (
                f"{strategy.partner_id.display_name or ''} {strategy.year or ''}"
            ).strip()

    @api.model_create_multi
    def create(self, vals_list):
        # The risk flags (PEP, OOB): field groups, which Odoo does not check on
        # create.
        protected_fields.check_create(self, vals_list)
        strategies = super().create(vals_list)
        strategies._add_missing_lines()
        strategies._sync_continuity_lines()
        strategies._recompute_values()
        return strategies

    def write(self, vals):
        result = super().write(vals)
        if "continuity" in vals:
            self._sync_continuity_lines(clear=True)
            self._touch()
        return result

    def action_recompute(self):
        self._add_missing_lines()
        self._sync_continuity_lines()
        self._recompute_values()
        return True

    def _add_missing_lines(self):
        """One line per active criterion, created in one batch."""
        criteria = self.env["accountancy.score.criterion"].search([])
        vals_list = []
        for strategy in self:
            present = strategy.line_ids.criterion_id
            vals_list += [
                {"strategy_id": strategy.id, "criterion_id": criterion.id}
                for criterion in criteria - present
            ]
        if vals_list:
            self.env["accountancy.strategy.line"].create(vals_list)

    def _sync_continuity_lines(self, clear=False):
        """The continuity line follows the Continuity of the risk data unless the
        line is Manual: the selection wins over a value typed on the line. Without
        a selection the line keeps its value, or loses it when ``clear``."""
        lines = self.line_ids.filtered(
            lambda line: line.source == "continuity" and not line.manual
        )
        by_vals = defaultdict(list)
        for line in lines:
            continuity = line.strategy_id.continuity
            if continuity:
                value = 1.0 if continuity in CONTINUITY_POSITIVE else 0.0
                by_vals[(value, True)].append(line.id)
            elif clear:
                by_vals[(0.0, False)].append(line.id)
        Line = self.env["accountancy.strategy.line"].with_context(
            accountancy_recompute=True
        )
        for (value, has_value), line_ids in by_vals.items():
            Line.browse(line_ids).write(
                {"value": value, "has_value": has_value, "is_computed": has_value}
            )

    def _period(self):
        """The 12 months the figures of this strategy are taken from: the
        strategy year, or the 12 months up to today for the current year."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        date_to = min(date(self.year, 12, 31), today)
        return date_to - relativedelta(years=1) + relativedelta(days=1), date_to

    def _recompute_values(self):
        """Fill the values of the non-manual lines from the database, in batch:
        a constant number of queries per year, whatever the number of clients."""
        lines = self.line_ids.filtered(
            lambda line: (
                not line.manual and line.criterion_id.source in COMPUTED_SOURCES
            )
        )
        by_year = defaultdict(lambda: self.browse())
        for strategy in self:
            by_year[strategy.year] |= strategy
        data_by_year = {}
        for year, strategies in by_year.items():
            date_from, date_to = strategies[0]._period()
            partners = strategies.partner_id
            fee_volumes = strategies._fetch_fee_volumes(
                partners | partners.client_group_id.member_ids, date_from, date_to
            )
            data_by_year[year] = {
                "fee_volume": fee_volumes,
                "group_fee_volume": self._sum_per_client_group(partners, fee_volumes),
                "payment_days": strategies._fetch_payment_days(
                    partners, date_from, date_to
                ),
                "age": strategies._fetch_ages(partners, date_to),
                "group_size": strategies._fetch_group_sizes(partners),
            }
        new_values = {}
        for line in lines:
            strategy = line.strategy_id
            partner = strategy.partner_id.commercial_partner_id
            source = line.criterion_id.source
            if source == "fee_volume" and line.criterion_id.sum_over_group:
                value = data_by_year[strategy.year]["group_fee_volume"].get(partner)
            else:
                value = data_by_year[strategy.year][source].get(partner)
            if value is not None:
                new_values[line] = value
        by_value = defaultdict(list)
        for line, value in new_values.items():
            by_value[value].append(line.id)
        Line = self.env["accountancy.strategy.line"].with_context(
            accountancy_recompute=True
        )
        for value, line_ids in by_value.items():
            Line.browse(line_ids).write({"value": value, "is_computed": True})
        self._touch()

    def _touch(self):
        self.write({"updated_on": fields.Datetime.now(), "updated_by_id": self.env.uid})

    @api.model
    def _sum_per_client_group(self, partners, fee_volumes):
        """Per commercial partner of ``partners``: the fee volume of its whole
        client group (its own when it has no group)."""
        totals = defaultdict(float)
        for member in partners.client_group_id.member_ids.commercial_partner_id:
            totals[member.client_group_id] += fee_volumes.get(member, 0.0)
        return {
            partner: totals[partner.client_group_id]
            if partner.client_group_id
            else fee_volumes.get(partner, 0.0)
            for partner in partners.commercial_partner_id
        }

    def _fetch_fee_volumes(self, partners, date_from, date_to):
        """Posted customer invoices minus credit notes, untaxed, per commercial
        partner; a partner without invoices has fee volume 0."""
        commercial = partners.commercial_partner_id
        # sudo: users of the relation card need not have access to invoicing;
        # only the totals per client are read.
        groups = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("state", "=", "posted"),
                    ("invoice_date", ">=", date_from),
                    ("invoice_date", "<=", date_to),
                    ("commercial_partner_id", "in", commercial.ids),
                ],
                ["commercial_partner_id"],
                ["amount_untaxed_signed:sum"],
            )
        )
        totals = {partner.id: amount for partner, amount in groups}
        # More credited than invoiced in the period counts as no fee volume.
        return {
            partner: max(totals.get(partner.id, 0.0), 0.0) for partner in commercial
        }

    def _fetch_payment_days(self, partners, date_from, date_to):
        """Average number of days from invoice date to full payment of the paid
        customer invoices of the period, rounded to whole days; partners without
        paid invoices get no value (the line keeps what it had)."""
        commercial = partners.commercial_partner_id
        # sudo: see _fetch_fee_volumes
        invoices = (
            self.env["account.move"]
            .sudo()
            .search_fetch(
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("paid", "in_payment")),
                    ("invoice_date", ">=", date_from),
                    ("invoice_date", "<=", date_to),
                    ("commercial_partner_id", "in", commercial.ids),
                ],
                ["commercial_partner_id", "invoice_date"],
            )
        )
        if not invoices:
            return {}
        receivables = (
            self.env["account.move.line"]
            .sudo()
            .search_fetch(
                [
                    ("move_id", "in", invoices.ids),
                    ("account_id.account_type", "=", "asset_receivable"),
                ],
                ["move_id"],
            )
        )
        move_of_line = {line.id: line.move_id.id for line in receivables}
        # The invoice is fully paid on the latest date of its reconciliations.
        paid_on = {}
        for line, max_date in (
            self.env["account.partial.reconcile"]
            .sudo()
            ._read_group(
                [("debit_move_id", "in", receivables.ids)],
                ["debit_move_id"],
                ["max_date:max"],
            )
        ):
            move_id = move_of_line[line.id]
            if max_date and (move_id not in paid_on or max_date > paid_on[move_id]):
                paid_on[move_id] = max_date
        days = defaultdict(list)
        for invoice in invoices:
            if invoice.id in paid_on and invoice.invoice_date:
                days[invoice.commercial_partner_id.id].append(
                    max((paid_on[invoice.id] - invoice.invoice_date).days, 0)
                )
        return {
            partner: round(sum(days[partner.id]) / len(days[partner.id]))
            for partner in commercial
            if days[partner.id]
        }

    def _fetch_ages(self, partners, on_date):
        """Strategy year minus the birth year of the entrepreneur: the person
        itself for a person, else the person holding the largest current share."""
        commercial = partners.commercial_partner_id
        entrepreneur = {p: p for p in commercial if not p.is_company}
        companies = commercial - self.env["res.partner"].browse(
            [p.id for p in entrepreneur]
        )
        if companies:
            shares = self.env["res.partner.relation"].search_fetch(
                [
                    ("type_id.is_shareholding", "=", True),
                    ("right_partner_id", "in", companies.ids),
                    ("left_partner_id.is_company", "=", False),
                    "|",
                    ("date_start", "=", False),
                    ("date_start", "<=", on_date),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", on_date),
                ],
                ["left_partner_id", "right_partner_id", "share_percentage"],
                order="share_percentage desc, id",
            )
            for share in shares:
                entrepreneur.setdefault(share.right_partner_id, share.left_partner_id)
        persons = self.env["res.partner"].browse([p.id for p in entrepreneur.values()])
        persons.fetch(["birth_year"])
        year = on_date.year
        return {
            company: year - person.birth_year
            for company, person in entrepreneur.items()
            if person.birth_year
        }

    def _fetch_group_sizes(self, partners):
        """Number of members of the client group (1 for a client without)."""
        commercial = partners.commercial_partner_id
        counts = dict(
            self.env["res.partner"]._read_group(
                [("client_group_id", "in", commercial.client_group_id.ids)],
                ["client_group_id"],
                ["__count"],
            )
        )
        return {
            partner: counts.get(partner.client_group_id, 1)
            if partner.client_group_id
            else 1
            for partner in commercial
        }

    # ------------------------------------------------------------------
    # Upkeep
    # ------------------------------------------------------------------
    @api.model
    def _upkeep_settings(self):
        """Months after which a strategy is stale and months of the full update,
        from the settings; a broken parameter falls back to the default."""
        return (
            get_param(self.env, STRATEGY_MAX_AGE_MONTHS),
            get_param(self.env, STRATEGY_FULL_UPDATE_MONTHS),
        )

    @api.model
    def _cron_strategy_upkeep(self):
        """Ask the relationship manager of each active client to update its
        strategy of this year when it is missing or stale, and in the months of
        the full update to update every client's strategy. One To-Do per client,
        never a second while one with the same summary is open. A fixed number of
        queries whatever the number of clients."""
        today = fields.Date.context_today(self)
        max_age, full_months = self._upkeep_settings()
        clients = self.env["res.partner"].search(
            [("relation_kind", "=", "client"), ("active", "=", True)]
        )
        if today.month in full_months:
            summary = self.env._("Full strategy update")
            note = self.env._(
                "Periodic full update: check every value and the risk data of the "
                "strategy of %(year)s.",
                year=today.year,
            )
            targets = clients
        else:
            summary = self.env._("Update the client strategy")
            note = self.env._(
                "The strategy of %(year)s is missing or was last updated more than "
                "%(months)s months ago.",
                year=today.year,
                months=max_age,
            )
            limit = fields.Datetime.now() - relativedelta(months=max_age)
            strategies = self.search_fetch(
                [("partner_id", "in", clients.ids), ("year", "=", today.year)],
                ["partner_id", "updated_on"],
            )
            fresh = {
                strategy.partner_id.id
                for strategy in strategies
                if strategy.updated_on and strategy.updated_on >= limit
            }
            targets = clients.filtered(lambda partner: partner.id not in fresh)
        if not targets:
            return
        open_activities = self.env["mail.activity"].search_fetch(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", targets.ids),
                ("summary", "=", summary),
            ],
            ["res_id"],
        )
        already_open = set(open_activities.mapped("res_id"))
        targets = targets.filtered(lambda partner: partner.id not in already_open)
        manager_user = targets._accountancy_manager_users(today.year)
        todo = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("res.partner")
        deadline = today + relativedelta(days=14)
        # mail.activity stores the display name of its record: read them in batch
        targets.mapped("display_name")
        vals_list = []
        for partner in targets:
            user = manager_user.get(partner.id) or partner.user_id
            if not user:
                continue
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": todo.id,
                    "summary": summary,
                    "note": note,
                    "date_deadline": deadline,
                    "user_id": user.id,
                }
            )
        # quick update: no notification e-mail per activity, the managers find
        # them in their activities.
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
            vals_list
        )
