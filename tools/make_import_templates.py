#!/usr/bin/env python3
"""Generate the XLSX import templates shipped in static/xls/.

    python3 tools/make_import_templates.py          # (re)writes static/xls/*.xlsx

Each template opens Odoo's standard import (Favorites › Import records, or the
"Import template" link of the import screen) and has two sheets:

- "Data": a header row of field paths, which Odoo's import maps to the fields
  without any manual choice, and example rows. The examples of all templates,
  imported in the order of TEMPLATES into a database, give one consistent
  example firm (tests/test_import_templates.py does exactly that).
- "Columns": per column its field path, its meaning in English and in Dutch and
  the values it takes.

Keys between the files are the old system's own numbers and codes, never
database ids: a relation is found by its debtor number, KvK number (the
company, not its contact persons) or branch number, a client group by its
code, an employee by its employee code, a role, sector, scoring criterion or
advisory service by its code (the models' ``_rec_names_search``).

The only dependency is openpyxl (installed with Odoo).
"""

import datetime
import pathlib
import sys

import openpyxl
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLS_DIR = pathlib.Path(__file__).resolve().parent.parent / "static" / "xls"

LEGAL_FORMS = (
    "eenmanszaak, vof, maatschap, cv, bv, nv, cooperatie, owm, vereniging, "
    "stichting, kerkgenootschap, vve, other"
)
RELATION_KEY_EN = (
    "Debtor number, KvK number (8 digits: the company itself) or branch number "
    "(12 digits) of a relation of the relations file"
)
RELATION_KEY_NL = (
    "Debiteurnummer, KvK-nummer (8 cijfers: het bedrijf zelf) of "
    "vestigingsnummer (12 cijfers) van een relatie uit het relatiebestand"
)
YEAR = ("Year", "Jaar", "e.g. 2027")
FREQUENCIES = "none, month, quarter, year"

