import Foundation
import Logging
import Tally
import Testing

// Issue 4: the operational database enforces its own privacy rules. Each test migrates a database
// of its own, seeds `OperationalFixture` as the superuser, and then acts as real login roles, created
// for the test as members of the group roles and connecting with a password over TCP, as people and
// services do. This file is long because it is the acceptance walk of the whole security model.

@Suite("Operational database security", .enabled(if: TestServer.isAvailable))
struct OperationalSecurityTests {
    typealias F = OperationalFixture
    typealias Probe = SecurityProbe

    // MARK: The catalogue

    @Test("every column of every table and view is classified, and the design's PII columns as pii")
    func catalogueIsComplete() async throws {
        try await Probe.withSecuredDatabase { db in
            let admin = try db.connect()
            defer { admin.close() }
            let columns = try Probe.count(admin, "select count(*) from information_schema.columns where table_schema in ('app', 'privacy', 'audit', 'etl')")
            #expect(columns > 60, "the data schemas should be visible to the check")
            let unclassified = try Probe.strings(
                admin,
                """
                select c.table_schema || '.' || c.table_name || '.' || c.column_name
                from information_schema.columns c
                left join privacy.column_classification k
                    on k.table_schema = c.table_schema and k.table_name = c.table_name and k.column_name = c.column_name
                where c.table_schema in ('app', 'privacy', 'audit', 'etl') and k.class is null
                order by 1
                """)
            #expect(unclassified == [], "classify these in privacy.column_classification")
            let stale = try Probe.strings(
                admin,
                """
                select k.table_schema || '.' || k.table_name || '.' || k.column_name
                from privacy.column_classification k
                where not exists (
                    select 1 from information_schema.columns c
                    where c.table_schema = k.table_schema and c.table_name = k.table_name and c.column_name = k.column_name)
                order by 1
                """)
            #expect(stale == [], "the catalogue names columns that do not exist")
            let pii = Set(
                try Probe.strings(
                    admin, "select table_schema || '.' || table_name || '.' || column_name from privacy.column_classification where class = 'pii'"))
            for column in F.designPIIColumns {
                #expect(pii.contains(column), "\(column) must be classified pii")
            }

            #expect(try Probe.strings(admin, "select table_name from privacy.unclassified_columns") == [])
            try admin.execute("alter table app.titles add column tmp_note text")
            #expect(
                try Probe.strings(admin, "select table_schema || '.' || table_name || '.' || column_name from privacy.unclassified_columns") == [
                    "app.titles.tmp_note"
                ])
        }
    }

    @Test("every table holding personal data has row-level security enabled and forced")
    func personalTablesForceRowSecurity() async throws {
        try await Probe.withSecuredDatabase { db in
            let admin = try db.connect()
            defer { admin.close() }
            let tables = try admin.query(
                """
                select c.oid::regclass::text, c.relrowsecurity, c.relforcerowsecurity
                from pg_class c
                join pg_namespace n on n.oid = c.relnamespace
                where c.relkind in ('r', 'p')
                    and exists (
                        select 1 from privacy.column_classification k
                        where k.table_schema = n.nspname and k.table_name = c.relname and k.class in ('pii', 'quasi'))
                order by 1
                """)
            var names: Set<String> = []
            for row in tables.rows {
                let name = try row.decode(0, as: String.self)
                names.insert(name)
                #expect(try row.decode(1, as: Bool.self), "\(name) must have row-level security enabled")
                #expect(try row.decode(2, as: Bool.self), "\(name) must have row-level security forced")
            }
            #expect(
                names.isSuperset(of: [
                    "app.accounts", "app.profiles", "app.playback_events", "app.ratings",
                    "privacy.access_requests", "privacy.access_approvals", "audit.access_log", "etl.erasure_log",
                ]))
        }
    }

    @Test("only the bootstrap superuser is superuser or bypasses RLS; group roles cannot log in; no login owns anything")
    func rolesAndOwnership() async throws {
        try await Probe.withSecuredDatabase { db in
            let admin = try db.connect()
            defer { admin.close() }
            #expect(try Probe.strings(admin, "select rolname::text from pg_roles where rolcanlogin and (rolsuper or rolbypassrls) and oid <> 10") == [])
            let groups = try Probe.strings(
                admin,
                """
                select rolname::text from pg_roles
                where rolname in ('tally_owner', 'tally_app', 'tally_support', 'tally_approver_cs',
                                  'tally_approver_security', 'tally_auditor', 'tally_etl_reader')
                    and not rolcanlogin and not rolsuper and not rolbypassrls and not rolcreaterole
                order by 1
                """)
            #expect(
                groups == ["tally_app", "tally_approver_cs", "tally_approver_security", "tally_auditor", "tally_etl_reader", "tally_owner", "tally_support"])
            #expect(try Probe.count(admin, "select count(*) from pg_auth_members where roleid = 'tally_owner'::regrole") == 0)
            #expect(
                try Probe.strings(
                    admin,
                    """
                    select c.oid::regclass::text
                    from pg_class c
                    join pg_roles r on r.oid = c.relowner
                    join pg_namespace n on n.oid = c.relnamespace
                    where r.rolcanlogin and r.oid <> 10 and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
                        and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
                    """) == [], "no login role but the bootstrap superuser (migration history) may own a table")
            #expect(
                try Probe.strings(
                    admin,
                    """
                    select c.oid::regclass::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
                    where n.nspname in ('app', 'privacy', 'audit', 'etl') and c.relowner <> 'tally_owner'::regrole
                    union all
                    select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                    where n.nspname in ('app', 'privacy', 'audit', 'etl') and p.proowner <> 'tally_owner'::regrole
                    union all
                    select nspname::text from pg_namespace
                    where nspname in ('app', 'privacy', 'audit', 'etl') and nspowner <> 'tally_owner'::regrole
                    """) == [], "tally_owner owns every schema, relation and function")
        }
    }

    @Test("SECURITY DEFINER functions pin search_path, and no function is executable by PUBLIC")
    func functionsAreLockedDown() async throws {
        try await Probe.withSecuredDatabase { db in
            let admin = try db.connect()
            defer { admin.close() }
            let definers = try Probe.strings(
                admin,
                """
                select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                where n.nspname in ('app', 'privacy', 'audit', 'etl') and p.prosecdef
                """)
            #expect(definers.contains("privacy.request_access(uuid,text,text,text,interval)"))
            #expect(definers.contains("privacy.approve_access(bigint)"))
            #expect(definers.contains("privacy.revoke_access(bigint,text)"))
            #expect(
                try Probe.strings(
                    admin,
                    """
                    select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                    where n.nspname in ('app', 'privacy', 'audit', 'etl') and p.prosecdef
                        and not exists (select 1 from unnest(p.proconfig) c where c like 'search_path=%')
                    """) == [], "SECURITY DEFINER without a pinned search_path")
            #expect(
                try Probe.strings(
                    admin,
                    """
                    select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                    where n.nspname in ('app', 'privacy', 'audit', 'etl', 'dblink')
                        and exists (
                            select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                            where a.grantee = 0 and a.privilege_type = 'EXECUTE')
                    """) == [], "executable by PUBLIC")
        }
    }

    // MARK: The matrix

    @Test("the documented role x table x command matrix holds", arguments: SecurityMatrix.Group.allCases)
    func matrixHolds(_ group: SecurityMatrix.Group) async throws {
        try await Probe.withSecuredDatabase { db in
            try await Probe.withLogins(in: db, [[group.rawValue]]) { logins in
                let connection = try Probe.connect(db, as: logins[0])
                defer { connection.close() }
                var mismatches: [String] = []
                for relation in SecurityMatrix.relations {
                    for command in SecurityMatrix.Command.allCases {
                        let cell = "\(group.rawValue) \(command.rawValue) \(relation)"
                        let allowed = SecurityMatrix.isAllowed(group, command, relation)
                        switch try Probe.attempt(SecurityMatrix.statements(command, relation), on: connection) {
                        case .succeeded(let rows):
                            if !allowed {
                                mismatches.append("\(cell): allowed, but the matrix denies it")
                            } else if group == .app, command != .select, relation.hasPrefix("app."), rows != 1 {
                                mismatches.append("\(cell): changed \(rows.map(String.init) ?? "?") rows of the bound account, expected 1")
                            }
                        case .failed(let sqlState, let message):
                            let deniedStates: Set<String> = SecurityMatrix.views.contains(relation) ? ["42501", "55000"] : ["42501"]
                            if allowed {
                                mismatches.append("\(cell): failed (\(sqlState ?? "-") \(message)), but the matrix allows it")
                            } else if !deniedStates.contains(sqlState ?? "") {
                                mismatches.append("\(cell): failed with \(sqlState ?? "-") \(message), expected a permission error")
                            }
                        }
                    }
                }
                #expect(mismatches == [])
            }
        }
    }

    // MARK: App isolation

    @Test("the backend sees and changes only the account bound with set local tally.account_id")
    func appIsolation() async throws {
        try await Probe.withSecuredDatabase { db in
            try await Probe.withLogins(in: db, [["tally_app"]]) { logins in
                let app = try Probe.connect(db, as: logins[0])
                defer { app.close() }
                #expect(try Probe.visibleRows(app) == .nothing, "nothing is visible with no account bound")

                try app.execute("begin; set local tally.account_id = '\(F.accountA)'")
                #expect(try Probe.visibleRows(app) == F.rowsOfA)
                #expect(try app.execute("update app.accounts set plan = 'free' where account_id = '\(F.accountB)'").affectedRows == 0)
                #expect(try app.execute("update app.accounts set plan = 'basic' where account_id = '\(F.accountA)'").affectedRows == 1)
                try app.execute("commit")
                #expect(try Probe.visibleRows(app) == .nothing, "set local ends with the transaction")

                let writes = [
                    "insert into app.profiles (profile_id, account_id, display_name) values (gen_random_uuid(), '\(F.accountB)', 'intruder')",
                    "insert into app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code) values ('\(F.profileB1)', 1, now(), 1, true, 'tv', 'GB')",
                    "insert into app.ratings (profile_id, title_id, thumb, rated_at) values ('\(F.profileB1)', 1, 1, now())",
                    "update app.accounts set account_id = '\(F.accountB)' where account_id = '\(F.accountA)'",
                    "update app.profiles set account_id = '\(F.accountB)' where profile_id = '\(F.profileA1)'",
                ]
                for write in writes {
                    try app.execute("begin; set local tally.account_id = '\(F.accountA)'")
                    let error = #expect(throws: PostgresError.self, "\(write)") { try app.execute(write) }
                    #expect(error?.sqlState == "42501", "WITH CHECK must refuse: \(write)")
                    try app.execute("rollback")
                }
                let admin = try db.connect()
                defer { admin.close() }
                #expect(try Probe.count(admin, "select count(*) from app.profiles where account_id = '\(F.accountB)'") == 1)
                #expect(try Probe.strings(admin, "select plan from app.accounts where account_id = '\(F.accountB)'") == ["basic"], "B was not changed")
            }
        }
    }

    // MARK: Support access

    @Test("a support login sees an account only under a grant approved by customer service and security")
    func grantWorkflow() async throws {
        try await Probe.withSecuredDatabase { db in
            try await Probe.withLogins(
                in: db,
                [
                    ["tally_support"], ["tally_support"], ["tally_approver_cs"], ["tally_approver_cs"],
                    ["tally_approver_security"], ["tally_support", "tally_approver_cs"],
                    ["tally_approver_cs", "tally_approver_security"],
                ]
            ) { logins in
                let (support, otherSupport, cs, otherCS) = (logins[0], logins[1], logins[2], logins[3])
                let (security, supportLead, bothFunctions) = (logins[4], logins[5], logins[6])
                let reader = try Probe.connect(db, as: support)
                defer { reader.close() }
                #expect(try Probe.visibleRows(reader) == .nothing, "no grant")

                let request = try Probe.requestAccess(db, as: support, account: F.accountA)
                #expect(try Probe.visibleRows(reader) == .nothing, "requested, not approved")
                #expect(try Probe.approve(db, as: cs, request) == "awaiting security approval")
                #expect(try Probe.visibleRows(reader) == .nothing, "only one approval")

                let sameFunction = #expect(throws: PostgresError.self) { try Probe.approve(db, as: otherCS, request) }
                #expect(sameFunction?.sqlState == "42501")
                let twice = #expect(throws: PostgresError.self) { try Probe.approve(db, as: cs, request) }
                #expect(twice?.sqlState == "42501")
                #expect(try Probe.visibleRows(reader) == .nothing, "two approvals from the same function do not make a grant")

                let own = try Probe.requestAccess(db, as: supportLead, account: F.accountB)
                let selfApproval = #expect(throws: PostgresError.self) { try Probe.approve(db, as: supportLead, own) }
                #expect(selfApproval?.sqlState == "42501")
                let byOneForBoth = try Probe.requestAccess(db, as: otherSupport, account: F.accountB)
                #expect(try Probe.approve(db, as: bothFunctions, byOneForBoth) == "awaiting security approval")
                let secondBySamePerson = #expect(throws: PostgresError.self) { try Probe.approve(db, as: bothFunctions, byOneForBoth) }
                #expect(secondBySamePerson?.sqlState == "42501")

                #expect(try Probe.approve(db, as: security, request) == "active")
                #expect(try Probe.visibleRows(reader) == F.rowsOfA, "exactly account A's rows, nothing of B or the deleted account")
                let other = try Probe.connect(db, as: otherSupport)
                defer { other.close() }
                #expect(try Probe.visibleRows(other) == .nothing, "a grant is for the requester only")

                let requests = try Probe.connect(db, as: support)
                defer { requests.close() }
                let badReason = #expect(throws: PostgresError.self) {
                    try requests.query("select privacy.request_access($1::uuid, 'curiosity', 'T-9', 'just looking')", [F.accountB])
                }
                #expect(badReason?.sqlState == "22023")
                let tooLong = #expect(throws: PostgresError.self) {
                    try requests.query("select privacy.request_access($1::uuid, 'fraud', 'T-9', 'chargeback', '25 hours')", [F.accountB])
                }
                #expect(tooLong?.sqlState == "22023")
                let approverRequests = #expect(throws: PostgresError.self) { try Probe.requestAccess(db, as: cs, account: F.accountB) }
                #expect(approverRequests?.sqlState == "42501")
                let supportApproves = #expect(throws: PostgresError.self) { try Probe.approve(db, as: otherSupport, request) }
                #expect(supportApproves?.sqlState == "42501")
                let directWrite = #expect(throws: PostgresError.self) {
                    try requests.execute("update privacy.access_requests set expires_at = now() + interval '1 year'")
                }
                #expect(directWrite?.sqlState == "42501")
            }
        }
    }

    @Test("an expired grant shows nothing, even in a transaction opened before it expired")
    func expiryByTheClock() async throws {
        try await Probe.withSecuredDatabase { db in
            // An injected clock instead of a wait: privacy.clock() reads an offset from a sequence,
            // which every transaction sees at once, whatever its snapshot.
            let admin = try db.connect()
            defer { admin.close() }
            try admin.execute(
                """
                create sequence privacy.test_clock_offset minvalue 0 start 0;
                grant select on sequence privacy.test_clock_offset to tally_owner;
                create or replace function privacy.clock() returns timestamptz language sql volatile security definer
                    set search_path = pg_catalog, pg_temp
                as $$ select pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => (select last_value from privacy.test_clock_offset)) $$;
                """)
            try await Probe.withLogins(in: db, [["tally_support"], ["tally_approver_cs"], ["tally_approver_security"]]) { logins in
                let request = try Probe.grantAccess(db, logins, account: F.accountA, validFor: "1 hour")
                let reader = try Probe.connect(db, as: logins[0])
                defer { reader.close() }
                try reader.execute("begin isolation level repeatable read")
                #expect(try Probe.visibleRows(reader) == F.rowsOfA)
                // One hour and a second later, by the clock the grant is judged by.
                try admin.query("select setval('privacy.test_clock_offset', 3601)")
                #expect(try Probe.visibleRows(reader) == .nothing)
                let startedBeforeExpiry = try reader.query(
                    "select now() < expires_at from privacy.access_requests where request_id = $1", [request]
                ).scalar(as: Bool.self)
                #expect(startedBeforeExpiry, "the transaction began before the grant expired")
                try reader.execute("commit")
                #expect(try Probe.visibleRows(reader) == .nothing)
                // Moved back, the same grant shows the rows again: it was the clock, nothing else.
                try admin.query("select setval('privacy.test_clock_offset', 0)")
                #expect(try Probe.visibleRows(reader) == F.rowsOfA)
            }
        }
    }

    @Test("a revoked grant shows nothing at once, even in a repeatable-read transaction opened before")
    func revocation() async throws {
        try await Probe.withSecuredDatabase { db in
            try await Probe.withLogins(in: db, [["tally_support"], ["tally_approver_cs"], ["tally_approver_security"]]) { logins in
                let request = try Probe.grantAccess(db, logins, account: F.accountA)
                let reader = try Probe.connect(db, as: logins[0])
                defer { reader.close() }
                try reader.execute("begin isolation level repeatable read")
                #expect(try Probe.visibleRows(reader) == F.rowsOfA)

                let security = try Probe.connect(db, as: logins[2])
                defer { security.close() }
                try security.query("select privacy.revoke_access($1, 'ticket closed')", [request])
                #expect(try Probe.visibleRows(reader) == .nothing)
                try reader.execute("commit")
                #expect(try Probe.visibleRows(reader) == .nothing)

                let again = #expect(throws: PostgresError.self) { try Probe.approve(db, as: logins[1], request) }
                #expect(again?.sqlState == "55000", "a revoked request cannot be approved back to life")
            }
        }
    }

    @Test("an analyst's warehouse login, and a login of no group, cannot connect to the operational database")
    func onlyItsRolesConnect() async throws {
        try await withLoadFixture { fixture in
            for groups in [["tally_analyst"], []] {
                try await withLoginRole(in: fixture.warehouse, memberOf: groups) { login, password in
                    let local = try requireLocal(fixture.operational)
                    let warehouse = try PostgresConnection.connect(
                        local.tcpConninfo(database: fixture.warehouse.name, user: login, password: password), logger: quietLogger())
                    warehouse.close()
                    let error = #expect(throws: PostgresError.self, "\(groups)") {
                        try PostgresConnection.connect(
                            local.tcpConninfo(database: fixture.operational.name, user: login, password: password), logger: quietLogger())
                    }
                    #expect(error?.message.contains("permission denied for database") == true, "\(error?.message ?? "")")
                }
            }
        }
    }

    // MARK: Spoofing and escalation

    @Test("a support login gains nothing from settings, row_security, set role, leaky functions, COPY or dblink")
    func supportCannotEscalate() async throws {
        try await Probe.withSecuredDatabase { db in
            try await Probe.withLogins(in: db, [["tally_support"], ["tally_approver_cs"], ["tally_approver_security"], ["tally_support"]]) { logins in
                _ = try Probe.grantAccess(db, logins, account: F.accountA)
                let (logger, notices) = RecordingLogHandler.logger()
                let support = try Probe.connect(db, as: logins[0], logger: logger)
                defer { support.close() }
                try Probe.expectNoEscalation(support, visibleAccounts: [F.accountA])

                let leaked = try Probe.leakThroughWhereClause(support, notices: notices)
                #expect(leaked.contains { $0.contains(F.emailA) }, "the leak function runs on visible rows")
                for secret in F.canaries(of: F.accountB) + F.canaries(of: F.accountDeleted) {
                    #expect(!leaked.contains { $0.contains(secret) }, "hidden value leaked: \(secret)")
                }
                var copied = ""
                let rows = try support.copyOut("copy app.accounts to stdout") { copied += String(decoding: $0, as: UTF8.self) }
                #expect(rows == 1)
                #expect(copied.contains(F.emailA))
                #expect(!copied.contains(F.emailB) && !copied.contains(F.emailDeleted))

                for sql in [
                    "select dblink.dblink_connect_u('x', 'dbname=postgres')",
                    "select audit.append_event('x', 'select', 'read', null, null, null, 0)",
                    "select privacy.active_request_id('\(F.accountB)')",
                    "set role tally_app",
                ] {
                    Probe.expectDenied(support, sql)
                }

                let (otherLogger, otherNotices) = RecordingLogHandler.logger()
                let ungranted = try Probe.connect(db, as: logins[3], logger: otherLogger)
                defer { ungranted.close() }
                try Probe.expectNoEscalation(ungranted, visibleAccounts: [])
                #expect(try Probe.leakThroughWhereClause(ungranted, notices: otherNotices) == [])
                var nothing = ""
                #expect(try ungranted.copyOut("copy app.accounts to stdout") { nothing += String(decoding: $0, as: UTF8.self) } == 0)
                #expect(nothing.isEmpty)
            }
        }
    }

    @Test("an ETL login gains nothing from settings, row_security, set role, leaky functions or COPY")
    func etlCannotEscalate() async throws {
        try await Probe.withSecuredDatabase { db in
            try await Probe.withLogins(in: db, [["tally_etl_reader"]]) { logins in
                let (logger, notices) = RecordingLogHandler.logger()
                let etl = try Probe.connect(db, as: logins[0], logger: logger)
                defer { etl.close() }
                for spoof in ["set tally.account_id = '\(F.accountA)'", "select set_config('tally.account_id', '\(F.accountA)', false)"] {
                    try etl.execute(spoof)
                    #expect(try Probe.strings(etl, "select account_id::text from app.accounts order by 1") == F.allAccounts)
                    Probe.expectDenied(etl, "select email from app.accounts")
                }
                try etl.execute("set row_security = off")
                Probe.expectDenied(etl, "select count(*) from app.accounts")
                try etl.execute("reset row_security")
                Probe.expectDenied(etl, "set role tally_owner")
                Probe.expectDenied(etl, "set role tally_support")

                try etl.execute(SecurityProbe.leakFunction)
                Probe.expectDenied(etl, "select count(*) from app.accounts where pg_temp.leak(email)")
                Probe.expectDenied(etl, "select count(*) from app.playback_events where pg_temp.leak(ip_address::text)")
                #expect(try Probe.count(etl, "select count(*) from app.accounts where pg_temp.leak(plan || ' ' || country_code)") == 3)
                let leaked = notices.all.compactMap { $0.metadata["message"]?.description }.filter { $0.hasPrefix("leak: ") }
                #expect(leaked.count == 3)
                for secret in F.allCanaries {
                    #expect(!leaked.contains { $0.contains(secret) }, "PII leaked: \(secret)")
                }

                Probe.expectDenied(etl, "copy app.accounts to stdout")
                Probe.expectDenied(etl, "copy app.playback_events to stdout")
                var copied = ""
                #expect(try etl.copyOut("copy app.accounts (account_id, plan, country_code) to stdout") { copied += String(decoding: $0, as: UTF8.self) } == 3)
                for secret in F.allCanaries {
                    #expect(!copied.contains(secret))
                }
            }
        }
    }

    // MARK: Audit

    @Test("a granted read is audited once per statement, and the entry survives the reader's ROLLBACK")
    func auditSurvivesRollback() async throws {
        try await Probe.withSecuredDatabase { db in
            try await Probe.withLogins(in: db, [["tally_support"], ["tally_approver_cs"], ["tally_approver_security"], ["tally_auditor"]]) { logins in
                let (support, cs, security, auditor) = (logins[0], logins[1], logins[2], logins[3])
                let request = try Probe.grantAccess(db, logins, account: F.accountA)
                let reader = try Probe.connect(db, as: support)
                defer { reader.close() }
                try reader.execute("begin")
                #expect(try Probe.strings(reader, "select email from app.accounts") == [F.emailA])
                try reader.execute("rollback")

                let audit = try Probe.connect(db, as: auditor)
                defer { audit.close() }
                let reads = try audit.query(
                    """
                    select account_id::text, request_id, relation, outcome, at <= clock_timestamp() as stamped
                    from audit.access_log
                    where actor = $1 and action = 'select'
                    order by entry_id
                    """, [support.role])
                #expect(reads.count == 1)
                if reads.count == 1 {
                    let entry = reads[0]
                    #expect(try entry.decode("account_id", as: String.self) == F.accountA)
                    #expect(try entry.decode("request_id", as: Int.self) == request)
                    #expect(try entry.decode("relation", as: String.self) == "app.accounts")
                    #expect(try entry.decode("outcome", as: String.self) == "read")
                    #expect(try entry.decode("stamped", as: Bool.self))
                }

                let eventReads = "select count(*) from audit.access_log where actor = $1 and relation = 'app.playback_events'"
                #expect(try Probe.count(reader, "select count(*) from app.playback_events") == F.rowsOfA.eventProfiles.count)
                #expect(try audit.query(eventReads, [support.role]).scalar(as: Int.self) == 1, "one entry for a statement that read several rows")
                #expect(try Probe.count(reader, "select count(*) from app.playback_events") == F.rowsOfA.eventProfiles.count)
                #expect(try audit.query(eventReads, [support.role]).scalar(as: Int.self) == 2, "one entry per statement")

                _ = #expect(throws: PostgresError.self) { try Probe.approve(db, as: cs, request) }
                let revoker = try Probe.connect(db, as: security)
                defer { revoker.close() }
                try revoker.query("select privacy.revoke_access($1, 'done')", [request])
                let workflow = try audit.query(
                    """
                    select actor, outcome from audit.access_log
                    where request_id = $1 and action <> 'select'
                    order by entry_id
                    """, [request])
                let entries = try workflow.rows.map { row in try row.decode(0, as: String.self) + " " + row.decode(1, as: String.self) }
                #expect(
                    entries == [
                        "\(support.role) requested", "\(cs.role) approved", "\(security.role) approved", "\(security.role) granted",
                        "\(cs.role) refused", "\(security.role) revoked",
                    ])
            }
        }
    }

    @Test("nobody but the owner can change the audit trail, and only the auditor can read it")
    func auditIsAppendOnly() async throws {
        try await Probe.withSecuredDatabase { db in
            let groups = SecurityMatrix.Group.allCases
            try await Probe.withLogins(in: db, groups.map { [$0.rawValue] }) { logins in
                for (group, login) in zip(groups, logins) {
                    let connection = try Probe.connect(db, as: login)
                    defer { connection.close() }
                    for sql in [
                        "update audit.access_log set outcome = 'denied'",
                        "delete from audit.access_log",
                        "truncate audit.access_log",
                        "insert into audit.access_log (actor, action, outcome) values (current_user, 'select', 'read')",
                    ] {
                        Probe.expectDenied(connection, sql)
                    }
                    if group == .auditor {
                        _ = try Probe.count(connection, "select count(*) from audit.access_log")
                    } else {
                        Probe.expectDenied(connection, "select count(*) from audit.access_log")
                    }
                }
            }
        }
    }

    // MARK: The ETL's view

    @Test("the ETL login can read no PII column, and can read its columns, the age band and erasures")
    func etlReadsOnlyNonPII() async throws {
        try await Probe.withSecuredDatabase { db in
            try await Probe.withLogins(in: db, [["tally_etl_reader"]]) { logins in
                let etlRole = logins[0].role
                let admin = try db.connect()
                defer { admin.close() }
                let etl = try Probe.connect(db, as: logins[0])
                defer { etl.close() }

                let piiColumns = try admin.query(
                    "select table_schema, table_name, column_name from privacy.column_classification where class = 'pii' order by 1, 2, 3")
                #expect(piiColumns.count >= F.designPIIColumns.count)
                for row in piiColumns.rows {
                    let relation = try row.decode(0, as: String.self) + "." + row.decode(1, as: String.self)
                    let column = try row.decode(2, as: String.self)
                    Probe.expectDenied(etl, "select \(column) from \(relation) limit 1")
                }
                #expect(
                    try Probe.strings(
                        admin,
                        """
                        select k.table_schema || '.' || k.table_name || '.' || k.column_name
                        from privacy.column_classification k
                        where k.class = 'pii'
                            and has_column_privilege($1::name, format('%I.%I', k.table_schema, k.table_name), k.column_name,
                                                     'SELECT, INSERT, UPDATE, REFERENCES')
                        """, [etlRole]) == [], "has_column_privilege must be false for every PII column")
                let readable = Set(
                    try Probe.strings(
                        admin,
                        """
                        select c.table_name || '.' || c.column_name
                        from information_schema.columns c
                        where c.table_schema = 'app'
                            and has_column_privilege($1::name, format('app.%I', c.table_name), c.column_name, 'SELECT')
                        """, [etlRole]))
                let nonPersonal = Set(
                    try Probe.strings(
                        admin, "select table_name || '.' || column_name from privacy.column_classification where table_schema = 'app' and class = 'none'"))
                #expect(readable.isSuperset(of: SecurityMatrix.etlAppColumns), "the loader needs these")
                #expect(
                    readable.subtracting(SecurityMatrix.etlAppColumns).subtracting(nonPersonal).sorted() == [],
                    "anything more the loader may read must be classified none")

                #expect(
                    try Probe.count(
                        etl,
                        "select count(*) from (select event_id, profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code, ingested_at from app.playback_events) e"
                    ) == 7)
                #expect(
                    try Probe.count(etl, "select count(*) from (select rating_id, profile_id, title_id, thumb, rated_at, ingested_at from app.ratings) r") == 3)
                #expect(try Probe.count(etl, "select count(*) from (select account_id, plan, country_code from app.accounts) a") == 3)
                #expect(try Probe.count(etl, "select count(*) from (select profile_id, account_id, is_kids from app.profiles) p") == 4)
                #expect(try Probe.count(etl, "select count(*) from (select * from app.titles) t") == 2)

                #expect(
                    try Probe.strings(
                        etl,
                        """
                        select profile_id || ' ' || account_id || ' ' || is_kids::text || ' ' || plan || ' ' || country_code || ' ' || age_band
                        from etl.profile_attributes order by profile_id
                        """) == F.profileAttributes)
                #expect(
                    try Probe.strings(etl, "select account_id || ' ' || coalesce(profile_id::text, '-') from etl.erasures order by 1") == [
                        "\(F.accountDeleted) \(F.profileD1)"
                    ])
                #expect(
                    try Probe.strings(
                        etl,
                        """
                        select etl.age_band('1991-06-15', d) from unnest(array[
                            '1990-12-31', '2026-06-14', '2026-06-15', '2026-06-16', '2026-12-31', '2027-01-01'
                        ]::date[]) d
                        """) == ["unknown", "25_34", "25_34", "25_34", "25_34", "35_44"],
                    "by birth year: the same on either side of the 35th birthday, and a new band on 1 January for all born in 1991")
            }
        }
    }
}

