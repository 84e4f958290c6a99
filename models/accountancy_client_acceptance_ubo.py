from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .concurrency import lock_rows


class AccountancyClientAcceptanceUbo(models.Model):
    """An ultimate beneficial owner of the client as found in the due
    diligence: a natural person with an interest in or control over it."""

    _name = "accountancy.client.acceptance.ubo"
    _description = "Ultimate beneficial owner (client acceptance)"
    _order = "acceptance_id, interest_percentage desc, id"

    acceptance_id = fields.Many2one(
        "accountancy.client.acceptance",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="acceptance_id.company_id", store=True, index=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Person",
        required=True,
        domain="[('is_company', '=', False)]",
    )
    interest_percentage = fields.Float(
        string="Interest (%)",
        digits=(5, 2),
        help="Share of the ownership or voting rights, 0 to 100.",
    )
    control_kind = fields.Selection(
        [
            ("ownership", "Ownership interest"),
            ("voting_rights", "Voting rights"),
            ("other_control", "Control by other means"),
            ("senior_manager", "Senior managing official (pseudo-UBO)"),
        ],
        string="Kind of control",
        required=True,
        default="ownership",
    )
    country_id = fields.Many2one(
        "res.country",
        string="Country of residence",
        compute="_compute_country_id",
        store=True,
        readonly=False,
    )
    is_pep = fields.Boolean(string="PEP")
    note = fields.Char()

    @api.depends("partner_id.country_id")
    def _compute_country_id(self):
        for ubo in self:
            ubo.country_id = ubo.partner_id.country_id

    @api.constrains("partner_id")
    def _check_partner_is_person(self):
        for ubo in self:
            if ubo.partner_id.is_company:
                raise ValidationError(
                    ubo.env._(
                        "%(partner)s is a company and cannot be an ultimate "
                        "beneficial owner: a UBO is always a natural person. Look "
                        "through the company to the persons who own or control it.",
                        partner=ubo.partner_id.display_name,
                    )
                )

    @api.constrains("interest_percentage")
    def _check_interest_percentage(self):
        for ubo in self:
            if not 0.0 <= ubo.interest_percentage <= 100.0:
                raise ValidationError(
                    ubo.env._(
                        "The interest of %(partner)s is %(percentage)s %%: enter a "
                        "percentage from 0 to 100.",
                        partner=ubo.partner_id.display_name,
                        percentage=ubo.interest_percentage,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        ubos = super().create(vals_list)
        ubos._check_acceptance_draft()
        # The total interest of the UBOs and its "above 100 %" warning are
        # stored on the acceptance: concurrent changes of the UBOs of one
        # acceptance are serialised on it, so that the total counts all of
        # them (see concurrency.lock_rows).
        lock_rows(ubos.acceptance_id)
        return ubos

    def write(self, vals):
        self._check_acceptance_draft()
        if "interest_percentage" in vals or "acceptance_id" in vals:
            target = self.acceptance_id.browse(vals.get("acceptance_id"))
            lock_rows(self.acceptance_id | target)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        self._check_acceptance_draft()
        lock_rows(self.acceptance_id)

    def _check_acceptance_draft(self):
        frozen = self.acceptance_id.filtered(lambda a: a.state != "draft")
        if frozen:
            raise UserError(
                self.env._(
                    "The UBOs of %(acceptance)s can no longer be changed: it has "
                    "been submitted. Start a new review to record other UBOs.",
                    acceptance=frozen[0].display_name,
                )
            )
