"""Client for the KvK (Dutch chamber of commerce) APIs Zoeken v2, Basisprofiel v1
and Vestigingsprofiel v1, and the mapping of their JSON onto res.partner."""

import logging
import re
import unicodedata

import requests

from odoo import api, models
from odoo.exceptions import AccessError, UserError

from .parameters import Param, get_param, number_between
from .res_partner import normalize_number

_logger = logging.getLogger(__name__)

BASE_URLS = {
    "production": "https://api.kvk.nl",
    "test": "https://api.kvk.nl/test",
}
MIN_TIMEOUT = 1
MAX_TIMEOUT = 60
# Stored only through the settings (administrators); it goes to the KvK, never
# to the caller.
KVK_API_KEY = Param("accountancy_crm.kvk_api_key", "", str.strip)
KVK_ENVIRONMENT = Param("accountancy_crm.kvk_environment", "production")
KVK_BASE_URL = Param("accountancy_crm.kvk_base_url", "", str.strip)
KVK_TIMEOUT = Param(
    "accountancy_crm.kvk_timeout", 10, number_between(int, MIN_TIMEOUT, MAX_TIMEOUT)
)
RESULT_TYPES = ("hoofdvestiging", "nevenvestiging", "rechtspersoon")
UNAVAILABLE_CODES = {"IPD1002", "IPD1003"}

# KvK legal form texts (rechtsvorm / uitgebreideRechtsvorm, normalised by
# _normalize_legal_form_text) onto the keys of LEGAL_FORMS. Checked in this
# order, as a phrase inside the text: "onderlinge waarborgmaatschappij" before
# "maatschap", "vereniging van eigenaars" before "vereniging".
LEGAL_FORM_PHRASES = [
    ("eenmanszaak", "eenmanszaak"),
    ("onderlinge waarborgmaatschappij", "owm"),
    ("vennootschap onder firma", "vof"),
    ("commanditaire vennootschap", "cv"),
    ("maatschap", "maatschap"),
    ("besloten vennootschap", "bv"),
    ("naamloze vennootschap", "nv"),
    ("cooperatie", "cooperatie"),
    ("cooperatieve vennootschap", "cooperatie"),
    ("vereniging van eigenaars", "vve"),
    ("vereniging van appartementseigenaars", "vve"),
    ("kerkgenootschap", "kerkgenootschap"),
    ("vereniging", "vereniging"),
    ("stichting", "stichting"),
]
# Abbreviations, compared with the whole text.
LEGAL_FORM_ABBREVIATIONS = {
    "emz": "eenmanszaak",
    "vof": "vof",
    "cv": "cv",
    "bv": "bv",
    "nv": "nv",
    "ua": "cooperatie",
    "ba": "cooperatie",
    "wa": "cooperatie",
    "owm": "owm",
    "vve": "vve",
}


