"""One check of the year fields of the module's models, before the ORM sees them.

Over RPC a year can be anything JSON carries: ``"abc"`` makes the ORM's int()
fail with a traceback, 2**40 makes PostgreSQL answer "integer out of range".
The mixin refuses what cannot be a year at all (not a whole number, negative,
more than four digits) in ``create`` and ``write`` with a clear message,
before the values reach the ORM or the database. Which years a model accepts
is its ``_accountancy_year_range`` (1900-2100 for a strategy...), checked by
one constraint with one message; a model whose range is not fixed (the
planning range of a service plan) leaves it None and checks its own. 0,
Odoo's empty integer, is passed on to those checks."""

from odoo import api, models
from odoo.exceptions import ValidationError

# Bounds of anything that can be a year; the models narrow them.
YEAR_MIN = 1
YEAR_MAX = 9999


class AccountancyYearMixin(models.AbstractModel):
    _name = "accountancy.year.mixin"
    _description = "Year fields checked on create and write"

    # Names of the model's year fields; a model sets its own list.
    _accountancy_year_fields = ("year",)
    # (first, last) year the year fields accept; None: the model checks them.
    _accountancy_year_range = None

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------
    @api.constrains(
        lambda self: (
            self._accountancy_year_fields if self._accountancy_year_range else ()
        )
    )
    def _check_accountancy_year_range(self):
        first, last = self._accountancy_year_range
        # The model's name in the user's language (ir.model holds it).
        model = self.env["ir.model"].sudo()._get(self._name).name
        for record in self:
            for fname in self._accountancy_year_fields:
                if first <= record[fname] <= last:
                    continue
                # A wizard has no name of its own to show.
                subject = model if self._transient else f"{model} {record.display_name}"
                raise ValidationError(
                    self.env._(
                        "%(subject)s: %(field)s %(year)s is not valid, enter a year "
                        "from %(first)s to %(last)s.",
                        subject=subject,
                        field=self._fields[fname]._description_string(self.env),
                        year=record[fname],
                        first=first,
                        last=last,
                    )
                )

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        context = self.env.context
        for vals in vals_list:
            self._accountancy_check_year_values(vals)
        # Defaults passed in the context (default_year) are values too.
        self._accountancy_check_year_values(
            {
                fname: context[f"default_{fname}"]
                for fname in self._accountancy_year_fields
                if f"default_{fname}" in context
            }
        )
        return super().create(vals_list)

    def write(self, vals):
        self._accountancy_check_year_values(vals)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @api.model
    def _accountancy_check_year_values(self, vals):
        """Replace the year values of ``vals`` by ints; raise a ValidationError
        naming the field and the allowed range for anything else."""
        for fname in self._accountancy_year_fields:
            if fname not in vals:
                continue
            field = self._fields[fname]
            value = vals[fname]
            if value is None or value is False or value in ("", 0):
                continue  # no year (stored as 0): the model's checks decide
            year = self._accountancy_parse_year(value)
            if year is None or not YEAR_MIN <= year <= YEAR_MAX:
                raise ValidationError(
                    self.env._(
                        "%(field)s must be a year, a whole number from %(min)s to "
                        "%(max)s such as 2025; %(value)r is not.",
                        field=field._description_string(self.env),
                        min=YEAR_MIN,
                        max=YEAR_MAX,
                        value=value,
                    )
                )
            vals[fname] = year

    @api.model
    def _accountancy_parse_year(self, value):
        """``value`` as an int when it is one (a whole float or digits in a
        string count), else None. Booleans are not years."""
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return int(value) if value.is_integer() else None
        if isinstance(value, str):
            text = value.strip()
            if text.lstrip("-").isdigit() and len(text) <= 6:
                return int(text)
        return None
