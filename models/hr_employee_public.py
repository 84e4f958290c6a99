from odoo import fields, models


class HrEmployeePublic(models.Model):
    _inherit = "hr.employee.public"
    # Users without HR rights search employees through this view (see
    # hr.employee._search): the employee code must be here too.
    _rec_names_search = ["name", "accountancy_code"]

    accountancy_code = fields.Char(string="Employee code", readonly=True)
