import CLibpq
import Foundation
import Logging

extension PostgresConnection {
    /// Runs one statement with parameters (`$1`, `$2`, ...) through the extended protocol.
    /// Values travel separately from the SQL text, so they are never interpolated.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws(PostgresError) -> PostgresResult {
        let texts = parameters.map(\.postgresText)
        let types = parameters.map { Oid($0.postgresTypeOID) }
        let duplicated = texts.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in duplicated { free(pointer) } }
        let values: [UnsafePointer<CChar>?] = duplicated.map { UnsafePointer($0) }
        let raw = PQexecParams(handle, sql, Int32(parameters.count), types, values, nil, nil, 0)
        return try check(raw)
    }

    /// Runs a whole script through the simple-query protocol: several statements separated by
    /// semicolons, as psql sends a file. Error positions count from the start of `script`.
    /// Returns the result of the last statement.
    @discardableResult
    public func execute(_ script: String) throws(PostgresError) -> PostgresResult {
        try check(PQexec(handle, script))
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("begin")
        do {
            let value = try body()
            try execute("commit")
            return value
        } catch {
            if PQtransactionStatus(handle) != PQTRANS_IDLE {
                _ = try? execute("rollback")
            }
            throw error
        }
    }

    /// Whether a transaction block is open on this connection.
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// Turns a libpq result into a `PostgresResult` or a `PostgresError`.
    func check(_ raw: OpaquePointer?) throws(PostgresError) -> PostgresResult {
        guard let raw else {
            throw PostgresError(connection: handle, code: .connectionLost, redacting: secrets)
        }
        let result = PostgresResult(raw)
        switch PQresultStatus(raw) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN, PGRES_COPY_OUT:
            return result
        default:
            let code: PostgresError.Code = PQstatus(handle) == CONNECTION_OK ? .server : .connectionLost
            throw PostgresError(result: raw, code: code, redacting: secrets)
        }
    }
}
