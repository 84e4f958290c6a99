from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    accountancy_fiscal_manager_id = fields.Many2one(
        "res.users",
        string="Fiscal calendar manager",
        help="Gets the warning when the office falls behind its filing schedule "
        "of the deferral list; empty: the first accountancy manager of the office.",
    )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _accountancy_fiscal_manager(self):
        self.ensure_one()
        if self.accountancy_fiscal_manager_id:
            return self.accountancy_fiscal_manager_id
        group = self.env.ref("accountancy_crm.group_manager")
        return (
            self.env["res.users"]
            .sudo()
            .search(
                [("groups_id", "in", group.ids), ("company_ids", "in", self.ids)],
                order="id",
                limit=1,
            )
        )
