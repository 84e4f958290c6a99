from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AccountancyScoreBand(models.Model):
    """A range of values of a scoring criterion and the points it gives."""

    _name = "accountancy.score.band"
    _description = "Scoring band"
    _order = "criterion_id, open_start desc, value_from, id"
    _rec_name = "code"

    criterion_id = fields.Many2one(
        "accountancy.score.criterion", required=True, ondelete="cascade", index=True
    )
    value_from = fields.Float(
        string="From",
        help="Lowest value of the band, inclusive: the band covers values from this "
        "one up to (not including) To.",
    )
    value_to = fields.Float(
        string="To",
        help="End of the band, exclusive: a value equal to To belongs to the next "
        "band. Ignored when the band has no upper limit.",
    )
    open_start = fields.Boolean(
        string="No lower limit",
        help="The band covers every value below To (e.g. negative write-offs, "
        "extra billed). Only the first band of a criterion may be open below.",
    )
    open_end = fields.Boolean(
        string="No upper limit",
        help="The band covers every value from From upwards (e.g. 30,000 and "
        "more). Only the last band of a criterion may be open above.",
    )
    code = fields.Char(required=True)
    label = fields.Char(translate=True)
    points = fields.Integer()

    def _compute_display_name(self):
        for band in self:
            band.display_name = (
                f"{band.code} ({band.label})" if band.label else band.code or ""
            )

    @api.constrains("value_from", "value_to", "open_start", "open_end", "criterion_id")
    def _check_range(self):
        if self.env.context.get("accountancy_defer_band_check"):
            # Saved through the criterion: it checks the whole table at the end.
            return
        self.criterion_id._check_bands()

    def unlink(self):
        criteria = self.criterion_id
        result = super().unlink()
        if not self.env.context.get("accountancy_defer_band_check"):
            # removing a band from the middle of the table leaves a gap
            criteria.exists()._check_bands()
        return result

    def _check_own_range(self):
        for band in self:
            if band.open_start and band.open_end:
                raise ValidationError(
                    self.env._(
                        "The band %(band)s of the criterion %(criterion)s has no "
                        "lower and no upper limit: give it at least one limit.",
                        band=band.display_name,
                        criterion=band.criterion_id.display_name,
                    )
                )
            bounded = not band.open_start and not band.open_end
            if bounded and band.value_to <= band.value_from:
                raise ValidationError(
                    self.env._(
                        "The band %(band)s of the criterion %(criterion)s ends at "
                        "%(end)s, not above its start %(start)s: To must be higher "
                        "than From, or tick No upper limit.",
                        band=band.display_name,
                        criterion=band.criterion_id.display_name,
                        end=format(band.value_to, "g"),
                        start=format(band.value_from, "g"),
                    )
                )

    def _covers(self, value):
        self.ensure_one()
        above_start = self.open_start or value >= self.value_from
        below_end = self.open_end or value < self.value_to
        return above_start and below_end
