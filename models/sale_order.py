from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import formatLang

from . import protected_fields
from .parameters import Param, flag, get_param
from .window_actions import dialog_action

APPROVAL_AMOUNT = Param("accountancy_crm.quote_approval_amount", 0.0, float)
APPROVAL_NEW_CLIENT = Param("accountancy_crm.quote_approval_new_client", False, flag)
APPROVAL_NO_SELF = Param("accountancy_crm.quote_approval_no_self", False, flag)
APPROVAL_ACTIVITY = "accountancy_crm.mail_activity_type_quote_approval"
APPROVAL_STATES = [
    ("draft", "Not requested"),
    ("to_approve", "To approve"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
]
# Set by the approval actions only, as superuser after their checks (see
# protected_fields): {field: value allowed on create}.
APPROVAL_FIELDS = {
    "accountancy_approval_state": ("draft",),
    "accountancy_approver_id": (),
    "accountancy_approval_requested_by_id": (),
    "accountancy_approved_by_id": (),
    "accountancy_approved_amount": (),
    "accountancy_rejection_reason": (),
}
# Quotations of an opportunity that keep it open when another one is cancelled.
OPEN_ORDER_STATES = ("draft", "sent", "sale")


class SaleOrder(models.Model):
    _inherit = "sale.order"

    accountancy_approval_state = fields.Selection(
        APPROVAL_STATES,
        string="Approval",
        compute="_compute_accountancy_approval_state",
        store=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        help="Approval of the quotation by a manager, when the settings ask for "
        "it (Settings > Accountancy > Quotations). An approved quotation whose "
        "total rises above the approved amount needs approval again.",
    )
    accountancy_approval_reason = fields.Char(
        string="Approval needed because",
        compute="_compute_accountancy_approval_reason",
        help="Why the settings ask for approval of this quotation; empty when "
        "they do not.",
    )
    accountancy_approval_required = fields.Boolean(
        string="Approval Required",
        compute="_compute_accountancy_approval_reason",
        help="The quotation can be neither sent nor confirmed before a manager "
        "approves it.",
    )
    accountancy_approver_id = fields.Many2one(
        "res.users",
        string="Approver",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Manager asked to approve the quotation.",
    )
    accountancy_approval_requested_by_id = fields.Many2one(
        "res.users", string="Approval Requested By", copy=False, readonly=True
    )
    accountancy_approved_by_id = fields.Many2one(
        "res.users", string="Approved By", copy=False, readonly=True
    )
    accountancy_approved_amount = fields.Monetary(
        string="Approved Amount",
        copy=False,
        readonly=True,
        help="Total of the quotation when it was approved; above it the quotation "
        "needs approval again.",
    )
    accountancy_rejection_reason = fields.Text(
        string="Rejection Reason", copy=False, readonly=True
    )

    # The quote's pre-calculation tab (see sale.order.line).
    precalculation_line_ids = fields.One2many(
        "accountancy.precalculation.line", "order_id", string="Pre-calculation"
    )
    accountancy_precalculated_hours = fields.Float(
        string="Pre-calculated hours",
        compute="_compute_accountancy_precalculation_totals",
        digits=(16, 2),
    )
    accountancy_precalculated_amount = fields.Monetary(
        string="Pre-calculated amount",
        compute="_compute_accountancy_precalculation_totals",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("amount_total", "accountancy_approved_amount")
    def _compute_accountancy_approval_state(self):
        for order in self:
            state = order.accountancy_approval_state or "draft"
            if (
                state == "approved"
                and order.currency_id.compare_amounts(
                    order.amount_total, order.accountancy_approved_amount
                )
                > 0
            ):
                state = "draft"
            order.accountancy_approval_state = state

    @api.depends(
        "state",
        "amount_total",
        "currency_rate",
        "partner_id",
        "accountancy_approval_state",
    )
    def _compute_accountancy_approval_reason(self):
        reasons = self._accountancy_get_approval_reasons()
        for order in self:
            reason = reasons.get(order, "")
            order.accountancy_approval_reason = reason
            order.accountancy_approval_required = bool(
                reason and order.accountancy_approval_state != "approved"
            )

    @api.depends("precalculation_line_ids.hours", "precalculation_line_ids.amount")
    def _compute_accountancy_precalculation_totals(self):
        for order in self:
            lines = order.precalculation_line_ids
            order.accountancy_precalculated_hours = sum(lines.mapped("hours"))
            order.accountancy_precalculated_amount = sum(lines.mapped("amount"))

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        protected_fields.check_create(self, vals_list, APPROVAL_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        protected_fields.check_write(self, vals, APPROVAL_FIELDS)
        # An approval is given for a client: another client needs another.
        moved = self.browse()
        if "partner_id" in vals:
            moved = self.filtered(
                lambda order: (
                    order.accountancy_approval_state == "approved"
                    and order.partner_id.id != vals["partner_id"]
                )
            )
        res = super().write(vals)
        if moved:
            # sudo: approval fields (see APPROVAL_FIELDS), reset by the rule.
            moved.sudo().write(
                {
                    "accountancy_approval_state": "draft",
                    "accountancy_approved_amount": 0,
                }
            )
        return res

    @api.returns("mail.message", lambda value: value.id)
    def message_post(self, **kwargs):
        # The mail composer marks the quotation as sent when it posts the
        # quotation e-mail: also that way an unapproved quotation is not sent.
        if self.env.context.get("mark_so_as_sent"):
            self._accountancy_check_approval()
        return super().message_post(**kwargs)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_quotation_send(self):
        self._accountancy_check_approval()
        return super().action_quotation_send()

    def action_quotation_sent(self):
        self._accountancy_check_approval()
        return super().action_quotation_sent()

    def action_confirm(self):
        self._accountancy_check_approval()
        # Wwft: the settings may forbid confirming a quotation for a client
        # without a valid client acceptance.
        for company, orders in self.grouped("company_id").items():
            orders.partner_id.with_company(company)._accountancy_check_acceptance(
                "quote_confirm"
            )
        res = super().action_confirm()
        self._accountancy_win_opportunities()
        return res

    def _action_cancel(self):
        res = super()._action_cancel()
        # Nothing left to approve: the approver's to-do goes.
        self.activity_unlink([APPROVAL_ACTIVITY])
        self._accountancy_lose_opportunities()
        return res

    def action_accountancy_request_approval(self):
        """Ask a manager to approve the quotations: a to-do for the approver."""
        self.check_access("write")
        for order in self:
            if order.state not in ("draft", "sent"):
                raise UserError(
                    self.env._(
                        "%(order)s is not a quotation any more: only quotations "
                        "can be submitted for approval.",
                        order=order.name,
                    )
                )
            if order.accountancy_approval_state == "to_approve":
                raise UserError(
                    self.env._(
                        "Quotation %(order)s is already waiting for approval by "
                        "%(approver)s.",
                        order=order.name,
                        approver=order.accountancy_approver_id.name,
                    )
                )
            if not order.accountancy_approval_required:
                raise UserError(
                    self.env._(
                        "Quotation %(order)s does not need approval: you can send "
                        "or confirm it.",
                        order=order.name,
                    )
                )
        by_approver = defaultdict(lambda: self.browse())
        for order in self:
            approver = order._accountancy_pick_approver()
            by_approver[approver] |= order
            order.activity_schedule(
                APPROVAL_ACTIVITY,
                user_id=approver.id,
                note=self.env._(
                    "Quotation of %(amount)s for %(partner)s, submitted by %(user)s "
                    "(%(reason)s): approve or reject it.",
                    amount=formatLang(
                        self.env, order.amount_total, currency_obj=order.currency_id
                    ),
                    partner=order.partner_id.display_name,
                    user=self.env.user.name,
                    reason=order.accountancy_approval_reason,
                ),
            )
        # sudo: approval fields (see APPROVAL_FIELDS); who may change the
        # quotations (checked above) may ask for their approval.
        for approver, orders in by_approver.items():
            orders.sudo().write(
                {
                    "accountancy_approval_state": "to_approve",
                    "accountancy_approver_id": approver.id,
                    "accountancy_approval_requested_by_id": self.env.uid,
                    "accountancy_rejection_reason": False,
                }
            )
        return True

    def action_accountancy_approve(self):
        """Approve the quotations (managers), up to their current total."""
        self._accountancy_check_approver(approve=True)
        # sudo: the approval is the manager's right (checked above), also for a
        # manager who may only read quotations; only the approval is written.
        orders = self.sudo()
        for order in orders:
            amount = formatLang(
                self.env, order.amount_total, currency_obj=order.currency_id
            )
            order.message_post(
                body=self.env._(
                    "Quotation approved by %(user)s for %(amount)s.",
                    user=self.env.user.name,
                    amount=amount,
                ),
                subtype_xmlid="mail.mt_note",
            )
            order.accountancy_approved_amount = order.amount_total
        orders.activity_feedback(
            [APPROVAL_ACTIVITY],
            feedback=self.env._("Approved by %(user)s", user=self.env.user.name),
        )
        orders.write(
            {
                "accountancy_approval_state": "approved",
                "accountancy_approved_by_id": self.env.uid,
                "accountancy_rejection_reason": False,
            }
        )
        return True

    def action_accountancy_reject(self):
        """Ask the reason, then reject (see the quotation reject wizard)."""
        self._accountancy_check_approver()
        return dialog_action(
            self.env._("Reject quotation"),
            "accountancy.quote.reject.wizard",
            {"default_order_ids": self.ids},
        )

    # ------------------------------------------------------------
    # PORTAL
    # ------------------------------------------------------------

    def _has_to_be_signed(self):
        # Portal: no "Accept & Sign" for a quotation that could not be confirmed
        # (waiting for approval, or the client's Wwft acceptance blocks it).
        return super()._has_to_be_signed() and not self._accountancy_confirm_refusal()

    def _has_to_be_paid(self):
        # Paying online confirms the quotation too.
        return super()._has_to_be_paid() and not self._accountancy_confirm_refusal()

    def _accountancy_confirm_refusal(self):
        """Why the module's rules refuse to confirm this quotation (approval,
        Wwft acceptance), as the staff's message; "" when they do not."""
        self.ensure_one()
        if self.accountancy_approval_required:
            return self.env._(
                "it needs approval by a manager (%(reason)s).",
                reason=self.accountancy_approval_reason,
            )
        try:
            self.partner_id.with_company(self.company_id)._accountancy_check_acceptance(
                "quote_confirm"
            )
        except UserError as error:
            return str(error)
        return ""

    def _accountancy_portal_refusal(self, reason):
        """The customer could not accept this quotation in the portal because
        of ``reason`` (the staff's message): a to-do for its salesperson (or a
        compliance officer), and the plain message for the customer, which
        names nobody."""
        self.ensure_one()
        summary = self.env._("Customer could not accept the quotation online")
        user = (
            self.user_id
            or self.team_id.user_id
            or self.env["accountancy.client.acceptance"]._compliance_officers()[:1]
            or self.env.ref("base.user_admin")
        )
        already = self.activity_ids.filtered(
            lambda activity: activity.summary == summary and activity.user_id == user
        )
        if not already:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=self.env._(
                    "%(customer)s tried to accept %(order)s in the portal, which "
                    "was refused: %(reason)s Resolve this and contact the "
                    "customer.",
                    customer=self.partner_id.display_name,
                    order=self.name,
                    reason=reason,
                ),
                user_id=user.id,
            )
        return self.env._(
            "This quotation cannot be accepted online yet. We have informed our "
            "team, who will contact you shortly."
        )

    # ------------------------------------------------------------
    # APPROVAL RULES
    # ------------------------------------------------------------

    def _accountancy_reject(self, reason):
        """Reject the approval of the quotations with the reason why."""
        self._accountancy_check_approver()
        # sudo: see action_accountancy_approve.
        orders = self.sudo()
        body = Markup("<p>%s</p><p>%s</p>") % (
            self.env._("Quotation rejected by %(user)s.", user=self.env.user.name),
            reason,
        )
        for order in orders:
            order.message_post(
                body=body,
                subtype_xmlid="mail.mt_note",
                partner_ids=(
                    order.accountancy_approval_requested_by_id | order.user_id
                ).partner_id.ids,
            )
        orders.activity_feedback([APPROVAL_ACTIVITY], feedback=reason)
        orders.write(
            {
                "accountancy_approval_state": "rejected",
                "accountancy_rejection_reason": reason,
                "accountancy_approved_amount": 0,
            }
        )
        return True

    @api.model
    def _accountancy_approval_settings(self):
        """(threshold, new clients need approval, no self-approval)."""
        return (
            get_param(self.env, APPROVAL_AMOUNT),
            get_param(self.env, APPROVAL_NEW_CLIENT),
            get_param(self.env, APPROVAL_NO_SELF),
        )

    def _accountancy_get_approval_reasons(self):
        """{order: why it needs approval} for the quotations in draft or sent
        that the settings submit to approval, approved or not."""
        threshold, new_client_rule, _no_self = self._accountancy_approval_settings()
        quotes = self.filtered(lambda order: order.state in ("draft", "sent"))
        if not quotes or (threshold <= 0 and not new_client_rule):
            return {}
        new_clients = (
            quotes._accountancy_new_clients()
            if new_client_rule
            else self.env["res.partner"]
        )
        reasons = {}
        for order in quotes:
            why = []
            company_currency = order.company_id.currency_id
            if threshold > 0:
                amount = order.amount_total / (order.currency_rate or 1.0)
                if company_currency.compare_amounts(amount, threshold) > 0:
                    why.append(
                        self.env._(
                            "total above %(threshold)s",
                            threshold=formatLang(
                                self.env, threshold, currency_obj=company_currency
                            ),
                        )
                    )
            if order.partner_id.commercial_partner_id in new_clients:
                why.append(self.env._("new client"))
            if why:
                reasons[order] = ", ".join(why)
        return reasons

    def _accountancy_new_clients(self):
        """The commercial partners of these orders that are new clients: a
        prospect, or a relation that is neither (former) client on its card nor
        has bought before (a confirmed order or a posted invoice)."""
        partners = self.partner_id.commercial_partner_id
        prospects = partners.filtered(lambda p: p.relation_kind == "prospect")
        unknown = partners.filtered(
            lambda p: p.relation_kind not in ("prospect", "client", "former_client")
        )
        if not unknown:
            return prospects
        # sudo: whether a relation bought before does not depend on which orders
        # and invoices this user may read; only that yes/no is used.
        ordered = (
            self.env["sale.order"]
            .sudo()
            ._read_group(
                [
                    ("partner_id.commercial_partner_id", "in", unknown.ids),
                    ("state", "=", "sale"),
                ],
                ["partner_id"],
            )
        )
        invoiced = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("commercial_partner_id", "in", unknown.ids),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("state", "=", "posted"),
                ],
                ["commercial_partner_id"],
            )
        )
        bought = (
            self.env["res.partner"].browse({partner.id for [partner] in invoiced})
            | self.env["res.partner"]
            .browse([partner.id for [partner] in ordered])
            .commercial_partner_id
        )
        return prospects | (unknown - bought)

    def _accountancy_check_approval(self):
        """Raise a UserError when one of these quotations needs an approval it
        does not have (checked before sending and confirming)."""
        blocked = self.filtered("accountancy_approval_required")
        if not blocked:
            return
        order = blocked[0]
        managers = ", ".join(order._accountancy_get_approvers().mapped("name")) or (
            self.env._("none yet: ask your administrator")
        )
        if len(blocked) > 1:
            raise UserError(
                self.env._(
                    "These quotations need approval by a manager (%(managers)s) "
                    "before they can be sent or confirmed: %(orders)s. Click "
                    "'Request approval' on each of them.",
                    managers=managers,
                    orders=", ".join(blocked.mapped("name")),
                )
            )
        params = {
            "amount": formatLang(
                self.env, order.amount_total, currency_obj=order.currency_id
            ),
            "reason": order.accountancy_approval_reason,
            "managers": managers,
        }
        if order.accountancy_approval_state == "to_approve":
            message = self.env._(
                "This quotation of %(amount)s (%(reason)s) is waiting for approval "
                "by a manager (%(managers)s); it can be sent or confirmed once it "
                "is approved.",
                **params,
            )
        elif order.accountancy_approval_state == "rejected":
            message = self.env._(
                "This quotation of %(amount)s (%(reason)s) was rejected: "
                "%(rejection)s. Change it and click 'Request approval' again; a "
                "manager (%(managers)s) must approve it before it can be sent or "
                "confirmed.",
                **params,
                rejection=order.accountancy_rejection_reason or "",
            )
        else:
            message = self.env._(
                "This quotation of %(amount)s (%(reason)s) needs approval by a "
                "manager (%(managers)s) before it can be sent or confirmed. Click "
                "'Request approval'.",
                **params,
            )
        raise UserError(message)

    def _accountancy_get_approvers(self, requester=None):
        """Managers of the order's company who may approve this quotation: not
        its salesperson nor who asked, when the settings forbid approving one's
        own quotations."""
        self.ensure_one()
        managers = self.env["res.users"].search(
            [
                ("groups_id", "in", self.env.ref("accountancy_crm.group_manager").id),
                ("share", "=", False),
                ("company_ids", "in", self.company_id.id),
            ],
            order="name, id",
        )
        if self._accountancy_approval_settings()[2]:
            managers -= (
                self.user_id
                | self.accountancy_approval_requested_by_id
                | (requester or self.env["res.users"])
            )
        return managers

    def _accountancy_pick_approver(self):
        """The team leader when he may approve, else the first manager."""
        self.ensure_one()
        approvers = self._accountancy_get_approvers(requester=self.env.user)
        if not approvers:
            raise UserError(
                self.env._(
                    "Nobody can approve quotation %(order)s: no other user is "
                    "in the group Accountancy / Manager of %(company)s. Ask your "
                    "administrator to add one.",
                    order=self.name,
                    company=self.company_id.name,
                )
            )
        leader = self.team_id.user_id
        return leader if leader in approvers else approvers[0]

    def _accountancy_check_approver(self, approve=False):
        """Only managers approve or reject, only quotations waiting for it, and
        not their own when the settings forbid it."""
        if not self.env.user.has_group("accountancy_crm.group_manager"):
            raise AccessError(
                self.env._(
                    "Only users of the group Accountancy / Manager may approve or "
                    "reject quotations. Ask a manager to review %(orders)s.",
                    orders=", ".join(self.mapped("name")),
                )
            )
        waiting = self.filtered(
            lambda order: (
                order.accountancy_approval_state == "to_approve"
                and order.state in ("draft", "sent")
            )
        )
        if self - waiting:
            raise UserError(
                self.env._(
                    "Only quotations waiting for approval can be approved or "
                    "rejected; not %(orders)s.",
                    orders=", ".join((self - waiting).mapped("name")),
                )
            )
        if approve and self._accountancy_approval_settings()[2]:
            own = self.filtered(
                lambda order: (
                    self.env.user
                    in (order.user_id | order.accountancy_approval_requested_by_id)
                )
            )
            if own:
                raise UserError(
                    self.env._(
                        "You cannot approve your own quotation %(orders)s: the "
                        "settings require another manager to approve it "
                        "(%(managers)s).",
                        orders=", ".join(own.mapped("name")),
                        managers=", ".join(
                            own[0]._accountancy_get_approvers().mapped("name")
                        )
                        or "-",
                    )
                )

    # ------------------------------------------------------------
    # OPPORTUNITY OUTCOME
    # ------------------------------------------------------------

    def _accountancy_win_opportunities(self):
        """A confirmed quotation wins its opportunity."""
        # sudo: the quotation's outcome decides its opportunity, also when the
        # opportunity belongs to a colleague whose leads this user may not write
        # (and for the customer confirming in the portal).
        leads = (
            self.sudo()
            .with_context(active_test=False)
            .opportunity_id.filtered(
                lambda lead: (
                    lead.type == "opportunity"
                    and not (lead.active and lead.stage_id.is_won)
                )
            )
        )
        if leads:
            leads.action_set_won()

    def _accountancy_lose_opportunities(self):
        """A cancelled or declined quotation loses its opportunity, unless
        another quotation of it is still open (or confirmed)."""
        # sudo: see _accountancy_win_opportunities; the other quotations of the
        # opportunity count also when they belong to a colleague.
        orders = self.sudo()
        leads = orders.opportunity_id.filtered(
            lambda lead: (
                lead.type == "opportunity" and lead.active and not lead.stage_id.is_won
            )
        )
        if not leads:
            return
        still_open = {
            lead
            for [lead] in orders._read_group(
                [
                    ("opportunity_id", "in", leads.ids),
                    ("state", "in", OPEN_ORDER_STATES),
                ],
                ["opportunity_id"],
            )
        }
        to_lose = leads.filtered(lambda lead: lead not in still_open)
        if not to_lose:
            return
        # Set by the portal's decline route (see controllers/sale_portal.py),
        # which runs as superuser.
        decline_message = self.env.context.get("accountancy_decline_message")
        customer_side = decline_message is not None
        for lead in to_lose:
            names = ", ".join(
                orders.filtered(lambda o, lead=lead: o.opportunity_id == lead).mapped(
                    "name"
                )
            )
            if customer_side:
                text = self.env._(
                    "Quotation %(orders)s declined by the customer: %(reason)s",
                    orders=names,
                    reason=decline_message or "-",
                )
                author = orders[:1].partner_id
            else:
                text = self.env._(
                    "Quotation %(orders)s cancelled by %(user)s; no other "
                    "quotation of this opportunity is open.",
                    orders=names,
                    user=self.env.user.name,
                )
                author = self.env.user.partner_id
            lead.message_post(
                body=text, subtype_xmlid="mail.mt_note", author_id=author.id
            )
        reason = self.env.ref(
            "accountancy_crm.crm_lost_reason_quotation_refused",
            raise_if_not_found=False,
        )
        to_lose.action_set_lost(lost_reason_id=reason.id if reason else False)
