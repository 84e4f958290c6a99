"""Prepare a new demo database, in which only ``base`` is installed, as a
Dutch firm before the module and its dependencies are installed: the main
company in the Netherlands with the euro and the users in Amsterdam time,
the way Odoo's database manager does it when a country is chosen
(odoo/service/db.py: _initialize_db). It must run before the accounting is
installed: the accounting then installs the Dutch chart of accounts, and a
company's currency can no longer change once it has journal items.
The administrator gets the interface language LANG (installed with
--load-language when the base module was installed).

After the module is installed, the phase "pipeline" gives the demo pipeline
stages their fixed probabilities (forecast status) and the opportunities in
them those probabilities, and the administrator (Odoo's "Mitchell Admin", who
approves the demo quotations) a Dutch name and, instead of Mitchell's photo,
the avatar with an initial that Odoo gives users without a picture; hr passes
both on to the administrator's employee.

Usage: demo_company.py ODOO_CONF DATABASE LANG [company|pipeline]
"""

import sys

import odoo
from odoo.modules.registry import Registry

COUNTRY = "base.nl"
TIMEZONE = "Europe/Amsterdam"
ADMIN_NAME = "Sanne de Vries"
# Fixed probability of the demo pipeline stages (forecast status).
STAGE_PROBABILITIES = {
    "crm.stage_lead1": 10,
    "crm.stage_lead2": 30,
    "crm.stage_lead3": 60,
}


def pipeline(env):
    # Written on the user, not its partner, so that hr updates the employee.
    env.ref("base.user_admin").write({"name": ADMIN_NAME, "image_1920": False})
    for xmlid, probability in STAGE_PROBABILITIES.items():
        stage = env.ref(xmlid)
        stage.accountancy_probability = probability
        # Written again as a stage move does: the opportunities take the
        # stage's fixed probability.
        env["crm.lead"].search([("stage_id", "=", stage.id)]).stage_id = stage


def main(conf, dbname, lang, phase="company"):
    odoo.tools.config.parse_config(["-c", conf, "-d", dbname, "--log-level=warn"])
    with Registry(dbname).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if phase == "pipeline":
            pipeline(env)
            return
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
    if len(sys.argv) not in (4, 5) or sys.argv[4:] not in (
        [],
        ["company"],
        ["pipeline"],
    ):
        sys.exit(__doc__)
    main(*sys.argv[1:])
