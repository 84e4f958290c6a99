from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .accountancy_kvk_client import DEFAULT_TIMEOUT, MAX_TIMEOUT, MIN_TIMEOUT


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
