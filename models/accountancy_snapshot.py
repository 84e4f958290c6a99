import base64
import hashlib
import json
import re

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext
from odoo.tools.misc import format_date, format_datetime, formatLang

from .window_actions import dialog_action

# Version of the layout of the frozen data, stored in the JSON so that a later
# change of the layout can still read old snapshots.
SNAPSHOT_FORMAT = 1
# Fields of the relation card frozen in the "relation" section. The BSN is left
# out on purpose: it is restricted to the Fiscal data group and snapshots are
# read by every accountancy user.
RELATION_FIELDS = (
    "name",
    "is_company",
    "parent_id",
    "street",
    "street2",
    "zip",
    "city",
    "country_id",
    "email",
    "phone",
    "website",
    "company_registry",
    "kvk_branch_number",
    "kvk_legal_form_text",
    "rsin",
    "vat",
    "payroll_tax_number",
    "legal_form",
    "tax_regime",
    "relation_kind",
    "institution_type",
    "accountancy_state",
    "client_group_id",
    "sector_id",
    "fiscal_partner_id",
    "debtor_number",
    "birth_year",
    "client_type_id",
    "strategy_points",
    "size_class",
    "statutory_audit_required",
    "active",
)
# Order of the sections on the screen and in the PDF; unknown sections follow.
SECTIONS = (
    "relation",
    "client_group",
    "contacts",
    "relations",
    "team",
    "strategy",
    "service_plan",
    "acceptance",
)
# Models whose field labels name the keys of a section.
SECTION_MODELS = {
    "relation": "res.partner",
    "strategy": "accountancy.strategy",
    "service_plan": "accountancy.service.plan",
    "acceptance": "accountancy.client.acceptance",
}
ACCEPTANCE_MODEL = "accountancy.client.acceptance"
# Bookkeeping fields that say nothing about the client file.
TECHNICAL_FIELDS = {
    "id",
    "display_name",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
}
TECHNICAL_PREFIXES = ("message_", "activity_", "website_message", "rating_")
SKIPPED_TYPES = {"binary", "image", "properties", "properties_definition", "json"}
DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
DATETIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):\d{2}$")