def _normalize_legal_form_text(text):
    """Lower case without accents, dots or CamelCase: KvK writes both
    "BeslotenVennootschap" and "Besloten Vennootschap", "Coöperatie"."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"[.\s]+", " ", text.replace(".", "")).strip().lower()
    return text


def map_legal_form(text):
    """Return the LEGAL_FORMS key for a KvK legal form text, or False."""
    if not text:
        return False
    normalized = _normalize_legal_form_text(text)
    if normalized.replace(" ", "") in LEGAL_FORM_ABBREVIATIONS:
        return LEGAL_FORM_ABBREVIATIONS[normalized.replace(" ", "")]
    for phrase, key in LEGAL_FORM_PHRASES:
        if phrase in normalized:
            return key
    return False


class AccountancyKvkClient(models.AbstractModel):
    _name = "accountancy.kvk.client"
    _description = "KvK API client"

    # ------------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------------
    @api.model
    def _kvk_config(self):
        """API key, base URL and timeout from the system parameters (a user may
        run a lookup without being able to read the key)."""
        api_key = get_param(self.env, KVK_API_KEY)
        if not api_key:
            raise UserError(
                self.env._(
                    "No KvK API key is configured. Enter the KvK API key in "
                    "Settings > Accountancy, or enter the relation by hand."
                )
            )
        environment = get_param(self.env, KVK_ENVIRONMENT)
        if environment == "custom":
            base_url = get_param(self.env, KVK_BASE_URL)
            if not base_url:
                raise UserError(
                    self.env._(
                        "The KvK environment is set to a custom base URL but no URL "
                        "is entered. Enter it in Settings > Accountancy."
                    )
                )
        else:
            base_url = BASE_URLS.get(environment, BASE_URLS["production"])
        return api_key, base_url.rstrip("/"), get_param(self.env, KVK_TIMEOUT)

    # ------------------------------------------------------------------
    # HTTP
    # ------------------------------------------------------------------
    @api.model
    def _kvk_check_access(self):
        """Only accountancy users make the server call the KvK with the firm's
        key: every request goes through _kvk_get, which checks this first."""
        if self.env.su or self.env.user.has_group("accountancy_crm.group_user"):
            return
        raise AccessError(
            self.env._(
                "Only users of the group Accountancy / User may look companies up "
                "in the KvK register. Ask an administrator for that group, or "
                "enter the relation by hand."
            )
        )

    @api.model
    def _kvk_get(self, path, params=None):
        """GET ``path`` of the KvK API and return the decoded JSON object.

        Every failure (configuration, network, HTTP status, KvK error code,
        body) raises a UserError saying what happened and what to do."""
        self._kvk_check_access()
        api_key, base_url, timeout = self._kvk_config()
        url = f"{base_url}{path}"
        try:
            with requests.Session() as session:
                session.headers.update(
                    {"apikey": api_key, "Accept": "application/json"}
                )
                response = session.get(url, params=params, timeout=timeout)
        except requests.exceptions.RequestException as error:
            _logger.warning("KvK request %s failed: %s", url, error)
            raise UserError(
                self._kvk_request_error(error, base_url, timeout)
            ) from error
        return self._kvk_parse(response)

    @api.model
    def _kvk_request_error(self, error, base_url, timeout):
        """What to tell the user of a request that got no answer."""
        # A connect timeout is both: it is told as a timeout.
        if isinstance(error, requests.exceptions.Timeout):
            return self.env._(
                "The KvK register did not answer within %(timeout)s seconds. "
                "Try again later, or raise the timeout in Settings > Accountancy.",
                timeout=timeout,
            )
        if isinstance(error, requests.exceptions.ConnectionError):
            return self.env._(
                "Could not connect to the KvK register at %(url)s (connection "
                "refused or no network). Check the KvK environment and base URL "
                "in Settings > Accountancy, or try again later.",
                url=base_url,
            )
        return self.env._(
            "The request to the KvK register failed: %(error)s. Check the "
            "KvK settings in Settings > Accountancy.",
            error=error,
        )

    @api.model
    def _kvk_parse(self, response):
        try:
            body = response.json()
        except ValueError:
            body = None
        errors = []
        if isinstance(body, dict) and isinstance(body.get("fout"), list):
            errors = [error for error in body["fout"] if isinstance(error, dict)]
        codes = {error.get("code") for error in errors}
        message = "; ".join(
            str(error.get("omschrijving") or error.get("code")) for error in errors
        )
        status = response.status_code
        if status in (401, 403):
            raise UserError(
                self.env._(
                    "The KvK register refused the API key (HTTP %(status)s). Check "
                    "the KvK API key and environment in Settings > Accountancy.",
                    status=status,
                )
            )
        if "IPD0004" in codes:
            raise UserError(
                self.env._(
                    "The KvK register says the KvK number is not valid (%(message)s). "
                    "A KvK number has 8 digits; check the number.",
                    message=message,
                )
            )
        if "IPD5200" in codes:
            raise UserError(
                self.env._(
                    "The KvK register found no company matching your search. Check "
                    "the spelling, search on KvK number or postcode and house "
                    "number, or enter the relation by hand."
                )
            )
        if "IPD0005" in codes or status == 404:
            raise UserError(
                self.env._(
                    "The KvK register has no data for this number (not found or not "
                    "deliverable). Check the number, or enter the relation by hand."
                )
            )
        if codes & UNAVAILABLE_CODES or status >= 500:
            raise UserError(
                self.env._(
                    "The KvK register is temporarily unavailable (%(detail)s). Try "
                    "again later, or enter the relation by hand.",
                    detail=message or "HTTP %s" % status,
                )
            )
        if status >= 400 or errors:
            raise UserError(
                self.env._(
                    "The KvK register answered with an error (HTTP %(status)s: "
                    "%(detail)s). Check your search and try again.",
                    status=status,
                    detail=message or response.reason,
                )
            )
        if not isinstance(body, dict):
            raise UserError(
                self.env._(
                    "The KvK register sent an answer that is not the expected JSON. "
                    "Try again later; if it persists, check the KvK base URL in "
                    "Settings > Accountancy."
                )
            )
        return body

    @api.model
    def _unexpected_answer(self):
        return UserError(
            self.env._(
                "The KvK register sent an answer in an unexpected format. Try again "
                "later; if it persists, check the KvK base URL in Settings > "
                "Accountancy."
            )
        )

    # ------------------------------------------------------------------
    # API of the module (private: not callable over RPC; the intake wizard's
    # actions are the entry points of the web client)
    # ------------------------------------------------------------------
    @api.model
    def _kvk_normalize_number(self, kvk_number, digits=8):
        """Strip spaces, dots and dashes; raise a UserError unless ``digits``
        digits (8 for a KvK number, 12 for a branch number)."""
        number = normalize_number(str(kvk_number or "").strip()) or ""
        if re.fullmatch(rf"\d{{{digits}}}", number):
            return number
        if digits == 12:
            message = self.env._(
                "%(number)s is not a valid KvK branch number: a branch number "
                "has 12 digits.",
                number=kvk_number,
            )
        else:
            message = self.env._(
                "%(number)s is not a valid KvK number: a KvK number has 8 digits.",
                number=kvk_number,
            )
        raise UserError(message)

    @api.model
    def _kvk_search(
        self,
        name=None,
        kvk_number=None,
        postcode=None,
        house_number=None,
        city=None,
        result_type=None,
        page=1,
        per_page=10,
    ):
        """Search the KvK register (Zoeken v2).

        :returns: ``{"total": int, "results": [{"kvk_number", "branch_number"
            (str or False), "name", "type" (hoofdvestiging, nevenvestiging or
            rechtspersoon), "active" (bool), "street", "house_number",
            "house_letter", "zip", "city"}]}``
        :raises UserError: no criterion given, or the lookup failed (no results
            included: KvK answers IPD5200).
        """
        name = (name or "").strip()
        city = (city or "").strip()
        postcode = re.sub(r"\s+", "", postcode or "").upper()
        house_number = str(house_number or "").strip()
        kvk_number = self._kvk_normalize_number(kvk_number) if kvk_number else ""
        if not (name or kvk_number or postcode or city):
            raise UserError(
                self.env._(
                    "Enter a name, a KvK number, a city or a postcode (with house "
                    "number) to search the KvK register."
                )
            )
        if result_type and result_type not in RESULT_TYPES:
            raise UserError(
                self.env._(
                    "Unknown KvK result type %(type)s; use hoofdvestiging, "
                    "nevenvestiging or rechtspersoon.",
                    type=result_type,
                )
            )
        params = {
            "kvkNummer": kvk_number,
            "naam": name,
            "plaats": city,
            "postcode": postcode,
            "huisnummer": house_number,
            "type": result_type or "",
            "pagina": max(int(page or 1), 1),
            "resultatenPerPagina": min(max(int(per_page or 10), 1), 100),
        }
        params = {key: value for key, value in params.items() if value}
        body = self._kvk_get("/api/v2/zoeken", params)
        results = body.get("resultaten")
        if not isinstance(results, list):
            raise self._unexpected_answer()
        try:
            mapped = [self._map_search_result(result) for result in results]
            total = int(body.get("totaal", len(mapped)))
        except (AttributeError, TypeError, ValueError) as error:
            raise self._unexpected_answer() from error
        return {"total": total, "results": mapped}

    @api.model
    def _map_search_result(self, result):
        address = (result.get("adres") or {}).get("binnenlandsAdres") or {}
        active = result.get("actief", True)
        if isinstance(active, str):
            active = active.strip().lower() not in ("nee", "false", "n")
        return {
            "kvk_number": str(result["kvkNummer"]),
            "branch_number": str(result.get("vestigingsnummer") or "") or False,
            "name": result.get("naam") or "",
            "type": result.get("type") or "",
            "active": bool(active),
            "street": address.get("straatnaam") or "",
            "house_number": str(address.get("huisnummer") or ""),
            "house_letter": address.get("huisletter") or "",
            "zip": address.get("postcode") or "",
            "city": address.get("plaats") or "",
        }

    @api.model
    def _kvk_profile(self, kvk_number):
        """Return the raw Basisprofiel v1 JSON of ``kvk_number`` (a dict)."""
        number = self._kvk_normalize_number(kvk_number)
        body = self._kvk_get(f"/api/v1/basisprofielen/{number}")
        if not body.get("kvkNummer"):
            raise self._unexpected_answer()
        return body

    @api.model
    def _kvk_branch_profile(self, branch_number):
        """Return the raw Vestigingsprofiel v1 JSON of a branch (12 digits)."""
        number = self._kvk_normalize_number(branch_number, digits=12)
        body = self._kvk_get(f"/api/v1/vestigingsprofielen/{number}")
        if not body.get("vestigingsnummer"):
            raise self._unexpected_answer()
        return body

    @api.model
    def _kvk_partner_values(self, profile, branch_number=False, create_sector=False):
        """Map a Basisprofiel (as returned by _kvk_profile) onto res.partner values.

        Returns is_company, name, street ("straatnaam huisnummer huisletter" of the
        bezoekadres), zip, city, country_id (NL), company_registry,
        kvk_branch_number, rsin (legal persons only), legal_form,
        kvk_legal_form_text (whenever KvK gives a legal form; an unknown text
        gives legal_form "other"), kvk_employee_count and the sector:

        - ``sector_id`` when an accountancy.sector (archived ones included) has
          the main SBI activity's code;
        - else, with ``create_sector=True`` and a user who may create sectors,
          a new sector (code, name = sbiOmschrijving) is created as that user
          and its id returned in ``sector_id``;
        - else NO ``sector_id`` but the keys ``sector_code`` and ``sector_name``,
          so the caller can show the sector and create it later. These two keys
          are not res.partner fields: pop them before ``res.partner.create()``.

        The address is the hoofdvestiging's, or that of ``branch_number`` when
        given: when it is not the hoofdvestiging, the branch is fetched from the
        Vestigingsprofiel API (one request, which may raise a UserError; nothing
        is written then). The sector creation is the only write.
        """
        if not isinstance(profile, dict) or not profile.get("kvkNummer"):
            raise self._unexpected_answer()
        embedded = profile.get("_embedded") or {}
        main_branch = embedded.get("hoofdvestiging") or {}
        owner = embedded.get("eigenaar") or {}
        branch = main_branch
        branch_number = normalize_number(branch_number) if branch_number else False
        if branch_number and branch_number != main_branch.get("vestigingsnummer"):
            branch = self._kvk_branch_profile(branch_number)
            if str(branch.get("kvkNummer")) != str(profile["kvkNummer"]):
                raise UserError(
                    self.env._(
                        "Branch %(branch)s does not belong to KvK number %(kvk)s. "
                        "Pick the branch again from the search results.",
                        branch=branch_number,
                        kvk=profile["kvkNummer"],
                    )
                )
        address = self._visiting_address(branch.get("adressen"))
        values = {
            "is_company": True,
            "name": profile.get("naam")
            or profile.get("statutaireNaam")
            or branch.get("eersteHandelsnaam")
            or "",
            "street": " ".join(
                str(part)
                for part in (
                    address.get("straatnaam"),
                    address.get("huisnummer"),
                    address.get("huisletter"),
                    address.get("huisnummerToevoeging"),
                )
                if part
            )
            or False,
            "zip": address.get("postcode") or False,
            "city": address.get("plaats") or False,
            "country_id": self.env.ref("base.nl").id,
            "company_registry": str(profile["kvkNummer"]),
            "kvk_branch_number": branch_number
            or main_branch.get("vestigingsnummer")
            or False,
        }
        rsin = owner.get("rsin") or profile.get("rsin")
        if rsin:
            values["rsin"] = str(rsin)
        legal_form_text = (
            owner.get("uitgebreideRechtsvorm")
            or owner.get("rechtsvorm")
            or profile.get("uitgebreideRechtsvorm")
            or profile.get("rechtsvorm")
        )
        if legal_form_text:
            values["kvk_legal_form_text"] = legal_form_text
            values["legal_form"] = (
                map_legal_form(legal_form_text)
                or map_legal_form(owner.get("rechtsvorm"))
                or "other"
            )
        employees = profile.get("totaalWerkzamePersonen")
        if employees is not None:
            try:
                values["kvk_employee_count"] = int(employees)
            except (TypeError, ValueError):
                _logger.info("KvK employee count %r is not a number", employees)
        values.update(self._sector_values(profile, create_sector))
        return values

    @api.model
    def _visiting_address(self, addresses):
        """The bezoekadres of a list of KvK addresses (else the first one)."""
        addresses = [a for a in addresses or [] if isinstance(a, dict)]
        for address in addresses:
            if address.get("type") == "bezoekadres":
                return address
        return addresses[0] if addresses else {}

    @api.model
    def _sector_values(self, profile, create_sector):
        activities = [a for a in profile.get("sbiActiviteiten") or [] if a]
        main = next(
            (a for a in activities if a.get("indHoofdactiviteit") == "Ja"),
            activities[0] if activities else None,
        )
        if not main or not main.get("sbiCode"):
            return {}
        code = str(main["sbiCode"]).replace(".", "").strip()
        name = main.get("sbiOmschrijving") or code
        sector = self._kvk_sector(code, name, create=create_sector)
        if sector:
            return {"sector_id": sector.id}
        return {"sector_code": code, "sector_name": name}

    @api.model
    def _kvk_sector(self, code, name, create=False):
        """The sector (archived ones included) with SBI code ``code``; else,
        with ``create``, a new one made as the current user (no sudo: sectors
        are managers' data). Empty when there is none and the user may not
        create sectors: the relation is then saved without sector and a
        manager adds it."""
        Sector = self.env["accountancy.sector"]
        sector = Sector.with_context(active_test=False).search(
            [("code", "=", code)], limit=1
        )
        if not sector and create and Sector.has_access("create"):
            sector = Sector.create({"code": code, "name": name or code})
        return sector
