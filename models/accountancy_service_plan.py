from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.translate import LazyTranslate

from .accountancy_hour_norm import FISCAL_LINES
from .fiscal_deadlines import PAYROLL_FREQUENCIES
from .parameters import Param, get_param, int_at_least
from .res_partner import IB_LEGAL_FORMS

_lt = LazyTranslate(__name__)

FREQUENCIES = [
    ("none", "None"),
    ("month", "Monthly"),
    ("quarter", "Quarterly"),
    ("year", "Yearly"),
]
# The range of years that can be planned, around the current year; the
# settings change it.
PLANNING_YEARS_BACK = Param("accountancy_crm.planning_years_back", 1, int_at_least(0))
PLANNING_YEARS_AHEAD = Param("accountancy_crm.planning_years_ahead", 2, int_at_least(0))
# The services the plan orders and the roles that do them: the planned hours
# and the generated tasks are made from these.
SERVICE_FIELDS = (
    "bookkeeping_frequency",
    "bookkeeping_month",
    "vat_frequency",
    "annual_accounts_engagement",
    "annual_accounts_date",
    "ib_return",
    "ib_deferral",
    "vpb_return",
    "vpb_deferral",
    "payroll_frequency",
    "kvk_filing",
    "kvk_extension",
    "kvk_adopted_on",
    "ib_role_id",
    "vpb_role_id",
    "payroll_role_id",
    "kvk_role_id",
)
# Fields of the plan itself: changing one of them refreshes updated_on.
PLAN_DATA_FIELDS = {
    "partner_id",
    "year",
    "state",
    "bookkeeping_watch",
    "compilation_ready_date",
    *SERVICE_FIELDS,
}
MONTHS = [
    ("1", "January"),
    ("2", "February"),
    ("3", "March"),
    ("4", "April"),
    ("5", "May"),
    ("6", "June"),
    ("7", "July"),
    ("8", "August"),
    ("9", "September"),
    ("10", "October"),
    ("11", "November"),
    ("12", "December"),
]


