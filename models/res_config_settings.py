from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from . import accountancy_sync_message as sync_message
from .accountancy_client_acceptance import (
    BLOCK_MODE_PARAMS,
    BLOCK_MODES,
    REVIEW_MONTHS,
)
from .accountancy_employee_budget import FULL_TIME_HOURS
from .accountancy_job_run import JOB_THRESHOLD
from .accountancy_kvk_client import (
    KVK_API_KEY,
    KVK_BASE_URL,
    KVK_ENVIRONMENT,
    KVK_TIMEOUT,
    MAX_TIMEOUT,
    MIN_TIMEOUT,
)
from .accountancy_service_plan import PLANNING_YEARS_AHEAD, PLANNING_YEARS_BACK
from .accountancy_strategy import (
    STRATEGY_FULL_UPDATE_MONTHS,
    STRATEGY_MAX_AGE_MONTHS,
    parse_months,
)
from .parameters import get_param
from .project_project import PROJECT_MODES, TASK_PROJECT_MODE
from .sale_order import APPROVAL_AMOUNT, APPROVAL_NEW_CLIENT, APPROVAL_NO_SELF

# The number settings checked by _check_accountancy_ranges (the review months
# first, as _accountancy_ranges takes them).
RANGE_FIELDS = (
    "acceptance_review_months_high",
    "acceptance_review_months_normal",
    "acceptance_review_months_low",
    "accountancy_quote_approval_amount",
    "accountancy_job_threshold",
    "kvk_timeout",
    "accountancy_sync_max_attempts",
    "accountancy_sync_timeout",
    "strategy_max_age_months",
    "planning_years_back",
    "planning_years_ahead",
    "accountancy_full_time_hours",
)


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
        default=KVK_ENVIRONMENT.default,
        config_parameter=KVK_ENVIRONMENT.key,
    )
    kvk_base_url = fields.Char(
        string="KvK base URL",
        config_parameter=KVK_BASE_URL.key,
        help="Base URL of the KvK APIs when the environment is custom, without "
        "/api, e.g. https://kvk-proxy.example.nl.",
    )
    kvk_timeout = fields.Integer(
        string="KvK timeout (seconds)",
        default=KVK_TIMEOUT.default,
        config_parameter=KVK_TIMEOUT.key,
        help="How long a KvK lookup may take before it is given up, 1 to 60 seconds.",
    )
    strategy_max_age_months = fields.Integer(
        string="Strategy update after (months)",
        default=STRATEGY_MAX_AGE_MONTHS.default,
        config_parameter=STRATEGY_MAX_AGE_MONTHS.key,
        help="The monthly upkeep asks the relationship manager to update a client "
        "strategy of the current year that is missing or was last updated longer "
        "ago than this, 1 to 24 months.",
    )
    strategy_full_update_months = fields.Char(
        string="Full strategy update in months",
        default=STRATEGY_FULL_UPDATE_MONTHS.default,
        config_parameter=STRATEGY_FULL_UPDATE_MONTHS.key,
        help="Comma-separated month numbers (1-12) in which the upkeep asks for a "
        "full update of every client strategy, e.g. 9,2 for September and "
        "February. Leave empty for none.",
    )
    planning_years_back = fields.Integer(
        string="Plan years back",
        default=PLANNING_YEARS_BACK.default,
        config_parameter=PLANNING_YEARS_BACK.key,
        help="How many years before the current one service plans may be entered "
        "for, 1 to 10.",
    )
    planning_years_ahead = fields.Integer(
        string="Plan years ahead",
        default=PLANNING_YEARS_AHEAD.default,
        config_parameter=PLANNING_YEARS_AHEAD.key,
        help="How many years after the current one service plans may be entered "
        "for, 1 to 10.",
    )
    accountancy_full_time_hours = fields.Float(
        string="Full-time hours per year",
        default=FULL_TIME_HOURS.default,
        config_parameter=FULL_TIME_HOURS.key,
        help="Contract hours of a full-time employee in a year (52 weeks of 40 "
        "hours = 2080); new employee budgets start from it.",
    )
    accountancy_task_project_mode = fields.Selection(
        PROJECT_MODES,
        string="Projects of planning tasks",
        default=TASK_PROJECT_MODE.default,
        config_parameter=TASK_PROJECT_MODE.key,
        help="Where the task generation of the service planning puts a client's "
        "tasks: in one project per client, or in one project per client and "
        "service line (bookkeeping, VAT returns, annual accounts).",
    )

    accountancy_job_threshold = fields.Integer(
        string="Background runs above (clients or rows)",
        default=JOB_THRESHOLD.default,
        config_parameter=JOB_THRESHOLD.key,
        help="Long operations on more clients than this (task generation, planning "
        "roll-over, strategy recompute, planned hours sync) and imports of files of "
        "more rows than this run as background jobs in batches; smaller ones run at "
        "once.",
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
        default=REVIEW_MONTHS["high"].default,
        config_parameter=REVIEW_MONTHS["high"].key,
    )
    acceptance_review_months_normal = fields.Integer(
        string="Review normal risk after (months)",
        default=REVIEW_MONTHS["normal"].default,
        config_parameter=REVIEW_MONTHS["normal"].key,
    )
    acceptance_review_months_low = fields.Integer(
        string="Review low risk after (months)",
        default=REVIEW_MONTHS["low"].default,
        config_parameter=REVIEW_MONTHS["low"].key,
    )
    acceptance_block_quote_confirm = fields.Selection(
        BLOCK_MODES,
        string="Confirming quotations",
        default=BLOCK_MODE_PARAMS["quote_confirm"].default,
        config_parameter=BLOCK_MODE_PARAMS["quote_confirm"].key,
    )
    acceptance_block_project_create = fields.Selection(
        BLOCK_MODES,
        string="Creating projects",
        default=BLOCK_MODE_PARAMS["project_create"].default,
        config_parameter=BLOCK_MODE_PARAMS["project_create"].key,
    )
    acceptance_block_planning_tasks = fields.Selection(
        BLOCK_MODES,
        string="Generating planning tasks",
        default=BLOCK_MODE_PARAMS["planning_tasks"].default,
        config_parameter=BLOCK_MODE_PARAMS["planning_tasks"].key,
    )
    # Quotation approval (see sale.order)
    accountancy_quote_approval_amount = fields.Float(
        string="Quotation approval above",
        default=APPROVAL_AMOUNT.default,
        config_parameter=APPROVAL_AMOUNT.key,
        help="Quotations whose total in the company currency is above this amount "
        "need a manager's approval before they can be sent or confirmed; 0 for no "
        "limit.",
    )
    accountancy_quote_approval_new_client = fields.Boolean(
        string="Approve all quotations of new clients",
        default=APPROVAL_NEW_CLIENT.default,
        config_parameter=APPROVAL_NEW_CLIENT.key,
        help="Every quotation of a new client (a prospect, or a relation that is not "
        "a client on its card and never bought before) needs a manager's approval.",
    )
    accountancy_quote_approval_no_self = fields.Boolean(
        string="Managers may not approve their own quotations",
        default=APPROVAL_NO_SELF.default,
        config_parameter=APPROVAL_NO_SELF.key,
        help="A manager cannot approve a quotation of which they are the "
        "salesperson or that they submitted for approval.",
    )
    # Outgoing relation changes (accountancy.sync.message)
    accountancy_sync_max_attempts = fields.Integer(
        string="Delivery attempts",
        default=sync_message.SYNC_MAX_ATTEMPTS.default,
        config_parameter=sync_message.SYNC_MAX_ATTEMPTS.key,
        help="How often a change is sent to an endpoint that does not accept it "
        "(no answer, or an HTTP 408, 429 or 5xx error) before it is given up, "
        "1 to 50. The waits between attempts double: 2, 4, 8... minutes.",
    )
    accountancy_sync_timeout = fields.Integer(
        string="Delivery timeout (seconds)",
        default=sync_message.SYNC_TIMEOUT.default,
        config_parameter=sync_message.SYNC_TIMEOUT.key,
        help="How long an endpoint may take to answer, 1 to 60 seconds.",
    )
    acceptance_high_risk_country_ids = fields.Many2many(
        "res.country",
        string="High-risk countries",
        help="Countries that call for enhanced due diligence: the EU list of "
        "high-risk third countries, plus any the firm adds.",
    )

    # ------------------------------------------------------------
    # CONSTRAINTS AND ONCHANGES
    # ------------------------------------------------------------

    @api.constrains(*RANGE_FIELDS)
    def _check_accountancy_ranges(self):
        for settings in self:
            for fnames, valid, message in self._accountancy_ranges():
                if not all(valid(settings[fname]) for fname in fnames):
                    raise ValidationError(message())

    @api.constrains("strategy_full_update_months")
    def _check_accountancy_strategy_full_update(self):
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
    def _check_accountancy_kvk_base_url(self):
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

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    # Called by default_get in Python only (the web client calls default_get
    # and onchange): not over RPC, where it would give any user the settings.
    @api.private
    @api.model
    def get_values(self):
        res = super().get_values()
        # Whether a key is stored, for administrators (the settings screen);
        # sudo: only that boolean leaves this method, never the key.
        res["kvk_api_key_set"] = self.env.user._is_system() and bool(
            get_param(self.env, KVK_API_KEY)
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

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _accountancy_ranges(self):
        """(fields, whether a value is valid, message) of the numbers the
        settings keep within bounds; the message is made only when needed."""
        sync = sync_message
        return [
            (
                RANGE_FIELDS[:3],
                lambda value: 1 <= value <= 120,
                lambda: self.env._(
                    "The months until the next client acceptance review must be "
                    "between 1 and 120 for each risk class."
                ),
            ),
            (
                ["accountancy_quote_approval_amount"],
                lambda value: value >= 0,
                lambda: self.env._(
                    "The amount above which quotations need approval cannot be "
                    "negative; enter 0 for no limit."
                ),
            ),
            (
                ["accountancy_job_threshold"],
                lambda value: value >= 1,
                lambda: self.env._(
                    "The number of clients above which long operations run in "
                    "the background must be at least 1, e.g. 200."
                ),
            ),
            (
                ["kvk_timeout"],
                lambda value: MIN_TIMEOUT <= value <= MAX_TIMEOUT,
                lambda: self.env._(
                    "The KvK timeout must be between %(min)s and %(max)s seconds.",
                    min=MIN_TIMEOUT,
                    max=MAX_TIMEOUT,
                ),
            ),
            (
                ["accountancy_sync_max_attempts"],
                lambda value: 1 <= value <= sync.MAX_MAX_ATTEMPTS,
                lambda: self.env._(
                    "The number of delivery attempts of outgoing relation "
                    "changes must be between 1 and %(max)s.",
                    max=sync.MAX_MAX_ATTEMPTS,
                ),
            ),
            (
                ["accountancy_sync_timeout"],
                lambda value: sync.MIN_TIMEOUT <= value <= sync.MAX_TIMEOUT,
                lambda: self.env._(
                    "The delivery timeout of outgoing relation changes must be "
                    "between %(min)s and %(max)s seconds.",
                    min=sync.MIN_TIMEOUT,
                    max=sync.MAX_TIMEOUT,
                ),
            ),
            (
                ["strategy_max_age_months"],
                lambda value: 1 <= value <= 24,
                lambda: self.env._(
                    "The number of months after which a client strategy must "
                    "be updated must be between 1 and 24."
                ),
            ),
            # At least one year each way: the previous year's accounts and the
            # next year's team are always planned (and Odoo stores 0 as unset).
            (
                ["planning_years_back", "planning_years_ahead"],
                lambda value: 1 <= value <= 10,
                lambda: self.env._(
                    "The numbers of years back and ahead that can be planned "
                    "must each be between 1 and 10."
                ),
            ),
            (
                ["accountancy_full_time_hours"],
                lambda value: 0 < value <= 8784,
                lambda: self.env._(
                    "The full-time hours per year must be more than 0 and at "
                    "most 8784 (the hours of a leap year), e.g. 2080."
                ),
            ),
        ]

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
            self.env["ir.config_parameter"].sudo().set_param(KVK_API_KEY.key, key)
            settings.sudo().kvk_api_key_new = False
