from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AccountancyAssignment(models.Model):
    """Who of the firm serves a client in which role in a given year."""

    _name = "accountancy.assignment"
    _description = "Client team assignment"
    _order = "year desc, role_sequence, id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    role_id = fields.Many2one("accountancy.role", required=True, ondelete="restrict")
    role_sequence = fields.Integer(related="role_id.sequence", store=True)
    employee_id = fields.Many2one(
        "hr.employee",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    year = fields.Integer(
        required=True, index=True, default=lambda self: fields.Date.today().year
    )
    # The firm's company is the employee's; clients are usually shared partners.
    company_id = fields.Many2one(
        "res.company", related="employee_id.company_id", store=True, index=True
    )

    _sql_constraints = [
        (
            "partner_role_year_uniq",
            "unique(partner_id, role_id, year)",
            (
                "A client has one employee per role per year: change the existing "
                "assignment instead of adding a second one."
            ),
        ),
    ]

    @api.constrains("year")
    def _check_year(self):
        for assignment in self:
            if not 2000 <= assignment.year <= 2100:
                raise ValidationError(
                    self.env._(
                        "The year %(year)s of the assignment of %(client)s is not "
                        "valid: enter a year between 2000 and 2100.",
                        year=assignment.year,
                        client=assignment.partner_id.display_name,
                    )
                )

    def _compute_display_name(self):
        for assignment in self:
            assignment.display_name = (
                f"{assignment.partner_id.name} / {assignment.role_id.code} "
                f"{assignment.year}: {assignment.employee_id.name}"
            )
