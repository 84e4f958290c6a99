from odoo import fields, models

from .res_partner import RELATION_KINDS


class AccountancyIntakeProfile(models.Model):
    """What the intake wizard asks and fills in when a new relation is entered
    (AFAS calls it an "instuurprofiel")."""

    _name = "accountancy.intake.profile"
    _description = "Intake profile for new relations"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one("res.company", index="btree_not_null")
    description = fields.Text(translate=True)

    # Optional fields the wizard asks
    ask_vat = fields.Boolean(string="Ask VAT number")
    ask_email = fields.Boolean(string="Ask e-mail", default=True)
    ask_phone = fields.Boolean(string="Ask phone", default=True)
    ask_website = fields.Boolean(string="Ask website")
    ask_debtor_number = fields.Boolean(string="Ask debtor number")
    ask_client_group = fields.Boolean(string="Ask client group")

    # Default values of the new relation and its opportunity
    relation_kind = fields.Selection(RELATION_KINDS, default="prospect", required=True)
    client_group_id = fields.Many2one("accountancy.client.group")
    team_id = fields.Many2one("crm.team", string="Sales team")
    user_id = fields.Many2one(
        "res.users", string="Salesperson", domain=[("share", "=", False)]
    )
    stage_id = fields.Many2one(
        "crm.stage",
        string="First stage",
        domain="['|', ('team_id', '=', False), ('team_id', '=', team_id)]",
    )
    tag_ids = fields.Many2many("crm.tag", string="Tags")

    # What is created in the same step
    create_contact = fields.Boolean(
        string="Create a contact person",
        default=True,
        help="The wizard asks the name, e-mail, phone and function of the contact "
        "person and creates them with the relation.",
    )
    create_opportunity = fields.Boolean(
        string="Create an opportunity",
        default=True,
        help="The wizard asks the title, expected revenue and deadline of an "
        "opportunity and creates it with the relation.",
    )
    require_approval = fields.Boolean(
        help="New relations are created 'To approve' and a manager gets an "
        "activity to approve or reject them.",
    )
    approver_id = fields.Many2one(
        "res.users",
        domain=lambda self: [
            ("groups_id", "in", self.env.ref("accountancy_crm.group_manager").ids),
            ("share", "=", False),
        ],
        help="Manager who gets the approval activity; empty: the first manager.",
    )

    def _get_approver(self):
        """The manager who approves the relations entered with this profile."""
        self.ensure_one()
        if self.approver_id:
            return self.approver_id
        group = self.env.ref("accountancy_crm.group_manager")
        return (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", group.ids),
                    ("share", "=", False),
                    ("id", "!=", self.env.ref("base.user_root").id),
                ],
                order="id",
                limit=1,
            )
        )
