import Foundation

/// Temporary staging tables of one load transaction, filled by COPY and dropped at commit.
enum Staging {
    static func create(on warehouse: PostgresConnection) throws {
        try warehouse.execute("""
            create temporary table stage_activity (
                pseudonym bytea, day date not null, title_id integer not null, device_type text not null,
                country_code text not null, age_band text not null, plan text not null, is_kids boolean not null,
                plays integer not null, completed_plays integer not null, watch_seconds bigint not null,
                thumbs_up integer not null, thumbs_down integer not null, watched_seconds integer
            ) on commit drop;
            create temporary table stage_titles (
                title_id integer not null, name text not null, kind text not null, series_name text, genre text,
                release_year integer, runtime_seconds integer, updated_at timestamptz not null
            ) on commit drop;
            create temporary table stage_erasures (pseudonym bytea not null) on commit drop;
            """)
    }

    /// A rejected source row as the extract reported it.
    struct Reject {
        var source: String
        var id: String
        var reason: String
    }

    /// Writes a batch into `stage_activity`: one row per pseudonym, day, title and segment, then
    /// the play-length counts with a NULL pseudonym.
    static func writeActivity(_ batch: ActivityBatch, to warehouse: PostgresConnection) throws {
        var dates: [Int32: [UInt8]] = [:]
        func date(_ day: Int32) -> [UInt8] {
            if let known = dates[day] { return known }
            let (y, m, d) = TimestampText.civilFromDays(Int(day))
            let text = Array(PostgresDate(year: y, month: m, day: d).description.utf8)
            dates[day] = text
            return text
        }
        let segments = batch.segments.map { s in
            Array([s.deviceType, s.country, s.ageBand, s.plan, s.isKids ? "t" : "f"].joined(separator: "\t").utf8)
        }
        let pseudonyms = batch.profiles.map { Hex.byteaLiteral($0.pseudonym) }
        let tab = UInt8(ascii: "\t")
        var line: [UInt8] = []
        line.reserveCapacity(256)
        func append(_ values: Int64...) {
            for value in values {
                line.append(tab)
                line.append(contentsOf: String(value).utf8)
            }
        }
        try warehouse.copyIn("copy pg_temp.stage_activity from stdin") { writer in
            for (key, m) in batch.activity {
                line.removeAll(keepingCapacity: true)
                line.append(contentsOf: pseudonyms[Int(key.profile)])
                line.append(tab)
                line.append(contentsOf: date(key.day))
                append(Int64(key.title))
                line.append(tab)
                line.append(contentsOf: segments[Int(key.segment)])
                append(Int64(m.plays), Int64(m.completedPlays), m.watchSeconds, Int64(m.thumbsUp), Int64(m.thumbsDown))
                line.append(contentsOf: Array("\t\\N\n".utf8))
                try writer.write(line)
            }
            for (key, plays) in batch.durations {
                line.removeAll(keepingCapacity: true)
                line.append(contentsOf: Array("\\N\t".utf8))
                line.append(contentsOf: date(key.day))
                append(Int64(key.title))
                line.append(tab)
                line.append(contentsOf: segments[Int(key.segment)])
                append(Int64(plays), 0, 0, 0, 0, Int64(key.watchedSeconds))
                line.append(UInt8(ascii: "\n"))
                try writer.write(line)
            }
        }
    }

    static func writeRejects(_ rejects: [Reject], runID: Int, to warehouse: PostgresConnection) throws {
        guard !rejects.isEmpty else { return }
        try warehouse.copyIn("copy etl.rejects (run_id, source, source_id, reason) from stdin") { writer in
            for reject in rejects { try writer.writeRow([String(runID), reject.source, reject.id, reject.reason]) }
        }
    }

    static func loadTitles(from source: OperationalSource, to warehouse: PostgresConnection) throws {
        try warehouse.copyIn("copy pg_temp.stage_titles from stdin") { writer in
            try source.connection.copyOut(OperationalSource.titlesSQL) { row in try writer.write(row) }
        }
    }

    static func loadErasures(_ profiles: [String], pseudonymiser: Pseudonymiser, to warehouse: PostgresConnection) throws {
        guard !profiles.isEmpty else { return }
        try warehouse.copyIn("copy pg_temp.stage_erasures from stdin") { writer in
            for profile in profiles {
                try writer.write(Hex.byteaLiteral(pseudonymiser.pseudonym(of: Array(profile.utf8))) + [UInt8(ascii: "\n")])
            }
        }
    }
}

/// Hex encoding for bytea in COPY text (`\\x` then two digits a byte; the backslash is escaped).
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func byteaLiteral(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")]
        out.reserveCapacity(3 + bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return out
    }
}
