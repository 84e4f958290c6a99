"""Uninstall accountancy_crm from a database where it was installed and
upgraded, and check that it leaves nothing behind.

Usage: lifecycle_check.py ODOO_CONF DATABASE
"""

import sys

import odoo
from odoo.modules.registry import Registry

MODULE = "accountancy_crm"


def main(conf, dbname):
    odoo.tools.config.parse_config(["-c", conf, "-d", dbname, "--log-level=warn"])
    with Registry(dbname).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        module = env["ir.module.module"].search([("name", "=", MODULE)])
        if module.state != "installed":
            sys.exit(
                f"{MODULE} is {module.state}, expected installed after the upgrade"
            )
        module.button_immediate_uninstall()
    problems = []
    with Registry(dbname).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        state = env["ir.module.module"].search([("name", "=", MODULE)]).state
        if state != "uninstalled":
            problems.append(f"module state is {state}")
        models = env["ir.model"].search([("model", "=like", "accountancy.%")])
        if models:
            problems.append(f"models left: {models.mapped('model')}")
        cr.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_name LIKE 'accountancy\\_%%'"
        )
        if cr.fetchall():
            problems.append("accountancy_* tables left")
        cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'res_partner' AND column_name IN %s",
            [("legal_form", "rsin", "bsn", "kvk_branch_number", "fiscal_partner_id")],
        )
        if cr.fetchall():
            problems.append("module columns left on res_partner")
        # partner_multi_relation stays installed: its SQL view must survive.
        cr.execute("SELECT 1 FROM pg_views WHERE viewname = 'res_partner_relation_all'")
        if not cr.fetchone():
            problems.append(
                "partner_multi_relation's view res_partner_relation_all is gone"
            )
        else:
            env["res.partner.relation.all"].search([], limit=1)
        if MODULE in env.registry._init_modules:
            problems.append("module still loaded in the registry")
    if problems:
        sys.exit("Uninstall left traces: " + "; ".join(problems))
    sys.stdout.write(f"{MODULE}: install, upgrade and uninstall all clean\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
