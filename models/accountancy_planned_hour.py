from collections import Counter

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL

from . import fiscal_deadlines as fd
from .accountancy_hour_norm import FISCAL_LINES, SERVICES
from .accountancy_service_plan import MONTHS, SERVICE_FIELDS

# Plan fields the planned hours are derived from: a change of any of them
# regenerates the plan's planned hours.
PLAN_FIELDS = {"partner_id", "year", "company_id", "bookkeeping_watch", *SERVICE_FIELDS}
# The fiscal calendar's services and the line of the plan each belongs to.
FISCAL_SERVICES = {
    "ib_return": "ib",
    "vpb_return": "vpb",
    "payroll_month": "payroll",
    "payroll_four_weeks": "payroll",
    "kvk_filing": "kvk",
}
# Month of the annual accounts when the plan has no completion date.
DEFAULT_ANNUAL_ACCOUNTS_MONTH = 6
# Month of a yearly bookkeeping when the plan does not say when it is produced.
DEFAULT_BOOKKEEPING_MONTH = 12
# A yearly VAT return is due before 1 April of the next year.
YEARLY_VAT_MONTH = 3


class AccountancyPlannedHour(models.Model):
    """Hours a service plan asks of one employee of the client's team in one
    month. Derived data: regenerated in batch from the plans, the hour norms and
    the client teams, never edited by hand."""

    _name = "accountancy.planned.hour"
    _inherit = ["accountancy.client.year.mixin"]
    _description = "Planned hours"
    _order = "date, employee_id, partner_id, service"

    plan_id = fields.Many2one(
        "accountancy.service.plan",
        string="Service plan",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    # The plan's client, year and company, copied for the capacity overviews.
    partner_id = fields.Many2one(readonly=True, check_company=False)
    employee_id = fields.Many2one(
        "hr.employee", required=True, index=True, ondelete="cascade", readonly=True
    )
    role_id = fields.Many2one(
        "accountancy.role", required=True, ondelete="cascade", readonly=True
    )
    service = fields.Selection(SERVICES, required=True, readonly=True)
    date = fields.Date(
        string="Month", required=True, readonly=True, help="First day of the month."
    )
    year = fields.Integer(readonly=True, default=None)
    month = fields.Selection(
        MONTHS, string="Calendar month", required=True, readonly=True
    )
    hours = fields.Float(digits=(16, 2), aggregator="sum", readonly=True)
    company_id = fields.Many2one(readonly=True, required=False, default=None)

    def init(self):
        # The capacity overview sums the hours per employee and month.
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS accountancy_planned_hour_employee_year_idx "
                "ON accountancy_planned_hour (employee_id, year, month)"
            )
        )

    @api.model
    def _hours_per_employee_year(self, employee_ids, years):
        """{(employee id, year): planned hours}, in one query."""
        groups = self._read_group(
            [("employee_id", "in", list(employee_ids)), ("year", "in", list(years))],
            ["employee_id", "year"],
            ["hours:sum"],
        )
        return {(employee.id, year): hours for employee, year, hours in groups}

    @api.model
    def _hours_per_employee_month(self, employee_ids, years):
        """{(employee id, year, month): planned hours}, in one query."""
        groups = self._read_group(
            [("employee_id", "in", list(employee_ids)), ("year", "in", list(years))],
            ["employee_id", "year", "month"],
            ["hours:sum"],
        )
        return {
            (employee.id, year, month): hours for employee, year, month, hours in groups
        }

    # ------------------------------------------------------------------
    # Synchronisation with the service plans
    # ------------------------------------------------------------------

    @api.model
    def _plan_fields(self):
        return PLAN_FIELDS

    @api.model
    def _plan_domain_for_services(self, services):
        """Domain of the plans of this year and later that use one of
        ``services`` (earlier years are history and keep their hours)."""
        parts = []
        for service in services:
            if service.startswith("bookkeeping_") and service != "bookkeeping_watch":
                parts.append([("bookkeeping_frequency", "=", service[12:])])
            elif service == "bookkeeping_watch":
                parts.append([("bookkeeping_watch", "=", True)])
            elif service.startswith("vat_"):
                parts.append([("vat_frequency", "=", service[4:])])
            elif service.startswith("annual_"):
                parts.append([("annual_accounts_engagement", "=", service[7:])])
            elif service.startswith("payroll_"):
                parts.append([("payroll_frequency", "=", service[8:])])
            elif service in FISCAL_SERVICES:
                parts.append([(service, "=", True)])
        if not parts:
            return expression.FALSE_DOMAIN
        year = fields.Date.context_today(self).year
        return expression.AND([[("year", ">=", year)], expression.OR(parts)])

    @api.model
    def _sync_plan_domain(self, domain, extra_domain=None):
        if extra_domain is not None:
            domain = expression.OR([domain, extra_domain])
        plans = self.env["accountancy.service.plan"].sudo().search(domain)
        Run = self.env["accountancy.job.run"]
        if Run._accountancy_use_jobs(plans.partner_id):
            # Many clients: in the background, one run per plan year.
            for year in sorted(set(plans.mapped("year"))):
                year_plans = plans.filtered(lambda plan, year=year: plan.year == year)
                Run._accountancy_start(
                    "planned_hours_sync", year, year_plans.partner_id
                )
            return
        self._sync_plans(plans)

    @api.model
    def _accountancy_run_batch(self, year, partners, first=False):
        """The background job of a batch of clients: regenerate the planned
        hours of their service plans of ``year``."""
        plans = (
            self.env["accountancy.service.plan"]
            .sudo()
            .search([("year", "=", year), ("partner_id", "in", partners.ids)])
        )
        self._sync_plans(plans)

    @api.model
    def _sync_partner_years(self, pairs):
        """Regenerate the plans of the given (partner id, year) pairs, e.g. after
        a change of their client team."""
        pairs = {(partner_id, year) for partner_id, year in pairs if partner_id}
        if not pairs:
            return
        plans = (
            self.env["accountancy.service.plan"]
            .sudo()
            .search_fetch(
                [
                    ("partner_id", "in", list({p for p, _y in pairs})),
                    ("year", "in", list({y for _p, y in pairs})),
                ],
                ["partner_id", "year"],
                order="id",
            )
        )
        self._sync_plans(
            plans.filtered(lambda plan: (plan.partner_id.id, plan.year) in pairs)
        )

    @api.model
    def _sync_plans(self, plans):
        """Regenerate the planned hours of ``plans`` from the hour norms and the
        client teams of the plan years, in a fixed number of queries.

        Plans in every state count, "done" included: their hours used the
        capacity of the months in which they were delivered. The planned hours
        are derived data that users may read but not edit; the sync runs as
        superuser so that whoever may change a plan or a team also updates them.
        """
        plans = plans.sudo().exists()
        if not plans:
            return
        env = self.sudo().env
        plans.fetch(sorted(PLAN_FIELDS))
        # One query for what the client types and the deadlines need.
        plans.partner_id.fetch(
            ["client_type_id", "accountancy_year_end_month", "accountancy_year_end_day"]
        )
        partner_ids = plans.partner_id.ids
        years = list(set(plans.mapped("year")))
        client_types = self._client_types(plans, partner_ids, years)
        team = {
            (a.partner_id.id, a.year, a.role_id.id): a.employee_id.id
            for a in env["accountancy.assignment"].search_fetch(
                [("partner_id", "in", partner_ids), ("year", "in", years)],
                ["partner_id", "year", "role_id", "employee_id"],
            )
        }
        norms = self._norms_by_service()
        rows = []
        for plan in plans:
            client_type = client_types.get((plan.partner_id.id, plan.year))
            for service, months in self._plan_services(plan):
                picked = self._pick_norms(
                    norms.get(service, []), client_type, plan.company_id.id
                )
                if service in FISCAL_SERVICES:
                    picked = self._fiscal_line_hours(plan, service, picked)
                for role_id, hours in picked:
                    employee_id = team.get((plan.partner_id.id, plan.year, role_id))
                    if not employee_id or not hours:
                        continue
                    # Two four-weekly payroll returns can fall in one month.
                    for (year, month), count in Counter(months).items():
                        rows.append(
                            (
                                plan,
                                employee_id,
                                role_id,
                                service,
                                year,
                                month,
                                hours * count,
                            )
                        )
        self._replace_rows(plans, rows)

    @api.model
    def _client_types(self, plans, partner_ids, years):
        """Client type of each (partner, year): the one of the strategy of that
        year, else the partner's current one."""
        strategies = (
            self.env["accountancy.strategy"]
            .sudo()
            .search_fetch(
                [("partner_id", "in", partner_ids), ("year", "in", years)],
                ["partner_id", "year", "client_type_id"],
            )
        )
        result = {
            (s.partner_id.id, s.year): s.client_type_id.id
            for s in strategies
            if s.client_type_id
        }
        plans.partner_id.fetch(["client_type_id"])
        for plan in plans:
            key = (plan.partner_id.id, plan.year)
            if key not in result:
                result[key] = plan.partner_id.client_type_id.id
        return result

    @api.model
    def _norms_by_service(self):
        """Active norms per service, the most specific first (own client type
        before any type, own office before shared)."""
        norms = (
            self.env["accountancy.hour.norm"]
            .sudo()
            .search_fetch(
                [], ["service", "role_id", "client_type_id", "company_id", "hours"]
            )
        )
        result = {}
        for norm in norms:
            result.setdefault(norm.service, []).append(
                (
                    norm.role_id.id,
                    norm.client_type_id.id,
                    norm.company_id.id,
                    norm.hours,
                )
            )
        for entries in result.values():
            entries.sort(key=lambda e: (bool(e[1]), bool(e[2])), reverse=True)
        return result

    @api.model
    def _pick_norms(self, entries, client_type_id, company_id):
        """(role id, hours) per role: the first, most specific, norm that fits
        the client type and the office."""
        picked = {}
        for role_id, norm_type, norm_company, hours in entries:
            if role_id in picked:
                continue
            if norm_type and norm_type != client_type_id:
                continue
            if norm_company and norm_company != company_id:
                continue
            picked[role_id] = hours
        return picked.items()

    @api.model
    def _primary_role(self, picked):
        """The role that does a service: the one with the most hours among the
        norms ``picked`` (the first in role order when equal), or None."""
        picked = [(role_id, hours) for role_id, hours in picked if hours]
        return max(picked, key=lambda item: item[1])[0] if picked else None

    @api.model
    def _fiscal_line_hours(self, plan, service, picked):
        """(role id, hours) of a fiscal line: the hours of the service's
        primary role go to the role the plan gives the line (the employee who
        does the return), the other roles keep theirs."""
        role_id = plan[FISCAL_LINES[FISCAL_SERVICES[service]][0]].id
        primary = self._primary_role(picked)
        if not role_id or primary is None or role_id == primary:
            return picked
        result = {}
        for norm_role, hours in picked:
            target = role_id if norm_role == primary else norm_role
            result[target] = result.get(target, 0.0) + hours
        return result.items()

    @api.model
    def _default_fiscal_roles(self, plans):
        """{(plan id, line): role id} of the fiscal lines the plans switch on:
        the primary role of the line's hour norms for the plan's client type
        and office, else the line's standard role. A fixed number of queries."""
        plans = plans.sudo().filtered(
            lambda plan: any(
                self._plan_has_service(plan, service) for service in FISCAL_SERVICES
            )
        )
        if not plans:
            return {}
        norms = self._norms_by_service()
        real = plans.filtered("id")
        client_types = (
            self._client_types(
                real, real.partner_id.ids, list(set(real.mapped("year")))
            )
            if real
            else {}
        )
        fallbacks = {
            line: self.env.ref(xmlid).id for line, (__, xmlid) in FISCAL_LINES.items()
        }
        result = {}
        for plan in plans:
            client_type = client_types.get(
                (plan.partner_id.id, plan.year), plan.partner_id.client_type_id.id
            )
            for service, line in FISCAL_SERVICES.items():
                if not self._plan_has_service(plan, service):
                    continue
                picked = self._pick_norms(
                    norms.get(service, []), client_type, plan.company_id.id
                )
                result[(plan.id, line)] = self._primary_role(picked) or fallbacks[line]
        return result

    @api.model
    def _plan_has_service(self, plan, service):
        if service.startswith("payroll_"):
            return plan.payroll_frequency == service[8:]
        return bool(plan[service])

    @api.model
    def _fiscal_services(self, plan):
        """(service, [(year, month), ...]) of the plan's returns and KvK
        filing: each in the month of its deadline, the work's last month (a
        deadline on the first of a month counts in the month before)."""
        client = plan.partner_id
        year_end = client._accountancy_year_end(plan.year)

        def month_of(deadline):
            if deadline.day == 1:
                deadline -= relativedelta(days=1)
            return (deadline.year, deadline.month)

        services = []
        if plan.ib_return:
            deadline = fd.ib_deadline(plan.year, plan.ib_deferral)
            services.append(("ib_return", [month_of(deadline)]))
        if plan.vpb_return:
            deadline = fd.vpb_deadline(year_end, plan.vpb_deferral)
            services.append(("vpb_return", [month_of(deadline)]))
        frequency = plan.payroll_frequency
        periods = fd.payroll_periods(plan.year, frequency)
        if periods:
            services.append(
                (
                    f"payroll_{frequency}",
                    [
                        month_of(fd.payroll_deadline(end, frequency))
                        for __, __, end in periods
                    ],
                )
            )
        if plan.kvk_filing:
            deadline = fd.kvk_filing_deadline(
                year_end, plan.kvk_adopted_on, plan.kvk_extension
            )
            services.append(("kvk_filing", [month_of(deadline)]))
        return services

    @api.model
    def _plan_services(self, plan):
        """(service, [(year, month), ...]) of the services the plan switches on.

        Monthly services fall in each month, quarterly ones in the month after
        each quarter (the fourth quarter in January of the next year), a yearly
        bookkeeping in the plan's production month (else December), a yearly
        VAT return in March of the next year and the annual accounts in the month
        of their completion date (else June of the plan year)."""
        year = plan.year
        every_month = [(year, m) for m in range(1, 13)]
        after_quarters = [(year, 4), (year, 7), (year, 10), (year + 1, 1)]
        frequency_months = {
            "month": every_month,
            "quarter": after_quarters,
        }
        services = []
        frequency = plan.bookkeeping_frequency
        if frequency == "year":
            month = int(plan.bookkeeping_month or DEFAULT_BOOKKEEPING_MONTH)
            services.append(("bookkeeping_year", [(year, month)]))
        elif frequency in frequency_months:
            services.append((f"bookkeeping_{frequency}", frequency_months[frequency]))
        if plan.bookkeeping_watch:
            services.append(("bookkeeping_watch", every_month))
        frequency = plan.vat_frequency
        if frequency == "year":
            services.append(("vat_year", [(year + 1, YEARLY_VAT_MONTH)]))
        elif frequency in frequency_months:
            services.append((f"vat_{frequency}", frequency_months[frequency]))
        engagement = plan.annual_accounts_engagement
        if engagement and engagement != "none":
            done_on = plan.annual_accounts_date
            when = (
                (done_on.year, done_on.month)
                if done_on
                else (year, DEFAULT_ANNUAL_ACCOUNTS_MONTH)
            )
            services.append((f"annual_{engagement}", [when]))
        return services + self._fiscal_services(plan)

    @api.model
    def _replace_rows(self, plans, rows):
        """Delete the plans' planned hours and insert ``rows`` in one statement
        each: the ORM would insert per 100 rows and delete per 1,000 ids, so the
        query count would grow with the firm; these rows carry no computed
        fields, translations or attachments that the ORM would maintain."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                "DELETE FROM accountancy_planned_hour WHERE plan_id = ANY(%s)",
                plans.ids,
            )
        )
        if rows:
            columns = list(zip(*rows, strict=True))
            plan_rows = columns[0]
            cr.execute(
                SQL(
                    """
                    INSERT INTO accountancy_planned_hour (
                        plan_id, partner_id, company_id, employee_id, role_id,
                        service, year, month, date, hours,
                        create_uid, write_uid, create_date, write_date
                    )
                    SELECT r.plan_id, r.partner_id, r.company_id, r.employee_id,
                           r.role_id, r.service, r.year, r.month::varchar,
                           make_date(r.year, r.month, 1), r.hours,
                           %(uid)s, %(uid)s,
                           now() at time zone 'UTC', now() at time zone 'UTC'
                      FROM unnest(
                           %(plan)s::int[], %(partner)s::int[], %(company)s::int[],
                           %(employee)s::int[], %(role)s::int[],
                           %(service)s::varchar[], %(year)s::int[], %(month)s::int[],
                           %(hours)s::float8[]
                      ) AS r(plan_id, partner_id, company_id, employee_id, role_id,
                             service, year, month, hours)
                    """,
                    uid=self.env.uid,
                    plan=[plan.id for plan in plan_rows],
                    partner=[plan.partner_id.id for plan in plan_rows],
                    company=[plan.company_id.id or None for plan in plan_rows],
                    employee=list(columns[1]),
                    role=list(columns[2]),
                    service=list(columns[3]),
                    year=list(columns[4]),
                    month=list(columns[5]),
                    hours=list(columns[6]),
                )
            )
        self.invalidate_model()
