"""The caller check at the start of the module's public methods.

Every method without a leading underscore is callable over JSON-RPC and
XML-RPC by any logged-in user, portal included, with any ids
(``odoo/service/model.py: get_public_method``). A button action therefore
checks the caller before it does anything: the group the button is meant
for, and the access rights and record rules of the operation on the records
(which a method that builds an action or reads as superuser would skip).
"""

from odoo.exceptions import AccessError

USER_GROUP = "accountancy_crm.group_user"


def check_caller(records, operation="read", group=USER_GROUP):
    """Refuse the caller of a public method on ``records`` unless they are in
    ``group`` (when given) and may ``operation`` these records. The
    superuser (the module's own ``sudo()`` calls) always passes."""
    env = records.env
    if env.su:
        return
    if group and not env.user.has_group(group):
        raise AccessError(
            env._(
                "Only members of the group %(group)s may do this on "
                "%(model)s. Ask your administrator for access if you need it.",
                group=env.ref(group).sudo().full_name,
                model=records._description,
            )
        )
    records.check_access(operation)
