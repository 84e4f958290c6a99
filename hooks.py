def uninstall_hook(env):
    """Rebuild partner_multi_relation's SQL view without the share percentage
    before Odoo drops that column (which would otherwise drop the view too)."""
    env["res.partner.relation.all"].with_context(
        accountancy_crm_uninstall=True
    )._auto_init()
