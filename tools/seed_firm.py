"""Fill a database with a realistic Dutch accountancy firm, through the ORM.

Usage: seed_firm.py ODOO_CONF DATABASE SIZE   (SIZE: small, large or tiny)

large: 6,000 clients in 2,000 client groups (persons with fiscal partners,
holdings, operating companies), 40,000 relations, 80 employees with roles and
budgets, three years of annual figures, 30,000 posted and mostly paid invoices,
10,000 opportunities, 50,000 contact moments, service plans, advisory statuses
and teams for two years, and the strategies of the current year. small is 1/20
of that. Deterministic: the same size and seed give the same firm.

``generate(env, params, commit=False)`` does the work; the command commits
after every batch, the tests call it inside their transaction.
"""

import argparse
import logging
import random
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta

from stdnum.nl import bsn as nl_bsn
from stdnum.nl import btw as nl_btw

from odoo import Command

_logger = logging.getLogger("seed_firm")

BATCH = 500
SEED = 20261123
MARKER = "accountancy_crm.seed_firm"

LARGE = {
    "clients": 6000,
    "groups": 2000,
    "relations": 40000,
    "employees": 80,
    "invoices": 30000,
    "leads": 10000,
    "moments": 50000,
    "showcase_relations": 50,
}
SIZES = {
    "large": LARGE,
    "small": dict(
        {key: value // 20 for key, value in LARGE.items()},
        employees=12,
        showcase_relations=50,
    ),
    # For the tests: seconds, inside the test transaction.
    "tiny": {
        "clients": 30,
        "groups": 10,
        "relations": 90,
        "employees": 6,
        "invoices": 40,
        "leads": 20,
        "moments": 40,
        "showcase_relations": 12,
    },
}

FIRST_NAMES_M = [
    "Jan",
    "Pieter",
    "Kees",
    "Henk",
    "Willem",
    "Gerrit",
    "Johan",
    "Hans",
    "Bram",
    "Daan",
    "Sem",
    "Lucas",
    "Thijs",
    "Ruben",
    "Bas",
    "Joost",
    "Maarten",
    "Sander",
    "Jeroen",
    "Wouter",
    "Koen",
    "Niels",
    "Tom",
    "Stijn",
    "Rik",
    "Jesse",
    "Mark",
    "Erik",
]
FIRST_NAMES_F = [
    "Anna",
    "Maria",
    "Johanna",
    "Cornelia",
    "Sanne",
    "Lotte",
    "Emma",
    "Julia",
    "Sophie",
    "Fleur",
    "Anouk",
    "Eva",
    "Iris",
    "Marloes",
    "Inge",
    "Femke",
    "Linda",
    "Esther",
    "Ilse",
    "Noor",
    "Tess",
    "Lieke",
    "Anke",
    "Mirjam",
    "Petra",
    "Karin",
]
SURNAMES = [
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "de Bruin",
    "van der Heijden",
    "Schouten",
    "van Beek",
    "Willems",
    "van Vliet",
    "van de Ven",
    "Hoekstra",
    "Maas",
    "Verhoeven",
    "Koster",
    "van Dam",
    "van der Wal",
    "Prins",
    "Blom",
    "Huisman",
    "Peeters",
    "de Leeuw",
    "Kuipers",
    "Veenstra",
    "Postma",
    "Wouters",
    "Boer",
    "Scholten",
    "Timmermans",
    "Groen",
]
STREETS = [
    "Kerkstraat",
    "Dorpsstraat",
    "Molenweg",
    "Schoolstraat",
    "Stationsweg",
    "Julianastraat",
    "Beatrixstraat",
    "Wilhelminastraat",
    "Kastanjelaan",
    "Eikenlaan",
    "Lindelaan",
    "Nieuwstraat",
    "Marktplein",
    "Industrieweg",
    "Hoofdstraat",
    "Raadhuisstraat",
    "Parallelweg",
    "Sportlaan",
    "Beukenlaan",
    "Prinses Irenestraat",
    "Vondelstraat",
    "Rembrandtlaan",
    "Havenweg",
    "Dijkweg",
]
CITIES = [
    ("Amsterdam", "10"),
    ("Rotterdam", "30"),
    ("Utrecht", "35"),
    ("Den Haag", "25"),
    ("Eindhoven", "56"),
    ("Groningen", "97"),
    ("Tilburg", "50"),
    ("Almere", "13"),
    ("Breda", "48"),
    ("Nijmegen", "65"),
    ("Apeldoorn", "73"),
    ("Haarlem", "20"),
    ("Arnhem", "68"),
    ("Enschede", "75"),
    ("Amersfoort", "38"),
    ("Zwolle", "80"),
    ("Leeuwarden", "89"),
    ("Maastricht", "62"),
    ("Dordrecht", "33"),
    ("Leiden", "23"),
    ("Deventer", "74"),
    ("Alkmaar", "18"),
    ("Venlo", "59"),
    ("Middelburg", "43"),
]
ACTIVITIES = [
    ("Bouw", "4120"),
    ("Installatietechniek", "4322"),
    ("Transport", "4941"),
    ("Handelsonderneming", "4690"),
    ("Bakkerij", "1071"),
    ("Automatisering", "6201"),
    ("Advies", "7022"),
    ("Schilders", "4334"),
    ("Kapsalon", "9602"),
    ("Tandartsenpraktijk", "8623"),
    ("Veehouderij", "0141"),
    ("Akkerbouw", "0111"),
    ("Horeca", "5610"),
    ("Autobedrijf", "4520"),
    ("Vastgoed", "6820"),
]
SECTOR_NAMES = {
    "4120": "General construction of buildings",
    "4322": "Plumbing and installation",
    "4941": "Road haulage",
    "4690": "Wholesale, non-specialised",
    "1071": "Bakeries",
    "6201": "Software development",
    "7022": "Business consultancy",
    "4334": "Painting and glazing",
    "9602": "Hairdressing and beauty",
    "8623": "Dental practices",
    "0141": "Dairy farming",
    "0111": "Arable farming",
    "5610": "Restaurants",
    "4520": "Car repair",
    "6820": "Renting of real estate",
    "6420": "Financial holdings",
}
BANKS = ["ING Bank", "Rabobank", "ABN AMRO", "de Volksbank", "Triodos Bank", "Knab"]
NOTARY_COUNT = 12
ZIP_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
ADVISER_KINDS = ["Advocaten", "Pensioenadvies", "Verzekeringen", "Juridisch Advies"]
SUBJECTS = [
    "Bespreking jaarrekening",
    "Vraag over btw-aangifte",
    "Kennismaking",
    "Bedrijfsovername",
    "Pensioen DGA",
    "Loonadministratie",
    "Investeringsplan",
    "Financiering bank",
    "Telefonische vraag",
    "Periodiek overleg",
]
LEAD_TOPICS = [
    "Jaarrekening",
    "Loonadministratie",
    "Fiscale planning",
    "Bedrijfsoverdracht",
    "Financieringsaanvraag",
    "Pensioenadvies",
    "Subsidieaanvraag",
    "Herstructurering",
]
# Roles of the firm: (xml id, employees of the large firm).
ROLE_STAFF = [("role_rlm", 8), ("role_rlm_ass", 12), ("role_jrk", 20), ("role_acc", 40)]
CHANNELS = ["phone", "phone", "email", "email", "meeting", "visit", "video"]
NO_MAIL = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "no_reset_password": True,
    "mail_auto_subscribe_no_notify": True,
}


