"""A small local KvK API server for the tests (standard library only).

It speaks the JSON of Zoeken v2, Basisprofiel v1 and Vestigingsprofiel v1::

    with KvkTestServer() as server:
        server.configure(env)            # API key "test-key", timeout 2 s
        env["accountancy.kvk.client"]._kvk_search(name="jansen")

or start it in ``setUpClass`` with ``server = KvkTestServer().start()`` and
``cls.addClassCleanup(server.stop)``. It listens on 127.0.0.1 on a free port
(``server.base_url``) and records every request in ``server.requests`` as
``(path, params, apikey)``.

Odoo's test framework raises every request timeout below 10 s to 10 s; mix
``KvkTimeoutMixin`` into the test class (before the Odoo test case) so the
client keeps its configured timeout for the local server and the slow answer
times out after 2 s instead of 10.

Companies: KvK number, legal form (eigenaar.rechtsvorm / uitgebreideRechtsvorm),
naam, hoofdvestiging number, bezoekadres, main SBI code, employees, RSIN:

- 69599084 Eenmanszaak: Bakkerij De Korenschoof, 000037178598,
  Dorpsstraat 12 A, 3732AB De Bilt, SBI 10711, 3 employees, no RSIN;
  nevenvestiging 000037178601 "Korenschoof Markt", Markt 3, 3511KA Utrecht.
- 68750110 BeslotenVennootschap / Besloten Vennootschap: Jansen Software B.V.,
  000038509504, Stationsplein 45, 3511ED Utrecht, SBI 62010, 25, 857654329.
- 68727720 NaamlozeVennootschap / Naamloze Vennootschap: Noordzee Scheepvaart
  N.V., 000038509512, Havenweg 8, 1781AS Den Helder, SBI 50201, 140, 811223346.
- 69599068 Stichting: Stichting Vrienden van het Stadspark, 000038509520,
  Parklaan 1, 2011KT Haarlem, SBI 94991, 0, 860112238.
- 69599076 VennootschapOnderFirma / Vennootschap onder firma: Van Dijk en De
  Vries V.O.F., 000038509539, Industrieweg 17 B, 5651GK Eindhoven, SBI 43221, 6,
  864556676.
- 90001745 Maatschap: Huisartsenpraktijk De Linde, 000045213374, Lindelaan 2,
  6814DA Arnhem, SBI 86211, 9, 867990016.
- 90003942 CommanditaireVennootschap / Commanditaire Vennootschap: Vastgoedfonds
  Rivierenland C.V., 000045213382, Waalkade 30, 6511XR Nijmegen, SBI 68204, 2,
  800123451.
- 90004760 BuitenlandseRechtsvorm / Buitenlandse EG-vennootschap met onderneming
  of nevenvestiging in Nederland (not in our selection: legal form "other"):
  Nordic Timber Trading Ltd, 000045213390, Houthaven 5, 1013AB Amsterdam,
  SBI 46731, 4, 802345670; its search result has actief "Nee".

Every profile also has the secondary SBI activity 70221. Sector 62010 exists in
tests/common.py; the others do not.

Zoeken gives one hoofdvestiging result per company, plus the nevenvestiging of
69599084 and a "rechtspersoon" result (no vestigingsnummer) for 68750110.
Search: naam is a case-insensitive substring, plaats case-insensitive equal,
postcode (spaces ignored) and huisnummer equal, kvkNummer and type equal.

Error triggers:

- header apikey other than the configured one: 401;
- kvkNummer "00000000" (or not 8 digits): 400 IPD0004;
- an unknown 8-digit kvkNummer or vestigingsnummer: 404 IPD0005;
- a search without results, e.g. naam "geen resultaat": 404 IPD5200;
- kvkNummer "50000000": 503 IPD1002;
- naam "traag" or profile "77777777": answers after the client timeout + 1 s;
- naam "rommel": 200 with an HTML (non-JSON) body;
- naam "vorm": 200 JSON without "resultaten"; profile "88888888": 200 JSON
  without kvkNummer.
"""

