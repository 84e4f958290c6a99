from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmStage(models.Model):
    _inherit = "crm.stage"

    # Forecast status: 0 (unset) keeps Odoo's predictive probability.
    accountancy_probability = fields.Float(
        string="Fixed Probability",
        help="Probability (0-100) an opportunity gets when it moves to this stage; "
        "it then stays fixed and is not overwritten by the predictive lead "
        "scoring. Leave at 0 to keep Odoo's predictive probability. Ignored on "
        "won stages, which always mean 100.",
    )
    color = fields.Integer(help="Colour of the stage in the pipeline.")

    # ------------------------------------------------------------
    # CONSTRAINTS AND ONCHANGES
    # ------------------------------------------------------------

    @api.constrains("accountancy_probability")
    def _check_accountancy_probability(self):
        for stage in self:
            if not 0 <= stage.accountancy_probability <= 100:
                raise ValidationError(
                    self.env._(
                        "The fixed probability of stage %(stage)s is %(value)s; "
                        "enter a percentage between 0 and 100 (0 keeps the "
                        "predictive probability).",
                        stage=stage.name,
                        value=stage.accountancy_probability,
                    )
                )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _accountancy_fixed_probability(self):
        """Return the fixed probability of this stage, 0.0 when none applies
        (no stage: a lead may have none, no value set, or a won stage whose
        meaning Odoo fixes at 100)."""
        if not self:
            return 0.0
        self.ensure_one()
        return 0.0 if self.is_won else self.accountancy_probability
