from ast import literal_eval

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression

from .access_checks import check_caller

SALESMAN_GROUP = "sales_team.group_sale_salesman"

DEFAULT_TARGET_DOMAIN = "[('relation_kind', '=', 'client')]"


class UtmCampaign(models.Model):
    """A sales campaign of the firm: its cost, the relations it
    targets, the actions scheduled on them and the opportunities it brought,
    which give its return."""

    _inherit = "utm.campaign"

    # currency_id (the campaign company's currency) comes from sale.
    accountancy_cost = fields.Monetary(
        string="Campaign cost",
        currency_field="currency_id",
        help="What the campaign costs (mailings, events, advertising, hours); "
        "the base of the return on investment.",
    )
    accountancy_target_domain = fields.Char(
        string="Target relations",
        default=DEFAULT_TARGET_DOMAIN,
        help="Filter on relations choosing who the campaign targets, e.g. all "
        "clients of type A in the hospitality sector.",
    )
    accountancy_target_count = fields.Integer(
        string="Target relations count",
        compute="_compute_accountancy_target_count",
    )
    accountancy_activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Action",
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'res.partner')]",
        help="The activity scheduled on each target relation by Schedule "
        "actions, e.g. a call or a visit.",
    )
    accountancy_activity_summary = fields.Char(
        string="Action summary",
        help="Summary of the scheduled activities; defaults to the campaign name.",
    )
    accountancy_activity_date_deadline = fields.Date(string="Action due date")
    accountancy_activity_assignee = fields.Selection(
        [
            ("responsible", "Campaign responsible"),
            ("salesperson", "Salesperson of the relation"),
        ],
        string="Assign actions to",
        default="responsible",
        required=True,
        help="Salesperson of the relation: the relation's salesperson, or the "
        "campaign responsible for relations without one.",
    )
    # Opportunity results: crm.lead is only readable with sales rights.
    accountancy_won_revenue = fields.Monetary(
        string="Won revenue",
        currency_field="currency_id",
        compute="_compute_accountancy_lead_results",
        groups="sales_team.group_sale_salesman",
        help="Sum of the expected revenue of the won opportunities of the campaign.",
    )
    accountancy_won_count = fields.Integer(
        string="Won",
        compute="_compute_accountancy_lead_results",
        groups="sales_team.group_sale_salesman",
    )
    accountancy_lost_count = fields.Integer(
        string="Lost",
        compute="_compute_accountancy_lead_results",
        groups="sales_team.group_sale_salesman",
    )
    accountancy_open_count = fields.Integer(
        string="Open",
        compute="_compute_accountancy_lead_results",
        groups="sales_team.group_sale_salesman",
    )
    accountancy_roi = fields.Float(
        string="Return on investment",
        compute="_compute_accountancy_lead_results",
        groups="sales_team.group_sale_salesman",
        help="(Won revenue - cost) / cost. Empty when the campaign has no cost.",
    )
    accountancy_has_roi = fields.Boolean(
        compute="_compute_accountancy_lead_results",
        groups="sales_team.group_sale_salesman",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("accountancy_target_domain")
    @api.depends_context("uid")
    def _compute_accountancy_target_count(self):
        # One count per distinct filter: campaigns sharing a filter share it.
        counts = {}
        Partner = self.env["res.partner"]
        for campaign in self:
            key = campaign.accountancy_target_domain or ""
            if key not in counts:
                domain = campaign._accountancy_parse_target_domain(raise_error=False)
                counts[key] = Partner.search_count(domain) if domain else 0
            campaign.accountancy_target_count = counts[key]

    @api.depends("accountancy_cost")
    @api.depends_context("uid")
    def _compute_accountancy_lead_results(self):
        # Keyed by the saved id, so that the form (new records) shows them too.
        campaign_ids = self._origin.ids
        results = {cid: [0.0, 0, 0, 0] for cid in campaign_ids}
        if campaign_ids:
            # One grouped query: active opportunities (won or open) and lost
            # ones (archived at probability 0); other archived ones do not
            # count. Archived stages are read with the groups.
            Lead = self.env["crm.lead"].with_context(active_test=False)
            groups = Lead._read_group(
                [
                    ("campaign_id", "in", campaign_ids),
                    ("type", "=", "opportunity"),
                    "|",
                    ("active", "=", True),
                    ("probability", "=", 0),
                ],
                ["campaign_id", "active", "stage_id"],
                ["expected_revenue:sum", "__count"],
            )
            for campaign, active, stage, revenue, count in groups:
                result = results[campaign.id]
                if not active:
                    result[2] += count
                elif stage.is_won:
                    result[0] += revenue
                    result[1] += count
                else:
                    result[3] += count
        for campaign in self:
            won_revenue, won, lost, open_count = results.get(
                campaign._origin.id, [0.0, 0, 0, 0]
            )
            campaign.accountancy_won_revenue = won_revenue
            campaign.accountancy_won_count = won
            campaign.accountancy_lost_count = lost
            campaign.accountancy_open_count = open_count
            cost = campaign.accountancy_cost
            campaign.accountancy_has_roi = bool(cost)
            campaign.accountancy_roi = (won_revenue - cost) / cost if cost else 0.0

    # ------------------------------------------------------------
    # CONSTRAINTS AND ONCHANGES
    # ------------------------------------------------------------

    @api.constrains("accountancy_cost")
    def _check_accountancy_cost(self):
        for campaign in self:
            if campaign.accountancy_cost < 0:
                raise ValidationError(
                    self.env._(
                        "The cost of campaign '%(campaign)s' is below 0 "
                        "(%(cost)s): enter the campaign cost as zero or a "
                        "positive amount.",
                        campaign=campaign.title,
                        cost=campaign.accountancy_cost,
                    )
                )

    @api.constrains("accountancy_target_domain")
    def _check_accountancy_target_domain(self):
        for campaign in self:
            domain = campaign._accountancy_parse_target_domain()
            try:
                self.env["res.partner"]._where_calc(domain)
            except (ValueError, KeyError, TypeError) as error:
                raise ValidationError(
                    self.env._(
                        "The target relations filter of campaign '%(campaign)s' "
                        "is not valid (%(error)s): build it again with the "
                        "filter editor.",
                        campaign=campaign.title,
                        error=error,
                    )
                ) from error

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_view_accountancy_targets(self):
        check_caller(self, "read")
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Target relations of %(campaign)s", campaign=self.title),
            "res_model": "res.partner",
            "view_mode": "list,kanban,form",
            "views": [(False, "list"), (False, "kanban"), (False, "form")],
            "domain": self._accountancy_parse_target_domain(),
            "context": {"create": False},
        }

    def action_schedule_accountancy_activities(self):
        """Schedule the campaign's action as an activity on each target
        relation (in one create). Relations that already have this open action
        for the same user are skipped, so that clicking twice adds nothing."""
        check_caller(self, "read")
        self.ensure_one()
        if not self.accountancy_activity_type_id:
            raise UserError(
                self.env._(
                    "Choose the action (activity type) of campaign "
                    "'%(campaign)s' before scheduling it on the target relations.",
                    campaign=self.title,
                )
            )
        partners = self._accountancy_target_partners()
        if not partners:
            raise UserError(
                self.env._(
                    "The target relations filter of campaign '%(campaign)s' finds "
                    "no relations: change the filter first.",
                    campaign=self.title,
                )
            )
        activity_type = self.accountancy_activity_type_id
        summary = self.accountancy_activity_summary or self.title
        deadline = self.accountancy_activity_date_deadline or (
            activity_type._get_date_deadline()
        )
        model_id = self.env["ir.model"]._get_id("res.partner")
        existing = self.env["mail.activity"].search_fetch(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", partners.ids),
                ("activity_type_id", "=", activity_type.id),
                ("summary", "=", summary),
            ],
            ["res_id", "user_id"],
        )
        done = {(activity.res_id, activity.user_id.id) for activity in existing}
        vals_list = []
        for partner in partners:
            user = self.user_id
            if self.accountancy_activity_assignee == "salesperson" and partner.user_id:
                user = partner.user_id
            if (partner.id, user.id) in done:
                continue
            vals_list.append(
                {
                    "activity_type_id": activity_type.id,
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "summary": summary,
                    "date_deadline": deadline,
                    "user_id": user.id,
                }
            )
        # One notification per activity would flood the assignee's inbox: the
        # activities show in their activity menu.
        activities = (
            self.env["mail.activity"]
            .with_context(mail_activity_quick_update=True)
            .create(vals_list)
        )
        message = self.env._(
            "%(count)s activities scheduled on the target relations of "
            "%(campaign)s (%(skipped)s relations already had this action).",
            count=len(activities),
            campaign=self.title,
            skipped=len(partners) - len(activities),
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Campaign actions"),
                "message": message,
                "type": "success",
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_view_accountancy_won(self):
        check_caller(self, "read", group=SALESMAN_GROUP)
        return self._accountancy_lead_action(
            self.env._("Won opportunities"),
            [("active", "=", True), ("stage_id.is_won", "=", True)],
        )

    def action_view_accountancy_open(self):
        check_caller(self, "read", group=SALESMAN_GROUP)
        return self._accountancy_lead_action(
            self.env._("Open opportunities"),
            [("active", "=", True), ("stage_id.is_won", "=", False)],
        )

    def action_view_accountancy_lost(self):
        check_caller(self, "read", group=SALESMAN_GROUP)
        return self._accountancy_lead_action(
            self.env._("Lost opportunities"),
            [("active", "=", False), ("probability", "=", 0)],
        )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _accountancy_parse_target_domain(self, raise_error=True):
        """The target filter as a domain; an empty filter targets all
        relations, as the filter editor shows. Returns None for an unreadable
        filter unless ``raise_error``."""
        self.ensure_one()
        text = (self.accountancy_target_domain or "").strip() or "[]"
        try:
            domain = literal_eval(text)
            if not isinstance(domain, list | tuple):
                raise TypeError(text)
            return expression.normalize_domain(list(domain))
        except (ValueError, SyntaxError, TypeError, AssertionError) as error:
            if not raise_error:
                return None
            raise ValidationError(
                self.env._(
                    "The target relations filter of campaign '%(campaign)s' "
                    "cannot be read: build it again with the filter editor.",
                    campaign=self.title,
                )
            ) from error

    def _accountancy_target_partners(self):
        self.ensure_one()
        return self.env["res.partner"].search(self._accountancy_parse_target_domain())

    def _accountancy_lead_action(self, name, domain):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm.crm_lead_opportunities"
        )
        action["name"] = name
        action["view_mode"] = "list,kanban,form,graph,pivot"
        action["views"] = [
            (False, mode) for mode in ("list", "kanban", "form", "graph", "pivot")
        ]
        action["domain"] = [
            ("campaign_id", "in", self.ids),
            ("type", "=", "opportunity"),
            *domain,
        ]
        action["context"] = {"active_test": False, "create": False}
        return action
