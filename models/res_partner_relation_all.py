from odoo import fields, models


class ResPartnerRelationAll(models.Model):
    _inherit = "res.partner.relation.all"

    share_percentage = fields.Float(string="Share %", digits=(5, 2))

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _get_additional_relation_columns(self):
        columns = super()._get_additional_relation_columns()
        # While the module is being uninstalled the view is rebuilt without our
        # column, so that dropping res_partner_relation.share_percentage does
        # not drop partner_multi_relation's view with it.
        if self.env.context.get("accountancy_crm_uninstall"):
            return columns
        return columns + ", rel.share_percentage"
