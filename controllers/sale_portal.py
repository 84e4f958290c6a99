from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.sale.controllers.portal import CustomerPortal

SIGNATURE_FIELDS = ("signature", "signed_by", "signed_on")


class AccountancySalePortal(CustomerPortal):
    @http.route()
    def portal_quote_accept(
        self, order_id, access_token=None, name=None, signature=None
    ):
        """Accept & Sign, all or nothing. Odoo stores (and commits) the
        signature before it confirms the quotation; when the confirmation is
        then refused, the signature would stay and the quotation would stay
        unconfirmed. So the module's own rules are checked first, and any
        refusal after the signature undoes it. Either way the salesperson gets
        a to-do and the customer a plain message that names nobody."""
        access_token = access_token or request.httprequest.args.get("access_token")
        try:
            order_sudo = self._document_check_access(
                "sale.order", order_id, access_token=access_token
            )
        except (AccessError, MissingError):
            order_sudo = None
        if order_sudo is None or not signature:
            return super().portal_quote_accept(
                order_id, access_token=access_token, name=name, signature=signature
            )
        if order_sudo.state in ("draft", "sent") and order_sudo.require_signature:
            refusal = order_sudo._accountancy_confirm_refusal()
            if refusal:
                return {"error": order_sudo._accountancy_portal_refusal(refusal)}
        before = {fname: order_sudo[fname] for fname in SIGNATURE_FIELDS}
        try:
            return super().portal_quote_accept(
                order_id, access_token=access_token, name=name, signature=signature
            )
        except UserError as error:
            # Undo the confirmation's work, then the committed signature.
            request.env.cr.rollback()
            order_sudo = order_sudo.browse(order_sudo.id)
            order_sudo.write(before)
            return {"error": order_sudo._accountancy_portal_refusal(str(error))}

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
