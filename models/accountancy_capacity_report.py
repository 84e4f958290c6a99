from odoo import api, fields, models, tools
from odoo.tools import SQL

from .access_checks import check_caller
from .accountancy_service_plan import MONTHS
from .window_actions import form_action, records_action

# The figures of one month of the overview, in the order the firm's
# capacity sheet lists them.
CAPACITY_FIGURES = [
    "contract_hours",
    "indirect_hours",
    "available_hours",
    "planned_hours",
    "control_hours",
    "free_hours",
]


class AccountancyCapacityReport(models.Model):
    """Capacity per employee per month: contract hours, indirect and
    absent hours, available for production, already planned, manual control
    hours and free capacity, from the employee budgets and the planned hours.

    A SQL view so that an overview of a whole year is one grouped query,
    whatever the number of clients and plans."""

    _name = "accountancy.capacity.report"
    _description = "Capacity per employee per month"
    _auto = False
    _order = "year desc, employee_id, month_number"
    _rec_name = "employee_id"
    # Flushed before each search or read of the view.
    _depends = {
        "accountancy.employee.budget": [
            "employee_id",
            "year",
            "role_id",
            "part_time_percentage",
        ],
        "accountancy.employee.budget.month": [
            "budget_id",
            "month_number",
            "contract_hours",
            "indirect_hours",
            "productive_hours",
            "control_hours",
        ],
        "accountancy.planned.hour": ["employee_id", "year", "month", "hours"],
        "hr.employee": ["department_id", "company_id"],
    }

    employee_id = fields.Many2one("hr.employee", readonly=True)
    department_id = fields.Many2one("hr.department", string="Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    budget_id = fields.Many2one("accountancy.employee.budget", readonly=True)
    role_id = fields.Many2one("accountancy.role", readonly=True)
    part_time_percentage = fields.Float(
        string="Part-time %", readonly=True, aggregator="max"
    )
    year = fields.Integer(readonly=True, aggregator=None)
    month = fields.Selection(MONTHS, string="Calendar month", readonly=True)
    month_number = fields.Integer(readonly=True, aggregator=None)
    date = fields.Date(string="Month", readonly=True)
    contract_hours = fields.Float(readonly=True, aggregator="sum")
    indirect_hours = fields.Float(
        string="Indirect and absent", readonly=True, aggregator="sum"
    )
    available_hours = fields.Float(
        string="Available for production", readonly=True, aggregator="sum"
    )
    planned_hours = fields.Float(
        string="Already planned", readonly=True, aggregator="sum"
    )
    control_hours = fields.Float(
        string="Control hours (manual)", readonly=True, aggregator="sum"
    )
    free_hours = fields.Float(
        string="Free capacity",
        readonly=True,
        aggregator="sum",
        help="Available for production minus already planned minus control "
        "hours; negative when the employee is overbooked.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # Budget months and planned hours are stacked and summed per employee,
        # year and month: a filter on the year reaches both tables' indexes.
        # The id is stable (employee, year, month) so that rows can be opened.
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                SELECT g.employee_id::bigint * 1300 + (g.year - 2000) * 12
                           + g.month_number - 1 AS id,
                       g.employee_id,
                       emp.department_id,
                       emp.company_id,
                       b.id AS budget_id,
                       b.role_id,
                       b.part_time_percentage,
                       g.year,
                       g.month_number,
                       g.month_number::varchar AS month,
                       make_date(g.year, g.month_number, 1) AS date,
                       g.contract_hours,
                       g.indirect_hours,
                       g.available_hours,
                       g.planned_hours,
                       g.control_hours,
                       g.available_hours - g.planned_hours - g.control_hours
                           AS free_hours
                  FROM (
                    SELECT u.employee_id, u.year, u.month_number,
                           SUM(u.contract_hours) AS contract_hours,
                           SUM(u.indirect_hours) AS indirect_hours,
                           SUM(u.available_hours) AS available_hours,
                           SUM(u.planned_hours) AS planned_hours,
                           SUM(u.control_hours) AS control_hours
                      FROM (
                        SELECT bb.employee_id, bb.year, m.month_number,
                               COALESCE(m.contract_hours, 0)::float8
                                   AS contract_hours,
                               COALESCE(m.indirect_hours, 0)::float8
                                   AS indirect_hours,
                               COALESCE(m.productive_hours, 0)::float8
                                   AS available_hours,
                               0::float8 AS planned_hours,
                               COALESCE(m.control_hours, 0)::float8
                                   AS control_hours
                          FROM accountancy_employee_budget_month m
                          JOIN accountancy_employee_budget bb
                            ON bb.id = m.budget_id
                        UNION ALL
                        SELECT p.employee_id, p.year, p.month::int,
                               0::float8, 0::float8, 0::float8,
                               COALESCE(p.hours, 0)::float8, 0::float8
                          FROM accountancy_planned_hour p
                      ) u
                     GROUP BY u.employee_id, u.year, u.month_number
                  ) g
                  JOIN hr_employee emp ON emp.id = g.employee_id
                  LEFT JOIN accountancy_employee_budget b
                    ON b.employee_id = g.employee_id AND b.year = g.year
                )
                """,
                SQL.identifier(self._table),
            )
        )

    @api.model
    def _overview(self, domain):
        """{(employee, year): {figure: [total, jan, ..., dec]}} for the rows of
        ``domain``, in one grouped query."""
        groups = self._read_group(
            domain,
            ["employee_id", "year", "month_number"],
            [f"{figure}:sum" for figure in CAPACITY_FIGURES],
        )
        result = {}
        for employee, year, month, *values in groups:
            block = result.setdefault(
                (employee, year),
                {figure: [0.0] * 13 for figure in CAPACITY_FIGURES},
            )
            for figure, value in zip(CAPACITY_FIGURES, values, strict=True):
                block[figure][month] += value or 0.0
                block[figure][0] += value or 0.0
        return result

    def action_open_budget(self):
        """The budget of the row's employee and year, a new one when missing."""
        check_caller(self, "read")
        self.ensure_one()
        if self.budget_id:
            return form_action("accountancy.employee.budget", self.budget_id.id)
        return form_action(
            "accountancy.employee.budget",
            context={
                "default_employee_id": self.employee_id.id,
                "default_year": self.year,
            },
        )

    def action_open_planned_hours(self):
        """The planned hours of the row's employee and month, per client, from
        which the service plans can be opened and changed."""
        check_caller(self, "read")
        self.ensure_one()
        action = records_action(
            self.env,
            "accountancy_crm.accountancy_planned_hour_action",
            [
                ("employee_id", "=", self.employee_id.id),
                ("year", "=", self.year),
                ("month", "=", self.month),
            ],
            {"search_default_group_partner": 1},
        )
        action["display_name"] = self.env._(
            "Planned hours of %(employee)s in %(month)s %(year)s",
            employee=self.employee_id.name,
            month=dict(self._fields["month"]._description_selection(self.env)).get(
                self.month
            ),
            year=self.year,
        )
        return action