// MARK: - The fixture

/// Accounts A and B, and a deleted account D, each with unique canary PII, profiles, events and ratings.
enum OperationalFixture {
    static let accountA = "aaaaaaaa-0000-4000-8000-00000000000a"
    static let accountB = "bbbbbbbb-0000-4000-8000-00000000000b"
    static let accountDeleted = "dddddddd-0000-4000-8000-00000000000d"
    static let newAccount = "eeeeeeee-0000-4000-8000-00000000000e"
    static let profileA1 = "aaaaaaaa-1111-4000-8000-0000000000a1"
    static let profileA2 = "aaaaaaaa-1111-4000-8000-0000000000a2"
    static let profileB1 = "bbbbbbbb-1111-4000-8000-0000000000b1"
    static let profileD1 = "dddddddd-1111-4000-8000-0000000000d1"
    static let newProfile = "eeeeeeee-1111-4000-8000-0000000000e1"
    static let emailA = "canary-a-4f1d@example.test"
    static let emailB = "canary-b-93c2@example.test"
    static let emailDeleted = "canary-d-07aa@example.test"
    static let allAccounts = [accountA, accountB, accountDeleted]

    /// The PII columns DESIGN.md names.
    static let designPIIColumns = [
        "app.accounts.email", "app.accounts.full_name", "app.accounts.date_of_birth", "app.profiles.display_name",
        "app.playback_events.ip_address", "app.playback_events.user_agent",
    ]

