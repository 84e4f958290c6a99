"""Fields that a user may not set through ``create`` or ``write``.

Every way in (web client, JSON-RPC/XML-RPC, import, ``copy`` with defaults)
ends in ``create`` or ``write``, so the rules are checked there:

- State fields (approval and acceptance status, approver, approved amount,
  retention dates...) are written by their actions only. An action checks the
  caller (group, four eyes) and then writes as superuser; ``env.su`` cannot be
  set over RPC, a context key can, so a context key is no permission.
- Fields with ``groups=``: Odoo checks them on read and write, not on create.

A model lists its state fields as ``{field name: values allowed on create}``
and calls ``check_create`` and ``check_write``.
"""

from odoo.exceptions import UserError

MODULE = "accountancy_crm"
DEFAULT_PREFIX = "default_"


def create_values(model, vals_list):
    """{field name: set of values} a create sets, from its values and from the
    ``default_<field>`` keys of the context (which RPC callers may pass)."""
    values = {}
    for vals in vals_list:
        for fname, value in vals.items():
            values.setdefault(fname, []).append(value)
    for key, value in model.env.context.items():
        if key.startswith(DEFAULT_PREFIX) and key[len(DEFAULT_PREFIX) :] in (
            model._fields
        ):
            values.setdefault(key[len(DEFAULT_PREFIX) :], []).append(value)
    return values


def check_create(model, vals_list, state_fields=None):
    """Refuse a create that sets a field the user may not write (field
    groups) or a state field to another value than the allowed ones."""
    if model.env.su:
        return
    values = create_values(model, vals_list)
    # The module's fields only: Odoo's own flows create records of its models
    # with Odoo's fields, and Odoo answers for those. An empty value is what
    # the record would get anyway (e.g. an empty BSN column of an import).
    model.check_field_access_rights(
        "create",
        [
            fname
            for fname, field_values in values.items()
            if fname in model._fields
            and MODULE in (model._original_module, model._fields[fname]._module)
            and any(field_values)
        ],
    )
    refused = [
        fname
        for fname, allowed in (state_fields or {}).items()
        if fname in values
        and any(value and value not in allowed for value in values[fname])
    ]
    _raise_state_fields(model, refused)


def check_write(records, vals, state_fields):
    """Refuse a write of a state field outside of its actions."""
    if records.env.su:
        return
    _raise_state_fields(records, [fname for fname in state_fields if fname in vals])


def _raise_state_fields(model, fnames):
    if not fnames:
        return
    env = model.env
    raise UserError(
        env._(
            "These fields of a %(model)s are set by the application only: "
            "%(fields)s. Its buttons (such as Submit, Approve or Reject) set "
            "them after checking who may take that step, or they follow from "
            "other data; they cannot be set by hand, by an import or through "
            "the API. Use the buttons on the form.",
            fields=", ".join(
                f'"{model._fields[fname]._description_string(env)}"'
                for fname in sorted(fnames)
            ),
            # sudo: the label of the model only, also for portal users.
            model=env["ir.model"].sudo()._get(model._name).name,
        )
    )
