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
        templates = super().get_import_templates()
        if not self._accountancy_import_templates:
            return templates
        check_caller(self, "create", group=None)
        return templates + [
            {"label": self.env._(label), "template": TEMPLATE_URL % filename}
            for label, filename in self._accountancy_import_templates
        ]