def payload_to_json(payload):
    """The canonical text of a payload: sorted keys, so that the same data
    always gives the same text and the same hash."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, indent=1)


def sha256_hex(text):
    return hashlib.sha256((text or "").encode()).hexdigest()


def unique_key(mapping, key):
    """``key``, or ``key (2)``, ``key (3)``... when it is taken in ``mapping``."""
    candidate, number = key, 1
    while candidate in mapping:
        number += 1
        candidate = f"{key} ({number})"
    return candidate


class AccountancySnapshot(models.Model):
    """A frozen copy of a client file: what the firm knew of the client at a
    given moment, as JSON with its SHA-256 and as a PDF. Snapshots are made
    by the Freeze client file wizard and can never be changed or deleted."""

    _name = "accountancy.snapshot"
    _description = "Client file snapshot"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        readonly=True,
        index=True,
        # A client with frozen files cannot be deleted (archive it instead).
        ondelete="restrict",
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    date = fields.Datetime(string="Frozen on", required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Frozen by", required=True, readonly=True
    )
    reason = fields.Text(required=True, readonly=True)
    data_json = fields.Text(string="Frozen data (JSON)", readonly=True)
    data_hash = fields.Char(
        string="SHA-256",
        readonly=True,
        help="SHA-256 of the frozen data (JSON), computed when the file was frozen.",
    )
    pdf_file = fields.Binary(string="PDF", attachment=True, readonly=True)
    pdf_filename = fields.Char(readonly=True)
    integrity_ok = fields.Boolean(
        string="Integrity OK",
        compute="_compute_integrity_ok",
        help="The SHA-256 of the stored data still equals the hash computed when "
        "the file was frozen: the data has not been tampered with.",
    )
    data_html = fields.Html(
        string="Frozen data", compute="_compute_data_html", sanitize=False
    )

    @api.depends("data_json", "data_hash")
    def _compute_integrity_ok(self):
        for snapshot in self:
            snapshot.integrity_ok = bool(snapshot.data_hash) and (
                sha256_hex(snapshot.data_json) == snapshot.data_hash
            )

    @api.depends("data_json")
    @api.depends_context("lang")
    def _compute_data_html(self):
        QWeb = self.env["ir.qweb"]
        for snapshot in self:
            payload = snapshot._get_payload()
            snapshot.data_html = QWeb._render(
                "accountancy_crm.report_snapshot_sections",
                {"sections": self._display_sections(payload)},
            )

    @api.model_create_multi
    def create(self, vals_list):
        """Snapshots are built here from the client file itself, so that their
        content cannot be made up: only the client and the reason are given."""
        allowed = {"partner_id", "reason"}
        for vals in vals_list:
            extra = set(vals) - allowed
            if extra:
                raise UserError(
                    self.env._(
                        "A snapshot is taken from the client file: give only the "
                        "client and the reason, not %(fields)s. Use Freeze client "
                        "file on the relation card.",
                        fields=", ".join(sorted(extra)),
                    )
                )
            if not (vals.get("reason") or "").strip():
                raise UserError(
                    self.env._(
                        "Say why the client file is frozen (e.g. yearly acceptance "
                        "or a change of engagement): the reason is required."
                    )
                )
            if not vals.get("partner_id"):
                raise UserError(self.env._("Choose the client whose file to freeze."))
        partners = self.env["res.partner"].browse([v["partner_id"] for v in vals_list])
        now = fields.Datetime.now()
        new_vals_list = []
        for vals, partner in zip(vals_list, partners, strict=True):
            company = partner.company_id or self.env.company
            payload = self._build_payload(partner, vals["reason"].strip(), now, company)
            data_json = payload_to_json(payload)
            data_hash = sha256_hex(data_json)
            pdf = self._render_pdf(payload, data_hash, company)
            stamp = fields.Datetime.context_timestamp(self, now)
            new_vals_list.append(
                {
                    "name": f"{partner.display_name} {stamp:%Y-%m-%d %H:%M}",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "date": now,
                    "user_id": self.env.uid,
                    "reason": vals["reason"].strip(),
                    "data_json": data_json,
                    "data_hash": data_hash,
                    "pdf_file": base64.b64encode(pdf),
                    "pdf_filename": f"snapshot-{partner.id}-{stamp:%Y%m%d-%H%M%S}.pdf",
                }
            )
        return super().create(new_vals_list)

    def write(self, vals):
        # Nobody may change a snapshot, the superuser included (no access right
        # can express that).
        if self:
            raise UserError(
                self.env._(
                    "A snapshot of a client file is a frozen record and cannot be "
                    "changed. Freeze the client file again to record its current "
                    "state."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_frozen(self):
        raise UserError(
            self.env._(
                "A snapshot of a client file is kept as evidence and cannot be "
                "deleted, not even by an administrator."
            )
        )

    def action_download_pdf(self):
        """The PDF stored when the file was frozen (not a new rendering)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": (
                f"/web/content/{self._name}/{self.id}/pdf_file/"
                f"{self.pdf_filename}?download=true"
            ),
            "target": "self",
        }

    def action_compare(self):
        """Open the comparison with another snapshot of the same client (the two
        selected in the list, or this one and one to choose)."""
        snapshots = self.sorted(lambda s: (s.date, s.id))
        context = {"default_snapshot_new_id": snapshots[-1:].id}
        if len(snapshots) >= 2:
            context["default_snapshot_old_id"] = snapshots[-2].id
        return dialog_action(
            self.env._("Compare snapshots"),
            "accountancy.snapshot.compare.wizard",
            context,
        )

    # ------------------------------------------------------------------
    # Freezing
    # ------------------------------------------------------------------

    @api.model
    def _build_payload(self, partner, reason, now, company):
        """The state of the client file of ``partner``: a dict of sections made
        of JSON values only. A fixed number of queries, whatever the number of
        relations, members or team members."""
        year = fields.Date.context_today(self).year
        return {
            "format": SNAPSHOT_FORMAT,
            "snapshot": {
                "client_id": partner.id,
                "client": partner.display_name,
                "company": company.name,
                "frozen_by": self.env.user.name,
                "frozen_on": fields.Datetime.to_string(now),
                "reason": reason,
                "year": year,
            },
            "relation": self._serialize_fields(partner, RELATION_FIELDS),
            "client_group": self._freeze_client_group(partner),
            "contacts": self._freeze_contacts(partner),
            "relations": self._freeze_relations(partner),
            "team": self._freeze_team(partner, year),
            "strategy": self._freeze_strategy(partner, year),
            "service_plan": self._freeze_service_plan(partner, year),
            "acceptance": self._freeze_acceptance(partner),
        }

    @api.model
    def _json_value(self, record, field, depth=0):
        """The value of ``field`` of ``record`` as JSON: labels for selections
        and links, ISO text for dates, None for empty values. One2many lines are
        frozen field by field one level deep, deeper ones by name."""
        value = record[field.name]
        if field.type == "many2one":
            return value.display_name or None
        if field.type == "one2many" and not depth:
            return [
                self._serialize_record(line, skip={field.inverse_name}, depth=1)
                for line in value
            ]
        if field.type in ("one2many", "many2many"):
            return sorted(value.mapped("display_name"))
        if field.type == "selection":
            if not value:
                return None
            return dict(field._description_selection(self.env)).get(value, value)
        if field.type == "boolean":
            return bool(value)
        if field.type in ("integer", "float", "monetary"):
            return value
        if field.type == "date":
            return fields.Date.to_string(value) if value else None
        if field.type == "datetime":
            return fields.Datetime.to_string(value) if value else None
        if field.type == "html":
            return (html2plaintext(value).strip() or None) if value else None
        if field.type == "reference":
            return value.display_name if value else None
        return value or None

    @api.model
    def _serialize_fields(self, record, fnames, depth=0):
        return {
            fname: self._json_value(record, record._fields[fname], depth)
            for fname in fnames
            if fname in record._fields
        }

    @api.model
    def _snapshot_fields(self, model, skip=()):
        """The stored, non-technical fields of ``model`` that every accountancy
        user may read (fields restricted to groups are left out, so that a
        snapshot never shows them to other users)."""
        return [
            fname
            for fname, field in model._fields.items()
            if field.store
            and not field.groups
            and fname not in TECHNICAL_FIELDS
            and fname not in skip
            and not fname.startswith(TECHNICAL_PREFIXES)
            and field.type not in SKIPPED_TYPES
            # links to records the user may not read are left out as well
            and (
                not field.relational or model.env[field.comodel_name].has_access("read")
            )
        ]

    @api.model
    def _serialize_record(self, record, skip=(), depth=0):
        """All stored, non-technical fields of ``record``, whatever its model:
        used for models this code does not know field by field."""
        if not record:
            return None
        fnames = self._snapshot_fields(record, skip)
        return self._serialize_fields(record, fnames, depth)

    @api.model
    def _freeze_client_group(self, partner):
        group = partner.client_group_id
        members = {}
        if group:
            for member in self.env["res.partner"].search_fetch(
                [("client_group_id", "=", group.id)],
                ["name", "is_company", "company_registry", "relation_kind"],
                order="name, id",
            ):
                key = unique_key(members, member.display_name)
                members[key] = self._serialize_fields(
                    member, ("is_company", "company_registry", "relation_kind")
                )
        return {"group": group.display_name or None, "members": members}

    @api.model
    def _freeze_contacts(self, partner):
        contacts = {}
        for contact in self.env["res.partner"].search_fetch(
            [("parent_id", "=", partner.id)],
            ["name", "type", "function", "department", "email", "phone"],
            order="name, id",
        ):
            key = unique_key(contacts, contact.name or contact.display_name)
            contacts[key] = self._serialize_fields(
                contact, ("type", "function", "department", "email", "phone")
            )
        return contacts

    @api.model
    def _freeze_relations(self, partner):
        """Typed relations (partner_multi_relation) seen from this client, the
        shareholdings with their percentage."""
        relations = {}
        records = self.env["res.partner.relation"].search_fetch(
            [
                "|",
                ("left_partner_id", "=", partner.id),
                ("right_partner_id", "=", partner.id),
            ],
            [
                "left_partner_id",
                "right_partner_id",
                "type_id",
                "date_start",
                "date_end",
                "share_percentage",
            ],
            order="id",
        )
        for relation in records:
            if relation.left_partner_id == partner:
                label, other = relation.type_id.name, relation.right_partner_id
            else:
                label, other = relation.type_id.name_inverse, relation.left_partner_id
            key = unique_key(relations, f"{label}: {other.display_name}")
            relations[key] = {
                "relation": label,
                "partner": other.display_name,
                "share_percentage": (
                    relation.share_percentage
                    if relation.type_id.is_shareholding
                    else None
                ),
                "date_start": fields.Date.to_string(relation.date_start) or None,
                "date_end": fields.Date.to_string(relation.date_end) or None,
            }
        return relations

    @api.model
    def _freeze_team(self, partner, year):
        """The team of this year and of next year: role and employee."""
        team = {}
        for assignment in self.env["accountancy.assignment"].search_fetch(
            [("partner_id", "=", partner.id), ("year", "in", [year, year + 1])],
            ["year", "role_id", "employee_id"],
            order="year, role_sequence, id",
        ):
            role = assignment.role_id
            key = unique_key(team, f"{assignment.year} {role.code}")
            team[key] = {
                "year": assignment.year,
                "role_code": role.code,
                "role": role.name,
                "employee": assignment.employee_id.name,
            }
        return team

    @api.model
    def _freeze_strategy(self, partner, year):
        strategy = self.env["accountancy.strategy"].search(
            [("partner_id", "=", partner.id), ("year", "=", year)], limit=1
        )
        if not strategy:
            return None
        data = self._serialize_record(strategy, skip={"partner_id", "line_ids"})
        lines = {}
        for line in strategy.line_ids:
            key = unique_key(lines, line.criterion_id.display_name)
            lines[key] = {
                "value": line.value if line.has_value else None,
                "points": line.points,
                "band": line.band_id.display_name or None,
                "manual": line.manual,
            }
        data["lines"] = lines
        return data

    @api.model
    def _freeze_service_plan(self, partner, year):
        plan = self.env["accountancy.service.plan"].search(
            [("partner_id", "=", partner.id), ("year", "=", year)], limit=1
        )
        return self._serialize_record(plan, skip={"partner_id"})

    @api.model
    def _freeze_acceptance(self, partner):
        """The latest client acceptance, field by field whatever fields that
        model has; None when the model is not there or not readable."""
        if ACCEPTANCE_MODEL not in self.env:
            return None
        Acceptance = self.env[ACCEPTANCE_MODEL]
        if "partner_id" not in Acceptance._fields or not Acceptance.has_access("read"):
            return None
        # the model's own order puts the latest acceptance first
        acceptance = Acceptance.search([("partner_id", "=", partner.id)], limit=1)
        return self._serialize_record(acceptance, skip={"partner_id"})

    @api.model
    def _render_pdf(self, payload, data_hash, company):
        """The PDF of the payload, rendered now. Rendering is forced in test mode
        too: the stored file must always be a real PDF."""
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        pdf, _report_type = report._render_qweb_pdf(
            "accountancy_crm.accountancy_snapshot_report",
            res_ids=None,
            data={
                "snapshot_payloads": [payload],
                "snapshot_hashes": [data_hash],
                "snapshot_company_id": company.id,
            },
        )
        return pdf

    # ------------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------------

    def _get_payload(self):
        self.ensure_one()
        try:
            return json.loads(self.data_json or "{}")
        except ValueError:
            return {}

    @api.model
    def _section_title(self, section):
        titles = {
            "relation": self.env._("Relation"),
            "client_group": self.env._("Client group"),
            "contacts": self.env._("Contact persons"),
            "relations": self.env._("Relations and shareholdings"),
            "team": self.env._("Team"),
            "strategy": self.env._("Strategy and client type"),
            "service_plan": self.env._("Service plan"),
            "acceptance": self.env._("Client acceptance"),
        }
        return titles.get(section) or section.replace("_", " ").capitalize()

    @api.model
    def _key_label(self, section, key):
        """The label of a key of a section: the field label of the section's
        model, else a label of the keys this code writes itself."""
        if section == "relation" and key == "company_registry":
            return self.env._("KvK number")
        model = SECTION_MODELS.get(section)
        if model and model in self.env and key in self.env[model]._fields:
            return self.env[model]._fields[key]._description_string(self.env)
        labels = {
            "group": self.env._("Client group"),
            "members": self.env._("Members"),
            "relation": self.env._("Relation"),
            "partner": self.env._("Relation with"),
            "share_percentage": self.env._("Share %"),
            "date_start": self.env._("From"),
            "date_end": self.env._("Until"),
            "year": self.env._("Year"),
            "role_code": self.env._("Role code"),
            "role": self.env._("Role"),
            "employee": self.env._("Employee"),
            "lines": self.env._("Criteria"),
            "value": self.env._("Value"),
            "points": self.env._("Points"),
            "band": self.env._("Band"),
            "manual": self.env._("Manual"),
            "is_company": self.env._("Is a company"),
            "company_registry": self.env._("KvK number"),
            "relation_kind": self.env._("Relation kind"),
            "type": self.env._("Address type"),
            "function": self.env._("Job position"),
            "department": self.env._("Department"),
            "email": self.env._("Email"),
            "phone": self.env._("Phone"),
        }
        return labels.get(key) or str(key).replace("_", " ").capitalize()

    @api.model
    def _format_value(self, value):
        """A JSON value in the reader's language: its date format and decimal
        separators (dd-mm-yyyy and 1.234,50 in Dutch), Yes/No."""
        if value is None or value == [] or value == {}:
            return ""
        if isinstance(value, bool):
            return self.env._("Yes") if value else self.env._("No")
        if isinstance(value, float):
            return formatLang(self.env, value)
        if isinstance(value, int):
            return str(value)
        if isinstance(value, list):
            return ", ".join(
                self._format_value(item)
                if not isinstance(item, dict)
                else "; ".join(
                    f"{k}: {self._format_value(v)}" for k, v in sorted(item.items())
                )
                for item in value
            )
        if isinstance(value, dict):
            return "; ".join(
                f"{k}: {self._format_value(v)}" for k, v in sorted(value.items())
            )
        text = str(value)
        if DATETIME_RE.match(text):
            return format_datetime(
                self.env, text, tz=self.env.context.get("tz"), dt_format=False
            )
        if DATE_RE.match(text):
            return format_date(self.env, text)
        return text

    @api.model
    def _ordered_sections(self, payload):
        sections = [s for s in SECTIONS if s in payload]
        sections += sorted(
            s for s in payload if s not in SECTIONS and s not in ("format", "snapshot")
        )
        return sections

    @api.model
    def _display_sections(self, payload):
        """The payload as a list of sections to show: each with rows of
        (label, value) for its plain values and tables for its keyed rows
        (team, relations, criteria...)."""
        result = []
        for section in self._ordered_sections(payload):
            content = payload[section]
            display = {
                "title": self._section_title(section),
                "rows": [],
                "tables": [],
                "empty": not content,
            }
            if (
                isinstance(content, dict)
                and content
                and all(isinstance(v, dict) for v in content.values())
            ):
                display["tables"].append(self._display_table(section, "", content))
            elif isinstance(content, dict):
                for key in self._sorted_keys(section, content):
                    value = content[key]
                    if isinstance(value, dict) and all(
                        isinstance(v, dict) for v in value.values()
                    ):
                        display["tables"].append(
                            self._display_table(
                                section, self._key_label(section, key), value
                            )
                        )
                    else:
                        display["rows"].append(
                            (self._key_label(section, key), self._format_value(value))
                        )
            result.append(display)
        return result

    @api.model
    def _sorted_keys(self, section, content):
        """The keys of a section in the order of the relation card or of the
        fields of the section's model; other keys after them by label."""
        if section == "relation":
            order = list(RELATION_FIELDS)
        elif SECTION_MODELS.get(section) in self.env:
            order = list(self.env[SECTION_MODELS[section]]._fields)
        else:
            order = []
        position = {key: index for index, key in enumerate(order)}
        return sorted(
            content,
            key=lambda k: (
                position.get(k, len(order)),
                self._key_label(section, k).lower(),
            ),
        )

    @api.model
    def _display_table(self, section, title, rows):
        columns = sorted({col for row in rows.values() for col in row})
        return {
            "title": title,
            "columns": [self._key_label(section, col) for col in columns],
            "rows": [
                [key] + [self._format_value(rows[key].get(col)) for col in columns]
                for key in rows
            ],
        }

    # ------------------------------------------------------------------
    # Comparing
    # ------------------------------------------------------------------

    @api.model
    def _flatten(self, section, value, path=()):
        """{label path: formatted value} of a section's content."""
        if isinstance(value, dict) and value:
            flat = {}
            for key, item in value.items():
                label = (
                    self._key_label(section, key)
                    if not isinstance(item, dict)
                    else str(key)
                )
                flat.update(self._flatten(section, item, path + (label,)))
            return flat
        return {path: self._format_value(value)}

    def _compare_with(self, other):
        """The differences from snapshot ``self`` to snapshot ``other`` of the same
        client, as dicts with section, field, old and new value."""
        self.ensure_one()
        other.ensure_one()
        if self.partner_id != other.partner_id:
            raise UserError(
                self.env._(
                    "Only snapshots of the same client can be compared: "
                    "%(first)s is of %(first_client)s and %(second)s of "
                    "%(second_client)s. Choose two snapshots of one client.",
                    first=self.display_name,
                    first_client=self.partner_id.display_name,
                    second=other.display_name,
                    second_client=other.partner_id.display_name,
                )
            )
        old, new = self._get_payload(), other._get_payload()
        differences = []
        for section in self._ordered_sections({**old, **new}):
            old_flat = self._flatten(section, old.get(section))
            new_flat = self._flatten(section, new.get(section))
            for path in sorted(set(old_flat) | set(new_flat)):
                old_value = old_flat.get(path, "")
                new_value = new_flat.get(path, "")
                if old_value != new_value:
                    differences.append(
                        {
                            "section": self._section_title(section),
                            "field": " / ".join(path),
                            "old_value": old_value,
                            "new_value": new_value,
                        }
                    )
        return differences
