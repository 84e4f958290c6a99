"""The window actions the module's buttons return: a list of the records of
one client (or employee, or opportunity), the form of one record, and a
dialog to enter a new record or run a wizard. Public button methods check
their caller first (access_checks.check_caller); these helpers only build the
action."""


def records_action(env, xmlid, domain, context=None):
    """The window action ``xmlid`` limited to ``domain``, with ``context``
    (defaults, default filters) in place of the action's own context."""
    action = env["ir.actions.act_window"]._for_xml_id(xmlid)
    action["domain"] = domain
    action["context"] = context or {}
    return action


def form_action(res_model, res_id=False, target="current", **keys):
    """The form of the record ``res_id`` of ``res_model`` (a new record when
    it is False), in the main area or, with target "new", in a dialog;
    ``keys`` adds to the action (its name, a context)."""
    action = {
        "type": "ir.actions.act_window",
        "res_model": res_model,
        "view_mode": "form",
        "views": [(False, "form")],
        "target": target,
        **keys,
    }
    if res_id:
        action["res_id"] = res_id
    return action


def dialog_action(name, res_model, context):
    """A new record of ``res_model`` (a wizard, or a quick entry) in a dialog,
    its defaults in ``context``."""
    return form_action(res_model, target="new", name=name, context=context)


def records_of(env, xmlid, fname, record, **context):
    """The window action ``xmlid`` on the records whose ``fname`` is
    ``record`` (the service plans of a client, the assignments of an
    employee...), new ones with it; ``context`` adds to that default."""
    return records_action(
        env,
        xmlid,
        [(fname, "=", record.id)],
        {f"default_{fname}": record.id, **context},
    )
