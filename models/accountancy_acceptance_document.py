from odoo import api, fields, models
from odoo.exceptions import UserError

from . import protected_fields

# Follow the acceptance (see protected_fields): the retention date decides
# when the document may be deleted, the client and company who may see it.
# On create they are computed from the acceptance whatever is given.
RELATED_FIELDS = ("partner_id", "company_id", "retention_until")


class AccountancyAcceptanceDocument(models.Model):
    """A document of the client acceptance file (copy of an ID document, KvK or
    UBO register extract, screening result). A model of its own, readable by the
    Compliance group only, so that its file (an attachment of this record) is
    hidden from the users who may read the acceptance itself."""

    _name = "accountancy.acceptance.document"
    _description = "Client acceptance document"
    _order = "acceptance_id, id"

    acceptance_id = fields.Many2one(
        "accountancy.client.acceptance",
        required=True,
        ondelete="cascade",
        index=True,
    )
    partner_id = fields.Many2one(
        related="acceptance_id.partner_id", store=True, index=True, string="Client"
    )
    company_id = fields.Many2one(
        related="acceptance_id.company_id", store=True, index=True
    )
    name = fields.Char(string="Description", required=True)
    document_type = fields.Selection(
        [
            ("id_copy", "Copy of ID document"),
            ("kvk_extract", "KvK extract"),
            ("ubo_extract", "UBO register extract"),
            ("screening", "PEP or sanctions screening"),
            ("other", "Other"),
        ],
        required=True,
        default="id_copy",
    )
    file = fields.Binary(attachment=True, required=True, copy=False)
    file_name = fields.Char()
    retention_until = fields.Date(
        string="Keep until",
        related="acceptance_id.retention_until",
        store=True,
        help="5 years after the end of the relationship with the client; empty "
        "while the relationship lasts.",
    )

    def write(self, vals):
        protected_fields.check_write(self, vals, RELATED_FIELDS)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_after_retention(self):
        today = fields.Date.context_today(self)
        kept = self.filtered(
            lambda d: (
                d.acceptance_id.state != "draft"
                and (not d.retention_until or d.retention_until > today)
            )
        )
        if kept:
            raise UserError(
                self.env._(
                    "%(document)s of %(client)s must be kept until 5 years after the "
                    "relationship ends (%(until)s): it cannot be deleted yet.",
                    document=kept[0].name,
                    client=kept[0].partner_id.display_name,
                    until=kept[0].retention_until
                    or self.env._("the relationship has not ended"),
                )
            )
