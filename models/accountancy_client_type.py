from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AccountancyClientType(models.Model):
    """Client type A-D by the total points of the strategy."""

    _name = "accountancy.client.type"
    _description = "Client type"
    _order = "min_points desc, id"

    code = fields.Char(required=True)
    name = fields.Char(required=True, translate=True)
    min_points = fields.Integer(
        required=True, help="Lowest total of points of this type, inclusive."
    )
    max_points = fields.Integer(
        required=True, help="Highest total of points of this type, inclusive."
    )
    color = fields.Integer()

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of a client type must be unique."),
    ]

    @api.constrains("min_points", "max_points")
    def _check_points(self):
        for client_type in self:
            if client_type.min_points > client_type.max_points:
                raise ValidationError(
                    self.env._(
                        "The client type %(type)s runs from %(min)s to %(max)s "
                        "points: the minimum must not be above the maximum.",
                        type=client_type.display_name,
                        min=client_type.min_points,
                        max=client_type.max_points,
                    )
                )
        others = self.search([])
        for client_type in self:
            for other in others - client_type:
                if (
                    client_type.min_points <= other.max_points
                    and other.min_points <= client_type.max_points
                ):
                    raise ValidationError(
                        self.env._(
                            "The points of the client type %(type)s "
                            "(%(min)s-%(max)s) overlap with those of %(other)s "
                            "(%(other_min)s-%(other_max)s): each total of points "
                            "must lead to one type only.",
                            type=client_type.display_name,
                            min=client_type.min_points,
                            max=client_type.max_points,
                            other=other.display_name,
                            other_min=other.min_points,
                            other_max=other.max_points,
                        )
                    )

    def _compute_display_name(self):
        for client_type in self:
            client_type.display_name = f"{client_type.code} - {client_type.name}"

    def _find_for_points(self, points):
        """The type whose range covers ``points``; call it on all types."""
        for client_type in self:
            if client_type.min_points <= points <= client_type.max_points:
                return client_type
        return self.browse()
