import Foundation

/// One row of `tally_migrations.history`: one attempt, baseline or checksum acceptance.
public struct MigrationAttempt: Sendable, Codable {
    public var attemptID: Int
    /// `apply`, `baseline` or `accept-checksum`.
    public var action: String
    public var kind: MigrationFile.Kind
    public var version: String?
    public var script: String
    public var checksum: String?
    public var appliedBy: String
    public var startedAt: Date
    public var durationMilliseconds: Int
    public var success: Bool
    public var outOfOrder: Bool
    public var statementsDone: Int?
    public var sqlState: String?
    public var errorMessage: String?
    public var errorLine: Int?
    public var reason: String?
}

/// The history table: one row per attempt, from which every status is derived (there is no dirty flag).
enum MigrationHistory {
    static let schema = "tally_migrations"

    static let createSQL = """
        create schema if not exists tally_migrations;
        comment on schema tally_migrations is 'Tally migration history: one row per attempt. Written only by tally migrate.';
        create table if not exists tally_migrations.history (
            attempt_id bigint generated always as identity primary key,
            action text not null check (action in ('apply', 'baseline', 'accept-checksum')),
            kind text not null check (kind in ('versioned', 'repeatable')),
            version text,
            script text not null,
            description text not null,
            checksum text,
            checksum_algorithm integer not null,
            applied_by text not null default session_user,
            started_at timestamptz not null,
            duration_ms integer not null default 0,
            success boolean not null,
            out_of_order boolean not null default false,
            statements_done integer,
            sqlstate text,
            error_message text,
            error_line integer,
            reason text
        );
        comment on table tally_migrations.history is 'One row per migration attempt (successful or not), baseline and accepted checksum change. Status is derived from these rows.';
        """

    static func ensure(on connection: PostgresConnection) throws {
        let exists = try connection.query("select to_regclass('tally_migrations.history') is not null").scalar(as: Bool.self)
        if !exists { try connection.execute(createSQL) }
    }

    /// Gives the history to tally_owner once the migrations have created it, so that every role that
    /// may migrate (a member of tally_owner) can read and write it, not only the role that created it.
    /// Left as it is when the migrating role may not hand it over.
    static func handOver(on connection: PostgresConnection) {
        guard
            let owner = try? connection.query(
                "select nspowner::regrole::text from pg_namespace where nspname = 'tally_migrations' and to_regrole('tally_owner') is not null"
            ).rows.first?.decode(0, as: String.self),
            owner != "tally_owner"
        else { return }
        _ = try? connection.execute("alter schema tally_migrations owner to tally_owner; alter table tally_migrations.history owner to tally_owner")
    }

    static func attempts(on connection: PostgresConnection) throws -> [MigrationAttempt] {
        let exists = try connection.query("select to_regclass('tally_migrations.history') is not null").scalar(as: Bool.self)
        guard exists else { return [] }
        let result = try connection.query(
            """
            select attempt_id, action, kind, version, script, checksum, applied_by, started_at, duration_ms, success,
                   out_of_order, statements_done, sqlstate, error_message, error_line, reason
            from tally_migrations.history order by attempt_id
            """)
        return try result.rows.map { row in
            MigrationAttempt(
                attemptID: try row.decode(0), action: try row.decode(1),
                kind: MigrationFile.Kind(rawValue: try row.decode(2)) ?? .versioned,
                version: try row.decode(3), script: try row.decode(4), checksum: try row.decode(5),
                appliedBy: try row.decode(6), startedAt: try row.decode(7), durationMilliseconds: try row.decode(8),
                success: try row.decode(9), outOfOrder: try row.decode(10), statementsDone: try row.decode(11),
                sqlState: try row.decode(12), errorMessage: try row.decode(13), errorLine: try row.decode(14),
                reason: try row.decode(15))
        }
    }

    struct Record {
        var action = "apply"
        var file: MigrationFile
        var startedAt: Date
        var duration: TimeInterval = 0
        var success: Bool
        var outOfOrder = false
        var statementsDone: Int?
        var sqlState: String?
        var errorMessage: String?
        var errorLine: Int?
        var reason: String?
    }

    static func insert(_ r: Record, on connection: PostgresConnection) throws {
        try connection.query(
            """
            insert into tally_migrations.history (action, kind, version, script, description, checksum, checksum_algorithm,
                started_at, duration_ms, success, out_of_order, statements_done, sqlstate, error_message, error_line, reason)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
            """,
            [
                r.action, r.file.kind.rawValue, r.file.version, r.file.name, r.file.description, r.file.checksum,
                MigrationFile.checksumAlgorithm, r.startedAt, Int(r.duration * 1000), r.success, r.outOfOrder,
                r.statementsDone, r.sqlState, r.errorMessage, r.errorLine, r.reason,
            ])
    }
}
