from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .accountancy_kvk_client import DEFAULT_TIMEOUT, MAX_TIMEOUT, MIN_TIMEOUT
from .accountancy_strategy import (
    DEFAULT_FULL_UPDATE_MONTHS,
    DEFAULT_MAX_AGE_MONTHS,
    parse_months,
)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    kvk_api_key = fields.Char(
        string="KvK API key",
        config_parameter="accountancy_crm.kvk_api_key",
        help="Key of the KvK APIs (Zoeken, Basisprofiel), sent in the apikey header.",
    )
    kvk_environment = fields.Selection(
        [
            ("production", "Production (https://api.kvk.nl)"),
            ("test", "Test (https://api.kvk.nl/test)"),
            ("custom", "Custom base URL"),
        ],
        string="KvK environment",
        default="production",
        config_parameter="accountancy_crm.kvk_environment",
    )
    kvk_base_url = fields.Char(
        string="KvK base URL",
        config_parameter="accountancy_crm.kvk_base_url",
        help="Base URL of the KvK APIs when the environment is custom, without "
        "/api, e.g. https://kvk-proxy.example.nl.",
    )
    kvk_timeout = fields.Integer(
        string="KvK timeout (seconds)",
        default=DEFAULT_TIMEOUT,
        config_parameter="accountancy_crm.kvk_timeout",
        help="How long a KvK lookup may take before it is given up, 1 to 60 seconds.",
    )
    strategy_max_age_months = fields.Integer(
        string="Strategy update after (months)",
        default=DEFAULT_MAX_AGE_MONTHS,
        config_parameter="accountancy_crm.strategy_max_age_months",
        help="The monthly upkeep asks the relationship manager to update a client "
        "strategy of the current year that is missing or was last updated longer "
        "ago than this, 1 to 24 months.",
    )
    strategy_full_update_months = fields.Char(
        string="Full strategy update in months",
        default=DEFAULT_FULL_UPDATE_MONTHS,
        config_parameter="accountancy_crm.strategy_full_update_months",
        help="Comma-separated month numbers (1-12) in which the upkeep asks for a "
        "full update of every client strategy, e.g. 9,2 for September and "
        "February. Leave empty for none.",
    )

    @api.constrains("kvk_timeout")
    def _check_kvk_timeout(self):
        for settings in self:
            if not MIN_TIMEOUT <= settings.kvk_timeout <= MAX_TIMEOUT:
                raise ValidationError(
                    self.env._(
                        "The KvK timeout must be between %(min)s and %(max)s seconds.",
                        min=MIN_TIMEOUT,
                        max=MAX_TIMEOUT,
                    )
                )

    @api.constrains("strategy_max_age_months")
    def _check_strategy_max_age_months(self):
        for settings in self:
            if not 1 <= settings.strategy_max_age_months <= 24:
                raise ValidationError(
                    self.env._(
                        "The number of months after which a client strategy must "
                        "be updated must be between 1 and 24."
                    )
                )

    @api.constrains("strategy_full_update_months")
    def _check_strategy_full_update_months(self):
        for settings in self:
            try:
                parse_months(settings.strategy_full_update_months)
            except ValueError:
                raise ValidationError(
                    self.env._(
                        "The months of the full strategy update must be "
                        "comma-separated month numbers from 1 to 12, e.g. 9,2 "
                        "for September and February (found: %(months)s).",
                        months=settings.strategy_full_update_months,
                    )
                ) from None

    @api.constrains("kvk_environment", "kvk_base_url")
    def _check_kvk_base_url(self):
        for settings in self:
            if settings.kvk_environment != "custom":
                continue
            url = (settings.kvk_base_url or "").strip()
            if not url.startswith(("http://", "https://")):
                raise ValidationError(
                    self.env._(
                        "Enter the KvK base URL, starting with https:// (or http:// "
                        "for a local test server), when the KvK environment is custom."
                    )
                )
