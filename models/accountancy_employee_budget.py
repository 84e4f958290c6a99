import calendar

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, float_round
from odoo.tools.translate import LazyTranslate

from .access_checks import check_caller
from .parameters import Param, get_param
from .window_actions import records_action

_lt = LazyTranslate(__name__)

# 52 weeks of 40 hours; the firm may change it in the settings.
FULL_TIME_HOURS = Param("accountancy_crm.full_time_hours", 2080.0, float)
# July counts for half a month in the default spread (summer holidays), so the
# year has 11.5 productive months.
HALF_MONTHS = {7}
SPREAD_TOLERANCE = 0.01


def weekdays(year, month=None):
    """Number of Mondays to Fridays in a month, or in the year without month."""
    months = [month] if month else range(1, 13)
    return sum(
        1
        for m in months
        for week in calendar.Calendar().monthdays2calendar(year, m)
        for day, weekday in week
        if day and weekday < 5
    )


def even_spread(total):
    """The year total over the twelve months, July at half, rounded to two
    decimals with the rounding difference in December so the sum is exact."""
    unit = total / (12 - 0.5 * len(HALF_MONTHS))
    values = {
        month: float_round(unit * (0.5 if month in HALF_MONTHS else 1.0), 2)
        for month in range(1, 13)
    }
    values[12] = float_round(total - sum(values[m] for m in range(1, 12)), 2)
    return values


