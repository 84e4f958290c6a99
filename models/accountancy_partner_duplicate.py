import re

from odoo import api, models
from odoo.osv import expression

POSTCODE_RE = re.compile(r"^(\d{4})\s*([A-Za-z]{2})$")

# The numbers a relation may not share with another one, checked by the
# res.partner constraints (and by PostgreSQL, see res.partner's
# _sql_constraints) and announced by the intake wizard before it saves.
# Per rule: the fields of a candidate, whether the rule applies to it, the
# key that must be unique, the search for the rows holding the same keys, and
# the constraint of res.partner._sql_constraints that backs it.
UNIQUE_RULES = {
    "kvk": {
        "fnames": ["company_registry", "kvk_branch_number"],
        "applies": lambda c: c["is_company"] and c["active"] and c["company_registry"],
        "key": lambda c: (c["company_registry"], c["kvk_branch_number"] or ""),
        "domain": lambda cs: [
            ("is_company", "=", True),
            ("active", "=", True),
            ("company_registry", "in", [c["company_registry"] for c in cs]),
        ],
        "constraint": "accountancy_kvk_unique",
    },
    "bsn": {
        "fnames": ["bsn"],
        "applies": lambda c: c["active"] and c["bsn"],
        "key": lambda c: c["bsn"],
        "domain": lambda cs: [
            ("active", "=", True),
            ("bsn", "in", [c["bsn"] for c in cs]),
        ],
        "constraint": "accountancy_bsn_unique",
    },
    # Per company, archived relations included: a debtor number stays in the
    # books of the firm after the relation is archived.
    "debtor": {
        "fnames": ["debtor_number", "company_id"],
        "applies": lambda c: c["debtor_number"],
        "key": lambda c: (c["debtor_number"], c["company_id"] or False),
        "domain": lambda cs: [
            ("debtor_number", "in", [c["debtor_number"] for c in cs])
        ],
        "constraint": "accountancy_debtor_number_unique",
    },
}
CANDIDATE_FIELDS = ["name", "display_name", "is_company", "active"] + [
    fname for rule in UNIQUE_RULES.values() for fname in rule["fnames"]
]


def zip_variants(value):
    """The ways a postcode is written: 1234AB, 1234 AB and as typed."""
    value = (value or "").strip()
    if not value:
        return []
    compact = re.sub(r"\s", "", value)
    variants = {value, compact}
    match = POSTCODE_RE.match(compact)
    if match:
        variants.add(f"{match.group(1)} {match.group(2)}")
    return list(variants)


