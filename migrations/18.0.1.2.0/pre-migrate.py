"""Make the module's record rules updatable.

Up to 18.0.1.1.0 the record rules were loaded in a noupdate block, so an update
never reached them. They are the module's security (every model with
client data follows the client's visibility, through res.partner's field
accountancy_visible), so from 18.0.1.2.0 on they are loaded as ordinary data.
Clearing the flag before the data is loaded lets this update rewrite them, and
lets Odoo delete the rules the module no longer defines (the former "all
clients" rules, now part of accountancy_visible)."""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            "UPDATE ir_model_data SET noupdate = FALSE "
            "WHERE module = %s AND model = %s AND noupdate",
            "accountancy_crm",
            "ir.rule",
        )
    )
