from odoo import Command, api, fields, models

from .accountancy_service_plan import MONTHS


class AccountancyMonthMixin(models.AbstractModel):
    """One month of a year's figures (an hour budget, a sales target): the
    month, its number to sort by, its label for messages, the commands that
    fill the twelve months and the year totals of the months."""

    _name = "accountancy.month.mixin"
    _description = "Month of a year's figures"

    month = fields.Selection(MONTHS, required=True)
    month_number = fields.Integer(compute="_compute_month_number", store=True)

    @api.depends("month")
    def _compute_month_number(self):
        for line in self:
            line.month_number = int(line.month or 0)

    def _accountancy_month_label(self):
        """The month's name in the user's language."""
        self.ensure_one()
        labels = dict(self._fields["month"]._description_selection(self.env))
        return labels.get(self.month, self.month)

    @api.model
    def _accountancy_month_commands(self, values, lines=None):
        """x2many commands that give the months the ``values`` ({month number:
        {field: value}}): the month of ``lines`` that exists is updated, a
        missing one created."""
        existing = {line.month: line for line in lines or ()}
        commands = []
        for month, vals in values.items():
            line = existing.get(str(month))
            if line:
                commands.append(Command.update(line.id, vals))
            else:
                commands.append(Command.create(dict(vals, month=str(month))))
        return commands

    def _accountancy_month_totals(self, fnames):
        """{field: sum over the months in ``self``} of the ``fnames``."""
        return {fname: sum(self.mapped(fname)) for fname in fnames}
