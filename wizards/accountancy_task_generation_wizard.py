import calendar
from datetime import date, datetime, time

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..models import fiscal_deadlines as fd
from ..models.access_checks import check_caller
from ..models.accountancy_hour_norm import FISCAL_LINES
from ..models.accountancy_service_plan import SERVICE_FIELDS
from ..models.parameters import get_param
from ..models.project_project import (
    TASK_PROJECT_MODE,
)

# Who does which service: the role of the client's team whose employee gets the
# task; when the client has nobody in that role, the relationship manager. The
# returns and KvK filing take the role of their line in the service plan
# (accountancy_crm.models.accountancy_hour_norm.FISCAL_LINES), this one when
# the plan has none.
SERVICE_ROLES = {
    "bookkeeping": "accountancy_crm.role_rlm_ass",
    "vat": "accountancy_crm.role_rlm_ass",
    "annual_accounts": "accountancy_crm.role_jrk",
    "tax_returns": "accountancy_crm.role_rlm",
    "payroll": "accountancy_crm.role_rlm_ass",
}
# Deadlines are end-of-day; a datetime at noon keeps the date the same in every
# time zone the firm's users may have.
DEADLINE_TIME = time(12, 0)
# The fields of the service plans the generation reads.
PLAN_FIELDS = ["partner_id", "company_id", "year", *SERVICE_FIELDS]


def last_day(year, month):
    """Last day of ``month`` of ``year``; month 13 is January of the next year."""
    if month > 12:
        year, month = year + 1, month - 12
    return date(year, month, calendar.monthrange(year, month)[1])


def period_deadline(year, last_month):
    """Deadline of a period ending in ``last_month``: the last day of the month
    after it (VAT returns; quarters give 30 Apr, 31 Jul, 31 Oct and 31 Jan)."""
    return last_day(year, last_month + 1)


def yearly_vat_deadline(year):
    """The yearly VAT return is due before 1 April of the next year."""
    return date(year + 1, 3, 31)


