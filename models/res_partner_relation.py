from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.translate import LazyTranslate

from .concurrency import lock_rows

_lt = LazyTranslate(__name__)


class ResPartnerRelation(models.Model):
    _name = "res.partner.relation"
    # The template mixin first, as on res.partner and hr.employee.
    _inherit = ["accountancy.import.template.mixin", "res.partner.relation"]
    _accountancy_import_templates = [
        (
            _lt("Import template for shareholdings and other relations"),
            "shareholdings.xlsx",
        )
    ]

    # A relation card reads its relations by partner on both sides (the
    # Relations tab, shareholders, participations, holding tree); the OCA
    # module leaves these columns unindexed, a table scan per read.
    left_partner_id = fields.Many2one(index=True)
    right_partner_id = fields.Many2one(index=True)
    is_shareholding = fields.Boolean(related="type_id.is_shareholding")
    share_percentage = fields.Float(
        string="Share %",
        digits=(5, 2),
        help="Percentage of the shares of the right partner held by the left partner.",
    )

    # ------------------------------------------------------------
    # CONSTRAINTS AND ONCHANGES
    # ------------------------------------------------------------

    @api.constrains("share_percentage", "type_id")
    def _check_accountancy_share_percentage(self):
        for relation in self.filtered("type_id.is_shareholding"):
            if not 0 < relation.share_percentage <= 100:
                raise ValidationError(
                    self.env._(
                        "The share of %(shareholder)s in %(company)s must be more "
                        "than 0 %% and at most 100 %%; it is %(percentage)s %%.",
                        shareholder=relation.left_partner_id.display_name,
                        company=relation.right_partner_id.display_name,
                        percentage=format(relation.share_percentage, "g"),
                    )
                )

    @api.constrains(
        "share_percentage", "type_id", "right_partner_id", "date_start", "date_end"
    )
    def _check_accountancy_share_total(self):
        companies = self.filtered("type_id.is_shareholding").right_partner_id
        if not companies:
            return
        # Concurrent shareholdings in one company: the second one waits here and
        # is retried with the first one in view (see concurrency.lock_rows).
        lock_rows(companies)
        # One grouped query for all companies touched by this batch.
        totals = self._read_group(
            [
                ("right_partner_id", "in", companies.ids),
                *self._accountancy_current_shareholding_domain(),
            ],
            ["right_partner_id"],
            ["share_percentage:sum"],
        )
        for company, total in totals:
            if round(total, 2) > 100:
                raise ValidationError(
                    self.env._(
                        "The current shares held in %(company)s add up to "
                        "%(total)s %%, more than 100 %%. Lower the percentages of "
                        "its shareholders or end a former shareholding.",
                        company=company.display_name,
                        total=format(total, "g"),
                    )
                )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _accountancy_current_shareholding_domain(self):
        """The shareholdings that count today: not ended (one ending today
        still counts)."""
        today = fields.Date.context_today(self)
        return [
            ("type_id.is_shareholding", "=", True),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", today),
        ]