    /// Canary values of one account: e-mail, name, display name, IP address, user agent.
    static func canaries(of account: String) -> [String] {
        switch account {
        case accountA: [emailA, "Alice Canary-4f1d", "Alice-4f1d", "203.0.113.41", "CanaryAgent/A-4f1d"]
        case accountB: [emailB, "Bob Canary-93c2", "Bob-93c2", "198.51.100.93", "CanaryAgent/B-93c2"]
        default: [emailDeleted, "Dora Canary-07aa", "Dora-07aa", "192.0.2.7", "CanaryAgent/D-07aa"]
        }
    }

    static let allCanaries = allAccounts.flatMap { canaries(of: $0) }

    /// What a login that may see only account A sees.
    static let rowsOfA = SecurityProbe.VisibleRows(
        accounts: [accountA], profiles: [profileA1, profileA2],
        eventProfiles: [profileA1, profileA1, profileA2], ratingProfiles: [profileA1])

    /// etl.profile_attributes for the fixture: A is 30, B is 16, D gave no date of birth.
    static let profileAttributes = [
        "\(profileA1) \(accountA) false premium GB 25_34",
        "\(profileA2) \(accountA) true premium GB 25_34",
        "\(profileB1) \(accountB) false basic DE 13_17",
        "\(profileD1) \(accountDeleted) false basic FR unknown",
    ]

