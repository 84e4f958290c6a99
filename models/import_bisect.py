"""Find the faulty rows of a large import by bisection.

Odoo's ``load`` creates all rows of a file in one batch; when that batch fails,
it creates every row on its own, each in a savepoint, to report the faulty
ones. For a firm's 5,000 relations a test run then takes minutes. ``load_bisect``
tries the rows in chunks instead and splits only the chunks that fail, down to
the single rows, which Odoo's own ``load`` reports with its usual messages. As
with Odoo's ``load``, nothing is kept when a row fails.

A model uses it by overriding ``load`` (when ``applies``) and ``_load_records``
(``check_probe``); see res.partner.
"""

from odoo.models import fix_import_export_id_paths

# Files with fewer rows are left to Odoo's load.
MIN_ROWS = 50
# A failed file is tried again in chunks of this many rows, then in halves.
CHUNK_ROWS = 100
PROBE_KEY = "accountancy_import_probe"


class ProbeFailed(Exception):
    """A row of a failed chunk: not created on its own, the chunk is split."""


def applies(model, fields, data):
    """Whether the rows of this import can be loaded in chunks: one row per
    record (no one2many columns) and no column referring to the model itself
    (Odoo's load then creates the rows one by one anyway)."""
    if len(data) < MIN_ROWS or not model.env.context.get("import_file"):
        return False
    for path in fields:
        fname = fix_import_export_id_paths(path)[0]
        if fname in ("id", ".id"):
            continue
        field = model._fields.get(fname)
        if field is None or field.type in ("one2many", "properties"):
            return False
        if field.relational and field.comodel_name == model._name:
            return False
    return True


def check_probe(model, data_list):
    """Raise ProbeFailed when Odoo's load retries the rows of a failed chunk
    one by one: the bisection splits the chunk instead."""
    size = model.env.context.get(PROBE_KEY)
    if size and len(data_list) < size:
        raise ProbeFailed()


def load_bisect(model, super_load, fields, data):
    """``model.load(fields, data)`` in chunks; ``super_load(records, fields,
    rows)`` is Odoo's load of the model."""
    env = model.env
    limit = env.context.get("_import_limit")
    rows = data if limit is None else data[:limit]
    nextrow = limit if limit is not None and len(data) > limit else 0
    loader = model.with_context(_import_limit=None)
    ids, messages = [], []
    state = {"errors": 0, "stopped": False}

    def report(result_messages, offset):
        for message in result_messages:
            message = dict(message)
            if isinstance(message.get("rows"), dict):
                message["rows"] = {
                    key: value + offset for key, value in message["rows"].items()
                }
            if isinstance(message.get("record"), int):
                message["record"] += offset
            messages.append(message)

    def run(start, stop):
        if state["stopped"]:
            return
        single = stop - start == 1
        records = loader if single else loader.with_context(**{PROBE_KEY: stop - start})
        result = super_load(records, fields, rows[start:stop])
        failed = any(m["type"] == "error" for m in result["messages"])
        if not failed:
            ids.extend(result["ids"])
            report(result["messages"], start)
        elif single:
            report(result["messages"], start)
            state["errors"] += 1
            # Odoo's load stops at the same point.
            if state["errors"] >= 10 and state["errors"] >= stop / 10:
                state["stopped"] = True
                messages.append(
                    {
                        "type": "warning",
                        "message": env._(
                            "Found more than 10 errors and more than one error per "
                            "10 records, interrupted to avoid showing too many "
                            "errors."
                        ),
                    }
                )
        else:
            size = stop - start
            step = CHUNK_ROWS if size > CHUNK_ROWS else (size + 1) // 2
            for sub in range(start, stop, step):
                run(sub, min(sub + step, stop))

    # A flushing savepoint: its rollback also clears the ORM cache of the
    # records of the chunks that were created.
    savepoint = env.cr.savepoint()
    run(0, len(rows))
    if any(message["type"] == "error" for message in messages):
        savepoint.rollback()
        env.registry.reset_changes()
        ids = False
    savepoint.close(rollback=False)
    return {"ids": ids, "messages": messages, "nextrow": nextrow}
