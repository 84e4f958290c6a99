from markupsafe import Markup

from odoo import fields, models


class AccountancyApprovalRejectWizard(models.TransientModel):
    """Reject relations waiting for approval, with the reason why."""

    _name = "accountancy.approval.reject.wizard"
    _description = "Reject new relations"

    partner_ids = fields.Many2many("res.partner", string="Relations", required=True)
    reason = fields.Text(required=True)

    def action_reject(self):
        """Archive the relations, set them 'Rejected' and post the reason."""
        self.ensure_one()
        partners = self.partner_ids
        partners._accountancy_check_approver()
        body = Markup("<p>%s</p><p>%s</p>") % (
            self.env._("Relation rejected by %(user)s.", user=self.env.user.name),
            self.reason,
        )
        for partner in partners:
            partner.message_post(body=body, message_type="comment")
        partners.activity_feedback(
            ["accountancy_crm.mail_activity_type_relation_approval"],
            feedback=self.reason,
        )
        partners.write({"active": False})
        # sudo: the approval is a state field (see res.partner STATE_FIELDS);
        # the approver is checked above, the access by the write above.
        partners.sudo().write({"accountancy_state": "rejected"})
        return {"type": "ir.actions.act_window_close"}
