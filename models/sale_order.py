from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_confirm(self):
        # Wwft: the settings may forbid confirming a quotation for a client
        # without a valid client acceptance.
        for company, orders in self.grouped("company_id").items():
            orders.partner_id.with_company(company)._check_accountancy_acceptance(
                "quote_confirm"
            )
        return super().action_confirm()
