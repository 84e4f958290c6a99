/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * A manager opens the beconregeling monitor, then the returns, and marks the
 * tour client's income tax return filed.
 */
registry.category("web_tour.tours").add("accountancy_fiscal_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("accountancy_crm.accountancy_menu_root"),
        {
            trigger: 'button[data-menu-xmlid="accountancy_crm.accountancy_planning_menu_root"]',
            run: "click",
        },
        {
            trigger: 'a[data-menu-xmlid="accountancy_crm.accountancy_fiscal_monitor_menu"]',
            run: "click",
        },
        // Grouped per tax year, then tax and month end.
        { trigger: ".o_list_view .o_group_header:first", run: "click" },
        { trigger: ".o_list_view .o_group_header:contains(Income tax)" },
        {
            trigger: 'button[data-menu-xmlid="accountancy_crm.accountancy_planning_menu_root"]',
            run: "click",
        },
        {
            trigger: 'a[data-menu-xmlid="accountancy_crm.accountancy_fiscal_returns_menu"]',
            run: "click",
        },
        // The returns' own search box, not the monitor's still on screen.
        {
            trigger: '.o_control_panel:contains("Returns and filings") .o_searchview_input',
            run: "edit Tour Fiscal Person && press Enter",
        },
        { trigger: ".o_searchview_facet:contains(Tour Fiscal Person)" },
        {
            trigger: '.o_list_view .o_data_row:contains("Income tax return") button[name=action_accountancy_mark_filed]',
            run: "click",
        },
        // Filed: gone from the returns not filed.
        {
            trigger: '.o_list_view:not(:has(.o_data_row:contains("Income tax return")))',
        },
    ],
});
