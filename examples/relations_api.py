#!/usr/bin/env python3
"""Read and write the relations of accountancy_crm from other software.

Standard library only. Talks to Odoo's external API (XML-RPC) with an API key,
and to the module's lookup endpoint with the same key as bearer token.

Connection (arguments, or environment variables):
    --url    ODOO_URL       e.g. https://odoo.example.nl
    --db     ODOO_DB        database name
    --login  ODOO_LOGIN     login of the user the key belongs to
    --key    ODOO_API_KEY   Preferences > Account Security > New API Key

Commands (each prints JSON on stdout; errors go to stderr with exit code 1):
    search --kvk 69599084              relations with this KvK number (XML-RPC)
    lookup --kvk 69599084              the same through the lookup endpoint
           (or --vat / --bsn / --debtor; a BSN is sent in a POST body,
           never in the URL)
    create --name "Bakker B.V." --kvk 69599084 [--legal-form bv]
           [--relation-kind prospect] [--vat NL...] [--email ...]
    update --kvk 69599084 --set email=info@bakker.nl [--set phone=...]
"""

import argparse
import json
import os
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request
import xmlrpc.client

TIMEOUT = 30
RELATION_FIELDS = [
    "id",
    "name",
    "is_company",
    "relation_kind",
    "legal_form",
    "company_registry",  # the KvK number
    "kvk_branch_number",
    "vat",
    "rsin",
    "debtor_number",
    "client_group_id",
    "email",
    "phone",
    "city",
]


class Odoo:
    """A tiny client of Odoo's XML-RPC API authenticated with an API key."""

    def __init__(self, url, db, login, key):
        self.url, self.db, self.key = url.rstrip("/"), db, key
        common = xmlrpc.client.ServerProxy(
            f"{self.url}/xmlrpc/2/common", allow_none=True
        )
        # The API key is used in place of the password.
        self.uid = common.authenticate(db, login, key, {})
        if not self.uid:
            raise SystemExit(
                "Authentication failed: check the database, login and API key."
            )
        self.models = xmlrpc.client.ServerProxy(
            f"{self.url}/xmlrpc/2/object", allow_none=True
        )

    def call(self, model, method, *args, **kwargs):
        return self.models.execute_kw(
            self.db, self.uid, self.key, model, method, list(args), kwargs
        )

    def search_relations(self, kvk):
        # Relations only (companies and persons without a parent), not their
        # contact persons, who share the KvK number of their company.
        return self.call(
            "res.partner",
            "search_read",
            [("company_registry", "=", kvk), ("parent_id", "=", False)],
            fields=RELATION_FIELDS,
            order="kvk_branch_number, name",
        )

    def lookup(self, **params):
        """The lookup endpoint with the key as bearer: GET with the number in
        the query string, except a BSN, which never goes in a URL (access and
        proxy logs keep URLs): that one is POSTed in a JSON body."""
        url = f"{self.url}/accountancy/api/v1/relations/lookup"
        headers = {"Authorization": f"Bearer {self.key}"}
        if "bsn" in params:
            request = urllib.request.Request(
                url,
                data=json.dumps(params).encode(),
                headers=dict(headers, **{"Content-Type": "application/json"}),
                method="POST",
            )
        else:
            query = urllib.parse.urlencode(params)
            request = urllib.request.Request(f"{url}?{query}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            body = json.load(error)
            raise SystemExit(
                f"Lookup failed ({error.code}): {body['error']['message']}"
            ) from None


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("ODOO_URL"))
    parser.add_argument("--db", default=os.environ.get("ODOO_DB"))
    parser.add_argument("--login", default=os.environ.get("ODOO_LOGIN"))
    parser.add_argument("--key", default=os.environ.get("ODOO_API_KEY"))
    commands = parser.add_subparsers(dest="command", required=True)

    search = commands.add_parser("search", help="find relations by KvK number")
    search.add_argument("--kvk", required=True)

    lookup = commands.add_parser("lookup", help="the lookup endpoint")
    group = lookup.add_mutually_exclusive_group(required=True)
    for name in ("kvk", "vat", "bsn", "debtor"):
        group.add_argument(f"--{name}")

    create = commands.add_parser("create", help="create a relation")
    create.add_argument("--name", required=True)
    create.add_argument("--kvk")
    create.add_argument("--vat")
    create.add_argument("--legal-form")
    create.add_argument("--relation-kind", default="prospect")
    create.add_argument("--email")
    create.add_argument("--person", action="store_true", help="a natural person")

    update = commands.add_parser("update", help="update the relation of a KvK number")
    update.add_argument("--kvk", required=True)
    update.add_argument(
        "--set",
        action="append",
        required=True,
        metavar="FIELD=VALUE",
        help="e.g. email=info@example.nl; repeat for more fields",
    )
    args = parser.parse_args(argv)
    missing = [
        name for name in ("url", "db", "login", "key") if not getattr(args, name)
    ]
    if missing:
        parser.error(
            "missing connection settings: "
            + ", ".join(f"--{name}" for name in missing)
            + " (or ODOO_URL, ODOO_DB, ODOO_LOGIN, ODOO_API_KEY)"
        )
    return args


def main(argv=None):
    args = parse_args(argv)
    socket.setdefaulttimeout(TIMEOUT)
    odoo = Odoo(args.url, args.db, args.login, args.key)
    try:
        if args.command == "search":
            result = odoo.search_relations(args.kvk)
        elif args.command == "lookup":
            params = {
                name: getattr(args, name)
                for name in ("kvk", "vat", "bsn", "debtor")
                if getattr(args, name)
            }
            result = odoo.lookup(**params)
        elif args.command == "create":
            values = {
                "name": args.name,
                "is_company": not args.person,
                "relation_kind": args.relation_kind,
            }
            optional = {
                "company_registry": args.kvk,
                "vat": args.vat,
                "legal_form": args.legal_form,
                "email": args.email,
            }
            values.update({key: value for key, value in optional.items() if value})
            partner_id = odoo.call("res.partner", "create", values)
            result = {"created": partner_id}
        else:
            values = dict(item.split("=", 1) for item in args.set)
            relations = odoo.search_relations(args.kvk)
            if len(relations) != 1:
                raise SystemExit(
                    f"Expected one relation with KvK number {args.kvk}, found "
                    f"{len(relations)}: use the lookup to choose the branch."
                )
            odoo.call("res.partner", "write", [relations[0]["id"]], values)
            result = {"updated": relations[0]["id"], "values": values}
    except xmlrpc.client.Fault as fault:
        # Odoo's validation messages (e.g. an invalid KvK number) end the fault.
        message = fault.faultString.strip().splitlines()[-1]
        raise SystemExit(f"Odoo refused: {message}") from None
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
