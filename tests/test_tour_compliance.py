from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import refuse_report_assets


@tagged("post_install", "-at_install")
class TestComplianceTour(HttpCase):
    def test_compliance_tour(self):
        env = self.env
        preparer, approver = (
            mail_new_test_user(
                env,
                login=login,
                password=login,
                groups="accountancy_crm.group_compliance",
                name=name,
            )
            for login, name in (
                ("tour_compliance_a", "Tour Compliance Preparer"),
                ("tour_compliance_b", "Tour Compliance Approver"),
            )
        )
        client = env["res.partner"].create(
            {
                "name": "Tour Compliance Client B.V.",
                "is_company": True,
                "relation_kind": "client",
                "country_id": env.ref("base.nl").id,
            }
        )
        # Officer A prepares and submits the acceptance through the ORM.
        acceptance = (
            env["accountancy.client.acceptance"]
            .with_user(preparer)
            .create(
                {
                    "partner_id": client.id,
                    "date": fields.Date.today(),
                    "relationship_purpose": "Annual accounts and tax returns",
                    "relationship_nature": "Yearly compilation from the books",
                    "client_id_method": "kvk_extract",
                    "client_id_reference": "KvK extract 69599084",
                    "pep_check_result": "no_hit",
                    "sanctions_check_result": "no_hit",
                    "risk_class": "normal",
                    "decision": "accept",
                }
            )
        )
        acceptance.action_submit()
        self.assertEqual(acceptance.state, "to_approve")
        self.assertEqual(acceptance.prepared_by_id, preparer)
        Snapshot = env["accountancy.snapshot"]
        self.assertFalse(Snapshot.search([("partner_id", "=", client.id)]))

        # Freezing renders the snapshot's PDF inside the tour's request: see
        # refuse_report_assets for why wkhtmltopdf must not reach a server.
        refuse_report_assets(self)
        self.start_tour("/odoo", "accountancy_compliance_tour", login=approver.login)

        env.invalidate_all()
        self.assertEqual(acceptance.state, "accepted")
        self.assertEqual(acceptance.approved_by_id, approver)
        self.assertEqual(acceptance.prepared_by_id, preparer)
        self.assertTrue(acceptance.is_current)
        self.assertEqual(client.acceptance_state, "accepted")
        snapshot = Snapshot.search([("partner_id", "=", client.id)])
        self.assertEqual(len(snapshot), 1)
        self.assertEqual(snapshot.reason, "Yearly client acceptance tour")
        self.assertEqual(snapshot.user_id, approver)
        self.assertRegex(snapshot.data_hash, r"^[0-9a-f]{64}$")
        self.assertTrue(snapshot.integrity_ok)
        self.assertTrue(snapshot.pdf_file)
