from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from . import accountancy_job_run as job_run
from . import accountancy_sync_message as sync_message
from .accountancy_client_acceptance import BLOCK_MODES, DEFAULT_BLOCK_MODES
from .accountancy_employee_budget import DEFAULT_FULL_TIME_HOURS, FULL_TIME_HOURS_PARAM
from .accountancy_kvk_client import (
    DEFAULT_TIMEOUT,
    KVK_API_KEY_PARAM,
    MAX_TIMEOUT,
    MIN_TIMEOUT,
)
from .accountancy_service_plan import (
    DEFAULT_PLANNING_YEARS_AHEAD,
    DEFAULT_PLANNING_YEARS_BACK,
)
from .accountancy_strategy import (
    DEFAULT_FULL_UPDATE_MONTHS,
    DEFAULT_MAX_AGE_MONTHS,
    parse_months,
)
from .project_project import DEFAULT_PROJECT_MODE, PROJECT_MODE_PARAM, PROJECT_MODES


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # The key itself is never a field here: Odoo's default_get reads
    # config_parameter fields as superuser, for any caller. The settings show
    # whether a key is set, and an administrator enters a new one.
    kvk_api_key_set = fields.Boolean(
        string="KvK API key set",
        readonly=True,
        help="Whether a KvK API key is stored; the key itself is never shown.",
    )
    kvk_api_key_new = fields.Char(
        string="New KvK API key",
        groups="base.group_system",
        help="Key of the KvK APIs (Zoeken, Basisprofiel), sent in the apikey "
        "header. Enter a key to replace the stored one; it is not shown again.",
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
    planning_years_back = fields.Integer(
        string="Plan years back",
        default=DEFAULT_PLANNING_YEARS_BACK,
        config_parameter="accountancy_crm.planning_years_back",
        help="How many years before the current one service plans may be entered "
        "for, 1 to 10.",
    )
    planning_years_ahead = fields.Integer(
        string="Plan years ahead",
        default=DEFAULT_PLANNING_YEARS_AHEAD,
        config_parameter="accountancy_crm.planning_years_ahead",
        help="How many years after the current one service plans may be entered "
        "for, 1 to 10.",
    )
    accountancy_full_time_hours = fields.Float(
        string="Full-time hours per year",
        default=DEFAULT_FULL_TIME_HOURS,
        config_parameter=FULL_TIME_HOURS_PARAM,
        help="Contract hours of a full-time employee in a year (52 weeks of 40 "
        "hours = 2080); new employee budgets start from it.",
    )
    accountancy_task_project_mode = fields.Selection(
        PROJECT_MODES,
        string="Projects of planning tasks",
        default=DEFAULT_PROJECT_MODE,
        config_parameter=PROJECT_MODE_PARAM,
        help="Where the task generation of the service planning puts a client's "
        "tasks: in one project per client, or in one project per client and "
        "service line (bookkeeping, VAT returns, annual accounts).",
    )

    accountancy_job_threshold = fields.Integer(
        string="Background runs above (clients)",
        default=job_run.DEFAULT_THRESHOLD,
        config_parameter=job_run.THRESHOLD_PARAM,
        help="Long operations on more clients than this (task generation, planning "
        "roll-over, strategy recompute, planned hours sync) run as background jobs "
        "in batches; smaller ones run at once.",
    )

    # Off: an accountancy user sees only the clients of the teams they are in
    # (and of those clients' groups); managers and compliance see all anyway.
    group_accountancy_see_all_clients = fields.Boolean(
        string="Everyone sees all clients",
        implied_group="accountancy_crm.group_see_all_clients",
        group="accountancy_crm.group_user",
        help="When off, accountancy users see only the clients of the client teams "
        "of the current or next year they are in, and the other clients of those "
        "clients' client groups. Managers and compliance officers see all clients.",
    )

    # Client acceptance (Wwft)
    acceptance_review_months_high = fields.Integer(
        string="Review high risk after (months)",
        default=12,
        config_parameter="accountancy_crm.acceptance_review_months_high",
    )
    acceptance_review_months_normal = fields.Integer(
        string="Review normal risk after (months)",
        default=24,
        config_parameter="accountancy_crm.acceptance_review_months_normal",
    )
    acceptance_review_months_low = fields.Integer(
        string="Review low risk after (months)",
        default=36,
        config_parameter="accountancy_crm.acceptance_review_months_low",
    )
    acceptance_block_quote_confirm = fields.Selection(
        BLOCK_MODES,
        string="Confirming quotations",
        default=DEFAULT_BLOCK_MODES["quote_confirm"],
        config_parameter="accountancy_crm.acceptance_block_quote_confirm",
    )
    acceptance_block_project_create = fields.Selection(
        BLOCK_MODES,
        string="Creating projects",
        default=DEFAULT_BLOCK_MODES["project_create"],
        config_parameter="accountancy_crm.acceptance_block_project_create",
    )
    acceptance_block_planning_tasks = fields.Selection(
        BLOCK_MODES,
        string="Generating planning tasks",
        default=DEFAULT_BLOCK_MODES["planning_tasks"],
        config_parameter="accountancy_crm.acceptance_block_planning_tasks",
    )
    # Quotation approval (see sale.order)
    accountancy_quote_approval_amount = fields.Float(
        string="Quotation approval above",
        config_parameter="accountancy_crm.quote_approval_amount",
        help="Quotations whose total in the company currency is above this amount "
        "need a manager's approval before they can be sent or confirmed; 0 for no "
        "limit.",
    )
    accountancy_quote_approval_new_client = fields.Boolean(
        string="Approve all quotations of new clients",
        config_parameter="accountancy_crm.quote_approval_new_client",
        help="Every quotation of a new client (a prospect, or a relation that is not "
        "a client on its card and never bought before) needs a manager's approval.",
    )
    accountancy_quote_approval_no_self = fields.Boolean(
        string="Managers may not approve their own quotations",
        config_parameter="accountancy_crm.quote_approval_no_self",
        help="A manager cannot approve a quotation of which they are the "
        "salesperson or that they submitted for approval.",
    )
    # Outgoing relation changes (accountancy.sync.message)
    accountancy_sync_max_attempts = fields.Integer(
        string="Delivery attempts",
        default=sync_message.DEFAULT_MAX_ATTEMPTS,
        config_parameter="accountancy_crm.sync_max_attempts",
        help="How often a change is sent to an endpoint that does not accept it "
        "(no answer, or an HTTP 408, 429 or 5xx error) before it is given up, "
        "1 to 50. The waits between attempts double: 2, 4, 8... minutes.",
    )
    accountancy_sync_timeout = fields.Integer(
        string="Delivery timeout (seconds)",
        default=sync_message.DEFAULT_TIMEOUT,
        config_parameter="accountancy_crm.sync_timeout",
        help="How long an endpoint may take to answer, 1 to 60 seconds.",
    )
    acceptance_high_risk_country_ids = fields.Many2many(
        "res.country",
        string="High-risk countries",
        help="Countries that call for enhanced due diligence: the EU list of "
        "high-risk third countries, plus any the firm adds.",
    )

    # Called by default_get in Python only (the web client calls default_get
    # and onchange): not over RPC, where it would give any user the settings.
    @api.private
    @api.model
    def get_values(self):
        res = super().get_values()
        # Whether a key is stored, for administrators (the settings screen);
        # sudo: only that boolean leaves this method, never the key.
        res["kvk_api_key_set"] = self.env.user._is_system() and bool(
            self.env["ir.config_parameter"].sudo().get_param(KVK_API_KEY_PARAM)
        )
        countries = self.env["res.country"].search(
            [("accountancy_high_risk", "=", True)]
        )
        res["acceptance_high_risk_country_ids"] = [Command.set(countries.ids)]
        return res

    def set_values(self):
        res = super().set_values()
        self._accountancy_store_kvk_api_key()
        Country = self.env["res.country"]
        wanted = self.acceptance_high_risk_country_ids
        current = Country.search([("accountancy_high_risk", "=", True)])
        (current - wanted).write({"accountancy_high_risk": False})
        (wanted - current).write({"accountancy_high_risk": True})
        return res

    def _accountancy_store_kvk_api_key(self):
        """Store a newly entered KvK API key (administrators only), then forget
        it on the settings record, which lives on in the database a while."""
        for settings in self:
            key = (settings.sudo().kvk_api_key_new or "").strip()
            if not key:
                continue
            if not self.env.user._is_system():
                raise AccessError(
                    self.env._(
                        "Only administrators (Settings) may replace the KvK API key."
                    )
                )
            self.env["ir.config_parameter"].sudo().set_param(KVK_API_KEY_PARAM, key)
            settings.sudo().kvk_api_key_new = False

    @api.constrains(
        "acceptance_review_months_high",
        "acceptance_review_months_normal",
        "acceptance_review_months_low",
    )
    def _check_acceptance_review_months(self):
        for settings in self:
            months = (
                settings.acceptance_review_months_high,
                settings.acceptance_review_months_normal,
                settings.acceptance_review_months_low,
            )
            if not all(1 <= value <= 120 for value in months):
                raise ValidationError(
                    self.env._(
                        "The months until the next client acceptance review must be "
                        "between 1 and 120 for each risk class."
                    )
                )

    @api.constrains("accountancy_quote_approval_amount")
    def _check_accountancy_quote_approval_amount(self):
        for settings in self:
            if settings.accountancy_quote_approval_amount < 0:
                raise ValidationError(
                    self.env._(
                        "The amount above which quotations need approval cannot be "
                        "negative; enter 0 for no limit."
                    )
                )

    @api.constrains("accountancy_job_threshold")
    def _check_accountancy_job_threshold(self):
        for settings in self:
            if settings.accountancy_job_threshold < 1:
                raise ValidationError(
                    self.env._(
                        "The number of clients above which long operations run in "
                        "the background must be at least 1, e.g. 200."
                    )
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

    @api.constrains("accountancy_sync_max_attempts", "accountancy_sync_timeout")
    def _check_accountancy_sync(self):
        sync = sync_message
        for settings in self:
            if not 1 <= settings.accountancy_sync_max_attempts <= sync.MAX_MAX_ATTEMPTS:
                raise ValidationError(
                    self.env._(
                        "The number of delivery attempts of outgoing relation "
                        "changes must be between 1 and %(max)s.",
                        max=sync.MAX_MAX_ATTEMPTS,
                    )
                )
            timeout = settings.accountancy_sync_timeout
            if not sync.MIN_TIMEOUT <= timeout <= sync.MAX_TIMEOUT:
                raise ValidationError(
                    self.env._(
                        "The delivery timeout of outgoing relation changes must be "
                        "between %(min)s and %(max)s seconds.",
                        min=sync.MIN_TIMEOUT,
                        max=sync.MAX_TIMEOUT,
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

    @api.constrains("planning_years_back", "planning_years_ahead")
    def _check_planning_years(self):
        for settings in self:
            # At least one year each way: the previous year's accounts and the
            # next year's team are always planned (and Odoo stores 0 as unset).
            if not (
                1 <= settings.planning_years_back <= 10
                and 1 <= settings.planning_years_ahead <= 10
            ):
                raise ValidationError(
                    self.env._(
                        "The numbers of years back and ahead that can be planned "
                        "must each be between 1 and 10."
                    )
                )

    @api.constrains("accountancy_full_time_hours")
    def _check_accountancy_full_time_hours(self):
        for settings in self:
            if not 0 < settings.accountancy_full_time_hours <= 8784:
                raise ValidationError(
                    self.env._(
                        "The full-time hours per year must be more than 0 and at "
                        "most 8784 (the hours of a leap year), e.g. 2080."
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
