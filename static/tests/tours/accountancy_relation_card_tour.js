/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * An accountant enters a person with a fiscal partner, then a holding with its
 * KvK number, records the person as its shareholder, and reads the holding tree.
 */
// Odoo's save steps, with more time for the save itself: a new relation runs
// every check of the module, and once in a full CI run the save of the holding
// took longer than a tour step's 10 seconds.
const saveForm = () =>
    stepUtils.saveForm().map((step) =>
        step.trigger === ".o_form_readonly, .o_form_saved" ? { ...step, timeout: 30000 } : step
    );

registry.category("web_tour.tours").add("accountancy_relation_card_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("accountancy_crm.accountancy_menu_root"),
        {
            trigger: 'button[data-menu-xmlid="accountancy_crm.accountancy_relations_menu_root"]',
            run: "click",
        },
        {
            trigger: 'a[data-menu-xmlid="accountancy_crm.res_partner_menu_relations"]',
            run: "click",
        },
        // The entrepreneur and his fiscal partner.
        { trigger: ".o-kanban-button-new, .o_list_button_add", run: "click" },
        {
            trigger: '.o_field_widget[name=company_type] input[data-value="person"]',
            run: "click",
        },
        { trigger: ".o_field_widget[name=name] input", run: "edit Jan Tourman" },
        { trigger: ".o_field_widget[name=fiscal_partner_id] input", run: "edit Mies Tourman" },
        {
            trigger: '.o_field_widget[name=fiscal_partner_id] .o-autocomplete--dropdown-item a:contains("Create")',
            run: "click",
        },
        {
            trigger: '.o_field_widget[name=fiscal_partner_id] input:value("Mies Tourman")',
        },
        ...saveForm(),
        // The holding, with its KvK number typed the way people do.
        { trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb a:first", run: "click" },
        // Wait for the relations view to be back before asking a new record.
        { trigger: ".o_kanban_view .o_kanban_record:not(.o_kanban_ghost), .o_list_view .o_data_row" },
        { trigger: ".o-kanban-button-new, .o_list_button_add", run: "click" },
        { trigger: ".o_form_view .o_field_widget[name=company_type]" },
        {
            trigger: '.o_field_widget[name=company_type] input[data-value="company"]',
            run: "click",
        },
        // The name only once the onchanges of the type and the legal form are
        // back: an answer that arrives after the typing may empty the name.
        { trigger: ".o_field_widget[name=legal_form] select", run: 'select "bv"' },
        { trigger: '.o_field_widget[name=tax_regime]:contains("VPB")' },
        { trigger: ".o_field_widget[name=name] input", run: "edit Tourman Holding B.V." },
        { trigger: "a[name=accountancy_numbers]", run: "click" },
        { trigger: ".o_field_widget[name=company_registry] input", run: "edit 9900 1122" },
        { trigger: '.o_field_widget[name=name] input:value("Tourman Holding B.V.")' },
        ...saveForm(),
        // The shareholder and his percentage.
        { trigger: "a[name=accountancy_holding]", run: "click" },
        {
            trigger: "div[name=shareholder_relation_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: "div[name=shareholder_relation_ids] .o_data_row .o_field_widget[name=left_partner_id] input",
            run: "edit Jan Tourman",
        },
        {
            trigger: '.o-autocomplete--dropdown-item a:contains("Jan Tourman")',
            run: "click",
        },
        {
            trigger: "div[name=shareholder_relation_ids] .o_data_row .o_field_widget[name=share_percentage] input",
            run: "edit 100",
        },
        ...saveForm(),
        // The holding tree shows the shareholder above the holding, with the %.
        {
            trigger: '.o_accountancy_holding_tree_container li:contains("Jan Tourman") li:contains("Tourman Holding B.V."):contains("100 %")',
        },
        {
            trigger: ".o_accountancy_holding_tree_container strong:contains(Tourman Holding B.V.)",
        },
    ],
});