import contextlib
import json
import re
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

from odoo.tests.common import _super_send

from .local_server import LocalTestServer


def _address(street, number, letter, postcode, city):
    return {
        "type": "bezoekadres",
        "indAfgeschermd": "Nee",
        "volledigAdres": f"{street} {number}{letter} {postcode} {city}",
        "straatnaam": street,
        "huisnummer": number,
        "huisletter": letter,
        "postcode": postcode,
        "plaats": city,
        "land": "Nederland",
    }


def _company(kvk, forms, name, branch, address, sbi, employees, rsin=None):
    rechtsvorm, uitgebreid = forms
    owner = {"rechtsvorm": rechtsvorm, "uitgebreideRechtsvorm": uitgebreid}
    if rsin:
        owner["rsin"] = rsin
    return {
        "kvkNummer": kvk,
        "indNonMailing": "Nee",
        "naam": name,
        "statutaireNaam": name,
        "formeleRegistratiedatum": "20180101",
        "totaalWerkzamePersonen": employees,
        "handelsnamen": [{"naam": name, "volgorde": 0}],
        "sbiActiviteiten": [
            {"sbiCode": sbi[0], "sbiOmschrijving": sbi[1], "indHoofdactiviteit": "Ja"},
            {
                "sbiCode": "70221",
                "sbiOmschrijving": "Organisatie-adviesbureaus",
                "indHoofdactiviteit": "Nee",
            },
        ],
        "_embedded": {
            "hoofdvestiging": {
                "vestigingsnummer": branch,
                "kvkNummer": kvk,
                "eersteHandelsnaam": name,
                "indHoofdvestiging": "Ja",
                "indCommercieleVestiging": "Ja",
                "totaalWerkzamePersonen": employees,
                "adressen": [address],
            },
            "eigenaar": owner,
        },
    }


PROFILES = {
    p["kvkNummer"]: p
    for p in [
        _company(
            "69599084",
            ("Eenmanszaak", "Eenmanszaak"),
            "Bakkerij De Korenschoof",
            "000037178598",
            _address("Dorpsstraat", 12, "A", "3732AB", "De Bilt"),
            ("10711", "Ambachtelijke vervaardiging van brood en banket"),
            3,
        ),
        _company(
            "68750110",
            ("BeslotenVennootschap", "Besloten Vennootschap"),
            "Jansen Software B.V.",
            "000038509504",
            _address("Stationsplein", 45, "", "3511ED", "Utrecht"),
            ("62010", "Ontwikkelen, produceren en uitgeven van software"),
            25,
            "857654329",
        ),
        _company(
            "68727720",
            ("NaamlozeVennootschap", "Naamloze Vennootschap"),
            "Noordzee Scheepvaart N.V.",
            "000038509512",
            _address("Havenweg", 8, "", "1781AS", "Den Helder"),
            ("50201", "Zee- en kustvaart (geen veerdiensten)"),
            140,
            "811223346",
        ),
        _company(
            "69599068",
            ("Stichting", "Stichting"),
            "Stichting Vrienden van het Stadspark",
            "000038509520",
            _address("Parklaan", 1, "", "2011KT", "Haarlem"),
            ("94991", "Ideële organisaties"),
            0,
            "860112238",
        ),
        _company(
            "69599076",
            ("VennootschapOnderFirma", "Vennootschap onder firma"),
            "Van Dijk en De Vries V.O.F.",
            "000038509539",
            _address("Industrieweg", 17, "B", "5651GK", "Eindhoven"),
            ("43221", "Loodgieters en fitters"),
            6,
            "864556676",
        ),
        _company(
            "90001745",
            ("Maatschap", "Maatschap"),
            "Huisartsenpraktijk De Linde",
            "000045213374",
            _address("Lindelaan", 2, "", "6814DA", "Arnhem"),
            ("86211", "Huisartsenpraktijken"),
            9,
            "867990016",
        ),
        _company(
            "90003942",
            ("CommanditaireVennootschap", "Commanditaire Vennootschap"),
            "Vastgoedfonds Rivierenland C.V.",
            "000045213382",
            _address("Waalkade", 30, "", "6511XR", "Nijmegen"),
            ("68204", "Verhuur van overige onroerend goed"),
            2,
            "800123451",
        ),
        _company(
            "90004760",
            (
                "BuitenlandseRechtsvorm",
                (
                    "Buitenlandse EG-vennootschap met onderneming of nevenvestiging "
                    "in Nederland"
                ),
            ),
            "Nordic Timber Trading Ltd",
            "000045213390",
            _address("Houthaven", 5, "", "1013AB", "Amsterdam"),
            ("46731", "Groothandel in hout"),
            4,
            "802345670",
        ),
    ]
}

