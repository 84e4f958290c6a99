from odoo import fields, models


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    accountancy_assignment_ids = fields.One2many(
        "accountancy.assignment", "employee_id", string="Client assignments"
    )
    accountancy_client_count = fields.Integer(
        compute="_compute_accountancy_client_count", string="Clients this year"
    )

    def _compute_accountancy_client_count(self):
        year = fields.Date.context_today(self).year
        counts = dict(
            self.env["accountancy.assignment"]._read_group(
                [("employee_id", "in", self.ids), ("year", "=", year)],
                ["employee_id"],
                ["partner_id:count_distinct"],
            )
        )
        for employee in self:
            employee.accountancy_client_count = counts.get(employee, 0)

    def action_view_accountancy_clients(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "accountancy_crm.accountancy_assignment_action"
        )
        action["domain"] = [("employee_id", "=", self.id)]
        action["context"] = {
            "default_employee_id": self.id,
            "search_default_filter_current_year": 1,
        }
        return action
