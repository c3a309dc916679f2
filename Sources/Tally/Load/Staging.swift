import Foundation

/// Temporary staging tables of one load transaction, filled by COPY and dropped at commit.
enum Staging {
    static func create(on warehouse: PostgresConnection) throws {
        try warehouse.execute("""
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
