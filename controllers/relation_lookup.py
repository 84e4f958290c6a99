"""Read API: look up a relation by KvK number, VAT number, BSN or debtor number.

GET /accountancy/api/v1/relations/lookup?kvk=69599084
Authorization: Bearer <Odoo API key>

A BSN never goes in the URL (URLs end up in access and proxy logs): send it
in the JSON body of a POST, {"bsn": "111222333"}, or in the header
X-Accountancy-BSN. A BSN in the query string answers 400. The other numbers
may be sent either way.

The lookup runs as the key's user, without sudo: Odoo's access rights and the
module's team visibility rules decide what is found, exactly as in the web
client. See README, "Relations API".
"""

import json
import re

from stdnum.nl import bsn as nl_bsn

from odoo import http
from odoo.http import request

from ..models.res_partner import KVK_RE, normalize_number

LOOKUP_PARAMETERS = ("kvk", "vat", "bsn", "debtor")
BSN_HEADER = "X-Accountancy-BSN"
# A lookup body holds one number: anything larger is not a lookup.
MAX_BODY_BYTES = 4096
BEARER_RE = re.compile(r"^bearer\s+(\S+)$", re.IGNORECASE)
# More is not a lookup but a listing: the external API is for that.
MAX_RESULTS = 100


class RelationLookupController(http.Controller):
    @http.route(
        "/accountancy/api/v1/relations/lookup",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        csrf=False,
        readonly=True,
        save_session=False,
    )
    def relation_lookup(self, **_kwargs):
        # The numbers are read from the request itself (_lookup_parameters):
        # the BSN may come from the body or a header, never from the URL.
        # Authentication by API key only (Odoo's auth="bearer" would also accept
        # a browser session and answers errors in HTML): errors are JSON here.
        user = self._authenticate()
        if not user:
            return self._error(
                401,
                "unauthorized",
                request.env._(
                    "Send a valid Odoo API key of an active user in the header "
                    "'Authorization: Bearer <key>' (My Profile > Account Security "
                    "> New API Key)."
                ),
                headers=[("WWW-Authenticate", 'Bearer realm="accountancy"')],
            )
        env = request.env
        if "bsn" in request.httprequest.args:
            # Refused before anything else, and without repeating the number.
            return self._error(
                400,
                "bsn_in_url",
                env._(
                    "Never put a BSN in the URL: URLs are kept in access and "
                    "proxy logs. Send it in the JSON body of a POST request, "
                    '{"bsn": "..."}, or in the header %(header)s.',
                    header=BSN_HEADER,
                ),
            )
        if not user.has_group("accountancy_crm.group_user"):
            return self._error(
                403,
                "forbidden",
                env._(
                    "The user of this API key has no access to the relations: "
                    "give them the group Accountancy / User."
                ),
            )
        params, message = self._lookup_parameters()
        if message:
            return self._error(400, "bad_request", message)
        given = {
            name: value
            for name in LOOKUP_PARAMETERS
            if (value := str(params.get(name) or "").strip())
        }
        if len(given) != 1:
            return self._error(
                400,
                "bad_request",
                env._(
                    "Give exactly one of the parameters kvk, vat, bsn or debtor, "
                    "for example ?kvk=69599084, or a BSN in a POST body "
                    '{"bsn": "..."} (given: %(given)s).',
                    given=", ".join(sorted(given)) or env._("none"),
                ),
            )
        ((kind, value),) = given.items()
        if kind == "bsn" and not user.has_group("accountancy_crm.group_fiscal_data"):
            return self._error(
                403,
                "forbidden",
                env._(
                    "Looking up a relation by BSN needs the group Fiscal data; "
                    "the user of this API key does not have it."
                ),
            )
        domain, message = self._lookup_domain(kind, value)
        if message:
            return self._error(400, "invalid_number", message)
        Partner = env["res.partner"]
        found = Partner.search(domain, limit=MAX_RESULTS)
        if kind in ("kvk", "vat"):
            # Contact persons share these numbers with their company (Odoo's
            # commercial fields): answer with the relation itself. A contact
            # is visible only when its relation is (same team rule).
            found = found.commercial_partner_id
        relations = found.sorted(
            lambda p: (p.kvk_branch_number or "", p.name or "", p.id)
        )
        if not relations:
            return self._error(
                404,
                "not_found",
                env._("No relation with this %(kind)s was found.", kind=kind),
            )
        data = self._serialize(relations, user)
        return request.make_json_response({"count": len(data), "relations": data})

    def _lookup_parameters(self):
        """(parameters, None) from the query string, the JSON body of a POST
        and the BSN header; or (None, error message) for a body that is not
        a JSON object of strings."""
        httprequest = request.httprequest
        params = {
            name: httprequest.args[name]
            for name in LOOKUP_PARAMETERS
            if name in httprequest.args
        }
        if httprequest.method == "POST":
            raw = httprequest.get_data(cache=False)[: MAX_BODY_BYTES + 1]
            body = None
            if len(raw) <= MAX_BODY_BYTES:
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
            if not isinstance(body, dict) or not all(
                isinstance(body.get(name, ""), str) for name in LOOKUP_PARAMETERS
            ):
                return None, request.env._(
                    "Send the POST body as a JSON object with one number as a "
                    'string, for example {"bsn": "111222333"}.'
                )
            params.update(
                {name: body[name] for name in LOOKUP_PARAMETERS if name in body}
            )
        header = httprequest.headers.get(BSN_HEADER)
        if header:
            params["bsn"] = header
        return params, None

    def _authenticate(self):
        """The user of the API key in the Authorization header, or None."""
        header = request.httprequest.headers.get("Authorization") or ""
        match = BEARER_RE.match(header.strip())
        if not match:
            return None
        # 'rpc' as Odoo's own bearer authentication and XML-RPC do: a key
        # without scope (every key made in the preferences).
        uid = request.env["res.users.apikeys"]._check_credentials(
            scope="rpc", key=match.group(1)
        )
        if not uid:
            return None
        request.update_env(user=uid)
        user = request.env.user
        request.update_context(lang=user.lang)
        return user

    def _lookup_domain(self, kind, value):
        """(domain, None) for a valid number, or (None, error message)."""
        env = request.env
        number = normalize_number(value)
        if kind == "kvk":
            if not KVK_RE.match(number):
                return None, env._(
                    "The KvK number %(number)s is not valid: a KvK number has "
                    "exactly 8 digits, for example 69599084.",
                    number=value,
                )
            return [("company_registry", "=", number)], None
        if kind == "bsn":
            if not nl_bsn.is_valid(number):
                return None, env._(
                    "The BSN %(number)s is not valid: a BSN has 9 digits and "
                    "passes the eleven test (elfproef).",
                    number=value,
                )
            return [("bsn", "=", nl_bsn.compact(number))], None
        if kind == "vat":
            Partner = env["res.partner"]
            country_code, vat_number = Partner._split_vat(number)
            if (
                len(number) < 4
                or not country_code.isalpha()
                or not Partner.simple_vat_check(country_code, vat_number)
            ):
                return None, env._(
                    "The VAT number %(number)s is not valid: give it with its "
                    "country code, for example NL000099998B57.",
                    number=value,
                )
            compact = Partner._fix_vat_number(number, False)
            return [("vat", "in", list({number, compact}))], None
        # Debtor numbers are free text, unique per company.
        if len(value) > 64:
            return None, env._("The debtor number is too long: at most 64 characters.")
        return [("debtor_number", "=", value)], None

    def _serialize(self, relations, user):
        """The relations as documented in the README; BSN only for the Fiscal
        data group. Linked records only where the user may read them."""
        fiscal = user.has_group("accountancy_crm.group_fiscal_data")
        fnames = [
            "name",
            "is_company",
            "relation_kind",
            "legal_form",
            "company_registry",
            "kvk_branch_number",
            "vat",
            "rsin",
            "debtor_number",
            "ref",
            "client_group_id",
            "fiscal_partner_id",
            "email",
            "phone",
            "street",
            "street2",
            "zip",
            "city",
            "country_id",
            "write_date",
        ]
        if fiscal:
            fnames.append("bsn")
        relations.fetch(fnames)
        Partner = request.env["res.partner"]
        visible_fiscal = Partner.search([("id", "in", relations.fiscal_partner_id.ids)])
        base_url = Partner.get_base_url()
        result = []
        for partner in relations:
            fiscal_partner = partner.fiscal_partner_id & visible_fiscal
            values = {
                "id": partner.id,
                "name": partner.name,
                "is_company": partner.is_company,
                "relation_kind": partner.relation_kind or None,
                "legal_form": partner.legal_form or None,
                "kvk_number": partner.company_registry or None,
                "kvk_branch_number": partner.kvk_branch_number or None,
                "vat": partner.vat or None,
                "rsin": partner.rsin or None,
                "debtor_number": partner.debtor_number or None,
                "reference": partner.ref or None,
                "client_group": (
                    {
                        "id": partner.client_group_id.id,
                        "name": partner.client_group_id.display_name,
                    }
                    if partner.client_group_id
                    else None
                ),
                "fiscal_partner": (
                    {"id": fiscal_partner.id, "name": fiscal_partner.display_name}
                    if fiscal_partner
                    else None
                ),
                "email": partner.email or None,
                "phone": partner.phone or None,
                "street": partner.street or None,
                "street2": partner.street2 or None,
                "zip": partner.zip or None,
                "city": partner.city or None,
                "country_code": partner.country_id.code or None,
                "write_date": partner.write_date.isoformat(timespec="seconds"),
                "url": f"{base_url}/odoo/res.partner/{partner.id}",
            }
            if fiscal:
                values["bsn"] = partner.bsn or None
            result.append(values)
        return result

    def _error(self, status, code, message, headers=None):
        return request.make_json_response(
            {"error": {"status": status, "code": code, "message": message}},
            headers=headers,
            status=status,
        )
