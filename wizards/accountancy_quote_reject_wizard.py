from odoo import fields, models


class AccountancyQuoteRejectWizard(models.TransientModel):
    """Reject quotations waiting for approval, with the reason why."""

    _name = "accountancy.quote.reject.wizard"
    _description = "Reject quotation approval"

    order_ids = fields.Many2many("sale.order", string="Quotations", required=True)
    reason = fields.Text(required=True)

    def action_reject(self):
        """Set the quotations 'Rejected' and post the reason in their chatter."""
        self.ensure_one()
        self.order_ids._accountancy_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
