from odoo import api, models

from .access_checks import check_caller

TEMPLATE_URL = "/accountancy_crm/static/xls/%s"


class AccountancyImportTemplateMixin(models.AbstractModel):
    """Offers the model's import templates (spreadsheets under static/xls) in
    Odoo's import screen, to the users who may create such records: the
    templates serve to import them."""

    _name = "accountancy.import.template.mixin"
    _description = "Import templates of the module"

    # (label, file name) of each template; labels are lazy translations
    # (LazyTranslate), shown in the user's language.
    _accountancy_import_templates = ()

    @api.model
    def get_import_templates(self):
        # The templates are for those who may import (create) such records;
        # on the mixin itself (no table, no access rows) this refuses everyone.
        check_caller(self, "create", group=None)
        return super().get_import_templates() + [
            {"label": self.env._(label), "template": TEMPLATE_URL % filename}
            for label, filename in self._accountancy_import_templates
        ]
