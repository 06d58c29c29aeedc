import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// The service's role, reclaim_app, can do what the service does and nothing
/// that would rewrite history or act as a made-up person.
@Suite struct LeastPrivilegeTests {
    static let appendOnly = ["ledger_entries", "ledger_postings", "fund_accounts", "audit_log", "mine_history",
                             "review_decisions", "review_records", "accrual_rule_sets", "accrual_coefficients",
                             "output_reports", "accrual_assessments", "plans", "plan_costs", "plan_damaged_land",
                             "annual_plans", "annual_plan_versions", "annual_plan_works", "annual_plan_approvals",
                             "annual_plan_reports", "annual_plan_report_lines", "annual_plan_rectifications",
                             "work_calendar", "closure_applications", "closure_panel", "closure_votes",
                             "legacy_sites", "legacy_site_problems", "legacy_notices", "legacy_objections",
                             "legacy_notice_outcomes", "legacy_projects", "legacy_project_budgets", "legacy_project_sites",
                             "legacy_progress"]

    func setUp() throws -> (TestDatabase, Connection) {
        let (db, conn) = try ledgerDatabase()
        _ = try Users.add("li", role: .finance, mines: [], by: try Actor("setup"), on: conn)
        _ = try Users.add("opA", role: .operator, mines: ["A"], by: try Actor("setup"), on: conn)
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("100")), by: try Actor("li", role: "finance"), on: conn)
        return (db, conn)
    }

    @Test func theAppRoleCannotRewriteHistory() throws {
        let (db, _) = try setUp()
        let app = try db.connectAsApp()
        for table in Self.appendOnly {
            let column = ["fund_accounts": "balance = 0", "ledger_entries": "memo = 'x'", "ledger_postings": "amount = 1",
                          "audit_log": "actor = 'x'", "mine_history": "new_value = 'x'", "review_decisions": "note = 'x'",
                          "review_records": "state = 'x'", "accrual_rule_sets": "jurisdiction = '000000'",
                          "accrual_coefficients": "value = 9", "output_reports": "quantity = 0",
                          "accrual_assessments": "amount = 0", "plans": "cost_total = 0", "plan_costs": "cost = 0",
                          "plan_damaged_land": "existing_m2 = 0", "annual_plans": "year = 2000",
                          "annual_plan_versions": "budget = 0", "annual_plan_works": "budget = 0",
                          "annual_plan_approvals": "decision_seq = 0", "annual_plan_reports": "created_by = 'x'",
                          "annual_plan_report_lines": "spent = 0", "annual_plan_rectifications": "item = 'x'",
                          "work_calendar": "name = 'x'", "closure_applications": "note = 'x'", "closure_panel": "reviewer = 'x'",
                          "closure_votes": "pass = false", "legacy_sites": "area_m2 = 1", "legacy_site_problems": "quantity = 0",
                          "legacy_notices": "days = 1", "legacy_objections": "text = 'x'", "legacy_notice_outcomes": "owner = 'x'",
                          "legacy_projects": "name = 'x'", "legacy_project_budgets": "planned = 0",
                          "legacy_project_sites": "added_by = 'x'", "legacy_progress": "area_m2 = 1"][table] ?? "x = 1"
            for sql in ["UPDATE \(table) SET \(column)", "DELETE FROM \(table)", "TRUNCATE \(table)",
                        "ALTER TABLE \(table) DISABLE TRIGGER ALL"] {
                let e = #expect(throws: PQError.self, "\(sql)") { try app.execute("\(unescaped: sql)") }
                #expect(e?.sqlState == .insufficientPrivilege, "\(sql): \(String(describing: e?.sqlState))")
            }
        }
        for sql in ["SET session_replication_role = replica",
                    "CREATE OR REPLACE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
                    "INSERT INTO audit_log (actor, action, target, input_digest) VALUES ('x', 'y', 'z', '\\x00')",
                    "SELECT ledger_book('deposit', current_date, 1, 1, 2, NULL, NULL, 'x', NULL, '\\x00')",
                    "CREATE TABLE sneaky (x int)"] {
            #expect(throws: PQError.self, "\(sql)") { try app.execute("\(unescaped: sql)") }
        }
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 1)
        #expect(try FundLedger.verify(on: try db.connect()).isIntact)
    }

    /// Called directly as reclaim_app, the booking, audit and decision
    /// functions act only for an enabled user with the right role.
    @Test func theAppRoleCannotActAsAMadeUpPerson() throws {
        let (db, conn) = try setUp()
        let app = try db.connectAsApp()
        for actor in ["ghost", "opA"] {
            let e = #expect(throws: PQError.self) {
                try app.query("""
                    SELECT * FROM fund_post('deposit', 'A', NULL, 100, current_date, NULL, NULL, NULL, NULL,
                                            \(actor), 'finance', NULL, 'x')
                    """)
            }
            #expect(e?.sqlState == .actorNotAllowed)
            #expect(e.map { ReclaimError.wrap($0).kind } == .forbidden)
        }
        #expect(throws: PQError.self) {
            try app.execute("SELECT audit_record('ghost', 'admin', 'mine.add', 'mine:A', NULL, 'x')")
        }
        // the unchecked append the booking functions use is not the service's to call
        let append = #expect(throws: PQError.self) {
            try app.execute("SELECT audit_append('li', 'finance', 'fund.deposit', 'mine:A', NULL, 'x')")
        }
        #expect(append?.sqlState == .insufficientPrivilege)
        #expect(throws: PQError.self) { try app.execute("SELECT review_open('annual-plan', 1, 'ghost', 'operator')") }
        // a disabled user is no actor either
        try Users.disable("li", by: try Actor("setup"), on: conn)
        #expect(throws: ReclaimError.self) {
            _ = try FundLedger.deposit("A", Booking(amount: try yuan("1")), by: try Actor("li", role: "finance"), on: app)
        }
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 1)
    }

    /// What was seen: as reclaim_app, an operator approved their own annual
    /// plan (review_apply trusted the states, flag and role it was sent), and
    /// a withdrawal was then booked against it. Now the database takes each
    /// step from its own transition table, for a user of a role it names.
    @Test func theAppRoleTakesOnlyTheStepsTheTableGivesTheUsersRole() throws {
        let (db, conn) = try setUp()
        let setup = try Actor("setup")
        _ = try Users.add("opB", role: .operator, mines: ["B"], by: setup, on: conn)
        _ = try Users.add("rev", role: .reviewer, mines: [], by: setup, on: conn)
        let app = try db.connectAsApp()
        let works = #"{"works": [{"type": "revegetation", "location": "dump", "area_hm2": "1", "budget": "50.00", "start_month": "2026-04", "end_month": "2026-09"}]}"#
        let opA = try Actor("opA", role: "operator")
        _ = try AnnualPlans.draft("A", year: 2026, try AnnualWorks.parse(Data(works.utf8), year: 2026), by: opA, on: app)
        let id = try db.count("SELECT id FROM annual_plans WHERE year = 2026")
        // an operator of another mine may not submit A's plan, whatever role is claimed
        let other = #expect(throws: PQError.self) {
            try app.execute("SELECT review_apply('annual-plan', \(id), 'draft', 'submit', 'opB', 'operator', NULL, NULL)")
        }
        #expect(other?.sqlState == .actorNotAllowed)
        _ = try AnnualPlans.decide("A", year: 2026, .submit, by: opA, on: app)
        // the operator approving their own plan, claiming to be a reviewer: refused by role
        let own = #expect(throws: PQError.self) {
            try app.execute("SELECT review_apply('annual-plan', \(id), 'submitted', 'approve', 'opA', 'reviewer', NULL, NULL)")
        }
        #expect(own?.sqlState == .actorNotAllowed && own?.message.contains("for reviewer") == true, "\(String(describing: own))")
        // a step the table has not from this state (accept is for a reported plan): refused, naming the state
        let skip = #expect(throws: PQError.self) {
            try app.execute("SELECT review_apply('annual-plan', \(id), 'submitted', 'accept', 'rev', 'reviewer', NULL, NULL)")
        }
        #expect(skip?.sqlState == .reviewStateChanged && skip?.detail == "submitted")
        // the old signature that took the new state and the review flag from its caller is gone
        #expect(throws: PQError.self) {
            try app.execute("SELECT review_apply('annual-plan', \(id), 'submitted', 'approve', 'approved', false, false, 'opA', 'reviewer', NULL, NULL)")
        }
        #expect(try Review.state(AnnualPlans.workflow, id: id, on: conn) == .submitted)
        let refused = #expect(throws: ReclaimError.self) {
            try FundLedger.withdraw("A", Booking(amount: try yuan("1"), annualPlanYear: 2026), by: try Actor("li", role: "finance"), on: app)
        }
        #expect(refused?.field == "annual_plan_year")
        // the reviewer's approval is recorded in the reviewer's own role, whatever was claimed
        try app.execute("SELECT review_apply('annual-plan', \(id), 'submitted', 'approve', 'rev', 'admin', NULL, NULL)")
        #expect(try db.count("SELECT count(*) FROM review_decisions WHERE action = 'approve' AND role = 'reviewer' AND actor = 'rev'") == 1)
    }

    /// Every table the service's role may write directly carries its rule in
    /// the database: a guard trigger on that very write (who acts, what may
    /// change, the history it leaves). No table may be deleted from or
    /// truncated by it. The replay store's rule is its CHECK.
    @Test func everyDirectWriteOfTheAppRoleMeetsARule() throws {
        let (db, conn) = try setUp()
        let unguarded = Set(try conn.query("""
            SELECT c.relname || ' ' || p.priv AS g
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            CROSS JOIN (VALUES ('INSERT', 4), ('UPDATE', 16), ('DELETE', 8), ('TRUNCATE', 32)) p(priv, bit)
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
              AND (has_table_privilege('reclaim_app', c.oid, p.priv)
                   OR (p.priv IN ('INSERT', 'UPDATE') AND has_any_column_privilege('reclaim_app', c.oid, p.priv)))
              AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal
                              AND t.tgtype & 2 = 2 AND t.tgtype & p.bit = p.bit)
            """).rows.map { try $0.decode("g", as: String.self) })
        #expect(unguarded == ["http_idempotency INSERT", "http_idempotency UPDATE"], "\(unguarded.sorted())")
        let app = try db.connectAsApp()
        _ = try Users.add("boss", role: .admin, mines: [], by: try Actor("setup"), on: conn)
        // what was seen: a mine closed and an obligation closed by a direct UPDATE, with no history
        _ = try MineRegistry.update("A", MineUpdate(scale: .medium), by: try Actor("boss", role: "admin"), on: app)
        try app.execute("UPDATE mines SET status = 'closed', updated_by = 'boss' WHERE license = 'A'")
        #expect(try db.count("SELECT count(*) FROM mine_history WHERE field = 'status' AND new_value = 'closed' AND changed_by = 'boss'") == 1)
        let ghost = #expect(throws: PQError.self) { try app.execute("UPDATE mines SET status = 'suspended', updated_by = 'li' WHERE license = 'A'") }
        #expect(ghost?.sqlState == .actorNotAllowed)  // finance changes no mine
        #expect(throws: PQError.self) { try app.execute("INSERT INTO mine_history (mine_id, field, changed_by) SELECT id, 'x', 'boss' FROM mines") }
        let obligation = #expect(throws: PQError.self) {
            try app.execute("UPDATE mine_obligations SET closed_at = now(), closed_by = 'boss'")
        }
        #expect(obligation?.sqlState == .ruleRefused, "\(String(describing: obligation))")
        #expect(try db.count("SELECT count(*) FROM mine_obligations WHERE closed_at IS NULL") == 3)
        // a planted replay must be JSON or CSV, never a page a browser would run
        let planted = #expect(throws: PQError.self) {
            try app.execute("""
                INSERT INTO http_idempotency (user_name, key, request_digest, status, content_type, body)
                VALUES ('li', 'k', '\\x00', 200, 'text/html', convert_to('<script>alert(1)</script>', 'UTF8'))
                """)
        }
        #expect(planted?.sqlState == .checkViolation)
        // an approved document cannot grow a line; a holiday is listed by an administrator only
        let line = #expect(throws: PQError.self) {
            try app.execute("INSERT INTO plan_costs (plan_id, year, cost) SELECT id, 2031, 100 FROM plans ORDER BY id LIMIT 1")
        }
        #expect(line?.sqlState == .insufficientPrivilege, "\(String(describing: line))")
        let works = #expect(throws: PQError.self) {
            try app.execute("""
                INSERT INTO annual_plan_works (version_id, n, type, location, area_m2, budget, start_month, end_month)
                SELECT id, 99, 'revegetation', 'x', 1, 100000000, '2025-04-01', '2025-09-01' FROM annual_plan_versions ORDER BY id LIMIT 1
                """)
        }
        #expect(works?.sqlState == .insufficientPrivilege, "\(String(describing: works))")
        let holiday = #expect(throws: PQError.self) {
            try app.execute("INSERT INTO work_calendar (day, kind, created_by) VALUES ('2030-01-02', 'holiday', 'li')")
        }
        #expect(holiday?.sqlState == .actorNotAllowed)
        // value dates a bank could not have given, booked straight through fund_post
        for day in ["0001-01-01", "2099-12-31"] {
            let e = #expect(throws: PQError.self) {
                try app.query("""
                    SELECT * FROM fund_post('deposit', 'B', NULL, 100, \(day)::date, NULL, NULL, NULL, NULL, 'li', 'finance', NULL, 'x')
                    """)
            }
            #expect(e?.sqlState == .ruleRefused && e?.column == "value_date", "\(day)")
        }
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 1)
    }

    /// Output reports, assessments, plans and rule sets written by
    /// reclaim_app directly still name a user who may do it.
    @Test func theAppRoleWritesAccrualsAndPlansOnlyForTheirUsers() throws {
        let (db, _) = try setUp()
        let app = try db.connectAsApp()
        for sql in [
            "INSERT INTO output_reports (mine_id, year, quantity, unit, reported_by) SELECT id, 2025, 1, 't', 'ghost' FROM mines WHERE license = 'A'",
            // an operator of another mine
            "INSERT INTO output_reports (mine_id, year, quantity, unit, reported_by) SELECT id, 2025, 1, 't', 'opA' FROM mines WHERE license = 'B'",
            "INSERT INTO accrual_rule_sets (name, jurisdiction, effective_from, loaded_by) VALUES ('x', '150600', '2030-01-01', 'li')",
            "INSERT INTO plans (mine_id, version, service_from, service_to, responsibility_area_m2, planned_reclaimed_m2, target_rate_bp, cost_total, letter_signed_on, submitted_by) SELECT id, 1, 2025, 2025, 1, 1, 1, 0, '2025-01-01', 'li' FROM mines WHERE license = 'A'",
        ] {
            let e = #expect(throws: PQError.self, "\(sql)") { try app.execute("\(unescaped: sql)") }
            #expect(e?.sqlState == .actorNotAllowed, "\(sql): \(String(describing: e?.sqlState))")
        }
        // the mine's own operator may
        try app.execute("INSERT INTO output_reports (mine_id, year, quantity, unit, reported_by) SELECT id, 2025, 1, 't', 'opA' FROM mines WHERE license = 'A'")
        #expect(try db.count("SELECT count(*) FROM output_reports") == 1)
    }

    /// What the service does, reclaim_app may: a real finance user books, an
    /// admin registers a mine (its accounts are opened by the owner's trigger).
    @Test func theAppRoleDoesWhatTheServiceDoes() throws {
        let (db, conn) = try setUp()
        _ = try Users.add("boss", role: .admin, mines: [], by: try Actor("setup"), on: conn)
        let app = try db.connectAsApp()
        let booked = try FundLedger.deposit("A", Booking(amount: try yuan("5")), by: try Actor("li", role: "finance"), on: app)
        #expect(booked.entry.actor == "li")
        _ = try MineRegistry.add(try sampleMine("Z9"), by: try Actor("boss", role: "admin"), on: app)
        #expect(try db.count("SELECT count(*) FROM fund_accounts a JOIN mines m ON m.id = a.mine_id WHERE m.license = 'Z9'") == 5)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE actor = 'boss' AND action = 'mine.add'") == 1)
        #expect(try FundLedger.verify(on: conn).isIntact)
    }

    /// `reclaim migrate` sets reclaim_app's password from RECLAIM_APP_PASSWORD,
    /// quoted by the server (a quote in it is no injection).
    @Test func migrateSetsTheAppPasswordFromTheEnvironment() throws {
        let db = try TestDatabase.make()
        let r = try CLI.run(["migrate"], database: db, environment: ["RECLAIM_APP_PASSWORD": "it's; DROP ROLE x"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("reclaim_app: password set"))
        #expect(!r.stdout.contains("DROP"))
        #expect(try db.count("SELECT count(*) FROM pg_authid WHERE rolname = 'reclaim_app' AND rolpassword IS NOT NULL") == 1)
    }
}
