from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

I18N = Path(__file__).resolve().parent.parent / "i18n"


@tagged("post_install", "-at_install")
class TestDutchTranslation(TransactionCase):
    """The firms work in Dutch: every term the module exports has its Dutch
    translation, and the template is current."""

    def _module_terms(self):
        # A source file Babel cannot parse (e.g. an f-string argument of _())
        # is skipped with an error log, and its terms would go missing silently.
        with self.assertNoLogs("odoo.tools.translate", level="ERROR"):
            reader = TranslationModuleReader(self.env.cr, modules=["accountancy_crm"])
        return {
            source
            for module, *_rest, source, _value, _comments in reader
            if module == "accountancy_crm"
        }

    def test_every_term_translated_in_nl_po(self):
        catalog = polib.pofile(str(I18N / "nl.po"))
        translated = {
            entry.msgid
            for entry in catalog
            if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags
        }
        missing = sorted(self._module_terms() - translated)
        self.assertEqual(
            len(missing),
            0,
            f"{len(missing)} terms lack a Dutch translation in i18n/nl.po "
            f"(run `make i18n` and translate them), e.g. {missing[:10]}",
        )

    def test_pot_template_is_current(self):
        template = {e.msgid for e in polib.pofile(str(I18N / "accountancy_crm.pot"))}
        missing = sorted(self._module_terms() - template)
        self.assertEqual(
            len(missing),
            0,
            f"i18n/accountancy_crm.pot is stale, run `make i18n`: {missing[:10]}",
        )
