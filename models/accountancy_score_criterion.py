import itertools

from odoo import api, fields, models
from odoo.exceptions import ValidationError

SOURCES = [
    ("fee_volume", "Fee volume (invoices)"),
    ("write_off", "Write-offs (entered)"),
    ("payment_days", "Payment days (payments)"),
    ("ambassador", "Ambassador (entered)"),
    ("continuity", "Continuity (entered)"),
    ("age", "Age of the entrepreneur (birth year)"),
    ("group_size", "Size of the client group"),
    ("manual", "Entered by hand"),
]


class AccountancyScoreCriterion(models.Model):
    """A criterion of the client scoring, with the bands that turn its value
    into points (the shipped scoring has 13 points to distribute)."""

    _name = "accountancy.score.criterion"
    _description = "Scoring criterion"
    _order = "sequence, id"
    _rec_names_search = ["code", "name"]

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    source = fields.Selection(
        SOURCES,
        required=True,
        default="manual",
        help="How the value of a strategy line is obtained. Values of the entered "
        "sources (write-offs, ambassador, continuity, by hand) are typed by the "
        "user; the others are recomputed from the database.",
    )
    active = fields.Boolean(default=True)
    sum_over_group = fields.Boolean(
        string="Sum over the client group",
        help="Fee volume: add up the fee volume of all members of the client's "
        "client group, so that every member of the group scores on the whole.",
    )
    band_ids = fields.One2many(
        "accountancy.score.band", "criterion_id", string="Bands", copy=True
    )
    max_points = fields.Integer(compute="_compute_max_points")

    _sql_constraints = [
        (
            "code_uniq",
            "unique(code)",
            "The code of a scoring criterion must be unique.",
        ),
    ]

    @api.depends("band_ids.points")
    def _compute_max_points(self):
        for criterion in self:
            criterion.max_points = max(criterion.band_ids.mapped("points") or [0])

    @api.constrains("band_ids")
    def _check_bands(self):
        """Bands of one criterion neither overlap nor leave gaps: each band
        starts where the previous one ends (from inclusive, to exclusive)."""
        for criterion in self:
            bands = criterion.band_ids.sorted(
                lambda b: (not b.open_start, b.value_from, b.id)
            )
            for band in bands:
                band._check_own_range()
            for previous, band in itertools.pairwise(bands):
                vals = {
                    "criterion": criterion.display_name,
                    "previous": previous.display_name,
                    "band": band.display_name,
                }
                if band.open_start or previous.open_end:
                    raise ValidationError(
                        self.env._(
                            "The bands %(previous)s and %(band)s of the criterion "
                            "%(criterion)s overlap: only the first band may have no "
                            "lower limit and only the last band no upper limit.",
                            **vals,
                        )
                    )
                if previous.value_to > band.value_from:
                    raise ValidationError(
                        self.env._(
                            "The bands %(previous)s and %(band)s of the criterion "
                            "%(criterion)s overlap: a band must start where the "
                            "previous one ends.",
                            **vals,
                        )
                    )
                if previous.value_to < band.value_from:
                    raise ValidationError(
                        self.env._(
                            "Between the bands %(previous)s and %(band)s of the "
                            "criterion %(criterion)s lies a gap: a band must start "
                            "where the previous one ends (from is inclusive, to is "
                            "exclusive).",
                            **vals,
                        )
                    )

    @api.model_create_multi
    def create(self, vals_list):
        # The bands are checked together once the whole table is saved.
        return super(
            AccountancyScoreCriterion,
            self.with_context(accountancy_defer_band_check=True),
        ).create(vals_list)

    def write(self, vals):
        return super(
            AccountancyScoreCriterion,
            self.with_context(accountancy_defer_band_check=True),
        ).write(vals)

    def _find_band(self, value):
        """The band of this criterion covering ``value``, or an empty recordset."""
        self.ensure_one()
        for band in self.band_ids:
            if band._covers(value):
                return band
        return self.env["accountancy.score.band"]
