import Foundation

/// The warehouse's `etl.settings` row, read at the start of each run.
struct LoadSettings {
    var businessTimeZone: String
    var streakMaxDays: Int
    var retentionDays: Int
    var lateToleranceSeconds: Int
    /// Events before this day are rejected; nil: no lower bound.
    var serviceStart: Day?
    var maxWatchSeconds: Int
    var skipSeconds: Int
    /// Fewest shared viewers a stored co-viewing pair has: etl.settings.coviewing_floor, else k.
    var coviewingFloor: Int
    /// At most this many titles of a period per person count towards co-viewing; nil: all.
    var coviewingTitlesPerPerson: Int?
    /// The key that chooses a heavy viewer's titles under that bound.
    var coviewingChoiceKey: [UInt8]
    /// The closing window in days (etl.settings.closing_days); nil: off.
    var closingDays: Int? = nil

    static func read(from connection: PostgresConnection) throws -> LoadSettings {
        let result: PostgresResult
        do throws(PostgresError) {
            result = try connection.query(
                """
                select business_time_zone, streak_max_days, retention_days, extract(epoch from late_tolerance)::int8,
                       service_start, max_watch_seconds, skip_seconds, etl.coviewing_floor(), coviewing_titles_per_person,
                       coviewing_choice_key, closing_days
                from etl.settings
                """)
        } catch {
            switch error.sqlState {
            case "42P01", "3F000":
                throw LoadError(
                    code: .schema,
                    message: "the warehouse (\(connection.database)) has no etl.settings table: it is not migrated. Run: tally migrate up --db warehouse")
            case "42501":
                throw LoadError(
                    code: .configuration,
                    message:
                        "the warehouse login \(connection.user) may not read etl.settings. Load as a member of tally_loader: grant tally_loader to \(connection.user)"
                )
            default:
                throw error
            }
        }
        guard result.count == 1 else {
            throw LoadError(code: .schema, message: "etl.settings must hold exactly one row; restore it with: insert into etl.settings default values")
        }
        let row = result[0]
        return LoadSettings(
            businessTimeZone: try row.decode(0), streakMaxDays: try row.decode(1), retentionDays: try row.decode(2),
            lateToleranceSeconds: try row.decode(3), serviceStart: try row.decode(4), maxWatchSeconds: try row.decode(5),
            skipSeconds: try row.decode(6), coviewingFloor: try row.decode(7), coviewingTitlesPerPerson: try row.decode(8),
            coviewingChoiceKey: try row.decode(9), closingDays: try row.decode(10))
    }
}

extension LoadSettings {
    /// The first day whose private state is kept, as of `time` (the source clock; the warehouse's
    /// clock when nil): older rows are rejected as beyond retention, older days never recomputed.
    func retentionCutoff(at time: Date?, on warehouse: PostgresConnection) throws -> Day {
        try daysBefore(retentionDays, at: time, on: warehouse)
    }

    /// The first open day with a closing window, as of `time`: the nightly load recomputes no fact
    /// of an earlier day. nil when no window is set.
    func closingCutoff(at time: Date?, on warehouse: PostgresConnection) throws -> Day? {
        try closingDays.map { try daysBefore($0, at: time, on: warehouse) }
    }

    private func daysBefore(_ days: Int, at time: Date?, on warehouse: PostgresConnection) throws -> Day {
        try warehouse.query(
            "select (coalesce($1::timestamptz, now()) at time zone $2)::date - $3::integer", [time, businessTimeZone, days]
        ).scalar(as: Day.self)
    }
}
