"""The module's system parameters (ir.config_parameter), each defined once:
its key, its default and how its text is read. The settings fields use the
key and the default of the same definition (config_parameter=, default=),
the code reads the value through get_param()."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_logger = logging.getLogger(__name__)

# key: definition, of every parameter of the module (filled as the models
# define them).
PARAMS = {}


@dataclass(frozen=True)
class Param:
    key: str
    # The value when the parameter is unset or its text is not valid, in the
    # form the parameter is stored in (and the settings field shows).
    default: Any
    # Stored text -> value; raises ValueError or TypeError when not valid.
    parse: Callable[[Any], Any] = str

    def __post_init__(self):
        PARAMS[self.key] = self


def get_param(env, param):
    """The value of ``param``: its stored text read by its ``parse``, the
    default when it is unset or not valid (logged). Read as
    superuser, as the code needs it whoever runs it: callers must not hand a
    secret (the KvK API key) on to the user."""
    text = env["ir.config_parameter"].sudo().get_param(param.key)
    if text in (None, False, ""):
        return param.parse(param.default)
    try:
        return param.parse(text)
    except (TypeError, ValueError):
        _logger.warning(
            "System parameter %s has the invalid value %r: %r is used instead.",
            param.key,
            text,
            param.default,
        )
        return param.parse(param.default)


def int_at_least(minimum):
    """A whole number, raised to ``minimum`` when lower."""
    return lambda text: max(int(text), minimum)


def number_between(kind, minimum, maximum, clamp=False):
    """A number of ``kind`` (int, float) from ``minimum`` to ``maximum``:
    brought into the range when ``clamp``, else not valid outside it."""

    def parse(text):
        value = kind(text)
        if clamp:
            return min(max(value, minimum), maximum)
        if not minimum <= value <= maximum:
            raise ValueError(text)
        return value

    return parse


def one_of(selection):
    """One of the values of ``selection`` (a list of (value, label))."""

    def parse(text):
        if text not in dict(selection):
            raise ValueError(text)
        return text

    return parse


def flag(text):
    """Set or not: Odoo stores a ticked Boolean setting as "True" and removes
    the parameter of an unticked one."""
    return bool(text)
