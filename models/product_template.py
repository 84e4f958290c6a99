from odoo import fields, models

from .accountancy_hour_norm import SERVICES


class ProductTemplate(models.Model):
    _inherit = "product.template"

    accountancy_service = fields.Selection(
        SERVICES,
        help="The standard accountancy service this product sells: a quote line "
        "with it gets a pre-calculation from the hour norms of the service (hours "
        "per role for the ordered quantity).",
    )
