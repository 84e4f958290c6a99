from odoo import fields, models


class AccountancySnapshotCompareLine(models.TransientModel):
    """One field of a client file that differs between two snapshots."""

    _name = "accountancy.snapshot.compare.line"
    _description = "Difference between client file snapshots"
    _order = "sequence, id"

    wizard_id = fields.Many2one(
        "accountancy.snapshot.compare.wizard", required=True, ondelete="cascade"
    )
    sequence = fields.Integer()
    section = fields.Char()
    field = fields.Char()
    old_value = fields.Char()
    new_value = fields.Char()
