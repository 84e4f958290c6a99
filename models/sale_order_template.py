from odoo import fields, models


class SaleOrderTemplate(models.Model):
    _inherit = "sale.order.template"

    # A firm quoting in Dutch and English names its templates in both
    # languages, as Odoo already translates their lines and terms.
    name = fields.Char(translate=True)
