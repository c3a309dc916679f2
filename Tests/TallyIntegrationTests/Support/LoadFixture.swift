import Foundation
import Logging
import Tally

/// Two migrated databases (operational and warehouse) with the logins a real deployment uses:
/// an ETL login in tally_etl_reader, a loader login in tally_loader, and a private key file.
struct LoadFixture: Sendable {
    let operational: TestDatabase
    let warehouse: TestDatabase
    let etlConninfo: String
    let loaderConninfo: String
    let keyFile: String

    /// The configuration `tally load` would get from its environment.
    var configuration: TallyConfiguration {
        TallyConfiguration(
            environment: [:], operationalURL: etlConninfo, warehouseURL: loaderConninfo, pseudonymKeyFile: keyFile)
    }

    /// Environment variables for the built binary.
    var environment: [String: String?] {
        ["TALLY_OPERATIONAL_URL": etlConninfo, "TALLY_WAREHOUSE_URL": loaderConninfo, "TALLY_PSEUDONYM_KEY_FILE": keyFile]
    }

    /// Runs one load in-process.
    @discardableResult
    func load(dryRun: Bool = false) throws -> NightlyLoad.Report {
        var load = try NightlyLoad(configuration: configuration, logger: quietLogger())
        load.isDryRun = dryRun
        return try load.run()
    }

    /// The superuser connection to the operational database (writes source rows as the service would).
    func source() throws -> PostgresConnection { try operational.connect() }

    /// The superuser connection to the warehouse (reads facts for assertions).
    func facts() throws -> PostgresConnection { try warehouse.connect() }

    /// The analytics checksum of an uninterrupted load of the same source into a fresh warehouse.
    /// `withPrivateState` adds `privateChecksum()`: equal only if a single load made both.
    func uninterruptedChecksum(withPrivateState: Bool = false) async throws -> [String: String] {
        try await uninterrupted { try $0.analyticsChecksum().merging(withPrivateState ? $0.privateChecksum() : [:]) { $1 } }
    }

    /// `measure` of the warehouse that one uninterrupted load of the same source makes.
    func uninterrupted<T: Sendable>(_ measure: @escaping (LoadFixture) throws -> T) async throws -> T {
        try await withTestDatabase { other in
            try migrate(other, .warehouse)
            return try await withLoginRole(in: other, memberOf: ["tally_loader"]) { loader, password in
                var configuration = self.configuration
                configuration.warehouseURL = try requireLocal(other).tcpConninfo(database: other.name, user: loader, password: password)
                _ = try NightlyLoad(configuration: configuration, logger: quietLogger()).run()
                let fixture = LoadFixture(
                    operational: operational, warehouse: other, etlConninfo: etlConninfo,
                    loaderConninfo: configuration.warehouseURL ?? "", keyFile: keyFile)
                return try measure(fixture)
            }
        }
    }

    /// A checksum of private state: people with their keys, and activity and play lengths summed per
    /// key (rows of different runs with one key add up, so only the sums must match).
    func privateChecksum() throws -> [String: String] {
        let connection = try facts()
        var sums: [String: String] = [:]
        for (name, query) in [
            ("private.people", "select person_key, pseudonym, last_day from private.people"),
            (
                "private.activity",
                """
                select person_key, day, title_id, device_key, region_key, audience_key, sum(plays), sum(completed_plays),
                       sum(watch_seconds), sum(thumbs_up), sum(thumbs_down)
                from private.activity group by 1, 2, 3, 4, 5, 6
                """
            ),
            (
                "private.play_durations",
                """
                select day, title_id, device_key, region_key, audience_key, watched_seconds, sum(plays)
                from private.play_durations group by 1, 2, 3, 4, 5, 6
                """
            ),
        ] {
            sums[name] = try connection.query(
                "select count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from (\(query)) t"
            ).scalar(as: String.self)
        }
        return sums
    }

    /// A checksum of private activity by pseudonym rather than person key, and by device type,
    /// country and audience rather than their keys: equal for two loads that kept the same state,
    /// whatever keys they gave the people and the segments.
    func privateContentChecksum() throws -> String {
        try facts().query(
            """
            select count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from (
                select p.pseudonym, p.last_day, a.day, a.title_id, \(Self.segmentColumns("a")), sum(a.plays), sum(a.watch_seconds)
                from private.activity a join private.people p using (person_key)
                \(Self.segmentJoins("a"))
                group by 1, 2, 3, 4, 5, 6, 7
            ) t
            """
        ).scalar(as: String.self)
    }

