from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._accountancy_refresh_lifecycle()
        return posted

    def button_draft(self):
        result = super().button_draft()
        self._accountancy_refresh_lifecycle()
        return result

    def button_cancel(self):
        result = super().button_cancel()
        self._accountancy_refresh_lifecycle()
        return result

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _accountancy_refresh_lifecycle(self):
        """The first invoice date (and so the lifecycle stage) of the clients of
        these customer invoices may have changed."""
        invoices = self.filtered(lambda move: move.move_type == "out_invoice")
        if invoices:
            self.env["res.partner"]._accountancy_refresh_first_invoice(
                invoices.commercial_partner_id
            )
