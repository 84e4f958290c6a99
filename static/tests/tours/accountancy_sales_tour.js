/** @odoo-module */

import { waitUntil } from "@odoo/hoot-dom";
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * A sales manager makes a quotation from an opportunity with the firm's
 * quotation template, whose service lines get their pre-calculation; its
 * amount needs approval, which he requests and (as manager) gives, then he
 * sends the quotation by e-mail. The customer's part follows in
 * accountancy_sales_portal_tour.
 */
registry.category("web_tour.tours").add("accountancy_sales_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root"),
        {
            trigger: '.o_kanban_record:contains("Tour Quote Opportunity")',
            run: "click",
        },
        {
            trigger: '.o_form_view .o_breadcrumb .active:contains("Tour Quote Opportunity")',
        },
        {
            trigger: ".o_form_view button[name=action_sale_quotations_new]",
            run: "click",
        },
        // A new quotation for the opportunity's client.
        {
            trigger: '.o_form_view .o_field_widget[name=partner_id] input:value("Tour Quote Client B.V.")',
        },
        // The firm's quotation template: its service lines, priced from the
        // pre-calculation (hour norms times the roles' hourly rates).
        {
            trigger: ".o_form_view .o_field_widget[name=sale_order_template_id] input",
            run: "edit Accountancy services",
        },
        {
            trigger: '.o-autocomplete--dropdown-item a:contains("Accountancy services")',
            run: "click",
        },
        {
            trigger: '.o_field_widget[name=order_line] .o_data_row:contains("Annual accounts (compilation)")',
        },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved" },
        {
            trigger: '.o_form_view .o_notebook .nav-link[name=accountancy_precalculation]',
            run: "click",
        },
        {
            trigger: '.o_field_widget[name=precalculation_line_ids] .o_data_row:contains("Annual accounts (compilation)")',
        },
        // Above the approval amount: it needs a manager's approval.
        {
            trigger: '.o_form_view div[name=accountancy_approval_alert]:contains("needs approval by a manager")',
        },
        {
            trigger: ".o_form_view button[name=action_accountancy_request_approval]",
            run: "click",
        },
        {
            trigger: '.o_form_view .o_field_widget[name=accountancy_approval_state]:contains("To approve")',
        },
        {
            trigger: ".o_form_view button[name=action_accountancy_approve]",
            run: "click",
        },
        {
            trigger: '.o_form_view .o_field_widget[name=accountancy_approval_state]:contains("Approved")',
        },
        {
            trigger: ".o_form_view:not(:has(div[name=accountancy_approval_alert]:visible))",
        },
        // Approved: it can be sent.
        {
            trigger: '.o_form_view button[name=action_quotation_send]:contains("Send")',
            run: "click",
        },
        {
            trigger: ".modal .o_mail_send",
            run: "click",
        },
        { trigger: "body:not(:has(.modal))" },
        {
            trigger: ".o_form_view .o_statusbar_status button[data-value=sent].o_arrow_button_current",
        },
    ],
});

/**
 * The customer accepts and signs the approved quotation in the portal.
 */
registry.category("web_tour.tours").add("accountancy_sales_portal_tour", {
    steps: () => [
        {
            trigger: '#quote_content:contains("Annual accounts (compilation)")',
        },
        {
            trigger: 'a[data-bs-target="#modalaccept"]:contains("Accept & Sign")',
            run: "click",
        },
        {
            trigger: ".modal .o_web_sign_name_and_signature input:value(/Tour Quote/)",
        },
        {
            // The signature is drawn from the name: wait until it is.
            trigger: ".modal canvas.o_web_sign_signature",
            async run(helpers) {
                await waitUntil(() => {
                    const canvas = helpers.anchor;
                    const context = canvas.getContext("2d");
                    const data = context.getImageData(0, 0, canvas.width, canvas.height);
                    return new Uint32Array(data.data.buffer).some((pixel) => pixel !== 0);
                });
            },
        },
        {
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: '#quote_content .alert-success:contains("Thank You")',
        },
    ],
});

/**
 * Back in the office, the sales manager sees the results: the campaign of the
 * won opportunity with its return, and his target against what he realised.
 */
registry.category("web_tour.tours").add("accountancy_sales_results_tour", {
    steps: () => [
        {
            trigger: '.o_form_view .o_field_widget[name=title] input:value("Tour Campaign")',
        },
        {
            trigger: ".o_form_view .o_notebook .nav-link[name=accountancy_campaign]",
            run: "click",
        },
        {
            trigger: '.o_form_view .o_field_widget[name=accountancy_won_count]:contains("1")',
        },
        // (15,000 won - 1,000 cost) / 1,000 cost
        {
            trigger: '.o_form_view .o_field_widget[name=accountancy_roi]:contains("1400%")',
        },
        {
            trigger: 'button[data-menu-xmlid="crm.crm_menu_report"]',
            run: "click",
        },
        {
            trigger: 'a[data-menu-xmlid="accountancy_crm.accountancy_sales_report_menu_crm_salesperson"]',
            run: "click",
        },
        {
            trigger: '.o_pivot tr:has(th:contains("Tour Quote Manager")) td:contains("100,000.00")',
        },
        {
            trigger: '.o_pivot tr:has(th:contains("Tour Quote Manager")) td:contains("15,000.00")',
        },
    ],
});