class AccountancyServicePlan(models.Model):
    """The standard services the firm delivers to a client in a year."""

    _name = "accountancy.service.plan"
    _inherit = ["accountancy.client.year.mixin", "accountancy.import.template.mixin"]
    _description = "Service plan"
    _order = "year desc, partner_id"
    _check_company_auto = True
    _accountancy_import_templates = [
        (_lt("Import template for service plans"), "service_plans.xlsx")
    ]

    bookkeeping_frequency = fields.Selection(
        FREQUENCIES, string="Bookkeeping", required=True, default="none"
    )
    bookkeeping_month = fields.Selection(
        MONTHS,
        string="Bookkeeping produced in",
        help="Month in which the firm produces a yearly bookkeeping.",
    )
    bookkeeping_watch = fields.Boolean(
        string="Watching over the bookkeeping",
        help="The client keeps its own books and the firm watches over them "
        "(meekijken).",
    )
    vat_frequency = fields.Selection(
        FREQUENCIES, string="VAT return", required=True, default="none"
    )
    compilation_ready_date = fields.Date(
        string="Ready for compilation (previous year)",
        help="Date on which the records of the previous year are complete enough "
        "to compile the annual accounts (samenstelwaardig).",
    )
    annual_accounts_engagement = fields.Selection(
        [
            ("none", "None"),
            ("compilation", "Compilation"),
            ("review", "Review"),
            ("audit", "Audit"),
        ],
        string="Annual accounts engagement",
        required=True,
        default="none",
    )
    annual_accounts_date = fields.Date(
        string="Annual accounts completed on",
        help="Planned completion date of the annual accounts of the previous year.",
    )
    state = fields.Selection(
        [
            ("proposal", "Automatic proposal"),
            ("confirmed", "Confirmed"),
            ("done", "Done"),
        ],
        string="Planning status",
        required=True,
        default="proposal",
        index=True,
    )
    # The fiscal calendar: the returns of the plan's year (tax year) and the
    # KvK filing of its annual accounts. Deadlines: models/fiscal_deadlines.py.
    ib_return = fields.Boolean(
        string="Income tax return (IB)",
        help="The firm files the client's income tax return of this year; for "
        "fiscal partners one return, linked to both.",
    )
    ib_deferral = fields.Boolean(
        string="IB on the deferral list",
        help="The firm requested deferral for this return under the "
        "Uitstelregeling belastingconsulenten (beconregeling).",
    )
    vpb_return = fields.Boolean(string="Corporate tax return (VPB)")
    vpb_deferral = fields.Boolean(string="VPB on the deferral list")
    payroll_frequency = fields.Selection(
        PAYROLL_FREQUENCIES, string="Payroll tax returns", required=True, default="none"
    )
    kvk_filing = fields.Boolean(
        string="KvK filing of the annual accounts",
        help="The firm prepares and files the annual accounts of the financial "
        "year ending in this year with the KvK (deponering).",
    )
    kvk_extension = fields.Boolean(
        string="Preparation extended by the shareholders",
        help="The general meeting extended the preparation term by 5 months.",
    )
    kvk_adopted_on = fields.Date(
        string="Annual accounts adopted on",
        help="The filing is due 8 days after adoption, at the latest 12 months "
        "after the year end.",
    )
    # The role of the client's team that does each line: its employee of the
    # plan's year gets the tasks. Default: the role with the most hours in the
    # line's hour norm (accountancy.planned.hour._default_fiscal_roles).
    ib_role_id = fields.Many2one(
        "accountancy.role",
        string="IB return done by",
        compute="_compute_fiscal_roles",
        store=True,
        readonly=False,
        ondelete="restrict",
    )
    vpb_role_id = fields.Many2one(
        "accountancy.role",
        string="VPB return done by",
        compute="_compute_fiscal_roles",
        store=True,
        readonly=False,
        ondelete="restrict",
    )
    payroll_role_id = fields.Many2one(
        "accountancy.role",
        string="Payroll tax returns done by",
        compute="_compute_fiscal_roles",
        store=True,
        readonly=False,
        ondelete="restrict",
    )
    kvk_role_id = fields.Many2one(
        "accountancy.role",
        string="KvK filing done by",
        compute="_compute_fiscal_roles",
        store=True,
        readonly=False,
        ondelete="restrict",
    )
    updated_on = fields.Date(default=fields.Date.context_today, readonly=True)
    client_group_id = fields.Many2one(related="partner_id.client_group_id")
    client_type_id = fields.Many2one(related="partner_id.client_type_id")

    _sql_constraints = [
        (
            "partner_year_uniq",
            "unique(partner_id, year)",
            (
                "A client has one service plan per year: change the existing plan "
                "instead of adding a second one."
            ),
        ),
    ]

    @api.depends(
        "partner_id", "ib_return", "vpb_return", "payroll_frequency", "kvk_filing"
    )
    def _compute_fiscal_roles(self):
        # A line switched on gets its default role once; one switched off
        # loses it.
        defaults = self.env["accountancy.planned.hour"]._default_fiscal_roles(self)
        for plan in self:
            for line, (fname, __) in FISCAL_LINES.items():
                role_id = defaults.get((plan.id, line))
                if not role_id:
                    plan[fname] = False
                elif not plan[fname]:
                    plan[fname] = role_id

    @api.model
    def _planning_year_range(self):
        """(first, last) year that may be planned, from the settings."""
        this_year = fields.Date.context_today(self).year
        return (
            this_year - get_param(self.env, PLANNING_YEARS_BACK),
            this_year + get_param(self.env, PLANNING_YEARS_AHEAD),
        )

    @api.model
    def _check_planning_year(self, year, client):
        first, last = self._planning_year_range()
        if not first <= year <= last:
            raise ValidationError(
                self.env._(
                    "The year %(year)s of %(client)s cannot be planned: enter a year "
                    "from %(first)s to %(last)s. A manager can widen this range in "
                    "the settings (Accountancy, Planning).",
                    year=year,
                    client=client.display_name,
                    first=first,
                    last=last,
                )
            )

    @api.constrains("year")
    def _check_year(self):
        for plan in self:
            self._check_planning_year(plan.year, plan.partner_id)

    @api.constrains("bookkeeping_frequency", "bookkeeping_month")
    def _check_bookkeeping_month(self):
        for plan in self:
            if plan.bookkeeping_frequency == "year" and not plan.bookkeeping_month:
                raise ValidationError(
                    self.env._(
                        "The bookkeeping of %(client)s in %(year)s is yearly: enter "
                        "the month in which the firm produces it.",
                        client=plan.partner_id.display_name,
                        year=plan.year,
                    )
                )

    @api.constrains(
        "partner_id",
        "ib_return",
        "ib_deferral",
        "vpb_return",
        "vpb_deferral",
        "kvk_filing",
    )
    def _check_fiscal_returns(self):
        for plan in self:
            client = plan.partner_id
            name = client.display_name
            if plan.ib_return and client.is_company:
                raise ValidationError(
                    self.env._(
                        "%(client)s is a company: an income tax (IB) return is "
                        "filed by persons. Plan the IB return on the owners or "
                        "partners, or a VPB return on the company.",
                        client=name,
                    )
                )
            if plan.vpb_return and (not client.is_company or client.tax_regime == "ib"):
                raise ValidationError(
                    self.env._(
                        "%(client)s does not pay corporate tax (VPB): it is a person "
                        "or a company under income tax (IB regime). Remove the VPB "
                        "return or correct the client's legal form.",
                        client=name,
                    )
                )
            for tax_return, deferral, label in (
                (plan.ib_return, plan.ib_deferral, "IB"),
                (plan.vpb_return, plan.vpb_deferral, "VPB"),
            ):
                if deferral and not tax_return:
                    raise ValidationError(
                        self.env._(
                            "%(client)s is on the %(tax)s deferral list of %(year)s "
                            "without a %(tax)s return in the plan: tick the return "
                            "or take the client off the list.",
                            client=name,
                            tax=label,
                            year=plan.year,
                        )
                    )
            if plan.kvk_filing and (
                not client.is_company or client.legal_form in IB_LEGAL_FORMS
            ):
                raise ValidationError(
                    self.env._(
                        "%(client)s is not a legal person and files no annual "
                        "accounts with the KvK: remove the KvK filing.",
                        client=name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        plans = super().create(vals_list)
        # Planned hours per employee per month (accountancy.planned.hour).
        self.env["accountancy.planned.hour"]._sync_plans(plans)
        return plans

    def write(self, vals):
        if PLAN_DATA_FIELDS.intersection(vals) and "updated_on" not in vals:
            vals = dict(vals, updated_on=fields.Date.context_today(self))
        res = super().write(vals)
        Planned = self.env["accountancy.planned.hour"]
        if Planned._plan_fields().intersection(vals):
            Planned._sync_plans(self)
        return res
