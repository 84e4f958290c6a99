from odoo import fields, models


class AccountancyClientYearMixin(models.AbstractModel):
    """A client's record of one year, kept by one of the firm's companies: the
    client, the year (this year by default) and the company. The year values
    are checked by ``accountancy.year.mixin``; which years are accepted stays
    the model's own rule."""

    _name = "accountancy.client.year.mixin"
    _inherit = ["accountancy.year.mixin"]
    _description = "Client record of a year"

    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    year = fields.Integer(
        required=True, index=True, default=lambda self: fields.Date.today().year
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
