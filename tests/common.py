import base64
import io
import json
import socket

from PIL import Image
from stdnum.nl import bsn as nl_bsn

from odoo import Command, fields
from odoo.tests import TransactionCase, get_db_name, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .kvk_server import KvkTestServer, KvkTimeoutMixin

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


def png_signature():
    """A small PNG, base64, as the portal's signature pad sends it."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


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

    # ------------------------------------------------------------------
    # Sales: salespeople, service products, quotations
    # ------------------------------------------------------------------

    @classmethod
    def _create_salesman(cls, login, name, password=None, manager=False):
        """A salesperson (Accountancy / User, Sales / Own documents) or, with
        ``manager``, an Accountancy manager who sees all leads."""
        groups = (
            "accountancy_crm.group_manager,sales_team.group_sale_salesman_all_leads"
            if manager
            else "accountancy_crm.group_user,sales_team.group_sale_salesman"
        )
        extra = {"password": password} if password else {}
        return mail_new_test_user(
            cls.env, login=login, groups=groups, name=name, **extra
        )

    @classmethod
    def _create_service_product(cls, name, **vals):
        return cls.env["product.product"].create(
            dict({"name": name, "type": "service"}, **vals)
        )

    @classmethod
    def _create_quote(cls, partner, product, amount, user=None, **vals):
        """A quotation for ``partner`` of one ``product`` at ``amount``, without
        taxes; created by ``user`` (and theirs) when given."""
        Order = cls.env["sale.order"]
        if user:
            Order = Order.with_user(user)
            vals = dict({"user_id": user.id}, **vals)
        line = {
            "product_id": product.id,
            "product_uom_qty": 1,
            "price_unit": amount,
            "tax_id": [Command.set([])],
        }
        return Order.create(
            dict(
                {"partner_id": partner.id, "order_line": [Command.create(line)]},
                **vals,
            )
        )

    @classmethod
    def _set_quote_approval(cls, amount, new_client=False, no_self=False):
        """The quotation approval settings: approval above ``amount`` (0: no
        limit), for every quotation of a new client, no self-approval."""
        params = cls.env["ir.config_parameter"]
        params.set_param("accountancy_crm.quote_approval_amount", str(amount))
        params.set_param("accountancy_crm.quote_approval_new_client", new_client)
        params.set_param("accountancy_crm.quote_approval_no_self", no_self)

    @classmethod
    def _load_criteria(cls):
        """The shipped scoring criteria as cls.crit_<name>."""
        for attr, xmlid in (
            ("crit_fee", "criterion_fee_volume"),
            ("crit_write_off", "criterion_write_off"),
            ("crit_payment", "criterion_payment"),
            ("crit_ambassador", "criterion_ambassador"),
            ("crit_continuity", "criterion_continuity"),
            ("crit_age", "criterion_age"),
            ("crit_group", "criterion_group_size"),
        ):
            setattr(cls, attr, cls.env.ref(f"accountancy_crm.{xmlid}"))

    def _count_partners(self, names):
        return (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search_count([("name", "in", list(names))])
        )


ACCEPTANCE_BLOCK_PARAM = "accountancy_crm.acceptance_block_"


@tagged("post_install", "-at_install")
class AcceptanceCommon(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Acceptance = cls.env["accountancy.client.acceptance"]
        cls.Ubo = cls.env["accountancy.client.acceptance.ubo"]
        cls.Document = cls.env["accountancy.acceptance.document"]
        cls.today = fields.Date.today()
        cls.officer = mail_new_test_user(
            cls.env,
            login="acc_compliance",
            groups="accountancy_crm.group_compliance",
            name="Compliance Officer One",
        )
        cls.officer_2 = mail_new_test_user(
            cls.env,
            login="acc_compliance_2",
            groups="accountancy_crm.group_compliance",
            name="Compliance Officer Two",
        )
        cls.client = cls._create_company(
            "Acceptance Client B.V.", relation_kind="client"
        )
        cls.owner = cls._create_person("Anna Owner")
        cls.owner_2 = cls._create_person("Bart Owner")
        cls.country_high = cls.env.ref("base.ir")
        cls.country_high.accountancy_high_risk = True
        # Known starting point whatever the database's settings.
        params = cls.env["ir.config_parameter"]
        for operation, mode in (
            ("quote_confirm", "unaccepted"),
            ("project_create", "none"),
            ("planning_tasks", "none"),
        ):
            params.set_param(ACCEPTANCE_BLOCK_PARAM + operation, mode)
        for risk, months in (("high", 12), ("normal", 24), ("low", 36)):
            params.set_param(f"accountancy_crm.acceptance_review_months_{risk}", months)

    @classmethod
    def _acceptance_vals(cls, partner, **vals):
        return dict(
            {
                "partner_id": partner.id,
                "date": cls.today,
                "relationship_purpose": "Annual accounts",
                "relationship_nature": "Yearly compilation",
                "pep_check_result": "no_hit",
                "sanctions_check_result": "no_hit",
                "risk_class": "normal",
                "decision": "accept",
            },
            **vals,
        )

    @classmethod
    def _make(cls, partner, **vals):
        return cls.Acceptance.create(cls._acceptance_vals(partner, **vals))

    def _decide(self, acceptance):
        """Submit as the first officer, approve as the second."""
        acceptance.with_user(self.officer).action_submit()
        acceptance.with_user(self.officer_2).action_approve()
        return acceptance

    def _set_mode(self, operation, mode):
        self.env["ir.config_parameter"].set_param(
            ACCEPTANCE_BLOCK_PARAM + operation, mode
        )


QUOTE_APPROVAL_ACTIVITY = "accountancy_crm.mail_activity_type_quote_approval"


@tagged("post_install", "-at_install")
class QuoteCommon(AccountancyCrmCommon):
    """Salespeople, sales managers, a sales team led by a manager, a service
    product and relations to quote for; approval above 10,000."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.salesman = cls._create_salesman(
            "quote_salesman", "Quote Salesman", password="quote_salesman_pw"
        )
        cls.salesman_2 = cls._create_salesman(
            "quote_salesman_2", "Quote Salesman Two", password="quote_salesman_2_pw"
        )
        cls.sales_manager = cls._create_salesman(
            "quote_manager", "Quote Manager", password="quote_manager_pw", manager=True
        )
        cls.sales_manager_2 = cls._create_salesman(
            "quote_manager_2",
            "Quote Manager Two",
            password="quote_manager_2_pw",
            manager=True,
        )
        cls.team = env["crm.team"].create(
            {"name": "Quote Team", "user_id": cls.sales_manager.id}
        )
        cls.product = cls._create_service_product(
            "Annual accounts (quote test)", list_price=1
        )
        cls.client = cls._create_company("Quote Client B.V.", relation_kind="client")
        cls.prospect = cls._create_company(
            "Quote Prospect B.V.", relation_kind="prospect"
        )
        cls._set_quote_approval(10000)
        # The Wwft check on confirming is tested elsewhere.
        env["ir.config_parameter"].set_param(
            "accountancy_crm.acceptance_block_quote_confirm", "none"
        )

    @classmethod
    def _quote(cls, partner=None, amount=1000.0, user=None, **vals):
        """A quotation of ``amount`` (untaxed, no taxes) made by ``user``."""
        return cls._create_quote(
            partner or cls.client,
            cls.product,
            amount,
            user=user or cls.salesman,
            **dict({"team_id": cls.team.id}, **vals),
        )

    def _approval_activities(self, orders):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "sale.order"),
                ("res_id", "in", orders.ids),
                ("activity_type_id", "=", self.env.ref(QUOTE_APPROVAL_ACTIVITY).id),
            ]
        )


