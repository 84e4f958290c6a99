from odoo import http
from odoo.http import request

from odoo.addons.sale.controllers.portal import CustomerPortal


class AccountancySalePortal(CustomerPortal):
    @http.route()
    def portal_quote_decline(
        self, order_id, access_token=None, decline_message=None, **kwargs
    ):
        # Odoo cancels the quotation before it posts the customer's message:
        # pass the message along, so that the opportunity the cancellation loses
        # gets it as the reason (see sale.order._accountancy_lose_opportunities).
        request.update_context(accountancy_decline_message=decline_message or "")
        return super().portal_quote_decline(
            order_id,
            access_token=access_token,
            decline_message=decline_message,
            **kwargs,
        )