    static var sql: String {
        let a = canaries(of: accountA)
        let b = canaries(of: accountB)
        let d = canaries(of: accountDeleted)
        return """
            insert into app.accounts (account_id, email, full_name, date_of_birth, country_code, plan, deleted_at) values
                ('\(accountA)', '\(a[0])', '\(a[1])', ((now() at time zone 'UTC')::date - interval '30 years 10 days')::date, 'GB', 'premium', null),
                ('\(accountB)', '\(b[0])', '\(b[1])', ((now() at time zone 'UTC')::date - interval '16 years 10 days')::date, 'DE', 'basic', null),
                ('\(accountDeleted)', '\(d[0])', '\(d[1])', null, 'FR', 'basic', now());
            insert into app.profiles (profile_id, account_id, display_name, is_kids) values
                ('\(profileA1)', '\(accountA)', '\(a[2])', false),
                ('\(profileA2)', '\(accountA)', '\(a[2]) kids', true),
                ('\(profileB1)', '\(accountB)', '\(b[2])', false),
                ('\(profileD1)', '\(accountDeleted)', '\(d[2])', false);
            insert into app.titles (title_id, name, kind, genre, release_year, runtime_seconds) values
                (1, 'A Christmas Prince', 'movie', 'romance', 2017, 5520),
                (2, 'Another Title', 'movie', 'drama', 2020, 6000);
            insert into app.playback_events
                (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code, ip_address, user_agent)
            values
                ('\(profileA1)', 1, now() - interval '2 days', 5520, true, 'tv', 'GB', '\(a[3])', '\(a[4])'),
                ('\(profileA1)', 1, now() - interval '1 day', 5520, true, 'tv', 'GB', '\(a[3])', '\(a[4])'),
                ('\(profileA2)', 2, now() - interval '1 day', 600, false, 'tablet', 'GB', '\(a[3])', '\(a[4])'),
                ('\(profileB1)', 1, now() - interval '3 days', 5520, true, 'phone', 'DE', '\(b[3])', '\(b[4])'),
                ('\(profileB1)', 1, now() - interval '2 days', 5520, true, 'phone', 'DE', '\(b[3])', '\(b[4])'),
                ('\(profileB1)', 2, now() - interval '1 day', 30, false, 'web', 'DE', '\(b[3])', '\(b[4])'),
                ('\(profileD1)', 2, now() - interval '9 days', 6000, true, 'tv', 'FR', '\(d[3])', '\(d[4])');
            insert into app.ratings (profile_id, title_id, thumb, rated_at) values
                ('\(profileA1)', 1, 1, now() - interval '1 day'),
                ('\(profileB1)', 1, -1, now() - interval '2 days'),
                ('\(profileB1)', 2, 1, now() - interval '1 day');
            """
    }
}

