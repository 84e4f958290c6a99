from odoo import api, fields, models


class ResCountry(models.Model):
    _inherit = "res.country"

    accountancy_high_risk = fields.Boolean(
        string="High-risk country (Wwft)",
        help="On the EU list of high-risk third countries (or treated as such by "
        "the firm): a client, representative or UBO from this country requires "
        "enhanced due diligence.",
    )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _accountancy_set_high_risk(self, codes):
        """Mark the countries of these ISO codes as high-risk (data on install)."""
        self.search([("code", "in", list(codes))]).write(
            {"accountancy_high_risk": True}
        )
