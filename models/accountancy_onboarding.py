from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .access_checks import check_caller
from .parameters import Param, get_param

# Set (to the date) when a manager marks the scoring tables as checked.
SCORING_CHECKED = Param("accountancy_crm.onboarding_scoring_checked", "")

# The import templates in the order of the migration guide: (model, label).
IMPORT_MODELS = [
    ("hr.employee", "Employees"),
    ("accountancy.sector", "Sectors"),
    ("accountancy.client.group", "Client groups"),
    ("res.partner", "Relations and contact persons"),
    ("res.partner.relation", "Shareholdings"),
    ("accountancy.assignment", "Teams"),
    ("accountancy.strategy", "Strategies"),
    ("accountancy.annual.figure", "Annual figures"),
    ("accountancy.service.plan", "Service plans"),
    ("accountancy.advisory.status", "Advisory statuses"),
    ("accountancy.employee.budget", "Employee budgets"),
]


class AccountancyOnboarding(models.TransientModel):
    """Getting started: the steps a firm takes to start with the module, each
    done or not from the data of the current company, with the buttons that
    open the place to do it. Nothing is stored but the transient record."""

    _name = "accountancy.onboarding"
    _inherit = ["accountancy.year.mixin"]
    _accountancy_year_fields = ("planning_year",)
    _description = "Accountancy getting started"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    planning_year = fields.Integer(compute="_compute_steps")
    client_count = fields.Integer(string="Clients", compute="_compute_steps")
    relations_done = fields.Boolean(compute="_compute_steps")
    role_count = fields.Integer(string="Roles", compute="_compute_steps")
    employee_count = fields.Integer(string="Employees", compute="_compute_steps")
    coded_employee_count = fields.Integer(
        string="Employees with a code", compute="_compute_steps"
    )
    team_count = fields.Integer(
        string="Team assignments this and next year", compute="_compute_steps"
    )
    team_done = fields.Boolean(compute="_compute_steps")
    criterion_count = fields.Integer(
        string="Scoring criteria", compute="_compute_steps"
    )
    client_type_count = fields.Integer(string="Client types", compute="_compute_steps")
    scoring_checked_on = fields.Char(compute="_compute_steps")
    scoring_done = fields.Boolean(compute="_compute_steps")
    service_plan_count = fields.Integer(
        string="Service plans next year", compute="_compute_steps"
    )
    planning_done = fields.Boolean(compute="_compute_steps")
    done_count = fields.Integer(string="Steps done", compute="_compute_steps")
    step_count = fields.Integer(compute="_compute_steps")
    all_done = fields.Boolean(compute="_compute_steps")

    @api.depends("company_id")
    def _compute_steps(self):
        # A handful of counts, with the user's own rights: the steps show what
        # the user can see and do.
        year = fields.Date.context_today(self).year
        checked_on = get_param(self.env, SCORING_CHECKED)
        Partner = self.env["res.partner"]
        Employee = self.env["hr.employee"]
        for onboarding in self:
            company = onboarding.company_id or self.env.company
            client_count = Partner.search_count(
                [
                    ("relation_kind", "=", "client"),
                    ("company_id", "in", [False, company.id]),
                ]
            )
            employee_domain = [("company_id", "=", company.id)]
            team_count = self.env["accountancy.assignment"].search_count(
                [
                    ("company_id", "=", company.id),
                    ("year", "in", [year, year + 1]),
                ]
            )
            plan_count = self.env["accountancy.service.plan"].search_count(
                [("company_id", "=", company.id), ("year", "=", year + 1)]
            )
            onboarding.planning_year = year + 1
            onboarding.client_count = client_count
            onboarding.relations_done = bool(client_count)
            onboarding.role_count = self.env["accountancy.role"].search_count([])
            onboarding.employee_count = Employee.search_count(employee_domain)
            onboarding.coded_employee_count = Employee.search_count(
                employee_domain + [("accountancy_code", "!=", False)]
            )
            onboarding.team_count = team_count
            onboarding.team_done = bool(team_count)
            onboarding.criterion_count = self.env[
                "accountancy.score.criterion"
            ].search_count([])
            onboarding.client_type_count = self.env[
                "accountancy.client.type"
            ].search_count([])
            onboarding.scoring_checked_on = checked_on or False
            onboarding.scoring_done = bool(checked_on)
            onboarding.service_plan_count = plan_count
            onboarding.planning_done = bool(plan_count)
            done = [
                onboarding.relations_done,
                onboarding.team_done,
                onboarding.scoring_done,
                onboarding.planning_done,
            ]
            onboarding.step_count = len(done)
            onboarding.done_count = sum(done)
            onboarding.all_done = all(done)

    def action_open_import(self):
        """Odoo's import screen of the model in the context key
        accountancy_import_model, which offers the model's template."""
        check_caller(self, "read")
        model = self.env.context.get("accountancy_import_model")
        if model not in dict(IMPORT_MODELS):
            raise UserError(
                self.env._(
                    "There is no import template for %(model)s. Choose one of the "
                    "import buttons of Getting started.",
                    model=model or "-",
                )
            )
        if not self.env[model].has_access("create"):
            raise AccessError(
                self.env._(
                    "You may not create %(records)s, so you cannot import them. Ask "
                    "an accountancy manager to import this file.",
                    records=self.env[model]._description,
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "import",
            "params": {"model": model, "context": {}},
        }

    def action_mark_scoring_checked(self):
        """Record that a manager checked the scoring criteria, bands and client
        types against the firm's own tables."""
        if not self.env.user.has_group("accountancy_crm.group_manager"):
            raise AccessError(
                self.env._(
                    "Only an accountancy manager can mark the scoring tables as "
                    "checked."
                )
            )
        self.env["ir.config_parameter"].sudo().set_param(
            SCORING_CHECKED.key,
            fields.Date.to_string(fields.Date.context_today(self)),
        )
        return self._reopen()

    def action_refresh(self):
        check_caller(self, "read")
        return self._reopen()

    def _reopen(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "accountancy_crm.accountancy_onboarding_action"
        )
        action["res_id"] = self.create({"company_id": self.company_id.id}).id
        return action
