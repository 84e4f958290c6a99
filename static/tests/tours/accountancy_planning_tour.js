/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * A planning manager plans next year's relationship manager of a client in the
 * team planning, rolls this year's planning over to next year, and looks at
 * the capacity of the employees.
 */
registry.category("web_tour.tours").add("accountancy_planning_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("accountancy_crm.accountancy_menu_root"),
        {
            trigger: 'button[data-menu-xmlid="accountancy_crm.accountancy_planning_menu_root"]',
            run: "click",
        },
        {
            trigger: 'a[data-menu-xmlid="accountancy_crm.res_partner_team_planning_menu"]',
            run: "click",
        },
        // Only the tour's client.
        { trigger: ".o_searchview_facet:contains(Plan next year)" },
        {
            trigger: ".o_searchview_input",
            run: "edit Tour Planning Client && press Enter",
        },
        { trigger: ".o_searchview_facet:contains(Tour Planning Client)" },
        // This year's team is shown next to next year's empty RLM cell.
        {
            trigger: '.o_list_view .o_data_row:contains("Tour Planning Client B.V.") td[name=team_rlm_prev_id]:contains("Karel Tourcopy")',
        },
        {
            trigger: '.o_list_view .o_data_row:contains("Tour Planning Client B.V.") td[name=team_rlm_id]',
            run: "click",
        },
        {
            trigger: ".o_list_view .o_selected_row .o_field_widget[name=team_rlm_id] input",
            run: "edit Petra Tourplanner",
        },
        {
            trigger: '.o-autocomplete--dropdown-item a:contains("Petra Tourplanner")',
            run: "click",
        },
        {
            trigger: '.o_list_view .o_selected_row .o_field_widget[name=team_rlm_id] input:value("Petra Tourplanner")',
        },
        { trigger: ".o_list_button_save", run: "click" },
        {
            trigger: '.o_list_view:not(:has(.o_selected_row)) .o_data_row:contains("Tour Planning Client B.V.") td[name=team_rlm_id]:contains("Petra Tourplanner")',
        },
        // Roll this year's planning over to next year.
        {
            trigger: 'button[data-menu-xmlid="accountancy_crm.accountancy_planning_menu_root"]',
            run: "click",
        },
        {
            trigger: 'a[data-menu-xmlid="accountancy_crm.accountancy_planning_rollover_wizard_menu"]',
            run: "click",
        },
        // This year's client has a service plan to copy.
        { trigger: ".modal .o_field_widget[name=service_plan_count]:contains(/^[1-9]/)" },
        { trigger: ".modal button[name=action_confirm]", run: "click" },
        { trigger: ".o_notification:contains(Planning rolled over)" },
        { trigger: "body:not(:has(.modal))" },
        // The capacity per employee and month.
        {
            trigger: 'button[data-menu-xmlid="accountancy_crm.accountancy_planning_menu_root"]',
            run: "click",
        },
        {
            trigger: 'a[data-menu-xmlid="accountancy_crm.accountancy_capacity_report_menu"]',
            run: "click",
        },
        {
            trigger: '.o_pivot tbody tr:has(th:contains("Petra Tourplanner")) td.o_pivot_cell_value .o_value',
        },
    ],
});
