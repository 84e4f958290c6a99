from odoo import Command, api, fields, models

from ..models.access_checks import check_caller
from ..models.window_actions import form_action


class AccountancySnapshotCompareWizard(models.TransientModel):
    """What changed in a client file between two of its snapshots, field by
    field."""

    _name = "accountancy.snapshot.compare.wizard"
    _description = "Compare client file snapshots"

    snapshot_old_id = fields.Many2one(
        "accountancy.snapshot", string="Older snapshot", required=True
    )
    snapshot_new_id = fields.Many2one(
        "accountancy.snapshot", string="Newer snapshot", required=True
    )
    partner_id = fields.Many2one(related="snapshot_new_id.partner_id")
    line_ids = fields.One2many(
        "accountancy.snapshot.compare.line",
        "wizard_id",
        string="Differences",
        readonly=True,
    )
    compared = fields.Boolean(readonly=True)
    difference_count = fields.Integer(compute="_compute_difference_count")

    @api.depends("line_ids")
    def _compute_difference_count(self):
        for wizard in self:
            wizard.difference_count = len(wizard.line_ids)

    @api.model
    def default_get(self, fields_list):
        """Two snapshots selected in the list: the older and the newer one."""
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "accountancy.snapshot" and context.get(
            "active_ids"
        ):
            snapshots = (
                self.env["accountancy.snapshot"]
                .browse(context["active_ids"])
                .sorted(lambda s: (s.date, s.id))
            )
            if len(snapshots) >= 2:
                values.setdefault("snapshot_old_id", snapshots[-2].id)
            values.setdefault("snapshot_new_id", snapshots[-1:].id)
        return values

    def action_compare(self):
        """List the differences (an error when the snapshots are of different
        clients) and show them in this wizard."""
        check_caller(self, "write")
        self.ensure_one()
        differences = self.snapshot_old_id._compare_with(self.snapshot_new_id)
        self.write(
            {
                "compared": True,
                "line_ids": [Command.clear()]
                + [
                    Command.create(dict(difference, sequence=index))
                    for index, difference in enumerate(differences)
                ],
            }
        )
        return form_action(
            self._name, self.id, target="new", name=self.env._("Compare snapshots")
        )