# Each column: (field path = header, English meaning, Dutch meaning, values).
TEMPLATES = [
    {
        "file": "employees",
        "model": "hr.employee",
        "title": "Employees with their code",
        "columns": [
            ("name", "Name of the employee", "Naam van de medewerker", "required"),
            (
                "accountancy_code",
                (
                    "Employee code (HVE, MGR...), unique in the company; the key of "
                    "the teams and budgets files"
                ),
                (
                    "Medewerkercode (HVE, MGR...), uniek binnen het kantoor; de "
                    "sleutel "
                    "in de bestanden teams en begrotingen"
                ),
                "text",
            ),
            ("job_title", "Job title", "Functie", "text"),
            ("work_email", "Work e-mail", "E-mailadres werk", "text"),
            ("work_phone", "Work phone", "Telefoon werk", "text"),
            (
                "parent_id",
                "Manager: employee code or name of another employee",
                "Leidinggevende: medewerkercode of naam van een andere medewerker",
                "employee code",
            ),
        ],
        "rows": [
            [
                "Hanna Voorbeeld",
                "HVB",
                "Relationship manager",
                "hanna@example.nl",
                "",
                "",
            ],
            [
                "Mark Voorbeeld",
                "MVB",
                "Annual accounts preparer",
                "mark@example.nl",
                "",
                "",
            ],
            ["Jet Voorbeeld", "JVB", "Accountant", "jet@example.nl", "", ""],
        ],
    },
    {
        "file": "sectors",
        "model": "accountancy.sector",
        "title": "Sectors (SBI codes)",
        "columns": [
            (
                "code",
                "SBI code of CBS, 2 to 5 digits without dots (text column)",
                "SBI-code van het CBS, 2 tot 5 cijfers zonder punten (tekstkolom)",
                "e.g. 6920",
            ),
            ("name", "Name of the sector", "Omschrijving branche", "required"),
        ],
        "rows": [
            ["4711", "Supermarkets"],
            ["7022", "Management consultancy"],
        ],
    },
    {
        "file": "client_groups",
        "model": "accountancy.client.group",
        "title": "Client groups and memberships",
        "columns": [
            (
                "code",
                "Client group code, unique; the relations file refers to it",
                "Klantgroepcode, uniek; het relatiebestand verwijst ernaar",
                "e.g. 000200",
            ),
            ("name", "Name of the client group", "Naam van de klantgroep", "required"),
            (
                "employee_id",
                "Responsible employee: employee code",
                "Verantwoordelijke medewerker: medewerkercode",
                "employee code",
            ),
            ("note", "Note", "Notitie", "text"),
            (
                "member_ids",
                "Optional: one member per row (extra rows with only this column), "
                "when the relations are imported before the groups. " + RELATION_KEY_EN,
                "Optioneel: één lid per regel (extra regels met alleen deze kolom), "
                "als de relaties vóór de klantgroepen worden geïmporteerd. "
                + RELATION_KEY_NL,
                "relation key",
            ),
        ],
        "rows": [
            ["900100", "Familie Voorbeeld", "HVB", "Holding with a shop", ""],
        ],
    },
    {
        "file": "relations",
        "model": "res.partner",
        "title": "Relations with their numbers",
        "columns": [
            (
                "name",
                "Name of the company or person",
                "Naam bedrijf of persoon",
                "required",
            ),
            (
                "is_company",
                "1 for a company or other organisation, 0 for a natural person",
                (
                    "1 voor een bedrijf of andere organisatie, 0 voor een natuurlijk "
                    "persoon"
                ),
                "1 / 0",
            ),
            (
                "relation_kind",
                "Relation kind",
                "Relatiesoort",
                "client, prospect, former_client, supplier, institution, other",
            ),
            (
                "institution_type",
                "Type of institution (relation kind institution)",
                "Soort instantie (relatiesoort instantie)",
                (
                    "bank, tax_office, chamber_of_commerce, uwv, notary, pension_fund, "
                    "other"
                ),
            ),
            ("legal_form", "Legal form", "Rechtsvorm", LEGAL_FORMS),
            (
                "debtor_number",
                "Debtor number of the bookkeeping, unique; the key of the other files",
                (
                    "Debiteurnummer uit de boekhouding, uniek; de sleutel in de andere "
                    "bestanden"
                ),
                "text",
            ),
            (
                "company_registry",
                "KvK number, 8 digits (text column, keeps leading zeros)",
                "KvK-nummer, 8 cijfers (tekstkolom, behoudt voorloopnullen)",
                "e.g. 69599084",
            ),
            (
                "kvk_branch_number",
                "KvK branch number, 12 digits",
                "Vestigingsnummer, 12 cijfers",
                "e.g. 000037178598",
            ),
            (
                "rsin",
                "RSIN of a legal person, 9 digits passing the eleven test",
                "RSIN van een rechtspersoon, 9 cijfers, voldoet aan de elfproef",
                "e.g. 123456782",
            ),
            (
                "bsn",
                (
                    "BSN of a person, 9 digits passing the eleven test; only users of "
                    "the group Fiscal data may import it (else remove the column)"
                ),
                (
                    "BSN van een persoon, 9 cijfers, voldoet aan de elfproef; alleen "
                    "gebruikers met de groep Fiscale gegevens (anders kolom weglaten)"
                ),
                "e.g. 111222333",
            ),
            (
                "payroll_tax_number",
                "Payroll tax number: RSIN or BSN + L + 2 digits",
                "Loonheffingennummer: RSIN of BSN + L + 2 cijfers",
                "e.g. 123456782L01",
            ),
            (
                "vat",
                "VAT number (btw-id)",
                "Btw-identificatienummer",
                "e.g. NL000099998B57",
            ),
            (
                "client_group_id",
                "Client group code (client groups file)",
                "Klantgroepcode (bestand klantgroepen)",
                "client group code",
            ),
            (
                "sector_id",
                "SBI code of the sector (sectors file)",
                "SBI-code van de branche (bestand branches)",
                "SBI code",
            ),
            (
                "birth_year",
                "Year of birth of a person (age of the entrepreneur)",
                "Geboortejaar van een persoon (leeftijd ondernemer)",
                "e.g. 1962",
            ),
            ("street", "Street and house number", "Straat en huisnummer", "text"),
            ("zip", "Postcode", "Postcode", "e.g. 2801 AB"),
            ("city", "City", "Plaats", "text"),
            ("country_id", "Country code", "Landcode", "e.g. NL"),
            ("email", "E-mail", "E-mailadres", "text"),
            ("phone", "Phone", "Telefoon", "text"),
            ("website", "Website", "Website", "text"),
            (
                "kvk_employee_count",
                "Number of people working at the company (KvK)",
                "Aantal werkzame personen (KvK)",
                "whole number",
            ),
        ],
        "rows": [
            [
                "Voorbeeld Holding B.V.",
                "1",
                "client",
                "",
                "bv",
                "90001",
                "90000011",
                "",
                "900000004",
                "",
                "",
                "",
                "900100",
                "7022",
                "",
                "Markt 1",
                "2801 AB",
                "Gouda",
                "NL",
                "holding@example.nl",
                "",
                "",
                "1",
            ],
            [
                "Voorbeeld Winkel B.V.",
                "1",
                "client",
                "",
                "bv",
                "90002",
                "90000012",
                "000090000012",
                "900000016",
                "",
                "900000016L01",
                "NL000099998B57",
                "900100",
                "4711",
                "",
                "Markt 2",
                "2801 AB",
                "Gouda",
                "NL",
                "winkel@example.nl",
                "0182 123456",
                "",
                "12",
            ],
            [
                "Jan Voorbeeld",
                "0",
                "client",
                "",
                "",
                "90003",
                "",
                "",
                "",
                "900000041",
                "",
                "",
                "900100",
                "",
                "1962",
                "Kerkstraat 5",
                "2801 CD",
                "Gouda",
                "NL",
                "jan@example.nl",
                "",
                "",
                "",
            ],
            [
                "Notariskantoor Voorbeeld",
                "1",
                "institution",
                "notary",
                "",
                "90004",
                "90000014",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "Gracht 9",
                "2801 EF",
                "Gouda",
                "NL",
                "",
                "",
                "",
                "",
            ],
        ],
    },
    {
        "file": "contact_persons",
        "model": "res.partner",
        "title": "Contact persons of relations",
        "columns": [
            ("name", "Name of the contact person", "Naam contactpersoon", "required"),
            (
                "parent_id",
                "The relation the person works for. " + RELATION_KEY_EN,
                "De relatie waar de persoon werkt. " + RELATION_KEY_NL,
                "relation key",
            ),
            ("function", "Job position", "Functie", "text"),
            ("department", "Department", "Afdeling", "text"),
            ("email", "E-mail", "E-mailadres", "text"),
            ("phone", "Phone", "Telefoon", "text"),
            ("mobile", "Mobile", "Mobiel", "text"),
        ],
        "rows": [
            [
                "Petra Voorbeeld",
                "90002",
                "Financial controller",
                "Finance",
                "petra@example.nl",
                "",
                "06 12345678",
            ],
            ["Kees Voorbeeld", "90000011", "Director", "", "kees@example.nl", "", ""],
        ],
    },
    {
        "file": "shareholdings",
        "model": "res.partner.relation",
        "title": "Shareholdings and other relations",
        "columns": [
            (
                "left_partner_id",
                "Shareholder (or notary, bank...). " + RELATION_KEY_EN,
                "Aandeelhouder (of notaris, bank...). " + RELATION_KEY_NL,
                "relation key",
            ),
            (
                "type_id",
                "Relation type, by its name",
                "Soort relatie, met de naam",
                (
                    "Shareholder of, Notary of, Bank of, Tax office of, Adviser of, "
                    "Works at"
                ),
            ),
            (
                "right_partner_id",
                "Company held (or client). " + RELATION_KEY_EN,
                "Deelneming (of klant). " + RELATION_KEY_NL,
                "relation key",
            ),
            (
                "share_percentage",
                "Share percentage, more than 0 and at most 100 (shareholdings)",
                "Aandelenpercentage, meer dan 0 en hoogstens 100 (aandeelhouders)",
                "e.g. 100",
            ),
            ("date_start", "Start date", "Ingangsdatum", "date"),
            ("date_end", "End date", "Einddatum", "date"),
        ],
        "rows": [
            ["90003", "Shareholder of", "90001", 100, datetime.date(2010, 1, 1), None],
            ["90000011", "Shareholder of", "90000012", 100, None, None],
            ["90004", "Notary of", "90001", "", None, None],
        ],
    },
    {
        "file": "teams",
        "model": "accountancy.assignment",
        "title": "Teams per client and year",
        "columns": [
            (
                "partner_id",
                "Client. " + RELATION_KEY_EN,
                "Klant. " + RELATION_KEY_NL,
                "relation key",
            ),
            ("year", *YEAR),
            (
                "role_id",
                "Role code",
                "Rolcode",
                "RLM, RLM.ass, JRK, ACC (Configuration › Roles)",
            ),
            ("employee_id", "Employee code", "Medewerkercode", "employee code"),
        ],
        "rows": [
            ["90001", 2027, "RLM", "HVB"],
            ["90001", 2027, "JRK", "MVB"],
            ["90001", 2027, "ACC", "JVB"],
            ["90002", 2027, "RLM", "HVB"],
        ],
    },
    {
        "file": "strategies",
        "model": "accountancy.strategy",
        "title": "Client strategy per year",
        "columns": [
            (
                "partner_id",
                "Client. " + RELATION_KEY_EN,
                "Klant. " + RELATION_KEY_NL,
                "relation key",
            ),
            ("year", *YEAR),
            (
                "continuity",
                "Continuity",
                "Continuïteit",
                "going_concern, succession_arranged, uncertain",
            ),
            (
                "small_business",
                "Small-business indicator",
                "Ind. small business",
                "1 / 0",
            ),
            ("other_risk", "Other risk", "Overig risico", "1 / 0"),
            (
                "risk_category",
                "Category of the other risk",
                "Categorie overig risico",
                "financial, fiscal, integrity, continuity, other",
            ),
            ("risk_reason", "Reason of the other risk", "Reden overig risico", "text"),
            (
                "is_oob",
                (
                    "Public-interest entity; managers and compliance officers only "
                    "(else remove the column)"
                ),
                (
                    "Organisatie van openbaar belang; alleen managers en compliance "
                    "(anders kolom weglaten)"
                ),
                "1 / 0",
            ),
            (
                "is_pep",
                "Politically exposed person; managers and compliance officers only",
                "Prominent persoon (PEP); alleen managers en compliance",
                "1 / 0",
            ),
            ("remark", "Remark", "Opmerking", "text"),
            (
                "line_ids/criterion_id",
                (
                    "Scoring criterion code, one per row (extra rows with only the "
                    "line columns)"
                ),
                (
                    "Code van het scoringscriterium, één per regel (extra regels met "
                    "alleen de regelkolommen)"
                ),
                "FEE, WOF, PAY, AMB, CON, AGE, GRP",
            ),
            (
                "line_ids/value",
                (
                    "Value: EUR per year (FEE), % (WOF, negative for extra billed), "
                    "days (PAY), 1 yes / 0 no (AMB, CON), years (AGE), entities (GRP). "
                    "See the migration guide for the old band codes"
                ),
                (
                    "Waarde: EUR per jaar (FEE), % (WOF, negatief voor bijboeking), "
                    "dagen (PAY), 1 ja / 0 nee (AMB, CON), jaren (AGE), aantal (GRP). "
                    "Zie de migratiegids voor de oude bandcodes"
                ),
                "number",
            ),
            (
                "line_ids/manual",
                (
                    "1 keeps the value: needed for FEE and PAY when the invoices are "
                    "not in Odoo (a recompute would overwrite it)"
                ),
                (
                    "1 houdt de waarde vast: nodig voor FEE en PAY als de facturen "
                    "niet "
                    "in Odoo staan (herberekenen zou hem overschrijven)"
                ),
                "1 / 0",
            ),
        ],
        "rows": [
            [
                "90001",
                2026,
                "going_concern",
                "0",
                "0",
                "",
                "",
                "0",
                "0",
                "Imported from the former system",
                "FEE",
                15000,
                "1",
            ],
            ["", "", "", "", "", "", "", "", "", "", "WOF", 3, "0"],
            ["", "", "", "", "", "", "", "", "", "", "PAY", 25, "1"],
            ["", "", "", "", "", "", "", "", "", "", "AMB", 1, "0"],
        ],
    },
    {
        "file": "annual_figures",
        "model": "accountancy.annual.figure",
        "title": "Annual figures",
        "columns": [
            (
                "partner_id",
                "Company. " + RELATION_KEY_EN,
                "Bedrijf. " + RELATION_KEY_NL,
                "relation key",
            ),
            (
                "year",
                "Financial year (year of the balance-sheet date)",
                "Boekjaar (jaar van de balansdatum)",
                "e.g. 2025",
            ),
            ("revenue", "Net turnover (EUR)", "Netto-omzet (EUR)", "amount"),
            (
                "balance_total",
                "Balance-sheet total (EUR)",
                "Balanstotaal (EUR)",
                "amount",
            ),
            ("equity", "Equity (EUR)", "Eigen vermogen (EUR)", "amount"),
            ("net_result", "Net result (EUR)", "Netto resultaat (EUR)", "amount"),
            (
                "employee_count",
                "Average number of employees",
                "Gemiddeld aantal personeelsleden",
                "whole number",
            ),
        ],
        "rows": [
            ["90002", 2024, 1098233, 455708, -151070, -125460, 7],
            ["90002", 2025, 1327204, 373354, 30102, 64925, 7],
        ],
    },
    {
        "file": "service_plans",
        "model": "accountancy.service.plan",
        "title": "Service plans per client and year",
        "columns": [
            (
                "partner_id",
                "Client. " + RELATION_KEY_EN,
                "Klant. " + RELATION_KEY_NL,
                "relation key",
            ),
            ("year", *YEAR),
            (
                "state",
                "Planning status (A = proposal)",
                "Status planning (A = automatisch voorstel)",
                "proposal, confirmed, done",
            ),
            ("bookkeeping_frequency", "Bookkeeping", "Administratie", FREQUENCIES),
            (
                "bookkeeping_month",
                "Month of a yearly bookkeeping",
                "Admin. productie in maand",
                "1 to 12",
            ),
            (
                "bookkeeping_watch",
                "Watching over the bookkeeping",
                "Meekijken boeken",
                "1 / 0",
            ),
            ("vat_frequency", "VAT return", "Btw-aangifte", FREQUENCIES),
            (
                "compilation_ready_date",
                "Ready for compilation (last year)",
                "Samenstelwaardig J-1",
                "date",
            ),
            (
                "annual_accounts_engagement",
                "Annual accounts engagement (SA = compilation)",
                "Jaarrekeningopdracht J-1 (SA = samenstellen)",
                "none, compilation, review, audit",
            ),
            (
                "annual_accounts_date",
                "Annual accounts completed on",
                "Jaarrekening gereed J-1",
                "date",
            ),
        ],
        "rows": [
            [
                "90001",
                2027,
                "proposal",
                "year",
                3,
                "0",
                "none",
                datetime.date(2027, 1, 10),
                "compilation",
                datetime.date(2027, 1, 21),
            ],
            [
                "90002",
                2027,
                "confirmed",
                "month",
                "",
                "1",
                "quarter",
                datetime.date(2027, 2, 15),
                "compilation",
                datetime.date(2027, 4, 30),
            ],
        ],
    },
    {
        "file": "advisory_statuses",
        "model": "accountancy.advisory.status",
        "title": "Advisory statuses per client and year",
        "columns": [
            (
                "partner_id",
                "Client. " + RELATION_KEY_EN,
                "Klant. " + RELATION_KEY_NL,
                "relation key",
            ),
            ("year", *YEAR),
            (
                "service_id",
                "Advisory service code",
                "Code adviesdienst",
                "STRAT, START, HR, IT, PENS, TRANS, CRED, FINPL, VAT, SUBS, LAW",
            ),
            (
                "status",
                (
                    "Status (old codes: ?? undetermined, Actief active, Bespr discuss, "
                    "Nvt not_applicable, Toekomst later, Voorstel proposal)"
                ),
                (
                    "Status (oude codes: ?? undetermined, Actief active, Bespr "
                    "discuss, "
                    "Nvt not_applicable, Toekomst later, Voorstel proposal)"
                ),
                "undetermined, active, discuss, not_applicable, later, proposal",
            ),
        ],
        "rows": [
            ["90001", 2027, "STRAT", "active"],
            ["90001", 2027, "FINPL", "discuss"],
            ["90002", 2027, "VAT", "not_applicable"],
        ],
    },
    {
        "file": "employee_budgets",
        "model": "accountancy.employee.budget",
        "title": "Employee budgets per year",
        "columns": [
            ("employee_id", "Employee code", "Medewerkercode", "employee code"),
            ("year", *YEAR),
            ("role_id", "Role code", "Rolcode", "RLM, RLM.ass, JRK, ACC"),
            ("part_time_percentage", "Part-time %", "Parttime %", "0 to 100"),
            (
                "productive_hours",
                "Productive norm hours",
                "Prod. norm in uren",
                "hours",
            ),
            (
                "month_ids/month",
                (
                    "Optional month (extra rows with only the month columns); without "
                    "months the norm is spread evenly, July at half"
                ),
                (
                    "Optionele maand (extra regels met alleen de maandkolommen); "
                    "zonder "
                    "maanden wordt de norm gelijk verdeeld, juli half"
                ),
                "1 to 12",
            ),
            (
                "month_ids/productive_hours",
                "Productive hours of the month; the months add up to the norm",
                "Productieve uren van de maand; samen gelijk aan de norm",
                "hours",
            ),
            (
                "month_ids/control_hours",
                "Manual control hours of the month",
                "Controle-uren (handmatig) van de maand",
                "hours",
            ),
        ],
        "rows": [
            ["HVB", 2027, "RLM", 100, 1560, "", "", ""],
            ["MVB", 2027, "JRK", 80, 1200, 1, 100, 0],
            *[["", "", "", "", "", month, 100, 0] for month in range(2, 12)],
            ["", "", "", "", "", 12, 100, 10],
        ],
    },
]

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def build_workbook(template):
    """The workbook of one template (see the module docstring)."""
    book = openpyxl.Workbook()
    data = book.active
    data.title = "Data"
    paths = [column[0] for column in template["columns"]]
    data.append(paths)
    for row in template["rows"]:
        if len(row) != len(paths):
            raise ValueError(
                f"{template['file']}: row {row} has not {len(paths)} cells"
            )
        data.append([None if value == "" else value for value in row])
    for index, path in enumerate(paths, 1):
        cell = data.cell(row=1, column=index)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        letter = get_column_letter(index)
        data.column_dimensions[letter].width = max(14, len(path) + 2)
        for cell in data[letter][1:]:
            if isinstance(cell.value, str):
                cell.number_format = "@"
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    data.freeze_panes = "A2"

    doc = book.create_sheet("Columns")
    doc.append([f"{template['title']} ({template['model']})"])
    doc["A1"].font = HEADER_FONT
    doc.append(["Column / Kolom", "Meaning", "Betekenis", "Values / Waarden"])
    for cell in doc[2]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for column in template["columns"]:
        doc.append(list(column))
    for letter, width in zip("ABCD", (28, 60, 60, 40), strict=True):
        doc.column_dimensions[letter].width = width
    return book


def workbook_values(book):
    """{sheet name: [row values]}: what a comparison of two workbooks checks."""
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }


def main(argv=None):
    target = pathlib.Path(argv[0]) if argv else XLS_DIR
    target.mkdir(parents=True, exist_ok=True)
    for template in TEMPLATES:
        path = target / f"{template['file']}.xlsx"
        build_workbook(template).save(path)
        print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