// MARK: - The matrix

/// The role x relation x command matrix of docs/security.md, and a statement that tries each cell.
enum SecurityMatrix {
    /// The group roles people and services log in through (tally_owner has no logins).
    enum Group: String, CaseIterable, Sendable {
        case app = "tally_app"
        case support = "tally_support"
        case approverCS = "tally_approver_cs"
        case approverSecurity = "tally_approver_security"
        case auditor = "tally_auditor"
        case etlReader = "tally_etl_reader"
    }

    enum Command: String, CaseIterable, Sendable {
        case select, insert, update, delete
    }

    static let relations = [
        "app.accounts", "app.profiles", "app.titles", "app.playback_events", "app.ratings",
        "privacy.access_requests", "privacy.access_approvals", "privacy.column_classification",
        "privacy.unclassified_columns", "audit.access_log", "etl.profile_attributes", "etl.erasures",
    ]

    /// Views cannot take INSERT/UPDATE/DELETE at all (SQLSTATE 55000 for those who can see them).
    static let views: Set<String> = ["privacy.unclassified_columns", "etl.profile_attributes", "etl.erasures"]

    private static let catalogue: [String: Set<Command>] = [
        "privacy.column_classification": [.select], "privacy.unclassified_columns": [.select],
    ]
    private static let workflow: [String: Set<Command>] = [
        "privacy.access_requests": [.select], "privacy.access_approvals": [.select],
    ]

