from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

CHANNELS = [
    ("phone", "Phone"),
    ("email", "E-mail"),
    ("meeting", "Meeting"),
    ("visit", "Visit"),
    ("video", "Video call"),
]


class AccountancyContactMoment(models.Model):
    _name = "accountancy.contact.moment"
    _description = "Contact moment"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _rec_name = "subject"
    _check_company_auto = True

    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    employee_id = fields.Many2one(
        "hr.employee",
        required=True,
        index=True,
        check_company=True,
        default=lambda self: self.env.user.employee_id,
    )
    # Stored for the "My contact moments" filter and the activity assignee.
    user_id = fields.Many2one(
        related="employee_id.user_id", string="User", store=True, index=True
    )
    lead_id = fields.Many2one(
        "crm.lead", string="Opportunity", index=True, check_company=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Relation",
        required=True,
        index=True,
        check_company=True,
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('parent_id', '=', False)]",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Contact person",
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id)]",
    )
    channel = fields.Selection(CHANNELS, required=True, default="phone")
    subject = fields.Char(required=True)
    report = fields.Html()
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "accountancy_contact_moment_ir_attachment_rel",
        "contact_moment_id",
        "attachment_id",
        string="Attachments",
    )
    next_contact_date = fields.Date(
        help="Schedules a to-do for the employee on this date, on the opportunity "
        "if there is one, otherwise on the relation."
    )
    # The activity scheduled for the next contact date; emptied when it is done.
    activity_id = fields.Many2one(
        "mail.activity", readonly=True, copy=False, ondelete="set null"
    )

    @api.depends("lead_id")
    def _compute_partner_id(self):
        for moment in self:
            if moment.lead_id.partner_id:
                moment.partner_id = moment.lead_id.partner_id.commercial_partner_id

    @api.constrains("date", "next_contact_date")
    def _check_next_contact_date(self):
        for moment in self:
            if not moment.next_contact_date:
                continue
            day = fields.Datetime.context_timestamp(moment, moment.date).date()
            if moment.next_contact_date < day:
                raise ValidationError(
                    self.env._(
                        "The next contact date (%(next)s) of contact moment "
                        "'%(subject)s' is before the contact moment itself "
                        "(%(date)s). Choose a later next contact date.",
                        next=format_date(self.env, moment.next_contact_date),
                        subject=moment.subject,
                        date=format_date(self.env, day),
                    )
                )

    @api.constrains("partner_id", "contact_id", "lead_id")
    def _check_contact_partner(self):
        for moment in self:
            relation = moment.partner_id.commercial_partner_id
            contact = moment.contact_id
            if contact and contact.commercial_partner_id != relation:
                raise ValidationError(
                    self.env._(
                        "%(contact)s is not a contact person of %(relation)s. "
                        "Choose a contact person of this relation or leave it "
                        "empty.",
                        contact=contact.display_name,
                        relation=relation.display_name,
                    )
                )
            lead_partner = moment.lead_id.partner_id.commercial_partner_id
            if lead_partner and lead_partner != relation:
                raise ValidationError(
                    self.env._(
                        "Opportunity %(lead)s belongs to %(lead_partner)s, not to "
                        "%(relation)s. Choose an opportunity of this relation.",
                        lead=moment.lead_id.display_name,
                        lead_partner=lead_partner.display_name,
                        relation=relation.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        moments = super().create(vals_list)
        moments.filtered("next_contact_date")._schedule_next_contact()
        return moments

    def write(self, vals):
        if "next_contact_date" not in vals:
            return super().write(vals)
        new_date = fields.Date.to_date(vals["next_contact_date"])
        # Only the moments whose date really changes get their activity moved,
        # so saving the form again does not create a second to-do.
        changed = self.filtered(lambda m: m.next_contact_date != new_date)
        result = super().write(vals)
        if not new_date:
            changed.activity_id.unlink()
            return result
        with_activity = changed.filtered("activity_id")
        with_activity.activity_id.write({"date_deadline": new_date})
        (changed - with_activity)._schedule_next_contact()
        return result

    def _schedule_next_contact(self):
        """Create one to-do per moment (in one create) for the employee's user
        on the next contact date, on the opportunity or else on the relation."""
        todo = self.env.ref("mail.mail_activity_data_todo")
        model_ids = {
            name: self.env["ir.model"]._get_id(name)
            for name in ("crm.lead", "res.partner")
        }
        vals_list = []
        for moment in self:
            record = moment.lead_id or moment.partner_id
            vals_list.append(
                {
                    "activity_type_id": todo.id,
                    "res_model_id": model_ids[record._name],
                    "res_id": record.id,
                    "date_deadline": moment.next_contact_date,
                    "user_id": (moment.user_id or self.env.user).id,
                    "summary": self.env._(
                        "Next contact: %(subject)s", subject=moment.subject
                    ),
                }
            )
        activities = self.env["mail.activity"].create(vals_list)
        for moment, activity in zip(self, activities, strict=True):
            moment.activity_id = activity
