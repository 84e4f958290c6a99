from odoo import fields, models


class AccountancyAdvisoryService(models.Model):
    """Catalogue of the advisory services the firm offers besides the standard ones."""

    _name = "accountancy.advisory.service"
    _description = "Advisory service"
    _order = "sequence, id"
    _rec_names_search = ["code", "name"]

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "Each advisory service code can be used once."),
    ]
