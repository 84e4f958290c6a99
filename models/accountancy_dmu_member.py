from odoo import api, fields, models
from odoo.exceptions import ValidationError

DMU_ROLES = [
    ("decider", "Decider"),
    ("influencer", "Influencer"),
    ("user", "User"),
    ("buyer", "Buyer"),
    ("gatekeeper", "Gatekeeper"),
]


class AccountancyDmuMember(models.Model):
    """A contact person of the client in the decision-making unit (DMU) of an
    opportunity, with the role they play in the decision."""

    _name = "accountancy.dmu.member"
    _description = "Decision-making unit member"
    _order = "lead_id, sequence, id"
    _rec_name = "partner_id"

    sequence = fields.Integer(default=10)
    lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        required=True,
        index=True,
        ondelete="cascade",
    )
    # Stored for the multi-company record rule, like crm.lead's own rule.
    company_id = fields.Many2one(
        related="lead_id.company_id", store=True, index="btree_not_null"
    )
    lead_commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        related="lead_id.partner_id.commercial_partner_id",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Contact person",
        required=True,
        index=True,
        ondelete="cascade",
        domain="lead_commercial_partner_id and "
        "[('commercial_partner_id', '=', lead_commercial_partner_id)] or []",
    )
    role = fields.Selection(DMU_ROLES, required=True, default="influencer")
    note = fields.Char(help="E.g. what matters to this person in the decision.")
    function = fields.Char(related="partner_id.function")
    email = fields.Char(related="partner_id.email")
    phone = fields.Char(related="partner_id.phone")

    _sql_constraints = [
        (
            "lead_partner_role_uniq",
            "UNIQUE(lead_id, partner_id, role)",
            (
                "This contact person already has this role in the "
                "decision-making unit of the opportunity. Choose another role or "
                "remove the line."
            ),
        ),
    ]

    @api.constrains("lead_id", "partner_id")
    def _check_partner(self):
        for member in self:
            client = member.lead_id.partner_id.commercial_partner_id
            if client and member.partner_id.commercial_partner_id != client:
                raise ValidationError(
                    self.env._(
                        "%(contact)s is not a contact person of %(client)s, the "
                        "client of opportunity %(lead)s. Choose a contact person "
                        "of %(client)s (or the client itself) for the "
                        "decision-making unit.",
                        contact=member.partner_id.display_name,
                        client=client.display_name,
                        lead=member.lead_id.display_name,
                    )
                )