class AccountancyTaskGenerationWizard(models.TransientModel):
    """Create the project tasks of a year's confirmed service plans, with their
    deadlines, assigned to the client's team."""

    _name = "accountancy.task.generation.wizard"
    _inherit = ["accountancy.year.clients.mixin"]
    _description = "Generate planning tasks"

    partner_ids = fields.Many2many(
        help="Leave empty to generate the tasks of every client with a confirmed "
        "service plan in the year."
    )
    plan_count = fields.Integer(
        compute="_compute_plan_count", string="Confirmed service plans"
    )

    @api.depends("year", "partner_ids")
    def _compute_plan_count(self):
        for wizard in self:
            wizard.plan_count = self.env["accountancy.service.plan"].search_count(
                wizard._get_plan_domain()
            )

    def _get_plan_domain(self):
        self.ensure_one()
        domain = [("year", "=", self.year), ("state", "=", "confirmed")]
        if self.partner_ids:
            domain.append(("partner_id", "in", self.partner_ids.ids))
        return domain

    @api.model
    def _get_project_mode(self):
        return get_param(self.env, TASK_PROJECT_MODE)

    @api.model
    def _periodic_work(self, year, frequency, prefix, service_line, labels, year_end):
        """The periodic pieces of work of one service in ``year``: ``labels`` holds the
        translated task names per month, per quarter and per year, and
        ``year_end`` the deadline of the yearly one."""
        month_label, quarter_label, year_label = labels
        months = dict(
            self.env["accountancy.service.plan"]
            ._fields["bookkeeping_month"]
            ._description_selection(self.env)
        )
        if frequency == "month":
            return [
                (
                    f"{prefix}-m{month:02d}",
                    service_line,
                    month_label % {"month": months[str(month)], "year": year},
                    period_deadline(year, month),
                )
                for month in range(1, 13)
            ]
        if frequency == "quarter":
            return [
                (
                    f"{prefix}-q{quarter}",
                    service_line,
                    quarter_label % {"quarter": quarter, "year": year},
                    period_deadline(year, 3 * quarter),
                )
                for quarter in range(1, 5)
            ]
        if frequency == "year":
            return [
                (
                    f"{prefix}-year",
                    service_line,
                    year_label % {"year": year},
                    year_end,
                )
            ]
        return []

    @api.model
    def _plan_work(self, plan):
        """The pieces of work of a service plan, as a list of
        (key, service line, name, deadline date or False)."""
        year = plan.year
        # A yearly bookkeeping is produced in the chosen month; without one, in
        # time for the yearly VAT return.
        month = plan.bookkeeping_month
        work = self._periodic_work(
            year,
            plan.bookkeeping_frequency,
            "bookkeeping",
            "bookkeeping",
            (
                self.env._("Bookkeeping %(month)s %(year)s"),
                self.env._("Bookkeeping Q%(quarter)s %(year)s"),
                self.env._("Bookkeeping %(year)s"),
            ),
            last_day(year, int(month)) if month else yearly_vat_deadline(year),
        )
        work += self._periodic_work(
            year,
            plan.vat_frequency,
            "vat",
            "vat",
            (
                self.env._("VAT return %(month)s %(year)s"),
                self.env._("VAT return Q%(quarter)s %(year)s"),
                self.env._("VAT return %(year)s"),
            ),
            yearly_vat_deadline(year),
        )
        if plan.annual_accounts_engagement != "none":
            engagements = dict(
                plan._fields["annual_accounts_engagement"]._description_selection(
                    self.env
                )
            )
            # The plan of a year holds the annual accounts of the year before.
            work.append(
                (
                    "annual-accounts",
                    "annual_accounts",
                    self.env._(
                        "Annual accounts %(year)s (%(engagement)s)",
                        year=year - 1,
                        engagement=engagements[plan.annual_accounts_engagement],
                    ),
                    plan.annual_accounts_date,
                )
            )
        return work

    @api.model
    def _plan_fiscal_work(self, plan, joint_ib_skipped):
        """The returns and KvK filing of a service plan, as a list of
        (key, service line, name, deadline date, extra task values). Every item
        of the plan of year X concerns the tax period or financial year ending
        in X; the deadlines come from models/fiscal_deadlines.py."""
        client = plan.partner_id
        year = plan.year
        year_end = client._accountancy_year_end(year)
        calendar_end = fd.year_end_date(year)
        work = []

        def extra(tax, period_end, deferral=False, **vals):
            role = plan[FISCAL_LINES[tax][0]] or self.env.ref(FISCAL_LINES[tax][1])
            return dict(
                vals,
                accountancy_role_id=role.id,
                accountancy_tax=tax,
                accountancy_period_end=period_end,
                accountancy_deadline_type="deferral" if deferral else "regular",
                accountancy_in_schedule=bool(
                    deferral and fd.in_deferral_schedule(tax, period_end)
                ),
            )

        if plan.ib_return and plan.id not in joint_ib_skipped:
            deferral = plan.ib_deferral
            work.append(
                (
                    "ib",
                    "tax_returns",
                    self.env._("Income tax return %(year)s", year=year),
                    fd.ib_deadline(year, deferral),
                    extra(
                        "ib",
                        calendar_end,
                        deferral,
                        accountancy_fiscal_partner_id=client.fiscal_partner_id.id,
                    ),
                )
            )
        if plan.vpb_return:
            deferral = plan.vpb_deferral
            work.append(
                (
                    "vpb",
                    "tax_returns",
                    self.env._(
                        "Corporate tax return %(year)s (year ending %(end)s)",
                        year=year,
                        end=fields.Date.to_string(year_end),
                    ),
                    fd.vpb_deadline(year_end, deferral),
                    extra("vpb", year_end, deferral),
                )
            )
        months = dict(
            plan._fields["bookkeeping_month"]._description_selection(self.env)
        )
        frequency = plan.payroll_frequency
        for number, __, period_end in fd.payroll_periods(year, frequency):
            if frequency == "month":
                name = self.env._(
                    "Payroll tax return %(month)s %(year)s",
                    month=months[str(number)],
                    year=year,
                )
            else:
                name = self.env._(
                    "Payroll tax return period %(period)s %(year)s",
                    period=number,
                    year=year,
                )
            work.append(
                (
                    f"payroll-{frequency}-{number:02d}",
                    "payroll",
                    name,
                    fd.payroll_deadline(period_end, frequency),
                    extra("payroll", period_end),
                )
            )
        if plan.kvk_filing:
            documents = fd.KVK_FILED_DOCUMENTS.get(client.size_class or "micro")
            work += [
                (
                    "kvk-prepare",
                    "annual_accounts",
                    self.env._("Annual accounts %(year)s: preparation", year=year),
                    fd.kvk_preparation_deadline(year_end, plan.kvk_extension),
                    extra("kvk", year_end),
                ),
                (
                    "kvk-file",
                    "annual_accounts",
                    self.env._(
                        "Annual accounts %(year)s: KvK filing (%(documents)s)",
                        year=year,
                        documents=documents._translate(self.env.lang),
                    ),
                    fd.kvk_filing_deadline(
                        year_end, plan.kvk_adopted_on, plan.kvk_extension
                    ),
                    extra("kvk", year_end),
                ),
            ]
        return work

    @api.model
    def _joint_ib_skipped(self, plans):
        """Ids of the plans whose IB return is filed with the fiscal partner's:
        of two fiscal partners both with an IB return in the year, the one
        with the higher id gets none (one return, linked to both)."""
        with_ib = plans.filtered(
            lambda p: p.ib_return and p.partner_id.fiscal_partner_id
        )
        if not with_ib:
            return set()
        partner_plans = self.env["accountancy.service.plan"].search_fetch(
            [
                ("partner_id", "in", with_ib.partner_id.fiscal_partner_id.ids),
                ("year", "in", list(set(with_ib.mapped("year")))),
                ("ib_return", "=", True),
            ],
            ["partner_id", "year"],
        )
        has_ib = {(p.partner_id.id, p.year) for p in partner_plans}
        return {
            plan.id
            for plan in with_ib
            if (plan.partner_id.fiscal_partner_id.id, plan.year) in has_ib
            and plan.partner_id.fiscal_partner_id.id < plan.partner_id.id
        }

    def action_generate(self):
        """Create the missing tasks (and projects) and open the year's tasks."""
        check_caller(self, "write")
        self.ensure_one()
        if not 2000 <= self.year <= 2100:
            raise UserError(
                self.env._(
                    "Enter a year between 2000 and 2100 to generate the tasks of."
                )
            )
        plans = self.env["accountancy.service.plan"].search_fetch(
            self._get_plan_domain(),
            PLAN_FIELDS,
            order="id",
        )
        if not plans:
            raise UserError(
                self.env._(
                    "There is no confirmed service plan in %(year)s for the chosen "
                    "clients: confirm the service plans first.",
                    year=self.year,
                )
            )
        plans.partner_id._accountancy_check_acceptance("planning_tasks")
        started = self.env["accountancy.job.run"]._accountancy_start_if_many(
            "task_generation", self.year, plans.partner_id
        )
        if started:
            return started
        self._create_tasks(plans)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "accountancy_crm.project_task_action_accountancy_planning"
        )
        action["domain"] = [("accountancy_service_plan_id", "in", plans.ids)]
        return action

    @api.model
    def _accountancy_run_batch(self, year, partners, first=False):
        """The background job of a batch of clients: their missing tasks."""
        wizard = self.new({"year": year, "partner_ids": partners.ids})
        plans = self.env["accountancy.service.plan"].search_fetch(
            wizard._get_plan_domain(),
            PLAN_FIELDS,
            order="id",
        )
        if plans:
            plans.partner_id._accountancy_check_acceptance("planning_tasks")
            wizard._create_tasks(plans)

    def _create_tasks(self, plans):
        """Create the tasks of ``plans`` that do not exist yet, in batches; return
        them. The number of queries does not depend on the number of plans."""
        Task = self.env["project.task"]
        existing = {
            (task.accountancy_service_plan_id.id, task.accountancy_task_key): task
            for task in Task.with_context(active_test=False).search_fetch(
                [("accountancy_service_plan_id", "in", plans.ids)],
                [
                    "accountancy_service_plan_id",
                    "accountancy_task_key",
                    "accountancy_tax",
                    "date_deadline",
                    "accountancy_deadline_type",
                    "accountancy_in_schedule",
                    "accountancy_role_id",
                    "partner_id",
                    "is_closed",
                ],
            )
        }
        joint_ib_skipped = self._joint_ib_skipped(plans)
        todo = []
        extras = {}
        moved = []
        for plan in plans:
            for key, line, name, deadline in self._plan_work(plan):
                if (plan.id, key) not in existing:
                    todo.append((plan, key, line, name, deadline))
            for key, line, name, deadline, vals in self._plan_fiscal_work(
                plan, joint_ib_skipped
            ):
                task = existing.get((plan.id, key))
                if not task:
                    todo.append((plan, key, line, name, deadline))
                    extras[(plan.id, key)] = vals
                else:
                    moved.append((task, deadline, vals))
        self._move_fiscal_tasks(plans, moved)
        if not todo:
            return Task
        role_of_line = {
            line: self.env.ref(SERVICE_ROLES[line]).id
            for line in {line for __, __, line, __, __ in todo}
        }
        task_roles = {
            (plan.id, key): extras.get((plan.id, key), {}).get(
                "accountancy_role_id", role_of_line[line]
            )
            for plan, key, line, __, __ in todo
        }
        users = self._get_team_users(plans, set(task_roles.values()))
        projects = self._get_projects(
            {
                (plan.partner_id, plan.company_id, line)
                for plan, __, line, __, __ in todo
            }
        )
        mode = self._get_project_mode()
        vals_list = []
        for plan, key, line, name, deadline in todo:
            user = users.get((plan.partner_id.id, task_roles[(plan.id, key)]))
            project_line = "all" if mode == "client" else line
            project = projects[(plan.partner_id.id, plan.company_id.id, project_line)]
            vals_list.append(
                {
                    "name": name,
                    "project_id": project.id,
                    "partner_id": plan.partner_id.id,
                    "company_id": plan.company_id.id,
                    "date_deadline": deadline
                    and datetime.combine(deadline, DEADLINE_TIME),
                    "user_ids": [Command.set(user.ids if user else [])],
                    "accountancy_service_plan_id": plan.id,
                    "accountancy_task_key": key,
                    **extras.get((plan.id, key), {}),
                }
            )
        # No follower notifications per task: the assignees see their tasks in
        # their list; mailing thousands of "assigned to you" would flood them.
        return Task.with_context(
            mail_auto_subscribe_no_notify=True, mail_create_nolog=True
        ).create(vals_list)

    def _move_fiscal_tasks(self, plans, moved):
        """A changed plan moves the deadline of an open return and gives it to
        the employee of the plan's role for it when that role changed; done
        ones keep theirs. ``moved``: [(task, deadline, task values)]."""
        moved = [item for item in moved if not item[0].is_closed]
        new_roles = {
            vals["accountancy_role_id"]
            for task, __, vals in moved
            if task.accountancy_role_id
            and task.accountancy_role_id.id != vals["accountancy_role_id"]
        }
        users = self._get_team_users(plans, new_roles) if new_roles else {}
        for task, deadline, vals in moved:
            new = {
                "date_deadline": datetime.combine(deadline, DEADLINE_TIME),
                "accountancy_deadline_type": vals["accountancy_deadline_type"],
                "accountancy_in_schedule": vals["accountancy_in_schedule"],
            }
            changed = {
                fname: value for fname, value in new.items() if task[fname] != value
            }
            role_id = vals["accountancy_role_id"]
            if task.accountancy_role_id.id != role_id:
                changed["accountancy_role_id"] = role_id
                # A return generated before it had a role keeps its assignees.
                if task.accountancy_role_id:
                    user = users.get((task.partner_id.id, role_id))
                    changed["user_ids"] = [Command.set(user.ids if user else [])]
            if changed:
                task.write(changed)

    def _get_team_users(self, plans, role_ids):
        """{(client id, role id): user} from the year's client teams: the user
        of the employee in the role, else of the relationship manager; no
        entry when neither has a user."""
        assignments = self.env["accountancy.assignment"].search_fetch(
            [
                ("year", "=", self.year),
                ("partner_id", "in", plans.partner_id.ids),
                ("role_id", "in", list(role_ids)),
            ],
            ["partner_id", "role_id", "employee_id"],
        )
        # One query for the employees' users of all assignments.
        assignments.employee_id.fetch(["user_id"])
        team = {
            (a.partner_id.id, a.role_id.id): a.employee_id.user_id
            for a in assignments
            if a.employee_id.user_id
        }
        managers = plans.partner_id._accountancy_manager_users(self.year)
        users = {}
        for partner_id in plans.partner_id.ids:
            for role_id in role_ids:
                user = team.get((partner_id, role_id)) or managers.get(partner_id)
                if user:
                    users[(partner_id, role_id)] = user
        return users

    def _get_projects(self, needed):
        """{(client id, company id, project line): project} for the given
        (client, company, service line) triples, creating the missing projects in
        one batch and reusing the ones this wizard created before."""
        mode = self._get_project_mode()
        wanted = {
            (partner, company, "all" if mode == "client" else line)
            for partner, company, line in needed
        }
        Project = self.env["project.project"]
        partners = Project.env["res.partner"].union(*(p for p, __, __ in wanted))
        projects = {}
        for project in Project.search_fetch(
            [
                ("partner_id", "in", partners.ids),
                ("accountancy_service_line", "in", [line for __, __, line in wanted]),
            ],
            ["partner_id", "company_id", "accountancy_service_line"],
            order="id",
        ):
            key = (
                project.partner_id.id,
                project.company_id.id,
                project.accountancy_service_line,
            )
            projects.setdefault(key, project)
        missing = sorted(
            (
                (partner, company, line)
                for partner, company, line in wanted
                if (partner.id, company.id, line) not in projects
            ),
            key=lambda item: (item[0].id, item[1].id, item[2]),
        )
        if missing:
            created = Project.create(
                [
                    {
                        "name": self._get_project_name(partner, line),
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "accountancy_service_line": line,
                        # Internal work: not shown to the client on the portal.
                        "privacy_visibility": "employees",
                    }
                    for partner, company, line in missing
                ]
            )
            for (partner, company, line), project in zip(missing, created, strict=True):
                projects[(partner.id, company.id, line)] = project
        return projects

    def _get_project_name(self, partner, line):
        if line == "bookkeeping":
            return self.env._("%(client)s - Bookkeeping", client=partner.name)
        if line == "vat":
            return self.env._("%(client)s - VAT returns", client=partner.name)
        if line == "annual_accounts":
            return self.env._("%(client)s - Annual accounts", client=partner.name)
        if line == "tax_returns":
            return self.env._("%(client)s - Tax returns", client=partner.name)
        if line == "payroll":
            return self.env._("%(client)s - Payroll tax", client=partner.name)
        return self.env._("%(client)s - Accountancy services", client=partner.name)
