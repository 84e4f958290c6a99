from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

from .access_checks import check_caller
from .fiscal_deadlines import DEADLINE_TYPES, TAXES


class ProjectTask(models.Model):
    _name = "project.task"
    _inherit = ["project.task", "accountancy.year.mixin"]
    _accountancy_year_fields = ("accountancy_plan_year",)

    accountancy_service_plan_id = fields.Many2one(
        "accountancy.service.plan",
        string="Service plan",
        index="btree_not_null",
        ondelete="set null",
        copy=False,
        help="The client's service plan this task was generated from.",
    )

    # Stable name of the piece of work within its plan (e.g. "vat-q1"), so that
    # generating the tasks again finds the existing task instead of adding one.
    accountancy_task_key = fields.Char(string="Planning task key", copy=False)
    accountancy_plan_year = fields.Integer(
        related="accountancy_service_plan_id.year", string="Planning year"
    )

    # The fiscal calendar: a generated tax return or KvK filing.
    accountancy_tax = fields.Selection(
        TAXES, string="Tax", index="btree_not_null", copy=False, readonly=True
    )
    accountancy_deadline_type = fields.Selection(
        DEADLINE_TYPES, string="Deadline type", copy=False, readonly=True
    )
    accountancy_period_end = fields.Date(
        string="Period ends on",
        copy=False,
        readonly=True,
        help="End of the tax period or financial year of the return.",
    )
    accountancy_in_schedule = fields.Boolean(
        string="Counts in the filing schedule",
        copy=False,
        readonly=True,
        index=True,
        help="On the deferral list with a tax period ending on 31 December: "
        "counts in the beconregeling monitor.",
    )
    accountancy_fiscal_partner_id = fields.Many2one(
        "res.partner",
        string="Fiscal partner",
        copy=False,
        readonly=True,
        help="The fiscal partner whose income tax return is filed together with "
        "the client's.",
    )
    accountancy_role_id = fields.Many2one(
        "accountancy.role",
        string="Role",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The role of the client's team that does the return, from the "
        "service plan: its employee of the year gets the task.",
    )
    accountancy_client_group_id = fields.Many2one(
        related="partner_id.client_group_id", string="Client group"
    )
    accountancy_filed_on = fields.Date(string="Filed on", copy=False)
    accountancy_filed_by_id = fields.Many2one(
        "res.users", string="Filed by", copy=False
    )

    _sql_constraints = [
        (
            "accountancy_plan_task_key_uniq",
            "unique(accountancy_service_plan_id, accountancy_task_key)",
            (
                "A service plan has one task per piece of work: open the existing "
                "task instead of generating it again."
            ),
        ),
    ]

    # ------------------------------------------------------------
    # CONSTRAINTS AND ONCHANGES
    # ------------------------------------------------------------

    @api.constrains("accountancy_filed_on", "accountancy_period_end")
    def _check_accountancy_filed_on(self):
        today = fields.Date.context_today(self)
        for task in self.filtered("accountancy_filed_on"):
            if task.accountancy_filed_on > today:
                raise ValidationError(
                    self.env._(
                        "%(task)s cannot have been filed on %(date)s: that is in the "
                        "future. Enter the date the return was filed.",
                        task=task.display_name,
                        date=format_date(self.env, task.accountancy_filed_on),
                    )
                )
            end = task.accountancy_period_end
            if end and task.accountancy_filed_on < end:
                raise ValidationError(
                    self.env._(
                        "%(task)s cannot have been filed on %(date)s: its period "
                        "ends on %(end)s and a return is filed at the end of the "
                        "period or later. Check the filing date.",
                        task=task.display_name,
                        date=format_date(self.env, task.accountancy_filed_on),
                        end=format_date(self.env, end),
                    )
                )

    @api.constrains("state", "accountancy_filed_on")
    def _check_accountancy_done_filed(self):
        for task in self:
            done = task.state == "1_done"
            if task.accountancy_tax and done and not task.accountancy_filed_on:
                raise ValidationError(
                    self.env._(
                        "%(task)s is a return: enter the date it was filed on "
                        "before marking it done (or use Mark filed).",
                        task=task.display_name,
                    )
                )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_accountancy_mark_filed(self):
        """Filed today by the current user, and done."""
        check_caller(self, "write")
        if not all(self.mapped("accountancy_tax")):
            raise ValidationError(
                self.env._("Only the returns of the fiscal calendar can be filed.")
            )
        today = fields.Date.context_today(self)
        for task in self:
            task.write(
                {
                    "accountancy_filed_on": task.accountancy_filed_on or today,
                    "accountancy_filed_by_id": (
                        task.accountancy_filed_by_id.id or self.env.user.id
                    ),
                    "state": "1_done",
                }
            )
        return True