    /// Allowed commands per group and relation; anything missing is denied.
    static let allowed: [Group: [String: Set<Command>]] = [
        .app: catalogue.merging([
            "app.accounts": [.select, .insert, .update],
            "app.profiles": [.select, .insert, .update, .delete],
            "app.titles": [.select, .insert, .update],
            "app.playback_events": [.select, .insert],
            "app.ratings": [.select, .insert],
        ]) { $1 },
        .support: catalogue.merging(workflow) { $1 }.merging([
            "app.accounts": [.select], "app.profiles": [.select], "app.titles": [.select],
            "app.playback_events": [.select], "app.ratings": [.select],
        ]) { $1 },
        .approverCS: catalogue.merging(workflow) { $1 },
        .approverSecurity: catalogue.merging(workflow) { $1 },
        .auditor: catalogue.merging(workflow) { $1 }.merging(["audit.access_log": [.select]]) { $1 },
        .etlReader: catalogue.merging([
            "app.accounts": [.select], "app.profiles": [.select], "app.titles": [.select],
            "app.playback_events": [.select], "app.ratings": [.select],
            "etl.profile_attributes": [.select], "etl.erasures": [.select],
        ]) { $1 },
    ]

    static func isAllowed(_ group: Group, _ command: Command, _ relation: String) -> Bool {
        allowed[group]?[relation]?.contains(command) ?? false
    }