class AccountancyPartnerDuplicate(models.AbstractModel):
    """The one place that decides whether a relation is a duplicate: the
    res.partner constraints and the intake wizard both ask it, so the wizard
    never announces "no duplicate" for a relation whose save then fails.

    The unique numbers (KvK and branch number, BSN, debtor number) are searched
    as superuser, because a duplicate must be found even where the user cannot
    see it; whether the user may see it decides what the message tells (the
    name, or only that such a relation exists and whom to ask)."""

    _name = "accountancy.partner.duplicate"
    _description = "Duplicate relation check"

    @api.model
    def _candidates_of(self, partners):
        """The candidates (dicts of CANDIDATE_FIELDS, plus the record) of
        ``partners``, read as superuser: the BSN is a protected field and the
        rule holds whoever saves."""
        candidates = []
        for partner in partners.sudo():
            candidate = {fname: partner[fname] for fname in CANDIDATE_FIELDS}
            candidate["company_id"] = partner.company_id.id
            candidate["record"] = partner.with_env(partners.env)
            candidates.append(candidate)
        return candidates

    @api.model
    def _first_duplicate(self, rule, candidates):
        """The first candidate whose key of ``rule`` is taken by another
        relation or by an earlier candidate, as (candidate, existing relation
        as superuser), else (None, None). One indexed query for all of them."""
        spec = UNIQUE_RULES[rule]
        candidates = [c for c in candidates if spec["applies"](c)]
        if not candidates:
            return None, None
        own_ids = [c["record"].id for c in candidates if c.get("record")]
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        others = Partner.search_fetch(
            spec["domain"](candidates) + [("id", "not in", own_ids)],
            ["display_name", *spec["fnames"]],
        )
        seen = {}
        for other in others:
            values = {fname: other[fname] for fname in spec["fnames"]}
            if "company_id" in values:
                values["company_id"] = other.company_id.id
            seen.setdefault(spec["key"](values), other)
        for candidate in candidates:
            key = spec["key"](candidate)
            existing = seen.setdefault(key, candidate.get("record"))
            if existing is not candidate.get("record"):
                return candidate, existing.sudo()
        return None, None

    @api.model
    def _may_see(self, existing):
        """Whether the current user may read ``existing`` (found as superuser):
        a message must not name a relation the user may not see."""
        return bool(existing.with_env(self.env)._filtered_access("read"))

    @api.model
    def _message(self, rule, candidate, existing):
        """Why ``candidate`` may not be saved next to ``existing``; without the
        name of ``existing`` when the user may not see it."""
        visible = self._may_see(existing)
        values = {
            "partner": candidate["display_name"] or candidate["name"] or "",
            "kvk": candidate["company_registry"],
            "branch": candidate["kvk_branch_number"] or self.env._("(none)"),
            "number": candidate["debtor_number"],
            "existing": existing.display_name if visible else "",
        }
        return self._messages()[rule, visible] % values

    @api.model
    def _messages(self):
        """{(rule, the user may see the existing relation): message}."""
        _ = self.env._
        return {
            ("kvk", True): _(
                "%(partner)s has the same KvK number %(kvk)s and branch number "
                "%(branch)s as the existing relation “%(existing)s”: open that "
                "relation instead of creating a duplicate, or enter the branch "
                "number (vestigingsnummer) if this is another branch."
            ),
            ("kvk", False): _(
                "%(partner)s has the same KvK number %(kvk)s and branch number "
                "%(branch)s as an existing relation that you may not see. Do not "
                "create a duplicate: ask an accountancy manager or the team of "
                "that client to give you access to it, or enter the branch number "
                "(vestigingsnummer) if this is another branch."
            ),
            ("bsn", True): _(
                "%(partner)s has the same BSN as the existing relation "
                "“%(existing)s”: open that relation instead of creating a "
                "duplicate."
            ),
            ("bsn", False): _(
                "%(partner)s has the same BSN as an existing relation that you may "
                "not see. Do not create a duplicate: ask an accountancy manager or "
                "the team of that client to give you access to it."
            ),
            ("debtor", True): _(
                "Debtor number %(number)s of %(partner)s is already used by "
                "%(existing)s. Give each relation its own debtor number."
            ),
            ("debtor", False): _(
                "Debtor number %(number)s of %(partner)s is already used by a "
                "relation that you may not see. Give each relation its own debtor "
                "number; ask an accountancy manager or the team of that client if "
                "the number should be moved."
            ),
        }

    @api.model
    def _check_unique(self, rule, candidates):
        """The message of the first duplicate of ``rule`` among
        ``candidates``, or False."""
        candidate, existing = self._first_duplicate(rule, candidates)
        if candidate is None:
            return False
        return self._message(rule, candidate, existing)

    @api.model
    def _similar(self, vat, name, zip_code):
        """Relations that are probably the one being entered although no unique
        number says so: the same VAT number (branches share one, so this is a
        question for the user), else the same name and postcode. As (kind,
        partners), searched with the user's rights: only a hint, nothing
        refuses the save."""
        Partner = self.env["res.partner"]
        vat = (vat or "").replace(" ", "").upper()
        if vat:
            partners = Partner.search(
                [("parent_id", "=", False), ("vat", "=ilike", vat)]
            )
            if partners:
                return "vat", partners
        name = (name or "").strip()
        zips = zip_variants(zip_code)
        if name and zips:
            domain = [("parent_id", "=", False), ("name", "=ilike", name)]
            zip_domain = expression.OR([[("zip", "=ilike", v)] for v in zips])
            partners = Partner.search(expression.AND([domain, zip_domain]))
            if partners:
                return "name", partners
        return False, Partner
