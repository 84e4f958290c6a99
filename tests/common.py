import json
import socket

from stdnum.nl import bsn as nl_bsn

from odoo import Command, fields
from odoo.tests import TransactionCase, get_db_name

from odoo.addons.mail.tests.common import mail_new_test_user

# Valid Dutch numbers: BSN and RSIN pass the eleven test (stdnum.nl.bsn),
# 123456789 does not; payroll tax number = RSIN/BSN + L + 2 digits; VAT in the
# 2020 mod-97 form; KvK numbers have 8 digits (no check digit), branch numbers 12.
BSN_VALID = "111222333"
BSN_VALID_2 = "123456782"
BSN_INVALID = "123456789"
RSIN_VALID = "123456782"
PAYROLL_VALID = "123456782L01"
VAT_VALID = "NL000099998B57"
KVK_VALID = "69599084"
KVK_VALID_2 = "68750110"
BRANCH_VALID = "000037178598"
BRANCH_VALID_2 = "000037178601"


def execute_kw(case, user, password, model, method, args, kwargs=None):
    """Call Odoo's external API (JSON-RPC, as other software does) from the
    HttpCase ``case`` as ``user``: the result, or the name of the exception
    it raised."""
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [
                get_db_name(),
                user.id,
                password,
                model,
                method,
                args,
                kwargs or {},
            ],
        },
    }
    body = case.url_open(
        "/jsonrpc",
        data=json.dumps(payload),
        headers={"Content-Type": "application/json"},
    ).json()
    if "error" in body:
        return body["error"]["data"]["name"]
    return body["result"]


def make_bsn(seed):
    """Return a BSN passing the eleven test, derived from an integer seed."""
    for extra in range(100):
        number = f"{(seed * 100 + extra) % 10**8:08d}"
        for last in "0123456789":
            if nl_bsn.is_valid(number + last):
                return number + last
    raise ValueError(seed)


def refuse_report_assets(cls):
    """Point report.url, where wkhtmltopdf loads a report's stylesheets from
    (else web.base.url), at a local port that refuses connections, for the
    test class ``cls``. No server can answer it reliably during the tests:
    under ``odoo-bin --test-enable`` the main thread holds the registry lock
    while the tests run, so this process's own server cannot serve a
    TransactionCase; in an HttpCase a PDF rendered inside a request holds the
    test cursor the asset request would need; and web.base.url may be any
    other server on the machine. wkhtmltopdf then waits without a timeout. A
    refused connection fails at once: snapshots still get a real PDF, without
    the stylesheets."""
    refused = socket.socket()
    refused.bind(("127.0.0.1", 0))  # bound, not listening: connections refused
    cls.addClassCleanup(refused.close)
    cls.env["ir.config_parameter"].sudo().set_param(
        "report.url", "http://127.0.0.1:%d" % refused.getsockname()[1]
    )


class AccountancyCrmCommon(TransactionCase):
    """Fixtures shared by the relation card tests: users of each group, two
    companies of the firm, countries, relation types and a few relations."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        refuse_report_assets(cls)
        cls.Partner = cls.env["res.partner"]
        cls.Relation = cls.env["res.partner.relation"]
        cls.RelationAll = cls.env["res.partner.relation.all"]
        cls.country_nl = cls.env.ref("base.nl")
        cls.country_be = cls.env.ref("base.be")
        cls.company_main = cls.env.company
        cls.company_2 = cls.env["res.company"].create(
            {"name": "Second Office B.V.", "country_id": cls.country_nl.id}
        )
        cls.type_shareholder = cls.env.ref("accountancy_crm.relation_type_shareholder")
        cls.type_adviser = cls.env.ref("accountancy_crm.relation_type_adviser")
        cls.role_rlm = cls.env.ref("accountancy_crm.role_rlm")
        cls.role_jrk = cls.env.ref("accountancy_crm.role_jrk")
        cls.role_acc = cls.env.ref("accountancy_crm.role_acc")
        cls.this_year = fields.Date.today().year

        # One user per group; group_user implies base.group_user.
        cls.user_employee = mail_new_test_user(
            cls.env,
            login="acc_employee",
            password="acc_employee_pw",
            groups="base.group_user",
            name="Plain Employee",
        )
        cls.user_acc = mail_new_test_user(
            cls.env,
            login="acc_user",
            password="acc_user_pw",
            groups="accountancy_crm.group_user",
            name="Accountancy User",
        )
        cls.user_manager = mail_new_test_user(
            cls.env,
            login="acc_manager",
            password="acc_manager_pw",
            groups="accountancy_crm.group_manager",
            name="Accountancy Manager",
        )
        cls.user_fiscal = mail_new_test_user(
            cls.env,
            login="acc_fiscal",
            password="acc_fiscal_pw",
            groups="accountancy_crm.group_fiscal_data",
            name="Fiscal Data User",
        )
        cls.user_company_2 = mail_new_test_user(
            cls.env,
            login="acc_user_c2",
            password="acc_user_c2_pw",
            groups="accountancy_crm.group_user",
            name="Accountancy User Office 2",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )

        cls.sector_it = cls.env["accountancy.sector"].create(
            {"code": "62010", "name": "Test software development"}
        )
        cls.sector_transport = cls.env["accountancy.sector"].create(
            {"code": "49410", "name": "Test road haulage"}
        )
        cls.client_group = cls.env["accountancy.client.group"].create(
            {"name": "Test family Jansen", "code": "TJAN"}
        )
        cls.employee = cls.env["hr.employee"].create(
            {"name": "Test Accountant", "company_id": cls.company_main.id}
        )
        cls.employee_2 = cls.env["hr.employee"].create(
            {"name": "Test Assistant", "company_id": cls.company_main.id}
        )

    @classmethod
    def _create_company(cls, name, **vals):
        return cls.env["res.partner"].create(
            dict(
                {"name": name, "is_company": True, "country_id": cls.country_nl.id},
                **vals,
            )
        )

    @classmethod
    def _create_person(cls, name, **vals):
        return cls.env["res.partner"].create(
            dict(
                {"name": name, "is_company": False, "country_id": cls.country_nl.id},
                **vals,
            )
        )

    @classmethod
    def _share(cls, shareholder, company, percentage, **vals):
        return cls.env["res.partner.relation"].create(
            dict(
                {
                    "left_partner_id": shareholder.id,
                    "right_partner_id": company.id,
                    "type_id": cls.type_shareholder.id,
                    "share_percentage": percentage,
                },
                **vals,
            )
        )

    def _count_partners(self, names):
        return (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search_count([("name", "in", list(names))])
        )
