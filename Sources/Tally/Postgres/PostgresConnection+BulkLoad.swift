extension PostgresConnection {
    /// Runs `body` (typically one large COPY into `table`) in a transaction. When the table is empty
    /// and this role owns it, its indexes, and the constraints behind them, are dropped first and
    /// rebuilt with the same names and definitions after `body`: as with pg_restore, building an
    /// index once is far cheaper than maintaining it row by row. No other session ever sees the table
    /// without its indexes: DDL is transactional and the ACCESS EXCLUSIVE lock is held until commit.
    /// On a table that has rows or belongs to another role, `body` simply runs in the transaction.
    /// Returns what `body` returns and whether the indexes were deferred.
    public func withIndexesDeferred<T>(on table: String, _ body: () throws -> T) throws -> (value: T, deferred: Bool) {
        try transaction {
            let name = try query("select $1::regclass::text", [table]).scalar(as: String.self)
            try execute("lock table \(name) in access exclusive mode")
            let deferrable = try query(
                """
                select not exists (select 1 from \(name) limit 1) and pg_has_role(relowner, 'MEMBER')
                from pg_class where oid = $1::regclass
                """, [name]
            ).scalar(as: Bool.self)
            guard deferrable else { return (try body(), false) }

            // Indexes behind a primary key, unique or exclusion constraint come back as constraints.
            var indexes: [(drop: String, create: String)] = []
            for row in try query(
                """
                select i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), quote_ident(k.conname), pg_get_constraintdef(k.oid)
                from pg_index i
                left join pg_constraint k on k.conindid = i.indexrelid and k.conrelid = i.indrelid and k.contype in ('p', 'u', 'x')
                where i.indrelid = $1::regclass
                order by 1
                """, [name]
            ).rows {
                if let constraint = try row.decode(2, as: String?.self) {
                    indexes.append(
                        (
                            "alter table \(name) drop constraint \(constraint)",
                            "alter table \(name) add constraint \(constraint) \(try row.decode(3, as: String.self))"
                        ))
                } else {
                    indexes.append(("drop index \(try row.decode(0, as: String.self))", try row.decode(1, as: String.self)))
                }
            }
            for index in indexes { try execute(index.drop) }
            let value = try body()
            try execute("set local maintenance_work_mem = '256MB'")
            for index in indexes { try execute(index.create) }
            return (value, true)
        }
    }
}
