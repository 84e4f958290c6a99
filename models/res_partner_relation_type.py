from odoo import fields, models


class ResPartnerRelationType(models.Model):
    _inherit = "res.partner.relation.type"

    is_shareholding = fields.Boolean(
        string="Shareholding",
        help="Relations of this type record that the left partner holds a "
        "percentage of the shares of the right partner; they make up the holding "
        "tree on the relation card.",
    )