    /// The segment a row's keys stand for (device type, country, audience), for checksums that
    /// must not depend on the order in which keys were given.
    static func segmentColumns(_ alias: String) -> String {
        "d.device_type, r.country_code, a_.age_band || '/' || a_.plan || '/' || a_.is_kids"
    }

    /// The joins `segmentColumns` needs; a table without a key column gets NULLs.
    static func segmentJoins(_ alias: String) -> String {
        """
        left join analytics.dim_device d on d.device_key = (to_jsonb(\(alias)) ->> 'device_key')::smallint
        left join analytics.dim_region r on r.region_key = (to_jsonb(\(alias)) ->> 'region_key')::smallint
        left join analytics.dim_audience a_ on a_.audience_key = (to_jsonb(\(alias)) ->> 'audience_key')::smallint
        """
    }

    /// A checksum of every analytics table, for comparing two warehouses: segments by what their
    /// keys stand for, since two warehouses can give keys in another order.
    func analyticsChecksum() throws -> [String: String] {
        let connection = try facts()
        var sums: [String: String] = [:]
        for table in [
            "dim_title", "dim_device", "dim_region", "dim_audience", "fact_title_daily",
            "fact_title_daily_segment", "fact_title_period", "fact_coviewing", "fact_title_streak", "fact_group_period", "coviewing_decisions",
            "coviewing_held",
        ] {
            sums[table] = try connection.query(
                """
                select md5(coalesce(string_agg(c, '|' order by c), '')) from (
                    select (to_jsonb(t) - 'device_key' - 'region_key' - 'audience_key')::text || ' ' || concat_ws('/', \(Self.segmentColumns("t"))) as c
                    from analytics.\(table) t
                    \(Self.segmentJoins("t"))
                ) rows
                """
            ).scalar(as: String.self)
        }
        return sums
    }
}