def size_params(size):
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}: choose from {', '.join(SIZES)}")
    return dict(SIZES[size])


class FirmGenerator:
    """One generation run; keeps ids, never big recordsets, between batches."""

    def __init__(self, env, params, seed=SEED, commit=False, log=None):
        self.env = env(context=dict(env.context, **NO_MAIL))
        self.params = params
        self.rng = random.Random(seed)
        self.commit = commit
        self.log = log or _logger.info
        self.today = date.today()
        self.year = self.today.year
        self.counts = defaultdict(int)
        self.timings = {}

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _done_batch(self):
        self.env.flush_all()
        if self.commit:
            self.env.cr.commit()
        self.env.invalidate_all()

    def _create(self, model, vals_list, batch=BATCH, method=None):
        """Create in batches, returning the ids."""
        ids = []
        Model = self.env[model]
        for start in range(0, len(vals_list), batch):
            records = Model.create(vals_list[start : start + batch])
            if method:
                getattr(records, method)()
            ids.extend(records.ids)
            self._done_batch()
        self.counts[model] += len(ids)
        return ids

    def _step(self, name, func):
        start = time.perf_counter()
        func()
        self.timings[name] = round(time.perf_counter() - start, 1)
        self.log(f"{name}: {self.timings[name]} s")

    def _person_name(self, female=None):
        rng = self.rng
        if female is None:
            female = rng.random() < 0.5
        first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        return first, rng.choice(SURNAMES)

    def _address(self):
        rng = self.rng
        city, prefix = rng.choice(CITIES)
        return {
            "street": f"{rng.choice(STREETS)} {rng.randrange(1, 250)}",
            "zip": f"{prefix}{rng.randrange(10, 99)} "
            + "".join(rng.choice(ZIP_LETTERS) for _i in range(2)),
            "city": city,
            "country_id": self.nl_id,
        }

    def _eleven_proof(self):
        """A new 9-digit number passing the eleven test (BSN/RSIN)."""
        while True:
            number = f"{self.rng.randrange(10**8, 10**9):09d}"
            if number not in self.used_numbers and nl_bsn.is_valid(number):
                self.used_numbers.add(number)
                return number

    def _kvk(self):
        while True:
            number = f"{self.rng.randrange(10**7, 10**8):08d}"
            if number not in self.used_kvk:
                self.used_kvk.add(number)
                return number

    # ------------------------------------------------------------------
    # steps
    # ------------------------------------------------------------------
    def run(self):
        steps = [
            ("setup", self._setup),
            ("employees", self._employees),
            ("partners", self._partners),
            ("relations", self._relations),
            ("annual figures", self._annual_figures),
            ("teams, plans, advisory", self._planning),
            ("opportunities", self._leads),
            ("contact moments", self._moments),
            ("invoices and payments", self._invoices),
            ("strategies", self._strategies),
        ]
        for name, func in steps:
            self._step(name, func)
        self.env["ir.config_parameter"].sudo().set_param(
            MARKER, f"{self.params['clients']} clients, seed done {datetime.now()}"
        )
        self._done_batch()
        return dict(self.counts)

    def _setup(self):
        env = self.env
        self.nl_id = env.ref("base.nl").id
        self.company = env.company
        eur = env.ref("base.EUR")
        if self.company.currency_id != eur and not env["account.move.line"].search(
            [("company_id", "=", self.company.id)], limit=1
        ):
            eur.active = True
            self.company.currency_id = eur
        if not self.company.country_id:
            self.company.country_id = self.nl_id
        if not env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.company.id)], limit=1
        ):
            env["account.chart.template"].try_loading(
                "generic_coa", company=self.company, install_demo=False
            )
        Partner = env["res.partner"].with_context(active_test=False)
        self.used_numbers = set()
        self.used_kvk = set()
        for fname in ("rsin", "bsn"):
            self.used_numbers.update(
                Partner.sudo()
                .search_fetch([(fname, "!=", False)], [fname])
                .mapped(fname)
            )
        self.used_kvk.update(
            Partner.search_fetch(
                [("company_registry", "!=", False)], ["company_registry"]
            ).mapped("company_registry")
        )
        self.debtor_start = 100000 + Partner.search_count(
            [("debtor_number", "!=", False)]
        )
        # Sectors by SBI code, created where missing.
        Sector = env["accountancy.sector"].with_context(active_test=False)
        existing = {s.code: s.id for s in Sector.search_fetch([], ["code"])}
        missing = [code for code in SECTOR_NAMES if code not in existing]
        for sector in Sector.create(
            [{"code": code, "name": SECTOR_NAMES[code]} for code in missing]
        ):
            existing[sector.code] = sector.id
        self.sector_of = existing
        self.role_ids = {
            xmlid: env.ref(f"accountancy_crm.{xmlid}").id for xmlid, _n in ROLE_STAFF
        }
        self.stage_ids = env["crm.stage"].search([]).ids
        self.won_stage_ids = env["crm.stage"].search([("is_won", "=", True)]).ids
        self.service_ids = env["accountancy.advisory.service"].search([]).ids
        self.lost_reason_ids = env["crm.lost.reason"].search([]).ids
        self.sales_team_id = env["crm.team"].search([], limit=1).id
        self._done_batch()

    def _employees(self):
        env = self.env
        total = self.params["employees"]
        scale = total / sum(n for _x, n in ROLE_STAFF)
        per_role = [(xmlid, max(1, round(n * scale))) for xmlid, n in ROLE_STAFF]
        per_role[-1] = (
            per_role[-1][0],
            max(1, total - sum(n for _x, n in per_role[:-1])),
        )
        group_user = env.ref("accountancy_crm.group_user")
        group_manager = env.ref("accountancy_crm.group_manager")
        salesman = env.ref("sales_team.group_sale_salesman")
        taken = set(
            env["res.users"].with_context(active_test=False).search([]).mapped("login")
        )
        user_vals, roles = [], []
        for xmlid, count in per_role:
            for _i in range(count):
                first, last = self._person_name()
                base = f"{first}.{last}".lower().replace(" ", "")
                login = base
                n = 1
                while login in taken:
                    n += 1
                    login = f"{base}{n}"
                taken.add(login)
                groups = [group_user.id, salesman.id]
                if xmlid == "role_rlm":
                    groups.append(group_manager.id)
                user_vals.append(
                    {
                        "name": f"{first} {last}",
                        "login": login,
                        "email": f"{login}@firm.example.nl",
                        "groups_id": [Command.set(groups)],
                    }
                )
                roles.append(xmlid)
        user_ids = self._create("res.users", user_vals, batch=100)
        users = env["res.users"].browse(user_ids)
        employee_ids = self._create(
            "hr.employee",
            [
                {
                    "name": user.name,
                    "user_id": user.id,
                    "company_id": self.company.id,
                    "job_title": env.ref(f"accountancy_crm.{role}").name,
                }
                for user, role in zip(users, roles, strict=True)
            ],
        )
        self.employees_by_role = defaultdict(list)
        self.user_of_employee = {}
        for employee_id, user_id, role in zip(
            employee_ids, user_ids, roles, strict=True
        ):
            self.employees_by_role[role].append(employee_id)
            self.user_of_employee[employee_id] = user_id
        self.employee_ids = employee_ids
        self.salesman_user_ids = [
            self.user_of_employee[e]
            for e in self.employees_by_role["role_rlm"]
            + self.employees_by_role["role_rlm_ass"]
        ]
        rng = self.rng
        part_time = [rng.choice([60, 80, 80, 90, 100, 100]) for _e in employee_ids]
        self._create(
            "accountancy.employee.budget",
            [
                {
                    "employee_id": employee_id,
                    "year": year,
                    "role_id": self.role_ids[role],
                    "part_time_percentage": pct,
                    # 60 to 75 % of the contract hours are productive.
                    "productive_hours": round(
                        2080 * pct / 100 * rng.uniform(0.6, 0.75)
                    ),
                }
                for year in (self.year, self.year + 1)
                for employee_id, role, pct in zip(
                    employee_ids, roles, part_time, strict=True
                )
            ],
        )

    def _partners(self):
        """Client groups with their members, prospects, institutions and
        contact persons."""
        rng = self.rng
        params = self.params
        n_groups = params["groups"]
        n_clients = params["clients"]
        # Group compositions cycle through 4, 3 and 2 clients (3 on average):
        # person + fiscal partner + holding + operating company; person +
        # holding + operating company; person + sole proprietorship or vof.
        sizes = [(4, 3, 2)[i % 3] for i in range(n_groups)]
        diff = n_clients - sum(sizes)
        i = 0
        while diff:
            step = 1 if diff > 0 else -1
            new = sizes[i % n_groups] + step
            if 2 <= new <= 4:
                sizes[i % n_groups] = new
                diff -= step
            i += 1
            if i > 10 * n_groups:
                break
        group_vals, self.group_plans = [], []
        for index, size in enumerate(sizes):
            first, last = self._person_name()
            group_vals.append(
                {
                    "name": f"Familie {last} ({first[0]}.)",
                    "code": f"KG{index + 1:05d}",
                    "company_id": self.company.id,
                }
            )
            self.group_plans.append((size, first, last))
        self.group_ids = self._create("accountancy.client.group", group_vals)
        debtor = self.debtor_start

        def next_debtor():
            nonlocal debtor
            debtor += 1
            return str(debtor)

        # Pass 1: the entrepreneurs (persons); pass 2: fiscal partners; pass 3:
        # companies.
        person_vals, fiscal_vals, company_vals = [], [], []
        self.members = defaultdict(dict)  # group index -> role -> vals index
        for g, (size, first, last) in enumerate(self.group_plans):
            group_id = self.group_ids[g]
            female = first in FIRST_NAMES_F
            address = self._address()
            person_vals.append(
                dict(
                    address,
                    name=f"{first} {last}",
                    is_company=False,
                    relation_kind="client",
                    client_group_id=group_id,
                    bsn=self._eleven_proof(),
                    birth_year=rng.randrange(1950, 1995),
                    debtor_number=next_debtor(),
                    email=f"{first.lower()}@{last.replace(' ', '').lower()}.example.nl",
                )
            )
            self.members[g]["person"] = len(person_vals) - 1
            if size == 4:
                fiscal_first, _l = self._person_name(female=not female)
                fiscal_vals.append(
                    dict(
                        address,
                        name=f"{fiscal_first} {last}",
                        is_company=False,
                        relation_kind="client",
                        client_group_id=group_id,
                        bsn=self._eleven_proof(),
                        birth_year=rng.randrange(1950, 1995),
                        debtor_number=next_debtor(),
                    )
                )
                self.members[g]["fiscal"] = len(fiscal_vals) - 1
            activity, sbi = rng.choice(ACTIVITIES)
            if size >= 3:
                kinds = [("holding", f"{last} Holding B.V.", "bv", "6420")]
                kinds.append(("opco", f"{last} {activity} B.V.", "bv", sbi))
            elif rng.random() < 0.6:
                kinds = [("opco", f"{activity} {last}", "eenmanszaak", sbi)]
            else:
                other = rng.choice(SURNAMES)
                kinds = [("opco", f"{last} & {other} {activity} V.O.F.", "vof", sbi)]
            for role, name, legal_form, code in kinds:
                rsin = self._eleven_proof() if legal_form == "bv" else False
                kvk = self._kvk()
                vals = dict(
                    self._address() if role == "opco" else address,
                    name=name,
                    is_company=True,
                    relation_kind="client",
                    client_group_id=group_id,
                    legal_form=legal_form,
                    company_registry=kvk,
                    kvk_branch_number=f"0000{kvk}",
                    debtor_number=next_debtor(),
                    sector_id=self.sector_of[code],
                )
                if rsin:
                    vals["rsin"] = rsin
                    vat = f"NL{rsin}B01"
                    assert nl_btw.is_valid(vat), vat
                    vals["vat"] = vat
                    if role == "opco":
                        vals["payroll_tax_number"] = f"{rsin}L01"
                company_vals.append(vals)
                self.members[g][role] = len(company_vals) - 1
        self.person_ids = self._create("res.partner", person_vals)
        for members in self.members.values():
            if "fiscal" in members:
                fiscal_vals[members["fiscal"]]["fiscal_partner_id"] = self.person_ids[
                    members["person"]
                ]
        self.fiscal_ids = self._create("res.partner", fiscal_vals)
        self.company_ids = self._create("res.partner", company_vals)
        self.client_ids = self.person_ids + self.fiscal_ids + self.company_ids
        self.company_client_ids = list(self.company_ids)
        # Prospects (opportunities of new clients): 10 % of the clients.
        prospect_vals = []
        for _i in range(max(1, n_clients // 10)):
            activity, sbi = rng.choice(ACTIVITIES)
            kvk = self._kvk()
            prospect_vals.append(
                dict(
                    self._address(),
                    name=f"{rng.choice(SURNAMES)} {activity} B.V.",
                    is_company=True,
                    relation_kind="prospect",
                    legal_form="bv",
                    company_registry=kvk,
                    sector_id=self.sector_of[sbi],
                )
            )
        self.prospect_ids = self._create("res.partner", prospect_vals)
        self._institutions_and_contacts()

    def _institutions_and_contacts(self):
        rng = self.rng
        # Institutions: banks, tax office, notaries, advisers.
        inst_vals = [
            dict(
                self._address(),
                name=name,
                is_company=True,
                relation_kind="institution",
                institution_type="bank",
            )
            for name in BANKS
        ]
        inst_vals.append(
            dict(
                self._address(),
                name="Belastingdienst",
                is_company=True,
                relation_kind="institution",
                institution_type="tax_office",
            )
        )
        inst_vals += [
            dict(
                self._address(),
                name=f"Notariskantoor {rng.choice(SURNAMES)} {i + 1}",
                is_company=True,
                relation_kind="institution",
                institution_type="notary",
            )
            for i in range(NOTARY_COUNT)
        ]
        inst_vals += [
            dict(
                self._address(),
                name=f"{rng.choice(SURNAMES)} {kind}",
                is_company=True,
                relation_kind="other",
            )
            for kind in ADVISER_KINDS
            for _i in range(3)
        ]
        inst_ids = self._create("res.partner", inst_vals)
        self.bank_ids = inst_ids[: len(BANKS)]
        self.tax_office_id = inst_ids[len(BANKS)]
        self.notary_ids = inst_ids[len(BANKS) + 1 : len(BANKS) + 1 + NOTARY_COUNT]
        self.adviser_ids = inst_ids[len(BANKS) + 1 + NOTARY_COUNT :]
        # Contact persons at the companies (30 % of the relations are "works
        # at"); half of them are child contacts of the company.
        n_contacts = max(1, int(self.params["relations"] * 0.3))
        contact_vals = []
        self.contact_company = []
        # The showcase client: the first operating company gets its relation
        # card filled with contact persons (see the bench, relation card open).
        self.showcase_id = self.company_ids[self.members[0]["opco"]]
        showcase_contacts = max(0, self.params["showcase_relations"] - 3)
        others = [c for c in self.company_client_ids if c != self.showcase_id]
        for i in range(n_contacts):
            company_id = (
                self.showcase_id if i < showcase_contacts else rng.choice(others)
            )
            first, last = self._person_name()
            vals = {
                "name": f"{first} {last}",
                "is_company": False,
                "relation_kind": "other",
                "email": f"{first.lower()}.{i}@example.nl",
                "function": rng.choice(
                    ["Controller", "Directeur", "Office manager", "HR"]
                ),
            }
            if i % 2:
                vals["parent_id"] = company_id
            contact_vals.append(vals)
            self.contact_company.append(company_id)
        self.contact_ids = self._create("res.partner", contact_vals)
        self.child_contacts = defaultdict(list)
        for i, contact_id in enumerate(self.contact_ids):
            if i % 2:
                self.child_contacts[self.contact_company[i]].append(contact_id)

    def _relations(self):
        rng = self.rng
        env = self.env
        target = self.params["relations"]
        t_share = env.ref("accountancy_crm.relation_type_shareholder").id
        t_works = env.ref("accountancy_crm.relation_type_works_at").id
        t_bank = env.ref("accountancy_crm.relation_type_bank").id
        t_tax = env.ref("accountancy_crm.relation_type_tax_office").id
        t_notary = env.ref("accountancy_crm.relation_type_notary").id
        t_adviser = env.ref("accountancy_crm.relation_type_adviser").id
        seen = set()
        vals_list = []

        def add(type_id, left, right, **extra):
            key = (type_id, left, right)
            if key in seen or left == right:
                return False
            seen.add(key)
            vals_list.append(
                dict(
                    extra, type_id=type_id, left_partner_id=left, right_partner_id=right
                )
            )
            return True

        start = date(self.year - rng.randrange(3, 15), 1, 1)
        for members in self.members.values():
            person = self.person_ids[members["person"]]
            holding = members.get("holding")
            opco = self.company_ids[members["opco"]]
            if holding is not None:
                holding = self.company_ids[holding]
                if "fiscal" in members:
                    fiscal = self.fiscal_ids[members["fiscal"]]
                    add(t_share, person, holding, share_percentage=50, date_start=start)
                    add(t_share, fiscal, holding, share_percentage=50, date_start=start)
                else:
                    add(
                        t_share, person, holding, share_percentage=100, date_start=start
                    )
                add(t_share, holding, opco, share_percentage=100, date_start=start)
            else:
                add(t_works, person, opco)
        for client in self.client_ids:
            add(t_tax, self.tax_office_id, client)
        for client in self.company_client_ids:
            add(t_bank, rng.choice(self.bank_ids), client)
        showcase = self.showcase_id
        wanted = self.params["showcase_relations"]
        showcase_count = sum(
            1
            for v in vals_list
            if showcase in (v["left_partner_id"], v["right_partner_id"])
        )
        others = [c for c in self.company_client_ids if c != showcase]
        for contact, company in zip(
            self.contact_ids, self.contact_company, strict=True
        ):
            if company == showcase:
                if showcase_count >= wanted:
                    company = rng.choice(others)
                else:
                    showcase_count += 1
            add(t_works, contact, company)
        for left in self.adviser_ids + self.notary_ids:
            if showcase_count >= wanted:
                break
            showcase_count += add(t_adviser, left, showcase)
        fillers = [
            (t_notary, self.notary_ids, self.company_client_ids),
            (t_bank, self.bank_ids, self.client_ids),
            (t_adviser, self.adviser_ids, self.client_ids),
        ]
        attempts = 0
        while len(vals_list) < target and attempts < 20 * target:
            attempts += 1
            type_id, lefts, rights = fillers[attempts % len(fillers)]
            right = rng.choice(rights)
            if right == self.showcase_id:
                continue
            add(type_id, rng.choice(lefts), right)
        if len(vals_list) > target:
            # Keep the showcase's relations, drop others from the end.
            keep = [
                v
                for v in vals_list
                if self.showcase_id in (v["left_partner_id"], v["right_partner_id"])
            ]
            others = [v for v in vals_list if v not in keep]
            vals_list = keep + others[: max(0, target - len(keep))]
        self._create("res.partner.relation", vals_list, batch=1000)

    def _annual_figures(self):
        rng = self.rng
        vals_list = []
        for company in self.company_client_ids:
            revenue = rng.lognormvariate(13.0, 1.2)
            employees = max(0, int(rng.lognormvariate(1.8, 1.1)) - 1)
            for offset in (3, 2, 1):
                revenue *= rng.uniform(0.9, 1.15)
                vals_list.append(
                    {
                        "partner_id": company,
                        "year": self.year - offset,
                        "revenue": round(revenue, 0),
                        "balance_total": round(revenue * rng.uniform(0.3, 1.2), 0),
                        "equity": round(revenue * rng.uniform(-0.1, 0.5), 0),
                        "net_result": round(revenue * rng.uniform(-0.05, 0.15), 0),
                        "employee_count": employees,
                    }
                )
        self._create("accountancy.annual.figure", vals_list, batch=1000)

    def _planning(self):
        """Teams (one per client group, the same for its members), service plans
        and advisory statuses of the current and the next year."""
        rng = self.rng
        team_of_group = {}
        for g in range(len(self.group_ids)):
            team_of_group[g] = {
                role: rng.choice(self.employees_by_role[role])
                for role, _n in ROLE_STAFF
            }
        assignment_vals, plan_vals, status_vals = [], [], []
        group_of_client = {}
        for g, members in self.members.items():
            for role, index in members.items():
                ids = (
                    self.company_ids
                    if role in ("holding", "opco")
                    else (self.person_ids if role == "person" else self.fiscal_ids)
                )
                group_of_client[ids[index]] = (g, role)
        for year in (self.year, self.year + 1):
            for client in self.client_ids:
                g, kind = group_of_client[client]
                team = team_of_group[g]
                for role, _n in ROLE_STAFF:
                    if kind in ("person", "fiscal") and role == "role_acc":
                        continue
                    assignment_vals.append(
                        {
                            "partner_id": client,
                            "role_id": self.role_ids[role],
                            "employee_id": team[role],
                            "year": year,
                        }
                    )
                company = kind in ("holding", "opco")
                plan_vals.append(
                    {
                        "partner_id": client,
                        "year": year,
                        "bookkeeping_frequency": rng.choice(
                            ["month", "quarter", "none"]
                        )
                        if kind == "opco"
                        else "none",
                        "vat_frequency": rng.choice(["month", "quarter", "quarter"])
                        if kind == "opco"
                        else "none",
                        "annual_accounts_engagement": rng.choice(
                            ["compilation"] * 6 + ["review", "audit"]
                        )
                        if company
                        else "none",
                        "annual_accounts_date": date(year, rng.choice([4, 5, 6]), 30)
                        if company
                        else False,
                        "state": "confirmed" if year == self.year else "proposal",
                    }
                )
                for service in rng.sample(
                    self.service_ids, min(4, len(self.service_ids))
                ):
                    status_vals.append(
                        {
                            "partner_id": client,
                            "year": year,
                            "service_id": service,
                            "status": rng.choice(
                                [
                                    "active",
                                    "active",
                                    "discuss",
                                    "not_applicable",
                                    "later",
                                    "undetermined",
                                ]
                            ),
                        }
                    )
        self._create("accountancy.assignment", assignment_vals, batch=1000)
        self._create("accountancy.service.plan", plan_vals)
        self._create("accountancy.advisory.status", status_vals, batch=1000)

    def _leads(self):
        rng = self.rng
        partners = self.company_client_ids + self.prospect_ids
        vals_list = []
        for i in range(self.params["leads"]):
            partner = rng.choice(partners)
            stage = rng.choice(self.stage_ids)
            created = self.today - timedelta(days=rng.randrange(0, 3 * 365))
            vals = {
                "name": f"{rng.choice(LEAD_TOPICS)} {i + 1}",
                "type": "opportunity",
                "partner_id": partner,
                "user_id": rng.choice(self.salesman_user_ids),
                "team_id": self.sales_team_id,
                "stage_id": stage,
                "expected_revenue": rng.randrange(5, 200) * 250,
                "date_deadline": created + timedelta(days=rng.randrange(14, 180)),
                "priority": rng.choice(["0", "0", "1", "2", "3"]),
            }
            if stage not in self.won_stage_ids and rng.random() < 0.15:
                vals["active"] = False
                vals["probability"] = 0
                if self.lost_reason_ids:
                    vals["lost_reason_id"] = rng.choice(self.lost_reason_ids)
            vals_list.append(vals)
        self.lead_ids = self._create("crm.lead", vals_list)
        self.lead_partner = {
            lead_id: vals["partner_id"]
            for lead_id, vals in zip(self.lead_ids, vals_list, strict=True)
            if vals.get("active", True)
        }

    def _moments(self):
        rng = self.rng
        leads_of_partner = defaultdict(list)
        for lead_id, partner in self.lead_partner.items():
            leads_of_partner[partner].append(lead_id)
        team_employees = self.employee_ids
        vals_list = []
        start = datetime.combine(
            self.today - timedelta(days=3 * 365), datetime.min.time()
        )
        for i in range(self.params["moments"]):
            partner = rng.choice(self.client_ids)
            moment = start + timedelta(minutes=rng.randrange(0, 3 * 365 * 24 * 60))
            moment = moment.replace(hour=rng.randrange(8, 18))
            vals = {
                "partner_id": partner,
                "employee_id": rng.choice(team_employees),
                "date": moment,
                "channel": rng.choice(CHANNELS),
                "subject": f"{rng.choice(SUBJECTS)} ({i + 1})",
            }
            contacts = self.child_contacts.get(partner)
            if contacts and rng.random() < 0.5:
                vals["contact_id"] = rng.choice(contacts)
            leads = leads_of_partner.get(partner)
            if leads and rng.random() < 0.5:
                vals["lead_id"] = rng.choice(leads)
            if moment.date() > self.today - timedelta(days=30) and rng.random() < 0.3:
                vals["next_contact_date"] = self.today + timedelta(
                    days=rng.randrange(1, 60)
                )
            vals_list.append(vals)
        self._create("accountancy.contact.moment", vals_list, batch=1000)

    def _invoices(self):
        """Invoices dated at month ends over three years, posted in batches,
        and paid (all but the last two months) after a delay that depends on
        the client's payment behaviour: one payment wizard per invoice date and
        delay, each paying a batch of invoices."""
        rng = self.rng
        env = self.env
        n = self.params["invoices"]
        month_ends = []
        first = date(self.today.year - 3, self.today.month, 1)
        for k in range(36):
            y, m = divmod(first.month - 1 + k + 1, 12)
            month_ends.append(date(first.year + y, m + 1, 1) - timedelta(days=1))
        month_ends = [d for d in month_ends if d <= self.today] or [self.today]
        delay_of = {
            client: rng.choice([7, 14, 14, 21, 30, 30, 45, 60, 90])
            for client in self.client_ids
        }
        vals_list, buckets = [], []
        for i in range(n):
            client = rng.choice(self.client_ids)
            invoice_date = month_ends[i * len(month_ends) // n]
            lines = [
                Command.create(
                    {
                        "name": rng.choice(
                            [
                                "Samenstellen jaarrekening",
                                "Administratie",
                                "Aangifte omzetbelasting",
                                "Loonadministratie",
                                "Aangifte inkomstenbelasting",
                                "Advies",
                            ]
                        ),
                        "quantity": rng.randrange(1, 12),
                        "price_unit": rng.randrange(60, 140),
                        "tax_ids": [Command.clear()],
                    }
                )
                for _k in range(rng.choice([1, 1, 2]))
            ]
            vals_list.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": client,
                    "invoice_date": invoice_date,
                    "invoice_line_ids": lines,
                }
            )
            paid_on = invoice_date + timedelta(days=delay_of[client])
            buckets.append(
                paid_on if paid_on <= self.today - timedelta(days=30) else None
            )
        Move = env["account.move"]
        to_pay = defaultdict(list)
        for start in range(0, n, BATCH):
            moves = Move.create(vals_list[start : start + BATCH])
            moves.action_post()
            for move_id, paid_on in zip(
                moves.ids, buckets[start : start + BATCH], strict=True
            ):
                if paid_on:
                    to_pay[paid_on].append(move_id)
            self.counts["account.move"] += len(moves)
            self._done_batch()
            self.log(f"  invoices {start + len(moves)}/{n}")
        bank = env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.company.id)], limit=1
        )
        paid = 0
        for paid_on in sorted(to_pay):
            ids = to_pay[paid_on]
            for start in range(0, len(ids), BATCH):
                chunk = ids[start : start + BATCH]
                self._pay(bank, paid_on, chunk)
                paid += len(chunk)
                self._done_batch()
            self.log(f"  paid {paid} invoices up to {paid_on}")

    def _pay(self, bank, paid_on, invoice_ids):
        """One bank receipt entry for the invoices paid on ``paid_on`` (as a
        bank statement brings them), each receipt line reconciled with its
        invoice in one reconciliation plan: a payment per invoice through the
        payment wizard costs four times as much."""
        env = self.env
        receivables = env["account.move.line"].search(
            [
                ("move_id", "in", invoice_ids),
                ("account_id.account_type", "=", "asset_receivable"),
            ],
            order="id",
        )
        lines = [
            Command.create(
                {
                    "name": f"Ontvangst {line.move_name}",
                    "partner_id": line.partner_id.id,
                    "account_id": line.account_id.id,
                    "credit": line.balance,
                }
            )
            for line in receivables
        ]
        lines.append(
            Command.create(
                {
                    "name": "Bank",
                    "account_id": bank.default_account_id.id,
                    "debit": sum(receivables.mapped("balance")),
                }
            )
        )
        entry = env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": bank.id,
                "date": paid_on,
                "ref": f"Bank {paid_on}",
                "line_ids": lines,
            }
        )
        entry.action_post()
        receipts = entry.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).sorted("id")
        plan = []
        for invoice_line, receipt_line in zip(receivables, receipts, strict=True):
            assert invoice_line.partner_id == receipt_line.partner_id
            plan.append(invoice_line + receipt_line)
        env["account.move.line"]._reconcile_plan(plan)
        self.counts["paid invoices"] += len(plan)

    def _strategies(self):
        wizard = self.env["accountancy.strategy.recompute.wizard"].create(
            {"year": self.year}
        )
        for start in range(0, len(self.client_ids), 1000):
            partners = self.env["res.partner"].browse(
                self.client_ids[start : start + 1000]
            )
            strategies = wizard._get_strategies(partners)
            self.counts["accountancy.strategy"] += len(strategies)
            self._done_batch()