# Vestigingsprofielen: every hoofdvestiging plus one nevenvestiging.
BRANCHES = {
    p["_embedded"]["hoofdvestiging"]["vestigingsnummer"]: p["_embedded"][
        "hoofdvestiging"
    ]
    for p in PROFILES.values()
}
BRANCHES["000037178601"] = {
    "vestigingsnummer": "000037178601",
    "kvkNummer": "69599084",
    "eersteHandelsnaam": "Korenschoof Markt",
    "indHoofdvestiging": "Nee",
    "indCommercieleVestiging": "Ja",
    "totaalWerkzamePersonen": 1,
    "adressen": [_address("Markt", 3, "", "3511KA", "Utrecht")],
}
INACTIVE = {"90004760"}


def _search_entry(kvk, branch, name, entry_type, address):
    return {
        "kvkNummer": kvk,
        "vestigingsnummer": branch,
        "naam": name,
        "adres": {
            "binnenlandsAdres": {
                "type": "bezoekadres",
                "straatnaam": address["straatnaam"],
                "huisnummer": address["huisnummer"],
                "huisletter": address["huisletter"],
                "postcode": address["postcode"],
                "plaats": address["plaats"],
            }
        },
        "type": entry_type,
        "actief": "Nee" if kvk in INACTIVE else "Ja",
        "_links": {"basisprofiel": {"href": f"/api/v1/basisprofielen/{kvk}"}},
    }


SEARCH_ENTRIES = [
    _search_entry(
        branch["kvkNummer"],
        number,
        branch["eersteHandelsnaam"],
        "hoofdvestiging" if branch["indHoofdvestiging"] == "Ja" else "nevenvestiging",
        branch["adressen"][0],
    )
    for number, branch in BRANCHES.items()
]
SEARCH_ENTRIES.append(
    _search_entry(
        "68750110",
        None,
        "Jansen Software B.V.",
        "rechtspersoon",
        BRANCHES["000038509504"]["adressen"][0],
    )
)
del SEARCH_ENTRIES[-1]["vestigingsnummer"]


