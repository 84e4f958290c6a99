from odoo import Command, api, fields, models


class AccountancyYearClientsMixin(models.AbstractModel):
    """A wizard that works on clients in one year: the year (this year by
    default) and the clients, by default the relations selected in the list
    the wizard was opened from. Each wizard says in the help of its clients
    what an empty selection means."""

    _name = "accountancy.year.clients.mixin"
    _inherit = ["accountancy.year.mixin"]
    _description = "Clients in a year of a wizard"

    year = fields.Integer(
        required=True, default=lambda self: fields.Date.context_today(self).year
    )
    partner_ids = fields.Many2many("res.partner", string="Clients")

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        context = self.env.context
        if (
            "partner_ids" in fields_list
            and context.get("active_model") == "res.partner"
            and context.get("active_ids")
        ):
            defaults["partner_ids"] = [Command.set(context["active_ids"])]
        return defaults
