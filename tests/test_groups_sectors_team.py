from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class TestClientGroupSector(AccountancyCrmCommon):
    def test_client_group_counts(self):
        group = self.client_group
        self.assertEqual((group.company_count, group.person_count), (0, 0))
        self._create_company("Group Holding", client_group_id=group.id)
        self._create_company("Group Operating", client_group_id=group.id)
        person = self._create_person("Group Person", client_group_id=group.id)
        self._create_person("Outsider")
        other_group = self.env["accountancy.client.group"].create(
            {"name": "Other group"}
        )
        self._create_person("Other Member", client_group_id=other_group.id)
        groups = group | other_group
        groups.invalidate_recordset()
        self.assertEqual((group.company_count, group.person_count), (2, 1))
        self.assertEqual((other_group.company_count, other_group.person_count), (0, 1))
        self.assertEqual(len(group.member_ids), 3)
        self.assertEqual(person.client_group_member_count, 3)
        person.client_group_id = other_group
        groups.invalidate_recordset()
        self.assertEqual((group.company_count, group.person_count), (2, 0))
        self.assertEqual(other_group.person_count, 2)

    def test_client_group_action(self):
        action = self.client_group.action_view_members()
        self.assertEqual(
            action["domain"], [("client_group_id", "=", self.client_group.id)]
        )
        self.assertEqual(
            action["context"]["default_client_group_id"], self.client_group.id
        )

    def test_client_group_display_name(self):
        self.assertEqual(self.client_group.display_name, "[TJAN] Test family Jansen")
        found = self.env["accountancy.client.group"].name_search("TJAN")
        self.assertEqual([r[0] for r in found], self.client_group.ids)

    def test_sector_partner_count(self):
        self._create_company("IT One", sector_id=self.sector_it.id)
        self._create_company("IT Two", sector_id=self.sector_it.id)
        self._create_company("Trucks", sector_id=self.sector_transport.id)
        sectors = self.sector_it | self.sector_transport
        sectors.invalidate_recordset()
        self.assertEqual(self.sector_it.partner_count, 2)
        self.assertEqual(self.sector_transport.partner_count, 1)

    def test_sector_properties(self):
        self.sector_transport.partner_properties_definition = [
            {"name": "fleet_size", "string": "Fleet size", "type": "integer"},
            {"name": "license", "string": "Eurovergunning", "type": "char"},
        ]
        self.sector_it.partner_properties_definition = [
            {"name": "saas", "string": "Sells SaaS", "type": "boolean"},
        ]
        trucks = self._create_company("Trucks B.V.", sector_id=self.sector_transport.id)
        trucks.sector_properties = {"fleet_size": 12, "license": "EU-123"}
        trucks.invalidate_recordset()
        self.assertEqual(
            trucks.sector_properties, {"fleet_size": 12, "license": "EU-123"}
        )
        software = self._create_company(
            "Soft B.V.", sector_id=self.sector_it.id, sector_properties={"saas": True}
        )
        software.invalidate_recordset()
        self.assertEqual(software.sector_properties, {"saas": True})
        # The definition comes from the sector.
        definition = software.read(["sector_properties"])[0]["sector_properties"]
        self.assertEqual([p["name"] for p in definition], ["saas"])
        definition = trucks.read(["sector_properties"])[0]["sector_properties"]
        self.assertEqual(
            {p["name"]: p["value"] for p in definition},
            {"fleet_size": 12, "license": "EU-123"},
        )


