from odoo import fields, models, tools
from odoo.tools import SQL

from .access_checks import check_caller
from .accountancy_contact_moment import CHANNELS
from .window_actions import form_action

KINDS = [
    ("opportunity_won", "Won opportunity"),
    ("opportunity_open", "Open opportunity"),
    ("opportunity_lost", "Lost opportunity"),
    ("target", "Target"),
    ("contact_moment", "Contact moment"),
]
OPPORTUNITY_KINDS = ["opportunity_won", "opportunity_open", "opportunity_lost"]


class AccountancySalesReport(models.Model):
    """The forecast dashboard: one row per fact, i.e. per
    opportunity (won, open or lost), per sales target (or target month) and
    per contact moment, with the salesperson, sales team, department and date,
    so that one grouped query gives this year against the previous years,
    targets against realised figures and contact moments per salesperson.

    Record rules (security/accountancy_crm_security.xml) mirror those of the
    facts: opportunities as crm.lead's sales rules, contact moments as the
    contact moments' client rule, targets readable by every accountancy user."""

    _name = "accountancy.sales.report"
    _description = "Forecast dashboard"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "kind"
    # Flushed before each search or read of the view.
    _depends = {
        "crm.lead": [
            "active",
            "type",
            "stage_id",
            "user_id",
            "team_id",
            "company_id",
            "partner_id",
            "campaign_id",
            "probability",
            "expected_revenue",
            "prorated_revenue",
            "date_closed",
            "date_deadline",
        ],
        "crm.stage": ["is_won"],
        "accountancy.sales.target": [
            "user_id",
            "year",
            "company_id",
            "amount",
            "won_count",
            "month_ids",
        ],
        "accountancy.sales.target.month": [
            "target_id",
            "month_number",
            "amount",
            "won_count",
        ],
        "accountancy.contact.moment": [
            "date",
            "employee_id",
            "user_id",
            "company_id",
            "partner_id",
            "lead_id",
            "channel",
        ],
        "hr.employee": ["user_id", "department_id", "active"],
        "res.users": ["sale_team_id"],
    }

    kind = fields.Selection(KINDS, readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales team", readonly=True)
    department_id = fields.Many2one("hr.department", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Relation", readonly=True)
    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    employee_id = fields.Many2one("hr.employee", readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    date = fields.Date(
        readonly=True,
        help="Won and lost: the closing date; open: the expected closing date "
        "(else the creation date); targets: the month (1 January for a year "
        "target); contact moments: their date.",
    )
    year = fields.Integer(readonly=True, aggregator=None)
    amount = fields.Float(
        readonly=True,
        aggregator="sum",
        help="Expected revenue of opportunities, amount of targets.",
    )
    realised_amount = fields.Float(
        string="Realised", readonly=True, aggregator="sum", help="Won revenue."
    )
    target_amount = fields.Float(string="Target", readonly=True, aggregator="sum")
    open_amount = fields.Float(string="Open pipeline", readonly=True, aggregator="sum")
    weighted_amount = fields.Float(
        string="Weighted pipeline",
        readonly=True,
        aggregator="sum",
        help="Expected revenue of the open opportunities times their probability.",
    )
    lost_amount = fields.Float(string="Lost revenue", readonly=True, aggregator="sum")
    won_count = fields.Integer(string="# Won", readonly=True, aggregator="sum")
    open_count = fields.Integer(string="# Open", readonly=True, aggregator="sum")
    lost_count = fields.Integer(string="# Lost", readonly=True, aggregator="sum")
    target_count = fields.Integer(
        string="# Target won",
        readonly=True,
        aggregator="sum",
        help="Number of opportunities to win according to the targets.",
    )
    contact_moment_count = fields.Integer(
        string="# Contact moments", readonly=True, aggregator="sum"
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # A view, not ORM reads, so that the dashboard's grouped figures are one
        # query whatever the number of opportunities. The facts are stacked with
        # UNION ALL, so that filters on the salesperson reach the indexes of
        # crm_lead.user_id and accountancy_contact_moment.user_id. Ids are
        # stable per fact: source id * 10 + a digit per source.
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                WITH user_department AS (
                    SELECT DISTINCT ON (e.user_id) e.user_id, e.department_id
                      FROM hr_employee e
                     WHERE e.user_id IS NOT NULL AND e.active
                     ORDER BY e.user_id, e.id
                )
                SELECT f.id,
                       f.kind,
                       f.user_id,
                       f.team_id,
                       COALESCE(emp.department_id, ud.department_id)
                           AS department_id,
                       f.company_id,
                       f.partner_id,
                       f.lead_id,
                       f.campaign_id,
                       f.employee_id,
                       f.channel,
                       f.date,
                       EXTRACT(YEAR FROM f.date)::int AS year,
                       f.amount,
                       f.realised_amount,
                       f.target_amount,
                       f.open_amount,
                       f.weighted_amount,
                       f.lost_amount,
                       f.won_count,
                       f.open_count,
                       f.lost_count,
                       f.target_count,
                       f.contact_moment_count
                  FROM (
                    SELECT o.id * 10 + 1 AS id,
                           o.kind,
                           o.user_id,
                           o.team_id,
                           o.company_id,
                           o.partner_id,
                           o.id AS lead_id,
                           o.campaign_id,
                           NULL::integer AS employee_id,
                           NULL::varchar AS channel,
                           o.date,
                           o.amount,
                           CASE WHEN o.kind = 'opportunity_won'
                                THEN o.amount ELSE 0 END AS realised_amount,
                           0::float8 AS target_amount,
                           CASE WHEN o.kind = 'opportunity_open'
                                THEN o.amount ELSE 0 END AS open_amount,
                           CASE WHEN o.kind = 'opportunity_open'
                                THEN o.prorated ELSE 0 END AS weighted_amount,
                           CASE WHEN o.kind = 'opportunity_lost'
                                THEN o.amount ELSE 0 END AS lost_amount,
                           (o.kind = 'opportunity_won')::int AS won_count,
                           (o.kind = 'opportunity_open')::int AS open_count,
                           (o.kind = 'opportunity_lost')::int AS lost_count,
                           0 AS target_count,
                           0 AS contact_moment_count
                      FROM (
                        SELECT l.id, l.user_id, l.team_id, l.company_id,
                               l.partner_id, l.campaign_id,
                               COALESCE(l.expected_revenue, 0)::float8 AS amount,
                               COALESCE(l.prorated_revenue, 0)::float8 AS prorated,
                               CASE WHEN NOT l.active THEN 'opportunity_lost'
                                    WHEN s.is_won THEN 'opportunity_won'
                                    ELSE 'opportunity_open'
                               END AS kind,
                               CASE WHEN l.active AND NOT COALESCE(s.is_won, FALSE)
                                    THEN COALESCE(l.date_deadline,
                                                  l.create_date::date)
                                    ELSE COALESCE(l.date_closed,
                                                  l.write_date)::date
                               END AS date
                          FROM crm_lead l
                          LEFT JOIN crm_stage s ON s.id = l.stage_id
                         WHERE l.type = 'opportunity'
                           AND (l.active OR l.probability = 0)
                      ) o
                    UNION ALL
                    -- A target split over months gives a row per month,
                    -- one without months a row for the year.
                    SELECT COALESCE(m.id * 10 + 3, t.id * 10 + 2),
                           'target',
                           t.user_id,
                           u.sale_team_id,
                           t.company_id,
                           NULL, NULL, NULL, NULL, NULL,
                           make_date(t.year, COALESCE(m.month_number, 1), 1),
                           COALESCE(CASE WHEN m.id IS NULL THEN t.amount
                                         ELSE m.amount END, 0)::float8,
                           0,
                           COALESCE(CASE WHEN m.id IS NULL THEN t.amount
                                         ELSE m.amount END, 0)::float8,
                           0, 0, 0, 0, 0, 0,
                           COALESCE(CASE WHEN m.id IS NULL THEN t.won_count
                                         ELSE m.won_count END, 0),
                           0
                      FROM accountancy_sales_target t
                      JOIN res_users u ON u.id = t.user_id
                      LEFT JOIN accountancy_sales_target_month m
                        ON m.target_id = t.id
                    UNION ALL
                    SELECT c.id * 10 + 4,
                           'contact_moment',
                           c.user_id,
                           COALESCE(cl.team_id, cu.sale_team_id),
                           c.company_id,
                           c.partner_id,
                           c.lead_id,
                           cl.campaign_id,
                           c.employee_id,
                           c.channel,
                           c.date::date,
                           0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                           1
                      FROM accountancy_contact_moment c
                      LEFT JOIN crm_lead cl ON cl.id = c.lead_id
                      LEFT JOIN res_users cu ON cu.id = c.user_id
                  ) f
                  LEFT JOIN hr_employee emp ON emp.id = f.employee_id
                  LEFT JOIN user_department ud ON ud.user_id = f.user_id
                )
                """,
                SQL.identifier(self._table),
            )
        )

    def action_open_source(self):
        """The opportunity, target or contact moment behind a row."""
        check_caller(self, "read")
        self.ensure_one()
        source_id, source = divmod(self.id, 10)
        model = {
            1: "crm.lead",
            2: "accountancy.sales.target",
            4: "accountancy.contact.moment",
        }.get(source)
        if source == 3:
            model = "accountancy.sales.target"
            source_id = (
                self.env["accountancy.sales.target.month"]
                .browse(source_id)
                .target_id.id
            )
        return form_action(model, source_id)
