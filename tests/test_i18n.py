from pathlib import Path

import polib
from lxml import etree

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


@tagged("post_install", "-at_install")
class TestDutchViews(TransactionCase):
    """The module's screens in Dutch, with the Dutch translations of all
    installed modules loaded as a Dutch firm has them: every view of the module
    and every field it defines shows no English text of the module, and every
    view of its actions renders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("nl_NL")
        installed = cls.env["ir.module.module"].search([("state", "=", "installed")])
        installed._update_translations(["nl_NL"], overwrite=True)
        # The English terms of the module whose Dutch is another text.
        cls.english = {
            entry.msgid
            for entry in polib.pofile(str(I18N / "nl.po"))
            if entry.msgstr and entry.msgstr != entry.msgid and not entry.obsolete
        }
        cls.dutch = cls.env(context={"lang": "nl_NL"})

    def _records(self, model):
        data = self.env["ir.model.data"].search(
            [("module", "=", "accountancy_crm"), ("model", "=", model)]
        )
        return self.dutch[model].browse(data.mapped("res_id"))

    def test_module_views_show_no_english_text(self):
        views = self._records("ir.ui.view")
        self.assertGreater(len(views), 100)
        for view in views:
            arch = etree.fromstring(view.arch_db)
            texts = {
                text.strip()
                for text in arch.xpath(
                    "//@string | //@help | //@placeholder | //@confirm | //@title"
                    " | //@sum | //text()"
                )
            }
            with self.subTest(view=view.xml_id or view.name):
                self.assertFalse(texts & self.english)

    def test_module_fields_show_no_english_text(self):
        checked = 0
        for model in self.env.registry.values():
            fnames = [
                name
                for name, field in model._fields.items()
                if field._module == "accountancy_crm"
            ]
            if not fnames or model._abstract and not model._name.startswith("report."):
                continue
            description = self.dutch[model._name].fields_get(
                fnames, ["string", "help", "selection"]
            )
            for fname, info in description.items():
                texts = {info.get("string"), info.get("help")}
                texts.update(label for _key, label in info.get("selection") or [])
                with self.subTest(field=f"{model._name}.{fname}"):
                    self.assertFalse(texts & self.english)
                checked += 1
        self.assertGreater(checked, 500)

    def test_action_views_render_in_dutch(self):
        actions = self._records("ir.actions.act_window")
        rendered = set()
        for action in actions:
            with self.subTest(action=action.xml_id):
                self.assertNotIn(action.name, self.english)
                result = self.dutch[action.res_model].get_views(
                    [(False, view_type) for view_type in action.view_mode.split(",")],
                    {"toolbar": True},
                )
                rendered.update((action.res_model, vt) for vt in result["views"])
        self.assertTrue(
            {"form", "list", "pivot", "graph", "kanban"} <= {vt for _m, vt in rendered}
        )

    def test_relation_card_in_dutch(self):
        result = self.dutch["res.partner"].get_views([(False, "form")])
        arch = result["views"]["form"]["arch"]
        fields_info = result["models"]["res.partner"]["fields"]
        self.assertEqual(fields_info["legal_form"]["string"], "Rechtsvorm")
        self.assertEqual(fields_info["client_group_id"]["string"], "Klantgroep")
        self.assertIn("Holding", arch)
