from odoo import fields, models


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
