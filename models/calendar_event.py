from odoo import api, fields, models

# Relation kinds of the relations the firm serves: a meeting with one of them is
# "about" that relation (the same kinds the team visibility rules protect).
SERVED_RELATION_KINDS = ("client", "prospect", "former_client")


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    accountancy_partner_id = fields.Many2one(
        "res.partner",
        string="Relation",
        compute="_compute_accountancy_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        domain="[('is_company', '=', True)]",
        help="The relation (client, prospect or former client) this meeting is "
        "about. Filled in from the attendees when exactly one relation is among "
        "them; the meeting then shows on that relation's card.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("partner_ids")
    def _compute_accountancy_partner_id(self):
        # Only a default: a relation chosen by hand stays. sudo: only the id of
        # the attendees' commercial partner is determined here, whether or not the
        # user may open that relation (the team rules still apply when reading it).
        # _origin: on create (precompute) and in the form the event is a new
        # record whose attendees are new records too; a company attendee is its
        # own commercial partner, and a new record's id is stored as NULL.
        for event in self:
            if event.accountancy_partner_id:
                continue
            relations = event.sudo().partner_ids._origin.commercial_partner_id
            relations = relations.filtered(
                lambda p: p.relation_kind in SERVED_RELATION_KINDS
            )
            event.accountancy_partner_id = relations if len(relations) == 1 else False
