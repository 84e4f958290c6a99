from odoo import api, models


class AccountancySnapshotReport(models.AbstractModel):
    """Values of the snapshot PDF. Rendered from the frozen data only: when the
    file is frozen from the payload being stored, afterwards from the stored
    JSON, so that a rendering always shows the frozen state."""

    _name = "report.accountancy_crm.report_snapshot"
    _description = "Client file snapshot report"

    @api.model
    def _get_report_values(self, docids, data=None):
        Snapshot = self.env["accountancy.snapshot"]
        data = data or {}
        if data.get("snapshot_payloads"):
            payloads = data["snapshot_payloads"]
            hashes = data.get("snapshot_hashes") or [""] * len(payloads)
            company = self.env["res.company"].browse(data.get("snapshot_company_id"))
        else:
            snapshots = Snapshot.browse(docids)
            payloads = [snapshot._get_payload() for snapshot in snapshots]
            hashes = snapshots.mapped("data_hash")
            company = snapshots.company_id[:1]
        docs = [
            {
                "meta": payload.get("snapshot") or {},
                "sections": Snapshot._display_sections(payload),
                "hash": data_hash,
                "frozen_on": Snapshot._format_value(
                    (payload.get("snapshot") or {}).get("frozen_on")
                ),
            }
            for payload, data_hash in zip(payloads, hashes, strict=True)
        ]
        return {
            "doc_ids": docids,
            "doc_model": "accountancy.snapshot",
            "docs": docs,
            "company": company.exists() or self.env.company,
        }
