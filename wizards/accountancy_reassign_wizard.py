from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.access_checks import check_caller
from ..models.window_actions import records_action


class AccountancyReassignWizard(models.TransientModel):
    """Move the clients of one employee to another, e.g. for a long absence or
    when the employee leaves the firm."""

    _name = "accountancy.reassign.wizard"
    _inherit = ["accountancy.year.mixin"]
    _description = "Reassign clients to another employee"

    employee_id = fields.Many2one(
        "hr.employee",
        string="From employee",
        required=True,
        help="The employee whose assignments move.",
    )
    target_employee_id = fields.Many2one(
        "hr.employee",
        string="To employee",
        required=True,
        domain="[('id', '!=', employee_id)]",
        help="The employee who takes the assignments over.",
    )
    year = fields.Integer(
        required=True, default=lambda self: fields.Date.context_today(self).year
    )
    include_later_years = fields.Boolean(
        string="Also later years",
        help="Also move the assignments already planned for the years after this "
        "one, e.g. when the employee leaves the firm.",
    )
    role_ids = fields.Many2many(
        "accountancy.role",
        string="Roles",
        help="Only move these roles; leave empty to move every role.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Clients",
        help="Only move the assignments of these clients; leave empty for all of "
        "the employee's clients.",
    )
    assignment_count = fields.Integer(
        string="Assignments to move", compute="_compute_assignment_count"
    )

    @api.depends(
        "employee_id", "year", "include_later_years", "role_ids", "partner_ids"
    )
    def _compute_assignment_count(self):
        Assignment = self.env["accountancy.assignment"]
        for wizard in self:
            wizard.assignment_count = (
                Assignment.search_count(wizard._assignment_domain())
                if wizard.employee_id
                else 0
            )

    def _assignment_domain(self):
        self.ensure_one()
        domain = [
            ("employee_id", "=", self.employee_id.id),
            ("year", ">=" if self.include_later_years else "=", self.year),
        ]
        if self.role_ids:
            domain.append(("role_id", "in", self.role_ids.ids))
        if self.partner_ids:
            domain.append(("partner_id", "in", self.partner_ids._origin.ids))
        return domain

    def _check_reassign(self, assignments):
        self.ensure_one()
        source, target = self.employee_id, self.target_employee_id
        if source == target:
            raise UserError(
                self.env._(
                    "%(employee)s is both the employee to move from and to: choose "
                    "another employee to take the clients over.",
                    employee=source.name,
                )
            )
        if not target.active:
            raise UserError(
                self.env._(
                    "%(employee)s is archived and cannot take clients over: choose "
                    "an active employee.",
                    employee=target.name,
                )
            )
        if target.company_id != source.company_id:
            raise UserError(
                self.env._(
                    "%(target)s works for %(target_company)s and %(employee)s for "
                    "%(source_company)s: clients can only move to an employee of "
                    "the same company.",
                    target=target.name,
                    target_company=target.company_id.name,
                    employee=source.name,
                    source_company=source.company_id.name,
                )
            )
        if not assignments:
            raise UserError(
                self.env._(
                    "%(employee)s has no assignments in %(year)s matching the "
                    "roles and clients you chose: there is nothing to move. Check "
                    "the year and the filters.",
                    employee=source.name,
                    year=self.year,
                )
            )

    def action_reassign(self):
        check_caller(self, "write")
        self.ensure_one()
        assignments = self.env["accountancy.assignment"].search(
            self._assignment_domain()
        )
        self._check_reassign(assignments)
        assignments.write({"employee_id": self.target_employee_id.id})
        return records_action(
            self.env,
            "accountancy_crm.accountancy_assignment_action",
            [("id", "in", assignments.ids)],
        )
