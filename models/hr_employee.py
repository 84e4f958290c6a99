from odoo import fields, models
from odoo.tools.translate import LazyTranslate

from .access_checks import check_caller
from .record_counts import count_by
from .window_actions import records_of

_lt = LazyTranslate(__name__)


class HrEmployee(models.Model):
    _name = "hr.employee"
    # The template mixin first: Odoo's hr.employee.get_import_templates does
    # not call super(), so the mixin must come before it to add its template.
    _inherit = ["accountancy.import.template.mixin", "hr.employee"]
    # The team overviews and the old practice system name employees by a short
    # code (HVE, MGR...): imports find an employee by it.
    _rec_names_search = ["name", "accountancy_code"]
    _accountancy_import_templates = [
        (_lt("Import template for employees with their code"), "employees.xlsx")
    ]

    accountancy_code = fields.Char(
        string="Employee code",
        index="btree_not_null",
        copy=False,
        help="Short code of the employee in the firm, e.g. HVE, as the team "
        "overviews and the former practice system use it. Imports find the "
        "employee by this code.",
    )
    accountancy_assignment_ids = fields.One2many(
        "accountancy.assignment", "employee_id", string="Client assignments"
    )
    accountancy_client_count = fields.Integer(
        compute="_compute_accountancy_client_count", string="Clients this year"
    )

    _sql_constraints = [
        (
            "accountancy_code_uniq",
            "unique(accountancy_code, company_id)",
            "This employee code is already used by another employee of the company.",
        ),
    ]

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    def _compute_accountancy_client_count(self):
        year = fields.Date.context_today(self).year
        counts = count_by(
            self,
            "accountancy.assignment",
            "employee_id",
            domain=[("year", "=", year)],
            aggregate="partner_id:count_distinct",
        )
        for employee in self:
            employee.accountancy_client_count = counts.get(employee._origin, 0)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_view_accountancy_clients(self):
        check_caller(self, "read")
        self.ensure_one()
        return records_of(
            self.env,
            "accountancy_crm.accountancy_assignment_action",
            "employee_id",
            self,
            search_default_filter_current_year=1,
        )