@tagged("post_install", "-at_install")
class PrecalculationCommon(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Order = cls.env["sale.order"]
        cls.Precalc = cls.env["accountancy.precalculation.line"]
        cls.role_rlm_ass = cls.env.ref("accountancy_crm.role_rlm_ass")
        # Known rates and norms whatever the firm changed in the data.
        cls.role_rlm.hourly_rate = 135
        cls.role_rlm_ass.hourly_rate = 85
        cls.role_jrk.hourly_rate = 95
        cls.currency = cls.env.company.currency_id
        (
            cls.role_rlm | cls.role_rlm_ass | cls.role_jrk
        ).company_currency_id = cls.currency
        cls.product_bookkeeping = cls.env.ref("accountancy_crm.product_bookkeeping")
        cls.product_vat = cls.env.ref("accountancy_crm.product_vat_return")
        cls.product_annual = cls.env.ref("accountancy_crm.product_annual_accounts")
        cls.product_ib = cls.env.ref("accountancy_crm.product_income_tax_return")
        cls.template = cls.env.ref(
            "accountancy_crm.sale_order_template_accountancy_services"
        )
        Norm = cls.env["accountancy.hour.norm"]
        Norm.search([("service", "=", "bookkeeping_quarter")]).unlink()
        Norm.create(
            [
                {
                    "service": "bookkeeping_quarter",
                    "role_id": cls.role_rlm_ass.id,
                    "hours": 14,
                },
                {
                    "service": "bookkeeping_quarter",
                    "role_id": cls.role_rlm.id,
                    "hours": 1,
                },
            ]
        )
        cls.salesman = mail_new_test_user(
            cls.env,
            login="precalc_salesman",
            groups="sales_team.group_sale_salesman",
            name="Precalc Salesman",
        )
        cls.salesman_2 = mail_new_test_user(
            cls.env,
            login="precalc_salesman_2",
            groups="sales_team.group_sale_salesman",
            name="Other Salesman",
        )
        cls.client = cls._create_company("Precalc Client B.V.")

    @classmethod
    def _order(cls, lines, **vals):
        return cls.Order.create(
            dict(
                {
                    "partner_id": cls.client.id,
                    "order_line": [
                        Command.create(
                            {"product_id": product.id, "product_uom_qty": qty}
                        )
                        for product, qty in lines
                    ],
                },
                **vals,
            )
        )


class KvkServerMixin(KvkTimeoutMixin):
    """Mix into a test case (first base class): a local KvK API server for
    the class (``cls.kvk_server``, see tests/kvk_server.py), the KvK settings
    pointing at it, and requests to it keeping the client's timeout."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kvk_server = KvkTestServer().start()
        cls.addClassCleanup(cls.kvk_server.stop)
        cls.kvk_server.configure(cls.env)


def dutch_env(env):
    """``env`` of a Dutch user: Dutch active with this module's translations,
    as a Dutch firm has them (its date format dd-mm-yyyy, decimal comma)."""
    env["res.lang"]._activate_lang("nl_NL")
    env["ir.module.module"].search(
        [("name", "=", "accountancy_crm")]
    )._update_translations(["nl_NL"], overwrite=True)
    return env(context=dict(env.context, lang="nl_NL"))