def generate(env, params, seed=SEED, commit=False, log=None):
    """Generate a firm of ``params`` (see SIZES) in ``env``'s database; commits
    after each batch only when ``commit`` is true. Returns the created counts
    per model and keeps the timings per step on the generator."""
    generator = FirmGenerator(env, params, seed=seed, commit=commit, log=log)
    counts = generator.run()
    counts["showcase_partner_id"] = generator.showcase_id
    counts["timings"] = generator.timings
    return counts


def main():
    import odoo
    from odoo.modules.registry import Registry

    parser = argparse.ArgumentParser()
    parser.add_argument("conf")
    parser.add_argument("database")
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--force", action="store_true", help="seed a seeded database")
    args = parser.parse_args()
    odoo.tools.config.parse_config(
        ["-c", args.conf, "-d", args.database, "--log-level=warn"]
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    _logger.setLevel(logging.INFO)
    start = time.perf_counter()
    with Registry(args.database).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        done = env["ir.config_parameter"].get_param(MARKER)
        if done and not args.force:
            sys.stdout.write(
                f"{args.database} is already seeded ({done}); use --force\n"
            )
            return 0
        counts = generate(env, size_params(args.size), seed=args.seed, commit=True)
        cr.commit()
    elapsed = time.perf_counter() - start
    for key, value in counts.items():
        sys.stdout.write(f"{key}: {value}\n")
    sys.stdout.write(f"total: {elapsed:.0f} s\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
