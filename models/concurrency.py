"""Row locks for the rules that add up or compare other rows (share totals per
company, UBO interests, the current acceptance of a client).

Odoo runs its transactions in REPEATABLE READ: a check that reads the other
rows sees the database as it was at the transaction's first query, so two
concurrent saves can each pass a rule that both together break. A plain
``SELECT ... FOR UPDATE`` does not help: the second transaction waits for the
first and then goes on with its old snapshot, because a row that was only
locked has not changed. An UPDATE that changes nothing does create a new
version of the row: the second transaction's UPDATE then waits for the first
to end and fails with a serialization failure, which Odoo's request retry runs
again with a fresh snapshot, in which the rule sees the winner's rows.
"""

from odoo.tools import SQL


def lock_rows(records):
    """Lock the rows of ``records`` (the parents of the rows a rule adds up)
    until the end of the transaction, as described above. Call it before the
    rule reads the other rows, in every transaction that may break the rule."""
    ids = [record_id for record_id in records.ids if isinstance(record_id, int)]
    if not ids:
        return
    records.env.cr.execute(
        SQL(
            "UPDATE %s SET write_date = write_date WHERE id = ANY(%s)",
            SQL.identifier(records._table),
            sorted(ids),
        )
    )
