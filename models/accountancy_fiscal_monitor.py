"""The beconregeling monitor: per return on the deferral list and per month
end of its filing schedule, whether it was filed by then and the share that
should have been. Summed per tax, tax year and month end (or per employee or
client group) this is the firm's progress against the schedule; one row per
return and month end keeps the client visibility rules of the returns."""

from datetime import date

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.osv import expression
from odoo.tools import SQL

from .fiscal_deadlines import (
    DEADLINE_TYPES,
    SCHEDULE,
    SCHEDULE_STATUSES,
    TAXES,
    schedule_status,
)

# Open returns the cron's warning names.
EARLIEST_RETURNS = 10
# The fields of the returns the view reads.
TASK_FIELDS = (
    "accountancy_filed_on",
    "accountancy_in_schedule",
    "accountancy_period_end",
    "accountancy_tax",
    "accountancy_deadline_type",
    "accountancy_role_id",
    "partner_id",
    "company_id",
    "user_ids",
    "date_deadline",
    "active",
)


class AccountancyFiscalMonitor(models.Model):
    _name = "accountancy.fiscal.monitor"
    _description = "Beconregeling monitor"
    _auto = False
    _order = "tax_year desc, tax, month_end"
    # Every query on the view first flushes the pending changes of these.
    _depends = {
        "project.task": list(TASK_FIELDS),
        "res.partner": ["client_group_id"],
    }

    task_id = fields.Many2one("project.task", string="Return", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    user_id = fields.Many2one("res.users", string="Employee", readonly=True)
    role_id = fields.Many2one(
        "accountancy.role",
        readonly=True,
        help="The role of the client's team that does the return.",
    )
    client_group_id = fields.Many2one(
        "accountancy.client.group", string="Client group", readonly=True
    )
    tax = fields.Selection(TAXES, readonly=True)
    deadline_type = fields.Selection(DEADLINE_TYPES, readonly=True)
    tax_year = fields.Integer(readonly=True, aggregator=False)
    month_end = fields.Date(string="Month end", readonly=True)
    date_deadline = fields.Date(string="Deadline", readonly=True)
    filed_on = fields.Date(readonly=True)
    returns = fields.Integer(string="Returns on the list", readonly=True)
    filed = fields.Integer(readonly=True)
    expected = fields.Float(
        string="Required",
        readonly=True,
        digits=(16, 2),
        help="Number of returns that must have been filed by the month end.",
    )
    shortfall = fields.Float(
        string="Behind",
        readonly=True,
        digits=(16, 2),
        help="Required minus filed: positive when the firm is behind.",
    )
    filed_percentage = fields.Float(
        string="Filed (%)", readonly=True, aggregator="avg", digits=(16, 2)
    )
    required_percentage = fields.Float(
        string="Required (%)", readonly=True, aggregator="max", digits=(16, 2)
    )
    status = fields.Selection(
        SCHEDULE_STATUSES,
        compute="_compute_status",
        search="_search_status",
        help="The firm's progress at the month end for this tax and tax year, "
        "over the returns you may see: behind when fewer are filed than "
        "required, more than 5 % behind past the margin.",
    )

    @property
    def _table_query(self):
        schedule = SQL(", ").join(
            SQL("(%s, %s, %s, %s::numeric)", n, offset, month, percentage)
            for n, (offset, month, percentage) in enumerate(SCHEDULE)
        )
        # The month ends of every tax year on the list are computed once and
        # joined on the return's year, not per row; the employee comes from a
        # join the planner drops when the query does not use it.
        return SQL(
            """
            SELECT t.id * 12 + m.n AS id,
                   t.id AS task_id,
                   t.partner_id,
                   t.company_id,
                   u.user_id,
                   t.accountancy_role_id AS role_id,
                   p.client_group_id,
                   t.accountancy_tax AS tax,
                   t.accountancy_deadline_type AS deadline_type,
                   m.tax_year,
                   m.month_end,
                   t.date_deadline::date AS date_deadline,
                   t.accountancy_filed_on AS filed_on,
                   1 AS returns,
                   CASE WHEN t.accountancy_filed_on <= m.month_end
                        THEN 1 ELSE 0 END AS filed,
                   m.percentage / 100.0 AS expected,
                   m.percentage / 100.0 - CASE WHEN t.accountancy_filed_on
                        <= m.month_end THEN 1 ELSE 0 END AS shortfall,
                   CASE WHEN t.accountancy_filed_on <= m.month_end
                        THEN 100.0 ELSE 0.0 END AS filed_percentage,
                   m.percentage AS required_percentage
              FROM project_task t
              JOIN res_partner p ON p.id = t.partner_id
              JOIN (
                   SELECT y.tax_year, v.n, v.percentage,
                          (make_date(y.tax_year + v.year_offset, v.month, 1)
                           + interval '1 month' - interval '1 day')::date
                          AS month_end
                     FROM generate_series(
                            (SELECT EXTRACT(year FROM min(accountancy_period_end))::int
                               FROM project_task WHERE accountancy_in_schedule),
                            (SELECT EXTRACT(year FROM max(accountancy_period_end))::int
                               FROM project_task WHERE accountancy_in_schedule)
                          ) AS y(tax_year)
                    CROSS JOIN (VALUES %s) AS v(n, year_offset, month, percentage)
                   ) m ON m.tax_year = EXTRACT(year FROM t.accountancy_period_end)::int
              LEFT JOIN (
                   SELECT r.task_id, min(r.user_id) AS user_id
                     FROM project_task_user_rel r
                    GROUP BY r.task_id
                   ) u ON u.task_id = t.id
             WHERE t.accountancy_in_schedule AND t.active
            """,
            schedule,
        )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_status(self):
        # The status belongs to the month end of a tax and tax year, not to
        # the row: one grouped read for all the rows shown.
        summary = (
            self._accountancy_schedule_summary(
                [
                    ("tax", "in", list(set(self.mapped("tax")))),
                    ("tax_year", "in", list(set(self.mapped("tax_year")))),
                    ("month_end", "in", list(set(self.mapped("month_end")))),
                ]
            )
            if self
            else {}
        )
        for row in self:
            group = summary.get((row.tax, row.tax_year, row.month_end))
            row.status = group["status"] if group else False

    def _search_status(self, operator, value):
        # The month ends (of a tax and tax year) whose status over the rows the
        # user may see is the one asked for: one grouped read.
        if operator not in ("=", "!=", "in", "not in"):
            raise NotImplementedError(operator)
        values = {value} if isinstance(value, str) or not value else set(value)
        positive = operator in ("=", "in")
        keys = [
            key
            for key, group in self._accountancy_schedule_summary().items()
            if (group["status"] in values) == positive
        ]
        if not keys:
            return expression.FALSE_DOMAIN
        return expression.OR(
            [
                [("tax", "=", tax), ("tax_year", "=", year), ("month_end", "=", end)]
                for tax, year, end in keys
            ]
        )

    @api.model
    def _accountancy_schedule_summary(self, domain=None):
        """{(tax, tax year, month end): {total, filed, required_percentage,
        behind, status}} of the rows the user may read; a constant number of
        queries whatever the number of returns."""
        self._flush_returns()
        groups = self._read_group(
            domain or [],
            ["tax", "tax_year", "month_end:day"],
            ["returns:sum", "filed:sum", "required_percentage:max"],
        )
        labels = dict(self._fields["status"]._description_selection(self.env))
        summary = {}
        for tax, tax_year, month_end, total, filed, percentage in groups:
            behind, status = schedule_status(total, filed, percentage)
            summary[(tax, tax_year, month_end)] = {
                "total": total,
                "filed": filed,
                "required_percentage": percentage,
                "behind": behind,
                "status": status,
                "status_label": labels[status],
            }
        return summary

    @api.model
    def _flush_returns(self):
        # The view reads the tasks' table: pending task changes first.
        self.env["project.task"].flush_model(TASK_FIELDS)

    def init(self):
        # Lets the view find the returns of the schedule without a scan.
        tools.create_index(
            self.env.cr,
            "project_task_accountancy_in_schedule_idx",
            "project_task",
            ["accountancy_period_end"],
            where="accountancy_in_schedule",
        )
        return super().init()

    # ------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------
    @api.model
    def _cron_warn_behind(self, today=None):
        """At the first run after a month end of a schedule, warn each office's
        responsible manager (an activity on the open return with the earliest
        deadline) when the firm is behind, naming the earliest open returns."""
        today = today or fields.Date.context_today(self)
        month_end = today.replace(day=1) - relativedelta(days=1)
        self._flush_returns()
        summary = self.sudo()._read_group(
            [("month_end", "=", month_end)],
            ["company_id", "tax", "tax_year"],
            ["returns:sum", "filed:sum", "required_percentage:max"],
        )
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        Task = self.env["project.task"].sudo()
        for company, tax, tax_year, total, filed, percentage in summary:
            behind, status = schedule_status(total, filed, percentage)
            if status == "on_track":
                continue
            manager = company._accountancy_fiscal_manager()
            if not manager:
                continue
            open_returns = Task.search(
                [
                    ("company_id", "=", company.id),
                    ("accountancy_in_schedule", "=", True),
                    ("accountancy_tax", "=", tax),
                    ("accountancy_filed_on", "=", False),
                    ("accountancy_period_end", ">=", date(tax_year, 1, 1)),
                    ("accountancy_period_end", "<=", date(tax_year, 12, 31)),
                ],
                order="date_deadline, id",
                limit=EARLIEST_RETURNS,
            )
            if not open_returns:
                continue
            taxes = dict(self._fields["tax"]._description_selection(self.env))
            summary_text = self.env._(
                "Filing schedule %(tax)s %(year)s behind at %(date)s",
                tax=taxes[tax],
                year=tax_year,
                date=month_end,
            )
            first = open_returns[0]
            if first.activity_ids.filtered(
                lambda a, text=summary_text: a.summary == text
            ):
                continue
            items = Markup("").join(
                Markup("<li>%s</li>") % task.display_name for task in open_returns
            )
            first.activity_schedule(
                activity_type_id=todo_type.id,
                summary=summary_text,
                note=Markup("<p>%s</p><ul>%s</ul>")
                % (
                    self.env._(
                        "%(filed)s of %(total)s returns filed, %(required)s %% "
                        "required: %(behind)s returns behind. Earliest deadlines:",
                        filed=filed,
                        total=total,
                        required=percentage,
                        behind=behind,
                    ),
                    items,
                ),
                user_id=manager.id,
                date_deadline=today,
            )
