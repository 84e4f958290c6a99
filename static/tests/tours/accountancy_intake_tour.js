/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * A salesperson enters a new relation from the KvK register: searches it by
 * name, picks the main branch (already a relation: the wizard warns), goes
 * back, picks the other branch, adds the contact person and the opportunity,
 * and lands on the new relation.
 */
registry.category("web_tour.tours").add("accountancy_intake_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("accountancy_crm.accountancy_menu_root"),
        {
            trigger: 'button[data-menu-xmlid="accountancy_crm.accountancy_relations_menu_root"]',
            run: "click",
        },
        {
            trigger: 'a[data-menu-xmlid="accountancy_crm.accountancy_intake_wizard_menu"]',
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=search_name] input",
            run: "edit korenschoof",
        },
        { trigger: ".modal button[name=action_search]", run: "click" },
        // The main branch is known already: picking it shows the warning.
        {
            trigger: '.modal .o_field_widget[name=result_ids] .o_data_row:contains("000037178598") button[name=action_select]',
            run: "click",
        },
        {
            trigger: '.modal div[name=duplicate_warning] .o_data_row:contains("Bakkerij De Korenschoof (tour)")',
        },
        { trigger: ".modal button[name=action_open_duplicate]" },
        { trigger: ".modal button[name=action_back]", run: "click" },
        // The market branch is new.
        {
            trigger: '.modal .o_field_widget[name=result_ids] .o_data_row:contains("000037178601") button[name=action_select]',
            run: "click",
        },
        {
            trigger: '.modal .o_field_widget[name=kvk_branch_number] input:value("000037178601")',
        },
        {
            trigger: ".modal .o_field_widget[name=contact_name] input",
            run: "edit Tina Tour",
        },
        {
            trigger: ".modal .o_field_widget[name=contact_email] input",
            run: "edit tina@korenschoof.example.com",
        },
        {
            trigger: ".modal .o_field_widget[name=opportunity_name] input",
            run: "edit Payroll for the market stall",
        },
        {
            trigger: ".modal .o_field_widget[name=expected_revenue] input",
            run: "edit 1200",
        },
        { trigger: ".modal .modal-footer button[name=action_create]", run: "click" },
        // The new relation's card.
        {
            trigger: '.o_breadcrumb .active:contains("Bakkerij De Korenschoof")',
        },
        { trigger: "body:not(:has(.modal))" },
        { trigger: ".o_form_view a[name=accountancy_numbers]", run: "click" },
        {
            trigger: '.o_form_view .o_field_widget[name=company_registry] input:value("69599084")',
        },
        {
            trigger: '.o_form_view .o_field_widget[name=kvk_branch_number] input:value("000037178601")',
        },
    ],
});
