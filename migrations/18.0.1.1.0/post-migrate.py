"""Turn on "Everyone sees all clients" in databases installed before the
setting existed, so that their users keep seeing every client after the
upgrade. New databases get it from security/accountancy_crm_security.xml."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env.ref("accountancy_crm.group_user")._apply_group(
        env.ref("accountancy_crm.group_see_all_clients")
    )
