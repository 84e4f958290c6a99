from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AccountancyStrategyLine(models.Model):
    """The value of one scoring criterion in a client's strategy, and the band
    and points it gives."""

    _name = "accountancy.strategy.line"
    _inherit = ["accountancy.year.mixin"]
    _description = "Client strategy line"
    _order = "strategy_id, sequence, id"

    strategy_id = fields.Many2one(
        "accountancy.strategy", required=True, ondelete="cascade", index=True
    )
    criterion_id = fields.Many2one(
        "accountancy.score.criterion", required=True, ondelete="restrict"
    )
    sequence = fields.Integer(related="criterion_id.sequence", store=True)
    # Stored for grouping in the overviews (fee volume per client group, per year).
    year = fields.Integer(related="strategy_id.year", store=True, index=True)
    client_group_id = fields.Many2one(
        related="strategy_id.client_group_id", store=True, index="btree_not_null"
    )
    sector_id = fields.Many2one(related="strategy_id.sector_id", store=True)
    source = fields.Selection(related="criterion_id.source")
    value = fields.Float(
        help="Computed from the database for the criteria that have data (fee "
        "volume, payment days, age, group size) unless Manual is ticked; typed by "
        "hand otherwise. Yes/no criteria: 1 is yes, 0 is no."
    )
    manual = fields.Boolean(
        help="The value is entered by hand: a recompute leaves it as it is."
    )
    is_computed = fields.Boolean(
        string="From data",
        readonly=True,
        help="The value was last filled in by a recompute from the database.",
    )
    has_value = fields.Boolean(
        help="The value was computed from data or typed by hand. A line without a "
        "value gives 0 points, whatever band 0 would fall in; untick to clear it.",
    )
    band_id = fields.Many2one(
        "accountancy.score.band",
        compute="_compute_band_id",
        store=True,
    )
    points = fields.Integer(compute="_compute_band_id", store=True)
    note = fields.Char(compute="_compute_note")

    _sql_constraints = [
        (
            "strategy_criterion_uniq",
            "unique(strategy_id, criterion_id)",
            "A strategy has one line per criterion.",
        ),
    ]

    @api.depends(
        "value",
        "has_value",
        "criterion_id.band_ids.value_from",
        "criterion_id.band_ids.value_to",
        "criterion_id.band_ids.open_start",
        "criterion_id.band_ids.open_end",
        "criterion_id.band_ids.points",
    )
    def _compute_band_id(self):
        for line in self:
            band = (
                line.criterion_id._find_band(line.value)
                if line.criterion_id and line.has_value
                else False
            )
            line.band_id = band
            line.points = band.points if band else 0

    @api.depends("band_id", "value", "has_value", "manual", "is_computed")
    def _compute_note(self):
        for line in self:
            if not line.has_value:
                line.note = self.env._("No value yet: 0 points")
            elif not line.band_id:
                value = format(line.value, "g")
                line.note = self.env._(
                    "No band covers value %(value)s: 0 points", value=value
                )
            elif line.is_computed and not line.manual:
                line.note = self.env._("Computed from data")
            else:
                line.note = self.env._("Entered by hand")

    @api.constrains("value", "criterion_id")
    def _check_value(self):
        for line in self:
            if line.criterion_id.source == "fee_volume" and line.value < 0:
                raise ValidationError(
                    self.env._(
                        "The fee volume of %(strategy)s cannot be negative "
                        "(%(value)s): enter the invoiced amount of the year in EUR.",
                        strategy=line.strategy_id.display_name,
                        value=format(line.value, "g"),
                    )
                )

    @api.onchange("value")
    def _onchange_value(self):
        self.has_value = True

    @api.model_create_multi
    def create(self, vals_list):
        # A line created without a value has none yet (not the value 0).
        vals_list = [
            dict(vals, has_value=vals.get("has_value", "value" in vals))
            for vals in vals_list
        ]
        lines = super().create(vals_list)
        if not self.env.context.get("accountancy_recompute"):
            lines.strategy_id._touch()
        return lines

    def write(self, vals):
        if "value" in vals and "has_value" not in vals:
            # typed by hand or computed from data: either way the line has a value
            vals = dict(vals, has_value=True)
        if not self.env.context.get("accountancy_recompute"):
            if "value" in vals:
                vals = dict(vals, is_computed=False)
            if {"value", "manual", "has_value"} & set(vals):
                self.strategy_id._touch()
        return super().write(vals)
