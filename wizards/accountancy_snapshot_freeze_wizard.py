from odoo import fields, models
from odoo.exceptions import UserError

from ..models.window_actions import form_action


class AccountancySnapshotFreezeWizard(models.TransientModel):
    """Ask why the client file is frozen, then freeze it."""

    _name = "accountancy.snapshot.freeze.wizard"
    _description = "Freeze client file"

    partner_id = fields.Many2one("res.partner", string="Client", required=True)
    reason = fields.Text(
        required=True,
        help="Why the file is frozen, e.g. yearly client acceptance, a new "
        "engagement or the end of the relation.",
    )

    def action_freeze(self):
        """Create the snapshot and open it."""
        self.ensure_one()
        if not (self.reason or "").strip():
            raise UserError(
                self.env._(
                    "Say why the client file of %(client)s is frozen: the reason "
                    "is required.",
                    client=self.partner_id.display_name,
                )
            )
        snapshot = self.env["accountancy.snapshot"].create(
            {"partner_id": self.partner_id.id, "reason": self.reason}
        )
        return form_action("accountancy.snapshot", snapshot.id)
