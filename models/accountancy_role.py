from odoo import fields, models


class AccountancyRole(models.Model):
    _name = "accountancy.role"
    _description = "Role in a client team"
    _order = "sequence, code"
    _rec_names_search = ["code", "name"]

    code = fields.Char(required=True)
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id
    )
    hourly_rate = fields.Monetary(currency_field="company_currency_id")

    _sql_constraints = [
        ("code_uniq", "unique(code)", "Each role code can be used once."),
    ]

    def _compute_display_name(self):
        for role in self:
            role.display_name = f"{role.code} - {role.name}" if role.code else role.name
