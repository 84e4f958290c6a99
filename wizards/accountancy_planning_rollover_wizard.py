from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..models.access_checks import check_caller

# Set by the roll-over itself rather than copied.
NOT_COPIED = {"year", "state", "updated_on", "budget_id"}


def _copied_fields(model):
    """The fields of ``model`` a roll-over copies: what Odoo's duplicate would
    copy (stored, copy=True), leaving out computed and related fields (they are
    computed again) and x2many fields. Fields other parts of the module add to
    the planning models are so carried over too."""
    return [
        name
        for name, field in model._fields.items()
        if field.store
        and field.copy
        and not (field.compute and field.readonly)
        and field.type not in ("one2many", "many2many")
        and name not in models.MAGIC_COLUMNS
        and name not in NOT_COPIED
    ]


def _vals(record, field_names):
    """Values of ``field_names`` of an already fetched record, many2ones as ids."""
    vals = {}
    for name in field_names:
        value = record[name]
        vals[name] = value.id if isinstance(value, models.BaseModel) else value
    return vals


class AccountancyPlanningRolloverWizard(models.TransientModel):
    """Copy a year's client teams, service plans, advisory statuses and employee
    budgets into the next year, as the starting point of its planning."""

    _name = "accountancy.planning.rollover.wizard"
    _inherit = ["accountancy.year.mixin"]
    _accountancy_year_fields = ("year_from", "year_to")
    _description = "Roll the planning over to the next year"

    year_from = fields.Integer(
        string="From year",
        required=True,
        default=lambda self: fields.Date.context_today(self).year,
    )
    year_to = fields.Integer(
        string="To year",
        required=True,
        default=lambda self: fields.Date.context_today(self).year + 1,
    )
    assignment_count = fields.Integer(
        compute="_compute_counts", string="Team assignments to create"
    )
    service_plan_count = fields.Integer(
        compute="_compute_counts", string="Service plans to create"
    )
    advisory_status_count = fields.Integer(
        compute="_compute_counts", string="Advisory statuses to create"
    )
    employee_budget_count = fields.Integer(
        compute="_compute_counts", string="Employee budgets to create"
    )
    year_error = fields.Char(compute="_compute_counts")

    @api.depends("year_from", "year_to")
    def _compute_counts(self):
        for wizard in self:
            wizard.year_error = wizard._get_year_error()
            if wizard.year_error:
                wizard.assignment_count = wizard.service_plan_count = 0
                wizard.advisory_status_count = wizard.employee_budget_count = 0
                continue
            todo = wizard._prepare_rollover()
            wizard.assignment_count = len(todo["accountancy.assignment"])
            wizard.service_plan_count = len(todo["accountancy.service.plan"])
            wizard.advisory_status_count = len(todo["accountancy.advisory.status"])
            wizard.employee_budget_count = len(todo["accountancy.employee.budget"])

    def _get_year_error(self):
        self.ensure_one()
        if not self.year_from or not 2000 <= self.year_from <= 2099:
            return self.env._(
                "Enter a year between 2000 and 2099 to copy the planning from."
            )
        if self.year_to != self.year_from + 1:
            return self.env._(
                "The planning can only be rolled over to the next year: copy "
                "%(year_from)s to %(next_year)s (not %(year_to)s).",
                year_from=self.year_from,
                next_year=self.year_from + 1,
                year_to=self.year_to,
            )
        return False

    def _prepare_rollover(self, partners=None, budgets=True):
        """Return {model name: [create values]} of the records to add to
        ``year_to``: everything of ``year_from`` that does not exist there yet,
        leaving out former clients, archived clients and archived employees;
        only of ``partners`` when given, and the employee budgets only when
        ``budgets``. Reads each model in one query whatever the number of
        clients."""
        self.ensure_one()
        year_to = self.year_to
        active_client = [
            ("partner_id.active", "=", True),
            ("partner_id.relation_kind", "!=", "former_client"),
        ]
        if partners is not None:
            active_client.append(("partner_id", "in", partners.ids))
        active_employee = [("employee_id.active", "=", True)]
        todo = {}

        Assignment = self.env["accountancy.assignment"]
        assignments, copied = self._rollover_sources(
            Assignment, ["partner_id", "role_id"], active_client + active_employee
        )
        todo[Assignment._name] = [
            dict(_vals(a, copied), year=year_to) for a in assignments
        ]

        Plan = self.env["accountancy.service.plan"]
        plans, copied = self._rollover_sources(Plan, ["partner_id"], active_client)
        today = fields.Date.context_today(self)
        # The planned dates (compilation ready, annual accounts...) move along.
        dates = [name for name in copied if Plan._fields[name].type == "date"]
        plan_vals = []
        for plan in plans:
            vals = _vals(plan, copied)
            for name in dates:
                vals[name] = plan[name] and plan[name] + relativedelta(years=1)
            vals.update(year=year_to, state="proposal", updated_on=today)
            plan_vals.append(vals)
        todo[Plan._name] = plan_vals

        Status = self.env["accountancy.advisory.status"]
        statuses, copied = self._rollover_sources(
            Status, ["partner_id", "service_id"], active_client
        )
        todo[Status._name] = [dict(_vals(s, copied), year=year_to) for s in statuses]

        Budget = self.env["accountancy.employee.budget"]
        if not budgets:
            todo[Budget._name] = []
            return todo
        budgets, copied = self._rollover_sources(
            Budget, ["employee_id"], active_employee
        )
        # The months go along in the budgets' create (their spread must add up
        # to the year total), read here in one query for all budgets.
        Month = self.env["accountancy.employee.budget.month"]
        month_copied = _copied_fields(Month)
        months = {}
        for month in Month.search_fetch(
            [("budget_id", "in", budgets.ids)],
            ["budget_id", *month_copied],
            order="budget_id, month_number",
        ):
            months.setdefault(month.budget_id.id, []).append(
                Command.create(_vals(month, month_copied))
            )
        todo[Budget._name] = [
            dict(
                _vals(budget, copied),
                year=year_to,
                month_ids=months.get(budget.id, []),
            )
            for budget in budgets
        ]
        return todo

    def _rollover_sources(self, model, key_fnames, domain):
        """The records of ``model`` in ``year_from`` matching ``domain`` whose
        key (the many2ones ``key_fnames``) is not in ``year_to`` yet, fetched
        with the fields a roll-over copies; and those fields. The keys of
        ``year_to`` are read as superuser: a record of another company the user
        cannot see would still break the unique constraint; only the keys are
        used, nothing is shown."""

        def key(record):
            return tuple(record[fname].id for fname in key_fnames)

        existing = {
            key(record)
            for record in model.sudo().search_fetch(
                [("year", "=", self.year_to)], key_fnames
            )
        }
        copied = _copied_fields(model)
        records = model.search_fetch(
            [("year", "=", self.year_from), *domain], copied, order="id"
        )
        return records.filtered(lambda record: key(record) not in existing), copied

    def action_confirm(self):
        """Create the next year's planning and tell how much was added."""
        check_caller(self, "write")
        self.ensure_one()
        error = self._get_year_error()
        if error:
            raise UserError(error)
        partners = self._get_rollover_partners()
        if not partners and not any(self._prepare_rollover().values()):
            raise UserError(
                self.env._(
                    "There is no planning of %(year)s to roll over: add the client "
                    "teams, service plans or employee budgets of %(year)s first.",
                    year=self.year_from,
                )
            )
        started = self.env["accountancy.job.run"]._accountancy_start_if_many(
            "planning_rollover", self.year_from, partners
        )
        if started:
            return started
        todo = self._rollover()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._(
                    "Planning rolled over to %(year)s", year=self.year_to
                ),
                "message": self.env._(
                    "Created %(assignments)s team assignments, %(plans)s service "
                    "plans (as proposals), %(statuses)s advisory statuses and "
                    "%(budgets)s employee budgets.",
                    assignments=len(todo["accountancy.assignment"]),
                    plans=len(todo["accountancy.service.plan"]),
                    statuses=len(todo["accountancy.advisory.status"]),
                    budgets=len(todo["accountancy.employee.budget"]),
                ),
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _rollover(self, partners=None, budgets=True):
        """Create the records of ``_prepare_rollover``; return them by model."""
        todo = self._prepare_rollover(partners, budgets)
        for model_name, vals_list in todo.items():
            if vals_list:
                self.env[model_name].create(vals_list)
        return todo

    def _get_rollover_partners(self):
        """The clients with a team, service plan or advisory status in
        ``year_from``: what the roll-over copies client by client."""
        self.ensure_one()
        partners = self.env["res.partner"]
        for model_name in (
            "accountancy.assignment",
            "accountancy.service.plan",
            "accountancy.advisory.status",
        ):
            partners |= (
                self.env[model_name]
                .search_fetch([("year", "=", self.year_from)], ["partner_id"])
                .partner_id
            )
        return partners

    @api.model
    def _accountancy_run_batch(self, year, partners, first=False):
        """The background job of a batch of clients: copy their planning of
        ``year`` to the next year; the first batch copies the employee budgets
        too."""
        wizard = self.new({"year_from": year, "year_to": year + 1})
        wizard._rollover(partners, budgets=first)