@tagged("post_install", "-at_install")
class TestAssignment(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company_main.id
        cls.client = cls._create_company("Client B.V.", company_id=company)
        cls.client_2 = cls._create_company("Client Two B.V.", company_id=company)
        cls.Assignment = cls.env["accountancy.assignment"]

    def _assign(self, partner, role, employee, year=None):
        return self.Assignment.create(
            {
                "partner_id": partner.id,
                "role_id": role.id,
                "employee_id": employee.id,
                "year": self.this_year if year is None else year,
            }
        )

    def test_unique_partner_role_year(self):
        self._assign(self.client, self.role_rlm, self.employee)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self._assign(self.client, self.role_rlm, self.employee_2)
        # other year, other role, other client: fine
        self._assign(self.client, self.role_rlm, self.employee_2, self.this_year - 1)
        self._assign(self.client, self.role_jrk, self.employee_2)
        self._assign(self.client_2, self.role_rlm, self.employee)
        self.assertEqual(
            self.Assignment.search_count([("partner_id", "=", self.client.id)]), 3
        )

    def test_year_range(self):
        for bad in (1999, 2101, 0, 20255):
            with self.subTest(bad=bad):
                with self.assertRaises(ValidationError) as cm:
                    self._assign(self.client, self.role_acc, self.employee, bad)
                self.assertIn(str(bad), str(cm.exception))
                self.assertFalse(
                    self.Assignment.search([("partner_id", "=", self.client.id)])
                )
        self._assign(self.client, self.role_acc, self.employee, 2000)
        last = self._assign(self.client, self.role_rlm, self.employee, 2100)
        with self.assertRaises(ValidationError):
            last.year = 2101

    def test_current_assignments(self):
        current = self._assign(self.client, self.role_rlm, self.employee)
        current |= self._assign(self.client, self.role_jrk, self.employee_2)
        self._assign(self.client, self.role_rlm, self.employee_2, self.this_year - 1)
        self._assign(self.client, self.role_acc, self.employee, self.this_year + 1)
        other = self._assign(self.client_2, self.role_rlm, self.employee)
        clients = self.client | self.client_2
        clients.invalidate_recordset()
        self.assertEqual(self.client.current_assignment_ids, current)
        self.assertEqual(self.client.current_assignment_count, 2)
        self.assertEqual(self.client_2.current_assignment_ids, other)
        self.assertEqual(len(self.client.assignment_ids), 4)

    def test_employee_client_count(self):
        self._assign(self.client, self.role_rlm, self.employee)
        self._assign(self.client, self.role_acc, self.employee)  # same client twice
        self._assign(self.client_2, self.role_jrk, self.employee)
        third = self._create_company(
            "Former Client B.V.", company_id=self.company_main.id
        )
        self._assign(third, self.role_rlm, self.employee, self.this_year - 1)
        employees = self.employee | self.employee_2
        employees.invalidate_recordset()
        self.assertEqual(self.employee.accountancy_client_count, 2)
        self.assertEqual(self.employee_2.accountancy_client_count, 0)

    def test_team_actions(self):
        action = self.employee.action_view_accountancy_clients()
        self.assertEqual(action["domain"], [("employee_id", "=", self.employee.id)])
        action = self.client.action_view_team()
        self.assertEqual(action["domain"], [("partner_id", "=", self.client.id)])

    def test_shared_client(self):
        """Relations are usually shared (no company on the partner); the firm's
        employees always belong to a company. They must be assignable."""
        shared = self._create_company("Shared Client B.V.")
        self.assertFalse(shared.company_id)
        assignment = self._assign(shared, self.role_rlm, self.employee)
        self.assertEqual(assignment.company_id, self.company_main)
        self.assertEqual(self.employee.accountancy_client_count, 1)

    def test_company_mismatch_refused(self):
        client = self._create_company(
            "Office One Client", company_id=self.company_main.id
        )
        employee = self.env["hr.employee"].create(
            {"name": "Office Two Employee", "company_id": self.company_2.id}
        )
        with self.assertRaises(UserError):
            self._assign(client, self.role_rlm, employee)
        self.assertFalse(self.Assignment.search([("partner_id", "=", client.id)]))

    def test_company_follows_partner(self):
        client = self._create_company("Office Two Client", company_id=self.company_2.id)
        employee = self.env["hr.employee"].create(
            {"name": "Office Two Employee", "company_id": self.company_2.id}
        )
        assignment = self._assign(client, self.role_rlm, employee)
        self.assertEqual(assignment.company_id, self.company_2)