/// Runs `body` with a fresh, migrated operational + warehouse pair and real login roles.
func withLoadFixture<T: Sendable>(_ body: (LoadFixture) async throws -> T) async throws -> T {
    try await withTestDatabase { operational in
        try await withTestDatabase { warehouse in
            try migrate(operational, .operational)
            try migrate(warehouse, .warehouse)
            return try await withLoginRole(in: operational, memberOf: ["tally_etl_reader"]) { etl, etlPassword in
                try await withLoginRole(in: warehouse, memberOf: ["tally_loader"]) { loader, loaderPassword in
                    let local = try requireLocal(operational)
                    let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("tally-key-\(UUID().uuidString)").path
                    // Printable random bytes, so a test can also search the dumps for the raw key.
                    let key = (0..<48).map { _ in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".randomElement() ?? "k" }
                    FileManager.default.createFile(atPath: keyFile, contents: Data(String(key).utf8), attributes: [.posixPermissions: 0o600])
                    defer { try? FileManager.default.removeItem(atPath: keyFile) }
                    let fixture = LoadFixture(
                        operational: operational, warehouse: warehouse,
                        etlConninfo: local.tcpConninfo(database: operational.name, user: etl, password: etlPassword),
                        loaderConninfo: local.tcpConninfo(database: warehouse.name, user: loader, password: loaderPassword),
                        keyFile: keyFile)
                    return try await body(fixture)
                }
            }
        }
    }
}

func requireLocal(_ db: TestDatabase) throws -> LocalServer {
    guard let local = db.server.local else {
        throw PostgresError(code: .connectionFailed, message: "this test needs the local test cluster (TCP logins with passwords)")
    }
    return local
}

/// Writes source rows as the streaming service would, with readable helpers for test data.
struct SourceWriter {
    let connection: PostgresConnection

    /// A deterministic uuid from a small number, readable in failures.
    static func uuid(_ prefix: String, _ n: Int) -> String {
        let hex = String(n, radix: 16)
        return prefix + String(repeating: "0", count: 12 - hex.count) + hex
    }

    func account(
        _ n: Int, country: String = "GB", plan: String = "standard", birth: String? = "1990-05-05",
        email: String? = nil, name: String? = nil
    ) throws -> String {
        let id = Self.uuid("00000000-0000-4000-8000-", n)
        try connection.query(
            "insert into app.accounts (account_id, email, full_name, date_of_birth, country_code, plan) values ($1, $2, $3, $4::date, $5, $6)",
            [id, email ?? "user\(n)@example.test", name ?? "User \(n)", birth, country, plan])
        return id
    }

    @discardableResult
    func profile(_ n: Int, account: String, kids: Bool = false) throws -> String {
        let id = Self.uuid("11111111-0000-4000-8000-", n)
        try connection.query(
            "insert into app.profiles (profile_id, account_id, display_name, is_kids) values ($1, $2, $3, $4)",
            [id, account, "Profile \(n)", kids])
        return id
    }

    /// A person: one account with one profile.
    func person(_ n: Int, country: String = "GB") throws -> String {
        try profile(n, account: try account(n, country: country))
    }

    func title(_ id: Int, _ name: String, kind: String = "movie", runtime: Int? = 5400) throws {
        try connection.query(
            "insert into app.titles (title_id, name, kind, runtime_seconds, updated_at) values ($1, $2, $3, $4, now() - interval '1 year')",
            [id, name, kind, runtime])
    }

    /// A play at noon UTC of `day`.
    func play(
        _ profile: String, _ title: Int, on day: Day, seconds: Int = 1800, completed: Bool = false,
        device: String = "smart_tv", country: String = "GB", ip: String? = nil
    ) throws {
        try connection.query(
            """
            insert into app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code, ip_address)
            values ($1::uuid, $2, $3::date + time '12:00' at time zone 'UTC', $4, $5, $6, $7, $8::inet)
            """, [profile, title, day, seconds, completed, device, country, ip])
    }

    func rate(_ profile: String, _ title: Int, _ thumb: Int, on day: Day) throws {
        try connection.query(
            "insert into app.ratings (profile_id, title_id, thumb, rated_at) values ($1::uuid, $2, $3, $4::date + time '13:00' at time zone 'UTC')",
            [profile, title, thumb, day])
    }

    /// Plays on one day (by default `weekdaysInOneMonth(1)`): each group is `size` new people
    /// (numbered on from `after` + 1) who each play every title of `titles`. Returns the last
    /// person's number.
    @discardableResult
    func playGroups(_ groups: [(size: Int, titles: [Int])], on day: Day? = nil, after first: Int = 0) throws -> Int {
        let day = try day ?? weekdaysInOneMonth(1)[0]
        var n = first
        for (size, titles) in groups {
            for _ in 0..<size {
                n += 1
                let profile = try person(n)
                for title in titles { try play(profile, title, on: day) }
            }
        }
        return n
    }

    /// The first `count` days (Monday on) of the week two or three back whose days all lie in one
    /// month, so that the month holds the same days as the week.
    func weekdaysInOneMonth(_ count: Int) throws -> [Day] {
        let monday = try connection.query(
            """
            select m from (values (date_trunc('week', now() at time zone 'UTC')::date - 14),
                                  (date_trunc('week', now() at time zone 'UTC')::date - 21)) v (m)
            where date_trunc('month', m) = date_trunc('month', m + $1::integer) limit 1
            """, [count - 1]
        ).scalar(as: Day.self)
        return try (0..<count).map { try connection.query("select $1::date + $2::integer", [monday, $0]).scalar(as: Day.self) }
    }

    /// The Mondays of the whole weeks (Monday to Sunday inside the month) of the month before last:
    /// three or four.
    func wholeWeeksOfMonthBeforeLast() throws -> [Day] {
        try connection.query(
            """
            select m::date from generate_series(
                date_trunc('week', date_trunc('month', now() at time zone 'UTC') - interval '2 months' + interval '6 days'),
                date_trunc('month', now() at time zone 'UTC') - interval '1 month' - interval '7 days', interval '7 days') m
            """
        ).rows.map { try $0.decode(0, as: Day.self) }
    }

    /// The first day of the latest month two to five months back that begins on neither a Monday
    /// nor a Sunday, and the Monday of its first week: a week that crosses into the month before,
    /// with two days or more in the month.
    func monthWithAnEdgeWeek() throws -> (start: Day, edgeMonday: Day) {
        let row = try connection.query(
            """
            select m::date, date_trunc('week', m)::date
            from generate_series(date_trunc('month', now() at time zone 'UTC') - interval '2 months',
                                 date_trunc('month', now() at time zone 'UTC') - interval '5 months', interval '-1 month') m
            where extract(isodow from m) not in (1, 7) order by m desc limit 1
            """)[0]
        return (try row.decode(0, as: Day.self), try row.decode(1, as: Day.self))
    }

    /// The UTC day `offset` days from today on the server.
    func day(_ offset: Int) throws -> Day {
        try connection.query("select (now() at time zone 'UTC')::date + $1::integer", [offset]).scalar(as: Day.self)
    }
}
