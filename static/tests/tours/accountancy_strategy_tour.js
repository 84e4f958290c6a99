/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * A relationship manager opens the strategy of a type B client, records that
 * the client is an ambassador of the firm, saves, and sees the client become
 * type A.
 */
registry.category("web_tour.tours").add("accountancy_strategy_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("accountancy_crm.accountancy_menu_root"),
        {
            trigger: 'button[data-menu-xmlid="accountancy_crm.accountancy_strategy_menu_root"]',
            run: "click",
        },
        {
            trigger: 'a[data-menu-xmlid="accountancy_crm.accountancy_strategy_menu"]',
            run: "click",
        },
        {
            trigger: '.o_list_view .o_data_row td[name=partner_id]:contains("Tour Dream Sleep B.V.")',
            run: "click",
        },
        // Before: 10 points, type B.
        { trigger: '.o_form_view .o_field_widget[name=client_type_id]:contains("B - ")' },
        {
            trigger: '.o_field_widget[name=line_ids] .o_data_row:contains("Ambassador") td[name=value]',
            run: "click",
        },
        {
            trigger: '.o_field_widget[name=line_ids] .o_selected_row .o_field_widget[name=value] input',
            run: "edit 1",
        },
        ...stepUtils.saveForm(),
        // After: the ambassador line gives 2 points more, type A.
        { trigger: '.o_form_view .o_field_widget[name=points]:contains("12")' },
        { trigger: '.o_form_view .o_field_widget[name=client_type_id]:contains("A - ")' },
    ],
});