    /// Columns of app tables the ETL role must be able to select, as `table.column`; any further
    /// readable column must be classified `none`.
    static let etlAppColumns: Set<String> = [
        "accounts.account_id", "accounts.country_code", "accounts.plan",
        "playback_events.completed", "playback_events.country_code", "playback_events.device_type",
        "playback_events.event_id", "playback_events.ingested_at", "playback_events.profile_id",
        "playback_events.started_at", "playback_events.title_id", "playback_events.watched_seconds",
        "profiles.account_id", "profiles.is_kids", "profiles.profile_id",
        "ratings.ingested_at", "ratings.profile_id", "ratings.rated_at", "ratings.rating_id", "ratings.thumb",
        "ratings.title_id",
        "titles.genre", "titles.kind", "titles.name", "titles.release_year", "titles.runtime_seconds",
        "titles.series_name", "titles.title_id", "titles.updated_at",
    ]

    /// Statements that need exactly the privilege of one cell. They run in a transaction bound to
    /// account A (for tally_app) that is rolled back, so each cell starts from the fixture.
    static func statements(_ command: Command, _ relation: String) -> [String] {
        typealias F = OperationalFixture
        let bind = "set local tally.account_id = '\(F.accountA)'"
        if command == .select { return [bind, "select count(*) from \(relation)"] }
        let dml: String
        switch (relation, command) {
        case ("app.accounts", .insert):
            return [
                "set local tally.account_id = '\(F.newAccount)'",
                "insert into app.accounts (account_id, email, full_name, country_code, plan) values ('\(F.newAccount)', 'new@example.test', 'New Person', 'GB', 'basic')",
            ]
        case ("app.accounts", .update): dml = "update app.accounts set plan = 'basic' where account_id = '\(F.accountA)'"
        case ("app.accounts", .delete): dml = "delete from app.accounts where account_id = '\(F.accountA)'"
        case ("app.profiles", .insert):
            dml = "insert into app.profiles (profile_id, account_id, display_name) values ('\(F.newProfile)', '\(F.accountA)', 'New')"
        case ("app.profiles", .update): dml = "update app.profiles set is_kids = true where profile_id = '\(F.profileA1)'"
        case ("app.profiles", .delete): dml = "delete from app.profiles where profile_id = '\(F.profileA2)'"
        case ("app.titles", .insert): dml = "insert into app.titles (title_id, name, kind) values (900, 'New Title', 'movie')"
        case ("app.titles", .update): dml = "update app.titles set genre = 'comedy' where title_id = 1"
        case ("app.titles", .delete): dml = "delete from app.titles where title_id = 2"
        case ("app.playback_events", .insert):
            dml =
                "insert into app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code) values ('\(F.profileA1)', 1, now(), 60, false, 'tv', 'GB')"
        case ("app.playback_events", .update): dml = "update app.playback_events set completed = true where profile_id = '\(F.profileA1)'"
        case ("app.playback_events", .delete): dml = "delete from app.playback_events where profile_id = '\(F.profileA1)'"
        case ("app.ratings", .insert): dml = "insert into app.ratings (profile_id, title_id, thumb, rated_at) values ('\(F.profileA1)', 2, 1, now())"
        case ("app.ratings", .update): dml = "update app.ratings set thumb = -1 where profile_id = '\(F.profileA1)'"
        case ("app.ratings", .delete): dml = "delete from app.ratings where profile_id = '\(F.profileA1)'"
        case ("privacy.access_requests", .insert):
            dml =
                "insert into privacy.access_requests (account_id, requested_by, reason, ticket, justification, valid_for) values ('\(F.accountA)', current_user, 'fraud', 'T-1', 'matrix', '1 hour')"
        case ("privacy.access_requests", .update): dml = "update privacy.access_requests set ticket = 'T-2'"
        case ("privacy.access_approvals", .insert):
            dml = "insert into privacy.access_approvals (request_id, approver, approver_function) values (1, current_user, 'security')"
        case ("privacy.access_approvals", .update): dml = "update privacy.access_approvals set approver = current_user"
        case ("privacy.column_classification", .insert):
            dml = "insert into privacy.column_classification values ('app', 'accounts', 'extra', 'none')"
        case ("privacy.column_classification", .update):
            dml = "update privacy.column_classification set class = 'none' where column_name = 'email'"
        case ("privacy.column_classification", .delete):
            dml = "delete from privacy.column_classification where column_name = 'email'"
        case ("audit.access_log", .insert):
            dml = "insert into audit.access_log (actor, action, outcome) values (current_user, 'select', 'read')"
        case ("audit.access_log", .update): dml = "update audit.access_log set outcome = 'denied'"
        case ("etl.profile_attributes", .insert): dml = "insert into etl.profile_attributes (profile_id) values ('\(F.newProfile)')"
        case ("etl.profile_attributes", .update): dml = "update etl.profile_attributes set plan = 'free'"
        case ("etl.erasures", .insert): dml = "insert into etl.erasures (account_id) values ('\(F.accountA)')"
        case ("etl.erasures", .update): dml = "update etl.erasures set deleted_at = null"
        case ("privacy.unclassified_columns", .insert): dml = "insert into privacy.unclassified_columns values ('app', 'x', 'y')"
        case ("privacy.unclassified_columns", .update): dml = "update privacy.unclassified_columns set table_name = 'x'"
        default: dml = "delete from \(relation)"
        }
        return [bind, dml]
    }
}

// MARK: - Probes

/// How the tests act as login roles.
enum SecurityProbe {
    /// A login role a test created, and its password.
    struct Login: Sendable {
        let role: String
        let password: String
    }

    /// The account-bearing rows a connection can see, as sorted ids.
    struct VisibleRows: Equatable, Sendable, CustomStringConvertible {
        var accounts: [String]
        var profiles: [String]
        var eventProfiles: [String]
        var ratingProfiles: [String]

        static let nothing = VisibleRows(accounts: [], profiles: [], eventProfiles: [], ratingProfiles: [])

        var description: String {
            "accounts \(accounts), profiles \(profiles), events of \(eventProfiles), ratings of \(ratingProfiles)"
        }
    }

    /// What happened to one matrix cell.
    enum Attempt {
        case succeeded(rows: Int?)
        case failed(sqlState: String?, message: String)
    }

