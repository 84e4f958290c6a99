from odoo import fields, models


class AccountancyIntakeWizardResult(models.TransientModel):
    """One company found in the KvK register by the intake wizard's search."""

    _name = "accountancy.intake.wizard.result"
    _description = "KvK search result of the intake wizard"
    _order = "sequence, id"

    wizard_id = fields.Many2one(
        "accountancy.intake.wizard", required=True, ondelete="cascade"
    )
    sequence = fields.Integer()
    kvk_number = fields.Char(string="KvK number")
    branch_number = fields.Char()
    name = fields.Char()
    result_type = fields.Char(string="Type")
    kvk_active = fields.Boolean(
        string="Active in the register", help="False for a dissolved company."
    )
    street = fields.Char()
    house_number = fields.Char()
    house_letter = fields.Char()
    zip = fields.Char()
    city = fields.Char()
    address = fields.Char(compute="_compute_address")
    partner_id = fields.Many2one(
        "res.partner",
        string="Existing relation",
        help="Relation already known with this KvK number and branch number.",
    )

    def _compute_address(self):
        for result in self:
            number = f"{result.house_number or ''}{result.house_letter or ''}"
            street = " ".join(p for p in (result.street, number) if p)
            place = " ".join(p for p in (result.zip, result.city) if p)
            result.address = ", ".join(p for p in (street, place) if p)

    def action_select(self):
        """Fetch this company's profile from the KvK into the wizard."""
        self.ensure_one()
        return self.wizard_id._select_result(self)
