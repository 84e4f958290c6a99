from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.access_checks import check_caller
from ..models.window_actions import records_action


class AccountancyStrategyRecomputeWizard(models.TransientModel):
    """Create the missing strategies of a year and recompute them in batch."""

    _name = "accountancy.strategy.recompute.wizard"
    _inherit = ["accountancy.year.clients.mixin"]
    _description = "Recompute client strategies"
    _accountancy_year_range = (1900, 2100)

    partner_ids = fields.Many2many(help="Leave empty to recompute all clients.")

    def action_recompute(self):
        check_caller(self, "write")
        self.ensure_one()
        partners = self.partner_ids or self.env["res.partner"].search(
            [("relation_kind", "=", "client")]
        )
        if not partners:
            raise UserError(
                self.env._(
                    "There is no client to recompute the strategy of: choose "
                    "clients, or mark relations as clients first."
                )
            )
        started = self.env["accountancy.job.run"]._accountancy_start_if_many(
            "strategy_recompute", self.year, partners
        )
        if started:
            return started
        strategies = self._get_strategies(partners)
        return records_action(
            self.env,
            "accountancy_crm.accountancy_strategy_action",
            [("id", "in", strategies.ids)],
        )

    def _get_strategies(self, partners):
        """The strategies of ``partners`` for the year, created where missing
        and recomputed, all in batch."""
        Strategy = self.env["accountancy.strategy"]
        existing = Strategy.search(
            [("partner_id", "in", partners.ids), ("year", "=", self.year)]
        )
        missing = partners - existing.partner_id
        # create() adds the lines and computes their values
        created = Strategy.create(
            [{"partner_id": partner.id, "year": self.year} for partner in missing]
        )
        existing.action_recompute()
        return existing | created

    @api.model
    def _accountancy_run_batch(self, year, partners, first=False):
        """The background job of a batch of clients: create and recompute their
        strategies of ``year``."""
        self.new({"year": year})._get_strategies(partners)