    /// A plpgsql function that is not leakproof and shows its argument as a notice.
    static let leakFunction = """
        create function pg_temp.leak(value text) returns boolean language plpgsql cost 0.0000001 as $$
        begin
            raise notice 'leak: %', value;
            return true;
        end
        $$
        """

    /// A fresh database with the operational migrations and the fixture applied.
    static func withSecuredDatabase<T: Sendable>(_ body: (TestDatabase) async throws -> T) async throws -> T {
        try await withTestDatabase { db in
            try migrate(db, .operational)
            let admin = try db.connect()
            do {
                try admin.execute(OperationalFixture.sql)
                admin.close()
            } catch {
                admin.close()
                throw error
            }
            return try await body(db)
        }
    }

    /// Creates one login role per entry of `groups` (as a member of those group roles) for the body.
    static func withLogins<T>(
        in db: TestDatabase, _ groups: [[String]], created: [Login] = [],
        _ body: ([Login]) async throws -> T
    ) async throws -> T {
        guard created.count < groups.count else { return try await body(created) }
        return try await withLoginRole(in: db, memberOf: groups[created.count]) { role, password in
            try await withLogins(in: db, groups, created: created + [Login(role: role, password: password)], body)
        }
    }

    /// Connects as `login` with its password: over TCP on the local cluster, where scram applies.
    static func connect(_ db: TestDatabase, as login: Login, logger: Logger = quietLogger()) throws -> PostgresConnection {
        let conninfo: String
        if let local = db.server.local {
            conninfo = local.tcpConninfo(database: db.name, user: login.role, password: login.password)
        } else {
            conninfo = db.conninfo + " " + Conninfo.keywords([("user", login.role), ("password", login.password)])
        }
        return try PostgresConnection.connect(conninfo, logger: logger)
    }

    static func count(_ connection: PostgresConnection, _ sql: String) throws -> Int {
        try connection.query(sql).scalar(as: Int.self)
    }

    /// The first column of every row, as text.
    static func strings(_ connection: PostgresConnection, _ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> [String] {
        try connection.query(sql, parameters).rows.map { try $0.decode(0, as: String.self) }
    }

    static func visibleRows(_ connection: PostgresConnection) throws -> VisibleRows {
        VisibleRows(
            accounts: try strings(connection, "select account_id::text from app.accounts order by 1"),
            profiles: try strings(connection, "select profile_id::text from app.profiles order by 1"),
            eventProfiles: try strings(connection, "select profile_id::text from app.playback_events order by 1"),
            ratingProfiles: try strings(connection, "select profile_id::text from app.ratings order by 1"))
    }

    /// Runs the statements in a transaction that is always rolled back.
    static func attempt(_ statements: [String], on connection: PostgresConnection) throws -> Attempt {
        try connection.execute("begin")
        defer { _ = try? connection.execute("rollback") }
        var rows: Int?
        do {
            for statement in statements { rows = try connection.execute(statement).affectedRows }
        } catch {
            return .failed(sqlState: error.sqlState, message: error.message)
        }
        return .succeeded(rows: rows)
    }

    /// Expects `sql` to fail with `sqlState` (insufficient_privilege unless told).
    static func expectDenied(
        _ connection: PostgresConnection, _ sql: String, sqlState: String = "42501",
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = #expect(throws: PostgresError.self, "\(sql)", sourceLocation: sourceLocation) { try connection.execute(sql) }
        #expect(error?.sqlState == sqlState, "\(sql): \(error?.message ?? "no error")", sourceLocation: sourceLocation)
    }

    /// Asks for access to `account` as `login`; returns the request id.
    static func requestAccess(_ db: TestDatabase, as login: Login, account: String, validFor: String = "4 hours") throws -> Int {
        let connection = try connect(db, as: login)
        defer { connection.close() }
        return try connection.query(
            "select privacy.request_access($1::uuid, 'data_subject_request', 'TICKET-4', 'the customer asked for a copy of their data', $2::interval)",
            [account, validFor]
        ).scalar(as: Int.self)
    }

    /// Approves a request as `login`; returns the request's state.
    @discardableResult
    static func approve(_ db: TestDatabase, as login: Login, _ request: Int) throws -> String {
        let connection = try connect(db, as: login)
        defer { connection.close() }
        return try connection.query("select privacy.approve_access($1)", [request]).scalar(as: String.self)
    }

    /// logins[0] (support) asks for `account`; logins[1] (customer service) and logins[2] (security) approve.
    static func grantAccess(_ db: TestDatabase, _ logins: [Login], account: String, validFor: String = "4 hours") throws -> Int {
        let request = try requestAccess(db, as: logins[0], account: account, validFor: validFor)
        try approve(db, as: logins[1], request)
        try approve(db, as: logins[2], request)
        return request
    }

    /// Settings, row_security and set role change nothing for a support login.
    static func expectNoEscalation(
        _ connection: PostgresConnection, visibleAccounts: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        typealias F = OperationalFixture
        for spoof in [
            "set tally.account_id = '\(F.accountB)'",
            "select set_config('tally.account_id', '\(F.accountB)', false)",
            "begin; set local tally.account_id = '\(F.accountB)'",
        ] {
            try connection.execute(spoof)
            #expect(
                try strings(connection, "select account_id::text from app.accounts order by 1") == visibleAccounts, "\(spoof)", sourceLocation: sourceLocation)
            #expect(
                try count(connection, "select count(*) from app.profiles where account_id <> '\(F.accountA)'") == 0, "\(spoof)", sourceLocation: sourceLocation)
            if connection.isInTransaction { try connection.execute("commit") }
        }
        try connection.execute("reset tally.account_id")
        try connection.execute("set row_security = off")
        expectDenied(connection, "select count(*) from app.accounts", sourceLocation: sourceLocation)
        try connection.execute("reset row_security")
        expectDenied(connection, "set role tally_owner", sourceLocation: sourceLocation)
        expectDenied(connection, "set session authorization postgres", sourceLocation: sourceLocation)
    }

    /// Creates the leak function and runs it in WHERE clauses over every PII column; returns the notices.
    static func leakThroughWhereClause(_ connection: PostgresConnection, notices: RecordingLogHandler.Store) throws -> [String] {
        try connection.execute(leakFunction)
        _ = try count(connection, "select count(*) from app.accounts where pg_temp.leak(email || ' ' || full_name)")
        _ = try count(connection, "select count(*) from app.profiles where pg_temp.leak(display_name)")
        _ = try count(connection, "select count(*) from app.playback_events where pg_temp.leak(host(ip_address) || ' ' || user_agent)")
        return notices.all.compactMap { $0.metadata["message"]?.description }.filter { $0.hasPrefix("leak: ") }
    }
}
