/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * A second compliance officer approves the client acceptance a colleague
 * prepared (four eyes), opens the client's card and freezes its file with a
 * reason, and sees the snapshot.
 */
registry.category("web_tour.tours").add("accountancy_compliance_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("accountancy_crm.accountancy_menu_root"),
        {
            trigger: 'button[data-menu-xmlid="accountancy_crm.accountancy_compliance_menu_root"]',
            run: "click",
        },
        {
            trigger: 'a[data-menu-xmlid="accountancy_crm.accountancy_client_acceptance_menu_to_approve"]',
            run: "click",
        },
        {
            trigger: '.o_list_view .o_data_row:contains("Tour Compliance Client B.V.") td[name=partner_id]',
            run: "click",
        },
        // Prepared by the colleague, waiting for the second pair of eyes.
        {
            trigger: '.o_form_view .o_field_widget[name=prepared_by_id]:contains("Tour Compliance Preparer")',
        },
        {
            trigger: '.o_form_view .o_field_widget[name=state] button[data-value=to_approve].o_arrow_button_current',
        },
        { trigger: ".o_form_view button[name=action_approve]", run: "click" },
        {
            trigger: '.o_form_view .o_field_widget[name=state] button[data-value=accepted].o_arrow_button_current',
        },
        {
            trigger: '.o_form_view .o_field_widget[name=approved_by_id]:contains("Tour Compliance Approver")',
        },
        // The client's card: freeze its file.
        {
            trigger: ".o_form_view .o_field_widget[name=partner_id] a.o_form_uri",
            run: "click",
        },
        {
            trigger: '.o_breadcrumb .active:contains("Tour Compliance Client B.V.")',
        },
        {
            trigger: ".o_form_view button[name=action_freeze_client_file]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Yearly client acceptance tour",
        },
        { trigger: ".modal button[name=action_freeze]", run: "click" },
        // The snapshot, with its reason and fingerprint.
        { trigger: "body:not(:has(.modal))" },
        {
            trigger: '.o_form_view .o_field_widget[name=reason]:contains("Yearly client acceptance tour")',
        },
        {
            trigger: '.o_form_view .o_field_widget[name=partner_id]:contains("Tour Compliance Client B.V.")',
        },
        {
            trigger: ".o_form_view .o_field_widget[name=data_hash]:contains(/^[0-9a-f]{64}$/)",
        },
        { trigger: ".o_form_view .ribbon:contains(Integrity OK)" },
    ],
});
