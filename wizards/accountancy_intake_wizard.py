import re

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..models.accountancy_partner_duplicate import POSTCODE_RE
from ..models.res_partner import (
    KVK_RE,
    LEGAL_FORMS,
    RELATION_KINDS,
    normalize_number,
)
from ..models.window_actions import form_action

HOUSE_NUMBER_RE = re.compile(r"^\d{1,5}$")
# Wizard fields filled from the values the KvK client maps for a partner.
KVK_FIELDS = (
    "name",
    "street",
    "zip",
    "city",
    "country_id",
    "company_registry",
    "kvk_branch_number",
    "rsin",
    "legal_form",
    "kvk_legal_form_text",
    "kvk_employee_count",
    "sector_id",
    "sector_code",
    "sector_name",
)


class AccountancyIntakeWizard(models.TransientModel):
    """New relation: look the company up in the KvK register, check that it is
    not known yet, and create it with its contact person and opportunity in one
    step, following an intake profile."""

    _name = "accountancy.intake.wizard"
    _description = "New relation (KvK intake)"

    state = fields.Selection(
        [("search", "Search"), ("relation", "Relation")],
        default="search",
        required=True,
    )
    open_after = fields.Selection(
        [("partner", "Relation"), ("opportunity", "Opportunity")],
        default=lambda self: (
            self.env.context.get("accountancy_intake_open") or "partner"
        ),
        help="What the wizard opens after creating: the relation, or (from CRM) "
        "its opportunity.",
    )
    profile_id = fields.Many2one(
        "accountancy.intake.profile",
        string="Intake profile",
        required=True,
        default=lambda self: self._default_profile_id(),
    )
    ask_vat = fields.Boolean(related="profile_id.ask_vat")
    ask_email = fields.Boolean(related="profile_id.ask_email")
    ask_phone = fields.Boolean(related="profile_id.ask_phone")
    ask_website = fields.Boolean(related="profile_id.ask_website")
    ask_debtor_number = fields.Boolean(related="profile_id.ask_debtor_number")
    ask_client_group = fields.Boolean(related="profile_id.ask_client_group")
    create_contact = fields.Boolean(related="profile_id.create_contact")
    create_opportunity = fields.Boolean(related="profile_id.create_opportunity")
    require_approval = fields.Boolean(related="profile_id.require_approval")

    # Step 1: search the KvK register
    search_name = fields.Char(string="Name (search)")
    search_kvk_number = fields.Char(string="KvK number (search)")
    search_postcode = fields.Char(string="Postcode")
    search_house_number = fields.Char(string="House number")
    search_city = fields.Char(string="City (search)")
    result_ids = fields.One2many(
        "accountancy.intake.wizard.result", "wizard_id", string="Results"
    )
    result_total = fields.Integer(
        help="Number of companies the KvK found; only the first ones are listed."
    )

    # Step 2: the relation as it will be created
    name = fields.Char()
    street = fields.Char()
    zip = fields.Char()
    city = fields.Char()
    country_id = fields.Many2one(
        "res.country", default=lambda self: self.env.ref("base.nl")
    )
    company_registry = fields.Char(string="KvK number")
    kvk_branch_number = fields.Char(string="KvK branch number")
    rsin = fields.Char(string="RSIN")
    legal_form = fields.Selection(LEGAL_FORMS)
    kvk_legal_form_text = fields.Char(string="KvK legal form")
    kvk_employee_count = fields.Integer(string="Employees (KvK)")
    sector_id = fields.Many2one("accountancy.sector")
    sector_code = fields.Char(string="SBI code")
    sector_name = fields.Char(string="New sector")
    vat = fields.Char(string="VAT number")
    email = fields.Char()
    phone = fields.Char()
    website = fields.Char()
    debtor_number = fields.Char()
    relation_kind = fields.Selection(
        RELATION_KINDS,
        compute="_compute_profile_defaults",
        store=True,
        readonly=False,
        precompute=True,
    )
    client_group_id = fields.Many2one(
        "accountancy.client.group",
        compute="_compute_profile_defaults",
        store=True,
        readonly=False,
        precompute=True,
    )
    duplicate_partner_ids = fields.Many2many(
        "res.partner",
        compute="_compute_duplicate_partner_ids",
        string="Existing relations",
    )
    duplicate_kind = fields.Selection(
        [
            ("kvk", "Same KvK number and branch number"),
            ("debtor", "Same debtor number"),
            ("vat", "Same VAT number"),
            ("name", "Same name and postcode"),
        ],
        compute="_compute_duplicate_partner_ids",
    )
    duplicate_message = fields.Text(
        compute="_compute_duplicate_partner_ids",
        help="Why the relation cannot be created, when the relation it "
        "duplicates is one you may not see.",
    )
    confirm_not_duplicate = fields.Boolean(
        string="This is another relation",
        help="Tick when the relation with the same name and postcode is another "
        "relation, to create this one anyway.",
    )

    # Step 3: contact person and opportunity
    contact_name = fields.Char()
    contact_email = fields.Char(string="Contact e-mail")
    contact_phone = fields.Char()
    contact_function = fields.Char(string="Job position")
    opportunity_name = fields.Char(string="Opportunity")
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id
    )
    expected_revenue = fields.Monetary()
    date_deadline = fields.Date(string="Expected closing")

    @api.model
    def _default_profile_id(self):
        return self.env["accountancy.intake.profile"].search(
            [("company_id", "in", [False, self.env.company.id])], limit=1
        )

    @api.depends("profile_id")
    def _compute_profile_defaults(self):
        for wizard in self:
            wizard.relation_kind = wizard.profile_id.relation_kind or "prospect"
            wizard.client_group_id = wizard.profile_id.client_group_id

    @api.depends(
        "company_registry",
        "kvk_branch_number",
        "debtor_number",
        "vat",
        "name",
        "zip",
        "profile_id",
    )
    def _compute_duplicate_partner_ids(self):
        for wizard in self:
            kind, partners, message = wizard._find_duplicates()
            wizard.duplicate_kind = kind
            wizard.duplicate_partner_ids = partners
            wizard.duplicate_message = message

    def _duplicate_candidate(self):
        """The relation as action_create will save it, in the form the
        duplicate check reads (see accountancy.partner.duplicate)."""
        self.ensure_one()
        Partner = self.env["res.partner"]
        return {
            "name": (self.name or "").strip(),
            "display_name": (self.name or "").strip(),
            "is_company": True,
            "active": True,
            "company_registry": normalize_number(self.company_registry),
            "kvk_branch_number": normalize_number(self.kvk_branch_number) or False,
            "bsn": False,
            "debtor_number": self.profile_id.ask_debtor_number and self.debtor_number,
            "company_id": Partner.default_get(["company_id"]).get("company_id", False),
        }

    def _find_duplicates(self):
        """Relations that may be the one being entered, as (kind, relations,
        message). First the numbers the save refuses twice, with the save's own
        check, so also a relation the user may not see: then no relation is
        given, only the message that it exists. Else the hints: the same VAT
        number, or the same name and postcode."""
        self.ensure_one()
        Duplicate = self.env["accountancy.partner.duplicate"]
        candidate = self._duplicate_candidate()
        for rule in ("kvk", "debtor"):
            found, existing = Duplicate._first_duplicate(rule, [candidate])
            if found:
                if Duplicate._may_see(existing):
                    return rule, existing.with_env(self.env), False
                return (
                    rule,
                    self.env["res.partner"],
                    Duplicate._message(rule, candidate, existing),
                )
        kind, partners = Duplicate._similar(self.vat, self.name, self.zip)
        return kind, partners, False

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _reopen(self):
        """Keep the wizard's dialog open on this record."""
        self.ensure_one()
        return form_action(
            self._name,
            self.id,
            target="new",
            name=self.env._("New relation"),
            context=self.env.context,
        )

    def _search_criteria(self):
        """Check the search fields and return the client's keyword arguments."""
        self.ensure_one()
        criteria = {}
        name = (self.search_name or "").strip()
        kvk = normalize_number(self.search_kvk_number)
        postcode = re.sub(r"\s", "", self.search_postcode or "").upper()
        house_number = (self.search_house_number or "").strip()
        city = (self.search_city or "").strip()
        if not (name or kvk or postcode or house_number or city):
            raise UserError(
                self.env._(
                    "Enter a name, a KvK number, or a postcode and house number to "
                    "search the KvK register, or enter the relation by hand."
                )
            )
        if kvk:
            if not KVK_RE.match(kvk):
                raise UserError(
                    self.env._(
                        "%(number)s is not a KvK number: a KvK number has exactly 8 "
                        "digits, for example 69599084.",
                        number=self.search_kvk_number,
                    )
                )
            criteria["kvk_number"] = kvk
        if postcode or house_number:
            if not (postcode and house_number):
                raise UserError(
                    self.env._(
                        "Enter both the postcode and the house number to search by "
                        "address, or search by name or KvK number."
                    )
                )
            if not POSTCODE_RE.match(postcode):
                raise UserError(
                    self.env._(
                        "%(postcode)s is not a Dutch postcode: enter four digits "
                        "and two letters, for example 1234 AB.",
                        postcode=self.search_postcode,
                    )
                )
            if not HOUSE_NUMBER_RE.match(house_number):
                raise UserError(
                    self.env._(
                        "Enter the house number as digits only, for example 12; "
                        "leave out the letter or addition.",
                    )
                )
            criteria["postcode"] = postcode
            criteria["house_number"] = house_number
        if name:
            criteria["name"] = name
        if city:
            criteria["city"] = city
        return criteria

    def action_search(self):
        """Search the KvK register and list the companies found."""
        self.ensure_one()
        client = self.env["accountancy.kvk.client"]
        client._kvk_check_access()
        criteria = self._search_criteria()
        answer = client._kvk_search(**criteria)
        results = answer.get("results") or []
        if not results:
            raise UserError(
                self.env._(
                    "The KvK register has no company matching your search. Check "
                    "the spelling, search otherwise, or enter the relation by hand."
                )
            )
        known = self._known_partners(results)
        lines = []
        for sequence, result in enumerate(results):
            key = (result.get("kvk_number"), result.get("branch_number") or False)
            lines.append(
                Command.create(
                    {
                        "sequence": sequence,
                        "kvk_number": result.get("kvk_number"),
                        "branch_number": result.get("branch_number") or False,
                        "name": result.get("name"),
                        "result_type": result.get("type"),
                        "kvk_active": bool(result.get("active", True)),
                        "street": result.get("street"),
                        "house_number": result.get("house_number"),
                        "house_letter": result.get("house_letter"),
                        "zip": result.get("zip"),
                        "city": result.get("city"),
                        "partner_id": known.get(key, False),
                    }
                )
            )
        self.write(
            {
                "result_ids": [Command.clear(), *lines],
                "result_total": answer.get("total") or len(results),
            }
        )
        return self._reopen()

    def _known_partners(self, results):
        """{(kvk number, branch number or False): partner id} of the relations
        already known for these search results, in one query."""
        numbers = {r.get("kvk_number") for r in results if r.get("kvk_number")}
        if not numbers:
            return {}
        partners = self.env["res.partner"].search_fetch(
            [("is_company", "=", True), ("company_registry", "in", list(numbers))],
            ["company_registry", "kvk_branch_number"],
        )
        known = {}
        for partner in partners:
            key = (partner.company_registry, partner.kvk_branch_number or False)
            known.setdefault(key, partner.id)
        return known

    def _select_result(self, result):
        """Fill the relation with the KvK's profile of ``result``."""
        self.ensure_one()
        client = self.env["accountancy.kvk.client"]
        client._kvk_check_access()
        profile = client._kvk_profile(result.kvk_number)
        values = client._kvk_partner_values(
            profile, branch_number=result.branch_number or False, create_sector=False
        )
        vals = {fname: values.get(fname, False) for fname in KVK_FIELDS}
        vals["kvk_employee_count"] = vals["kvk_employee_count"] or 0
        vals["country_id"] = vals["country_id"] or self.env.ref("base.nl").id
        if vals["sector_id"]:
            vals["sector_code"] = vals["sector_name"] = False
        vals.update(state="relation", confirm_not_duplicate=False)
        if not self.opportunity_name and vals.get("name"):
            vals["opportunity_name"] = vals["name"]
        self.write(vals)
        return self._reopen()

    def action_manual(self):
        """Skip the KvK: enter the relation by hand."""
        self.ensure_one()
        self.write({"state": "relation", "name": self.search_name})
        return self._reopen()

    def action_back(self):
        self.ensure_one()
        self.state = "search"
        return self._reopen()

    def action_open_duplicate(self):
        """Open the existing relation instead of creating a new one."""
        self.ensure_one()
        partners = self.duplicate_partner_ids
        if not partners:
            raise UserError(self.env._("No existing relation matches this one."))
        # One relation opens its form, several a list of them.
        return partners._get_records_action(
            name=self.env._("Existing relations"), context={}
        )

    def action_create(self):
        """Create the relation, its contact person and its opportunity: all of
        them, or none when anything fails."""
        self.ensure_one()
        self._check_before_create()
        with self.env.cr.savepoint():
            partner = self._create_partner()
            self._create_contact(partner)
            lead = self._create_opportunity(partner)
            if self.require_approval:
                partner._accountancy_request_approval(self.profile_id)
        opened = lead if self.open_after == "opportunity" and lead else partner
        return opened._get_records_action(context={})

    def _check_before_create(self):
        self.ensure_one()
        if not (self.name or "").strip():
            raise UserError(
                self.env._(
                    "Pick a company from the KvK search results, or enter the "
                    "relation's name by hand."
                )
            )
        kind, partners, message = self._find_duplicates()
        if message:
            # A relation the user may not see: the save's own message.
            raise UserError(message)
        if kind and not (kind == "name" and self.confirm_not_duplicate):
            raise UserError(
                self.env._(
                    "%(name)s is already known as %(existing)s (%(reason)s). Open "
                    "the existing relation instead of creating a duplicate.",
                    name=self.name,
                    existing=", ".join(partners.mapped("display_name")),
                    reason=dict(
                        self._fields["duplicate_kind"]._description_selection(self.env)
                    )[kind],
                )
            )
        if self.create_contact and not (self.contact_name or "").strip():
            raise UserError(
                self.env._(
                    "Enter the name of the contact person: the intake profile "
                    "%(profile)s creates one with the relation.",
                    profile=self.profile_id.display_name,
                )
            )
        if self.create_opportunity and not self.env["crm.lead"].has_access("create"):
            raise UserError(
                self.env._(
                    "The intake profile %(profile)s creates an opportunity, but you "
                    "may not create opportunities. Ask an administrator for CRM "
                    "access, or use a profile without opportunity.",
                    profile=self.profile_id.display_name,
                )
            )

    def _partner_values(self):
        self.ensure_one()
        profile = self.profile_id
        vals = {
            "is_company": True,
            "name": self.name.strip(),
            "street": self.street,
            "zip": self.zip,
            "city": self.city,
            "country_id": self.country_id.id,
            "company_registry": self.company_registry,
            "kvk_branch_number": self.kvk_branch_number,
            "rsin": self.rsin,
            "legal_form": self.legal_form,
            "kvk_legal_form_text": self.kvk_legal_form_text,
            "kvk_employee_count": self.kvk_employee_count,
            "sector_id": self.sector_id.id,
            "relation_kind": self.relation_kind or profile.relation_kind,
            "client_group_id": self.client_group_id.id,
            "user_id": profile.user_id.id,
        }
        if profile.ask_vat:
            vals["vat"] = self.vat
        if profile.ask_email:
            vals["email"] = self.email
        if profile.ask_phone:
            vals["phone"] = self.phone
        if profile.ask_website:
            vals["website"] = self.website
        if profile.ask_debtor_number:
            vals["debtor_number"] = self.debtor_number
        if not self.sector_id and self.sector_code:
            # A sector the KvK knows but we do not yet: created only by a user
            # who may create sectors (as that user, with the values they see);
            # for the others the relation is saved without sector.
            vals["sector_id"] = (
                self.env["accountancy.kvk.client"]
                ._kvk_sector(self.sector_code, self.sector_name, create=True)
                .id
            )
        if profile.require_approval:
            vals["accountancy_state"] = "to_approve"
        return {key: value for key, value in vals.items() if value or key == "name"}

    def _create_partner(self):
        return self.env["res.partner"].create(self._partner_values())

    def _create_contact(self, partner):
        self.ensure_one()
        if not self.create_contact:
            return self.env["res.partner"]
        return self.env["res.partner"].create(
            {
                "name": self.contact_name.strip(),
                "parent_id": partner.id,
                "type": "contact",
                "is_company": False,
                "email": self.contact_email,
                "phone": self.contact_phone,
                "function": self.contact_function,
            }
        )

    def _create_opportunity(self, partner):
        self.ensure_one()
        if not self.create_opportunity:
            return self.env["crm.lead"]
        profile = self.profile_id
        vals = {
            "type": "opportunity",
            "name": (self.opportunity_name or "").strip() or partner.name,
            "partner_id": partner.id,
            "user_id": (profile.user_id or self.env.user).id,
            "expected_revenue": self.expected_revenue,
            "date_deadline": self.date_deadline,
            "tag_ids": [Command.set(profile.tag_ids.ids)],
        }
        if profile.team_id:
            vals["team_id"] = profile.team_id.id
        if profile.stage_id:
            vals["stage_id"] = profile.stage_id.id
        return self.env["crm.lead"].create(vals)
