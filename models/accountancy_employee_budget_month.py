from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .accountancy_employee_budget import weekdays
from .accountancy_service_plan import MONTHS


class AccountancyEmployeeBudgetMonth(models.Model):
    """One month of an employee's hour budget."""

    _name = "accountancy.employee.budget.month"
    _inherit = ["accountancy.year.mixin"]
    _description = "Employee hour budget per month"
    _order = "budget_id, month_number"

    budget_id = fields.Many2one(
        "accountancy.employee.budget", required=True, index=True, ondelete="cascade"
    )
    employee_id = fields.Many2one(related="budget_id.employee_id")
    year = fields.Integer(related="budget_id.year")
    month = fields.Selection(MONTHS, required=True)
    month_number = fields.Integer(compute="_compute_month_number", store=True)
    contract_hours = fields.Float(
        compute="_compute_contract_hours",
        store=True,
        help="The year's contract hours spread over the months by their number "
        "of weekdays.",
    )
    productive_hours = fields.Float(string="Available for production")
    indirect_hours = fields.Float(
        string="Indirect and absent",
        compute="_compute_indirect_hours",
        store=True,
    )
    control_hours = fields.Float(
        string="Control hours",
        help="Hours planned by hand on top of the service plans (controle uren).",
    )
    planned_hours = fields.Float(
        string="Already planned", compute="_compute_planned_hours"
    )
    free_hours = fields.Float(string="Free capacity", compute="_compute_planned_hours")

    _sql_constraints = [
        (
            "budget_month_uniq",
            "unique(budget_id, month)",
            "A budget has one line per month.",
        ),
    ]

    @api.depends("month")
    def _compute_month_number(self):
        for line in self:
            line.month_number = int(line.month or 0)

    @api.depends("month", "budget_id.year", "budget_id.contract_hours")
    def _compute_contract_hours(self):
        year_days = {}
        for line in self:
            year = line.budget_id.year
            if not line.month or not 1 <= year <= 9999:
                line.contract_hours = 0.0
                continue
            if year not in year_days:
                year_days[year] = weekdays(year)
            line.contract_hours = (
                line.budget_id.contract_hours
                * weekdays(year, int(line.month))
                / year_days[year]
            )

    @api.depends("contract_hours", "productive_hours")
    def _compute_indirect_hours(self):
        for line in self:
            line.indirect_hours = line.contract_hours - line.productive_hours

    @api.depends("budget_id.employee_id", "budget_id.year", "month")
    def _compute_planned_hours(self):
        budgets = self.budget_id
        planned = self.env["accountancy.planned.hour"]._hours_per_employee_month(
            budgets.employee_id.ids, set(budgets.mapped("year"))
        )
        for line in self:
            key = (line.budget_id.employee_id.id, line.budget_id.year, line.month)
            line.planned_hours = planned.get(key, 0.0)
            line.free_hours = (
                line.productive_hours - line.planned_hours - line.control_hours
            )

    @api.constrains("productive_hours", "control_hours")
    def _check_hours(self):
        labels = dict(self._fields["month"]._description_selection(self.env))
        for line in self:
            if line.productive_hours < 0 or line.control_hours < 0:
                raise ValidationError(
                    self.env._(
                        "The hours of %(month)s in the budget of %(employee)s are "
                        "negative: enter zero or more productive and control hours.",
                        month=labels.get(line.month, line.month),
                        employee=line.budget_id.employee_id.name,
                    )
                )

    # Edits through the budget (its form) check the spread once, after all
    # months changed; direct edits of a month are checked right away.
    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._check_budget_spread()
        return lines

    def write(self, vals):
        res = super().write(vals)
        if "productive_hours" in vals or "budget_id" in vals:
            self._check_budget_spread()
        return res

    def unlink(self):
        budgets = self.budget_id
        res = super().unlink()
        if not self.env.context.get("accountancy_budget_edit"):
            budgets.exists()._check_month_spread()
        return res

    def _check_budget_spread(self):
        if not self.env.context.get("accountancy_budget_edit"):
            self.budget_id._check_month_spread()
