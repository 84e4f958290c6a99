from odoo import api, fields, models
from odoo.exceptions import ValidationError

NPS_CATEGORIES = [
    ("promoter", "Promoter"),
    ("passive", "Passive"),
    ("detractor", "Detractor"),
]
# The value of one answer in the Net Promoter Score: the average of these values
# over any set of answers is % promoters - % detractors, the NPS itself.
NPS_VALUES = {"promoter": 100, "passive": 0, "detractor": -100}


def nps_category(score):
    """Category of a 0-10 answer: 9-10 promoter, 7-8 passive, 0-6 detractor."""
    if score >= 9:
        return "promoter"
    if score >= 7:
        return "passive"
    return "detractor"


class AccountancyNpsResponse(models.Model):
    """One answer of a relation to "How likely is it that you would recommend
    us to a friend or colleague?" (0-10), with what to improve."""

    _name = "accountancy.nps.response"
    _description = "NPS response"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Relation",
        required=True,
        index=True,
        check_company=True,
        help="The relation or contact person who answered.",
    )
    # Stored so that the relation card groups the answers of its contact
    # persons too, and for the record rules of the clients' teams.
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        string="Client",
        store=True,
        index=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    score = fields.Integer(
        required=True,
        aggregator="avg",
        help="How likely the relation would recommend the firm to a friend or "
        "colleague, from 0 (not at all) to 10 (extremely likely).",
    )
    improvement = fields.Text(
        string="What to improve", help="What the firm could do better, in their words."
    )
    category = fields.Selection(
        NPS_CATEGORIES,
        compute="_compute_category",
        store=True,
        help="Promoter: 9-10, passive: 7-8, detractor: 0-6.",
    )
    nps_value = fields.Integer(
        string="NPS",
        compute="_compute_category",
        store=True,
        aggregator="avg",
        help="+100 for a promoter, 0 for a passive, -100 for a detractor: the "
        "average over a group of answers is its Net Promoter Score (% promoters "
        "- % detractors, from -100 to +100).",
    )
    # Segments of the client, for the pivot and graph. Not stored: Odoo groups
    # and searches related fields through a join, and stored copies would make
    # every change of a client's type or stage search the responses again (one
    # query per write during a strategy recompute of the whole firm).
    client_type_id = fields.Many2one(related="commercial_partner_id.client_type_id")
    sector_id = fields.Many2one(related="commercial_partner_id.sector_id")
    relation_kind = fields.Selection(related="commercial_partner_id.relation_kind")
    lifecycle_stage = fields.Selection(
        related="commercial_partner_id.accountancy_lifecycle_stage"
    )

    @api.depends("score")
    def _compute_category(self):
        for response in self:
            response.category = nps_category(response.score)
            response.nps_value = NPS_VALUES[response.category]

    @api.constrains("score")
    def _check_score(self):
        for response in self:
            if not 0 <= response.score <= 10:
                raise ValidationError(
                    self.env._(
                        "The score %(score)s of the NPS response of %(partner)s is "
                        "not valid: enter a whole number from 0 (would not "
                        "recommend us) to 10 (would certainly recommend us).",
                        score=response.score,
                        partner=response.partner_id.display_name,
                    )
                )