class AccountancyEmployeeBudget(models.Model):
    """The hours an employee has for the firm's production in a year."""

    _name = "accountancy.employee.budget"
    _inherit = ["accountancy.year.mixin", "accountancy.import.template.mixin"]
    _description = "Employee hour budget"
    _order = "year desc, employee_id"
    _check_company_auto = True
    _accountancy_year_range = (2000, 2100)
    _accountancy_import_templates = [
        (_lt("Import template for employee budgets"), "employee_budgets.xlsx")
    ]

    employee_id = fields.Many2one(
        "hr.employee", required=True, index=True, ondelete="cascade", check_company=True
    )
    year = fields.Integer(
        required=True, index=True, default=lambda self: fields.Date.today().year
    )
    company_id = fields.Many2one(
        "res.company", related="employee_id.company_id", store=True, index=True
    )
    department_id = fields.Many2one(
        "hr.department", related="employee_id.department_id", string="Team"
    )
    role_id = fields.Many2one("accountancy.role", ondelete="restrict")
    part_time_percentage = fields.Float(string="Part-time %", default=100.0)
    full_time_hours = fields.Float(
        string="Full-time hours per year",
        required=True,
        default=lambda self: self._default_full_time_hours(),
        help="Contract hours of a full-time employee in this year (default 52 "
        "weeks of 40 hours, see the settings).",
    )
    contract_hours = fields.Float(
        compute="_compute_contract_hours",
        store=True,
        help="Full-time hours times the part-time percentage.",
    )
    indirect_hours = fields.Float(
        string="Indirect and absent hours",
        compute="_compute_indirect_hours",
        store=True,
        help="Contract hours not available for production: holidays, training, "
        "internal work, absence.",
    )
    productive_hours = fields.Float(
        string="Productive norm hours",
        help="Hours available for production in the year; spread over the months "
        "below (by default evenly, July at half).",
    )
    month_ids = fields.One2many(
        "accountancy.employee.budget.month", "budget_id", string="Months", copy=True
    )
    months_productive_hours = fields.Float(
        string="Spread over the months",
        compute="_compute_month_totals",
        store=True,
        help="Sum of the productive hours of the months; must equal the "
        "productive norm hours.",
    )
    control_hours = fields.Float(
        string="Control hours", compute="_compute_month_totals", store=True
    )
    planned_hours = fields.Float(
        string="Already planned", compute="_compute_planned_hours"
    )
    free_hours = fields.Float(string="Free capacity", compute="_compute_planned_hours")

    _sql_constraints = [
        (
            "employee_year_uniq",
            "unique(employee_id, year)",
            "An employee has one budget per year.",
        ),
    ]

    @api.model
    def _default_full_time_hours(self):
        return get_param(self.env, FULL_TIME_HOURS)

    @api.depends("full_time_hours", "part_time_percentage")
    def _compute_contract_hours(self):
        for budget in self:
            budget.contract_hours = float_round(
                budget.full_time_hours * budget.part_time_percentage / 100.0, 2
            )

    @api.depends("contract_hours", "productive_hours")
    def _compute_indirect_hours(self):
        for budget in self:
            budget.indirect_hours = budget.contract_hours - budget.productive_hours

    @api.depends("month_ids.productive_hours", "month_ids.control_hours")
    def _compute_month_totals(self):
        for budget in self:
            totals = budget.month_ids._accountancy_month_totals(
                ["productive_hours", "control_hours"]
            )
            budget.months_productive_hours = totals["productive_hours"]
            budget.control_hours = totals["control_hours"]

    @api.depends("employee_id", "year", "productive_hours", "control_hours")
    def _compute_planned_hours(self):
        planned = self.env["accountancy.planned.hour"]._hours_per_employee_year(
            self.employee_id.ids, set(self.mapped("year"))
        )
        for budget in self:
            hours = planned.get((budget.employee_id.id, budget.year), 0.0)
            budget.planned_hours = hours
            budget.free_hours = budget.productive_hours - hours - budget.control_hours

    @api.constrains(
        "part_time_percentage", "full_time_hours", "productive_hours", "contract_hours"
    )
    def _check_hours(self):
        for budget in self:
            name = budget.employee_id.name
            if not 0 <= budget.part_time_percentage <= 100:
                raise ValidationError(
                    self.env._(
                        "The part-time percentage of %(employee)s is %(pct)s: enter "
                        "a percentage from 0 to 100.",
                        employee=name,
                        pct=budget.part_time_percentage,
                    )
                )
            if budget.full_time_hours <= 0:
                raise ValidationError(
                    self.env._(
                        "The full-time hours per year of the budget of %(employee)s "
                        "must be more than zero (e.g. 2080 for 52 weeks of 40 "
                        "hours).",
                        employee=name,
                    )
                )
            if budget.productive_hours < 0:
                raise ValidationError(
                    self.env._(
                        "The productive norm hours of %(employee)s are negative "
                        "(%(hours)s): enter zero or more hours.",
                        employee=name,
                        hours=budget.productive_hours,
                    )
                )
            if (
                float_compare(
                    budget.productive_hours,
                    budget.contract_hours,
                    precision_digits=2,
                )
                > 0
            ):
                raise ValidationError(
                    self.env._(
                        "The productive norm hours of %(employee)s (%(productive)s) "
                        "exceed the contract hours (%(contract)s), which would make "
                        "the indirect and absent hours negative: lower the "
                        "productive hours or raise the part-time percentage.",
                        employee=name,
                        productive=budget.productive_hours,
                        contract=budget.contract_hours,
                    )
                )

    @api.constrains("productive_hours", "month_ids")
    def _check_month_spread(self):
        for budget in self:
            months = budget.month_ids
            if not months:
                continue
            total = sum(months.mapped("productive_hours"))
            if abs(total - budget.productive_hours) > SPREAD_TOLERANCE + 1e-9:
                raise ValidationError(
                    self.env._(
                        "The productive hours of the months of %(employee)s in "
                        "%(year)s add up to %(spread).2f, but the productive norm "
                        "hours of the year are %(total).2f: correct the months or "
                        "the year total (or use Spread evenly).",
                        employee=budget.employee_id.name,
                        year=budget.year,
                        spread=total,
                        total=budget.productive_hours,
                    )
                )

    @api.onchange("productive_hours")
    def _onchange_productive_hours(self):
        # Re-spread in the form so the user sees (and may adjust) the months.
        for budget in self:
            spread = even_spread(budget.productive_hours or 0.0)
            if budget.month_ids:
                for line in budget.month_ids:
                    line.productive_hours = spread.get(int(line.month or 0), 0.0)
            else:
                budget.month_ids = budget._spread_commands(spread)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("month_ids"):
                spread = even_spread(vals.get("productive_hours") or 0.0)
                vals["month_ids"] = self._spread_commands(spread)
        budgets = super(
            AccountancyEmployeeBudget, self.with_context(accountancy_budget_edit=True)
        ).create(vals_list)
        # Not the edit context: later direct edits of the months are checked.
        return budgets.with_env(self.env)

    def write(self, vals):
        if "productive_hours" in vals and "month_ids" not in vals:
            # A new year total without months: spread it evenly again, keeping
            # the control hours.
            for budget in self:
                spread = even_spread(vals["productive_hours"] or 0.0)
                budget_vals = dict(vals, month_ids=budget._spread_commands(spread))
                super(
                    AccountancyEmployeeBudget,
                    budget.with_context(accountancy_budget_edit=True),
                ).write(budget_vals)
            return True
        return super(
            AccountancyEmployeeBudget, self.with_context(accountancy_budget_edit=True)
        ).write(vals)

    def _spread_commands(self, spread):
        """Commands giving the months of ``self`` (none for a new budget) the
        productive hours of ``spread`` ({month number: hours}), keeping their
        control hours."""
        return self.env[
            "accountancy.employee.budget.month"
        ]._accountancy_month_commands(
            {month: {"productive_hours": hours} for month, hours in spread.items()},
            self.month_ids,
        )

    def action_spread_evenly(self):
        check_caller(self, "write")
        for budget in self:
            budget.write({"productive_hours": budget.productive_hours})
        return True

    def action_view_capacity(self):
        check_caller(self, "read")
        self.ensure_one()
        action = records_action(
            self.env,
            "accountancy_crm.accountancy_capacity_report_action",
            [("employee_id", "=", self.employee_id.id), ("year", "=", self.year)],
        )
        action["view_mode"] = "list,pivot,graph"
        action["views"] = [
            (view_id, kind)
            for view_id, kind in action["views"]
            if kind in ("list", "pivot", "graph")
        ]
        return action

    def _compute_display_name(self):
        for budget in self:
            budget.display_name = f"{budget.employee_id.name or ''} {budget.year}"
