"""The counters of the smart buttons (service plans of a client, contact
moments of an opportunity, clients of an employee...): one grouped query
for the whole batch."""


def count_by(records, model, fname, domain=(), aggregate="__count"):
    """{record: the number of rows of ``model`` whose ``fname`` is that
    record} for ``records`` (by their origin: a record being edited counts
    its saved rows), optionally within ``domain``; ``aggregate`` counts
    something else than rows (e.g. "partner_id:count_distinct")."""
    return dict(
        records.env[model]._read_group(
            [(fname, "in", records._origin.ids), *domain], [fname], [aggregate]
        )
    )
