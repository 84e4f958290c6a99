"""Prepare a new demo database, in which only ``base`` is installed, as a
Dutch firm before the module and its dependencies are installed: the main
company in the Netherlands with the euro and the users in Amsterdam time,
the way Odoo's database manager does it when a country is chosen
(odoo/service/db.py: _initialize_db). It must run before the accounting is
installed: the accounting then installs the Dutch chart of accounts, and a
company's currency can no longer change once it has journal items.
The administrator gets the interface language LANG (installed with
--load-language when the base module was installed).

Usage: demo_company.py ODOO_CONF DATABASE LANG
"""

import sys

import odoo
from odoo.modules.registry import Registry

COUNTRY = "base.nl"
TIMEZONE = "Europe/Amsterdam"


def main(conf, dbname, lang):
    odoo.tools.config.parse_config(["-c", conf, "-d", dbname, "--log-level=warn"])
    with Registry(dbname).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if "account.move.line" in env:
            sys.exit(
                f"{dbname} already has the accounting installed: its company "
                "currency cannot be changed safely. Drop it and run make run again."
            )
        if not env["res.lang"]._lang_get(lang):
            sys.exit(
                f"The language {lang} is not installed in {dbname}: install the "
                f"base module with --load-language={lang} first."
            )
        country = env.ref(COUNTRY)
        env.ref("base.main_company").write(
            {"country_id": country.id, "currency_id": country.currency_id.id}
        )
        env["res.users"].with_context(active_test=False).search([]).write(
            {"tz": TIMEZONE}
        )
        admin = env.ref("base.user_admin")
        admin.write({"lang": lang})
        env.ref("base.main_partner").write({"lang": lang})


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