class _Handler(BaseHTTPRequestHandler):
    server_version = "KvkTestServer/1.0"

    def log_message(self, *args):
        """Keep the test output clean."""

    def _send(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        # The client may have given up already (timeout test).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def _error(self, status, code, text):
        self._send(status, {"fout": [{"code": code, "omschrijving": text}]})

    def do_GET(self):
        kvk = self.server.owner
        url = urlparse(self.path)
        params = {key: values[0] for key, values in parse_qs(url.query).items()}
        apikey = self.headers.get("apikey")
        kvk.requests.append((url.path, params, apikey))
        if apikey != kvk.api_key:
            return self._error(401, "IPD1998", "Ongeldige API-key")
        profile = re.fullmatch(r"/api/v1/basisprofielen/([^/]+)", url.path)
        branch = re.fullmatch(r"/api/v1/vestigingsprofielen/([^/]+)", url.path)
        if url.path == "/api/v2/zoeken":
            return self._search(params)
        if profile:
            return self._profile(profile.group(1))
        if branch:
            return self._branch(branch.group(1))
        return self._error(404, "IPD0005", "Resource niet gevonden")

    def _check_number(self, number):
        """Answer the number error triggers; True when answered."""
        if number == "50000000":
            self._error(
                503, "IPD1002", "Het handelsregister is tijdelijk niet beschikbaar"
            )
        elif not re.fullmatch(r"\d{8}", number) or number == "00000000":
            self._error(400, "IPD0004", "Het KvK-nummer is niet valide")
        elif number == "77777777":
            self.server.owner.wait_slow()
            self._error(404, "IPD0005", "Product niet leverbaar")
        elif number == "88888888":
            self._send(200, {"melding": "onverwacht"})
        else:
            return False
        return True

    def _search(self, params):
        name = params.get("naam", "").lower()
        if "kvkNummer" in params and self._check_number(params["kvkNummer"]):
            return
        if name == "traag":
            self.server.owner.wait_slow()
        elif name == "rommel":
            return self._send(200, b"<html><body>Onderhoud</body></html>", "text/html")
        elif name == "vorm":
            return self._send(200, {"pagina": 1, "totaal": 1})
        filters = {
            "kvkNummer": lambda e, v: e["kvkNummer"] == v,
            "naam": lambda e, v: v.lower() in e["naam"].lower(),
            "plaats": lambda e, v: (
                e["adres"]["binnenlandsAdres"]["plaats"].lower() == v.lower()
            ),
            "postcode": lambda e, v: (
                e["adres"]["binnenlandsAdres"]["postcode"] == v.replace(" ", "").upper()
            ),
            "huisnummer": lambda e, v: (
                str(e["adres"]["binnenlandsAdres"]["huisnummer"]) == v
            ),
            "type": lambda e, v: e["type"] == v,
        }
        found = [
            entry
            for entry in SEARCH_ENTRIES
            if all(
                test(entry, params[key])
                for key, test in filters.items()
                if key in params
            )
        ]
        if not found:
            return self._error(404, "IPD5200", "Geen resultaten gevonden")
        page = int(params.get("pagina", 1))
        per_page = int(params.get("resultatenPerPagina", 10))
        self._send(
            200,
            {
                "pagina": page,
                "resultatenPerPagina": per_page,
                "totaal": len(found),
                "resultaten": found[(page - 1) * per_page : page * per_page],
            },
        )

    def _profile(self, number):
        if self._check_number(number):
            return
        if number not in PROFILES:
            return self._error(404, "IPD0005", "Product niet leverbaar")
        self._send(200, PROFILES[number])

    def _branch(self, number):
        if number not in BRANCHES:
            return self._error(404, "IPD0005", "Product niet leverbaar")
        self._send(200, BRANCHES[number])


class KvkTestServer(LocalTestServer):
    """The local KvK API server; see the module docstring for its data."""

    thread_name = "kvk-test-server"

    def __init__(self, api_key="test-key", timeout=2):
        super().__init__()
        self.api_key = api_key
        self.timeout = timeout
        self.requests = []

    def wait_slow(self):
        """Answer later than the client's timeout (stops early when stopped)."""
        self.stopped.wait(self.timeout + 1)

    def configure(self, env, api_key="test-key", timeout=2):
        """Point the KvK settings of ``env`` at this server."""
        self.api_key = api_key
        self.timeout = timeout
        params = env["ir.config_parameter"].sudo()
        params.set_param("accountancy_crm.kvk_api_key", api_key)
        params.set_param("accountancy_crm.kvk_environment", "custom")
        params.set_param("accountancy_crm.kvk_base_url", self.base_url)
        params.set_param("accountancy_crm.kvk_timeout", str(timeout))
        return self


KvkTestServer.handler_class = _Handler


class KvkTimeoutMixin:
    """Mix into an Odoo test case (first base class) so that requests to the
    local KvK server keep the client's timeout: Odoo's tests raise timeouts
    below 10 s to 10 s."""

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if urlparse(r.url).hostname == "127.0.0.1":
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)
