"""Relations files for Odoo's import screen, made alike by the module's tests
(tests/test_import_templates.py) and the benchmarks (tools/bench.py).

Plain Python without Odoo: the tests load it by its path, as they load
tools/make_import_templates.py, and bench.py imports it from its own folder.
"""

import csv
import io

# The columns of a relations file, as Odoo's import screen maps them.
RELATION_COLUMNS = [
    "name",
    "is_company",
    "relation_kind",
    "legal_form",
    "debtor_number",
    "company_registry",
    "rsin",
    "bsn",
    "client_group_id",
    "country_id",
    "city",
]


def import_options(**options):
    """The options Odoo's import screen sends with a CSV file (comma-separated,
    with a header, ISO dates), updated with ``options``."""
    return {
        "has_headers": True,
        "quoting": '"',
        "separator": ",",
        "encoding": "utf-8",
        "date_format": "%Y-%m-%d",
        "datetime_format": "%Y-%m-%d %H:%M:%S",
        "float_thousand_separator": ",",
        "float_decimal_separator": ".",
        "import_skip_records": [],
        "import_set_empty_fields": [],
        "name_create_enabled_fields": {},
        "fallback_values": {},
        **options,
    }


def relation_row(index, name, debtor_number, registry, rsin, bsn, person=None):
    """The values of a new client in Gouda: a B.V. named ``name`` B.V. with
    KvK number ``registry`` and ``rsin``, or a person named ``name`` with
    ``bsn``. A person when ``person`` says so, by default every fifth row
    (``index`` 0, 5, 10...)."""
    if person is None:
        person = index % 5 == 0
    return {
        "name": name if person else f"{name} B.V.",
        "is_company": "0" if person else "1",
        "relation_kind": "client",
        "legal_form": "" if person else "bv",
        "debtor_number": debtor_number,
        "company_registry": "" if person else registry,
        "rsin": "" if person else rsin,
        "bsn": bsn if person else "",
        "country_id": "NL",
        "city": "Gouda",
    }


def csv_file(columns, rows):
    """CSV bytes of ``rows`` (dicts) under a header of ``columns``; a column a
    row has no value for is left empty."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue().encode()
