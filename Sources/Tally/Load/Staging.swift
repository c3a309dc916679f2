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

    /// Streams the extract into `stage_activity`, replacing each profile id with its pseudonym on the
    /// way (play-length rows have no profile and keep a NULL pseudonym). Rejects are kept (ids and reason codes only) and returned.
    static func loadActivity(
        from source: OperationalSource, to warehouse: PostgresConnection, sql: String,
        pseudonymiser: Pseudonymiser, report: inout NightlyLoad.Report, progress: ((String) -> Void)? = nil
    ) throws -> [Reject] {
        var rejects: [Reject] = []
        let started = Date()
        var streamed = 0
        var pseudonyms: [[UInt8]: [UInt8]] = [:]
        var line: [UInt8] = []
        line.reserveCapacity(256)
        try warehouse.copyIn("copy pg_temp.stage_activity from stdin") { writer in
            try source.connection.copyOut(sql) { row in
                streamed += 1
                if let progress, streamed % 50_000 == 0 {
                    let rate = Double(streamed) / max(Date().timeIntervalSince(started), 0.001)
                    progress("extracting: \(streamed) aggregated rows (\(Int(rate)) rows/s)")
                }
                let fields = FieldSplitter(row)
                switch row.first {
                case UInt8(ascii: "A"):
                    let profile = Array(fields.bytes(1))
                    let encoded: [UInt8]
                    if let known = pseudonyms[profile] {
                        encoded = known
                    } else {
                        encoded = Hex.byteaLiteral(pseudonymiser.pseudonym(of: profile))
                        pseudonyms[profile] = encoded
                    }
                    line.removeAll(keepingCapacity: true)
                    line.append(contentsOf: encoded)
                    line.append(UInt8(ascii: "\t"))
                    line.append(contentsOf: UnsafeRawBufferPointer(rebasing: row[fields.start(of: 2)...]))
                    try writer.write(line)
                    report.rowsLoaded += fields.integer(9) + fields.integer(12) + fields.integer(13)
                case UInt8(ascii: "D"):
                    // Play-length counts carry no profile: their pseudonym column stays NULL.
                    line.removeAll(keepingCapacity: true)
                    line.append(contentsOf: Array("\\N\t".utf8))
                    line.append(contentsOf: UnsafeRawBufferPointer(rebasing: row[fields.start(of: 2)...]))
                    try writer.write(line)
                case UInt8(ascii: "R"):
                    let reject = Reject(source: fields.string(1), id: fields.string(2), reason: fields.string(3))
                    report.rejectsByReason[reject.reason, default: 0] += 1
                    rejects.append(reject)
                case UInt8(ascii: "M"):
                    report.rowsExtracted = fields.integer(1)
                    let oldest = Array(fields.bytes(2))
                    if oldest != Array("\\N".utf8) {
                        report.oldestUnloadedAt = oldest.withUnsafeBufferPointer { TimestampText.parse($0) }
                    }
                default:
                    throw LoadError(code: .schema, message: "the extract returned an unexpected row kind; the operational views may not match this version of tally")
                }
            }
        }
        report.rowsRejected = rejects.count
        return rejects
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

/// Finds the tab-separated fields of one COPY text row without copying it.
struct FieldSplitter {
    let row: UnsafeRawBufferPointer
    private var starts: [Int] = [0]

    init(_ row: UnsafeRawBufferPointer) {
        self.row = row
        for (i, byte) in row.enumerated() where byte == UInt8(ascii: "\t") { starts.append(i + 1) }
    }

    func start(of field: Int) -> Int { starts[field] }

    func bytes(_ field: Int) -> UnsafeRawBufferPointer.SubSequence {
        let end = field + 1 < starts.count ? starts[field + 1] - 1 : (row.last == UInt8(ascii: "\n") ? row.count - 1 : row.count)
        return row[starts[field]..<end]
    }

    func string(_ field: Int) -> String { String(decoding: bytes(field), as: UTF8.self) }

    func integer(_ field: Int) -> Int {
        var n = 0
        for byte in bytes(field) where byte >= 48 && byte <= 57 { n = n * 10 + Int(byte - 48) }
        return n
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
