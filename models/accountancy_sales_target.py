from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .access_checks import check_caller
from .window_actions import records_action

MANAGER_GROUP = "accountancy_crm.group_manager"


class AccountancySalesTarget(models.Model):
    """The sales target of a salesperson for a year: an amount of won revenue
    and a number of won opportunities, optionally split over months."""

    _name = "accountancy.sales.target"
    _inherit = ["accountancy.year.mixin"]
    _description = "Sales target"
    _order = "year desc, user_id"
    _check_company_auto = True
    _accountancy_year_range = (2000, 2100)

    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        required=True,
        index=True,
        domain="[('share', '=', False)]",
    )
    year = fields.Integer(
        required=True,
        index=True,
        default=lambda self: fields.Date.context_today(self).year,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    team_id = fields.Many2one(
        related="user_id.sale_team_id", string="Sales team", store=True
    )
    amount = fields.Monetary(
        string="Target amount",
        compute="_compute_totals",
        store=True,
        readonly=False,
        help="Won revenue to reach in the year; the sum of the months when the "
        "target is split over months.",
    )
    won_count = fields.Integer(
        string="Target won opportunities",
        compute="_compute_totals",
        store=True,
        readonly=False,
        help="Number of opportunities to win in the year; the sum of the months "
        "when the target is split over months.",
    )
    month_ids = fields.One2many(
        "accountancy.sales.target.month", "target_id", string="Months", copy=True
    )
    note = fields.Text()
    # Realised figures, from the forecast dashboard (so with the same record
    # rules: a salesperson sees what they may see of the opportunities).
    realised_amount = fields.Monetary(
        string="Realised", compute="_compute_realised", help="Won revenue."
    )
    realised_count = fields.Integer(string="Won", compute="_compute_realised")
    open_amount = fields.Monetary(
        string="Open pipeline",
        compute="_compute_realised",
        help="Expected revenue of the open opportunities expected to close in "
        "the year.",
    )
    progress = fields.Float(
        string="Progress (%)",
        compute="_compute_realised",
        help="Realised as a percentage of the target amount.",
    )
    count_progress = fields.Float(
        string="Won opportunities (%)",
        compute="_compute_realised",
        help="Won opportunities as a percentage of the target number.",
    )

    _sql_constraints = [
        (
            "user_year_company_uniq",
            "unique(user_id, year, company_id)",
            (
                "A salesperson has one sales target per year and company: "
                "change the existing target instead."
            ),
        ),
    ]

    @api.depends("month_ids.amount", "month_ids.won_count")
    def _compute_totals(self):
        for target in self:
            if target.month_ids:
                target.update(
                    target.month_ids._accountancy_month_totals(["amount", "won_count"])
                )
            else:
                target.amount = target.amount
                target.won_count = target.won_count

    @api.depends("user_id", "year", "company_id", "amount", "won_count")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_realised(self):
        figures = {}
        targets = self.filtered("user_id")
        if targets:
            groups = self.env["accountancy.sales.report"]._read_group(
                [
                    ("kind", "in", ["opportunity_won", "opportunity_open"]),
                    ("user_id", "in", targets.user_id.ids),
                    ("year", "in", list(set(targets.mapped("year")))),
                    ("company_id", "in", [*targets.company_id.ids, False]),
                ],
                ["user_id", "year", "company_id"],
                ["realised_amount:sum", "won_count:sum", "open_amount:sum"],
            )
            for user, year, company, realised, won, open_amount in groups:
                figure = figures.setdefault((user.id, year, company.id), [0.0, 0, 0.0])
                figure[0] += realised
                figure[1] += won
                figure[2] += open_amount
        for target in self:
            key = (target.user_id.id, target.year)
            own = figures.get((*key, target.company_id.id), [0.0, 0, 0.0])
            # Opportunities without a company count for every company.
            shared = figures.get((*key, False), [0.0, 0, 0.0])
            target.realised_amount = own[0] + shared[0]
            target.realised_count = own[1] + shared[1]
            target.open_amount = own[2] + shared[2]
            target.progress = (
                100.0 * target.realised_amount / target.amount if target.amount else 0.0
            )
            target.count_progress = (
                100.0 * target.realised_count / target.won_count
                if target.won_count
                else 0.0
            )

    @api.constrains("amount", "won_count")
    def _check_amounts(self):
        for target in self:
            if target.amount < 0 or target.won_count < 0:
                raise ValidationError(
                    self.env._(
                        "The sales target of %(user)s for %(year)s is negative "
                        "(amount %(amount)s, won opportunities %(count)s): enter "
                        "zero or more.",
                        user=target.user_id.name,
                        year=target.year,
                        amount=target.amount,
                        count=target.won_count,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        # The closed-years check compares years: validate their type first.
        for vals in vals_list:
            self._accountancy_check_year_values(vals)
        self._check_closed_years(vals.get("year") for vals in vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._accountancy_check_year_values(vals)
        years = self.mapped("year")
        if "year" in vals:
            years.append(vals["year"])
        self._check_closed_years(years)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_closed_year(self):
        self._check_closed_years(self.mapped("year"))

    @api.model
    def _check_closed_years(self, years):
        """A year before the current one is closed: only accountancy managers
        may still change its targets."""
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        this_year = fields.Date.context_today(self).year
        closed = sorted({year for year in years if year and year < this_year})
        if closed:
            raise UserError(
                self.env._(
                    "The sales targets of %(years)s are closed: only accountancy "
                    "managers may change targets of years before %(this_year)s. "
                    "Ask a manager, or change a target of this year or a later "
                    "one.",
                    years=", ".join(str(year) for year in closed),
                    this_year=this_year,
                )
            )

    @api.depends("user_id", "year")
    def _compute_display_name(self):
        for target in self:
            target.display_name = f"{target.user_id.name or ''} {target.year or ''}"

    def action_view_dashboard(self):
        """The forecast dashboard of the target's salesperson and year."""
        check_caller(self, "read")
        self.ensure_one()
        return records_action(
            self.env,
            "accountancy_crm.accountancy_sales_report_action",
            [("user_id", "=", self.user_id.id), ("year", "=", self.year)],
            {"pivot_row_groupby": ["kind"]},
        )
