import Logging

/// The audit trail's hash chain (operational migration V0011): `audit.verify_chain()` recomputes
/// every link in the database; this reads its answer.
public struct AuditChain: Sendable {
    /// Entries in `audit.access_log`.
    public var entries: Int
    /// The first broken entry, if any: its id, its place in the chain, and what is wrong with it.
    public var broken: (entryID: Int, chainSeq: Int, problem: String)?

    /// One line for the terminal.
    public var summary: String {
        guard let broken else { return "audit chain: intact, \(entries) entries" }
        return "audit chain: broken at entry \(broken.entryID) (chain_seq \(broken.chainSeq)): \(broken.problem)"
    }

    /// Throws (exit 3) when the chain is broken.
    public func requireIntact() throws {
        guard broken != nil else { return }
        throw AuditError(
            code: .broken,
            message:
                "the audit trail was changed after it was written (\(summary)). Keep this database as evidence (pg_dump it), and compare the entry with a backup from before."
        )
    }

    /// Recomputes the chain as a login in tally_auditor (or a superuser).
    public static func verify(_ connection: PostgresConnection) throws -> AuditChain {
        let readable = try connection.query(
            """
            select to_regprocedure('audit.verify_chain()') is not null
               and has_function_privilege('audit.verify_chain()', 'execute')
            """
        ).scalar(as: Bool.self)
        guard readable else {
            throw AuditError(
                code: .configuration,
                message:
                    "\(connection.user) cannot run audit.verify_chain() on \(connection.database): connect as a login in tally_auditor, and run tally migrate up --db operational if the database predates the hash chain."
            )
        }
        let row = try connection.query("select entries, broken_entry_id, broken_chain_seq, problem from audit.verify_chain()")[0]
        var chain = AuditChain(entries: try row.decode(0, as: Int.self))
        if let id = try row.decode(1, as: Int?.self) {
            chain.broken = (id, try row.decode(2, as: Int.self), try row.decode(3, as: String.self))
        }
        return chain
    }
}

/// Why an audit command stopped, or what it found.
public struct AuditError: ExitCoded, Sendable {
    public struct Code: Hashable, Sendable {
        let name: String
        let exitCode: Int32
        /// The login cannot run the check.
        public static let configuration = Code(name: "configuration", exitCode: ExitStatus.usage)
        /// The chain is broken: an entry was changed, removed or reordered.
        public static let broken = Code(name: "broken", exitCode: ExitStatus.validation)
    }

    public var code: Code
    public var message: String
    public var exitCode: Int32 { code.exitCode }
    public var description: String { message }
}
