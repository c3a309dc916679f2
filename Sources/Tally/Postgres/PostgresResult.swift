import CLibpq

/// The rows and status of one statement. Values stay in libpq's buffer until decoded.
public final class PostgresResult {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        PQclear(pointer)
    }

    /// How many rows the statement returned.
    public var count: Int { Int(PQntuples(pointer)) }

    /// Column names, in order.
    public var columns: [String] {
        (0..<PQnfields(pointer)).map { String(cString: PQfname(pointer, $0)) }
    }

    /// The command tag, such as `INSERT 0 3` or `CREATE TABLE`.
    public var commandTag: String { String(cString: PQcmdStatus(pointer)) }

    /// Rows affected by INSERT/UPDATE/DELETE/COPY/SELECT, when the server reports it.
    public var affectedRows: Int? { Int(String(cString: PQcmdTuples(pointer))) }

    /// The row at `index`.
    public subscript(index: Int) -> PostgresRow { PostgresRow(result: self, index: Int32(index)) }

    /// All rows, in order.
    public var rows: [PostgresRow] { (0..<count).map { self[$0] } }

    /// The only value of a one-row, one-column result, decoded.
    public func scalar<T: PostgresDecodable>(as type: T.Type = T.self) throws(PostgresError) -> T {
        guard count == 1, PQnfields(pointer) == 1 else {
            throw PostgresError(
                code: .unexpectedResult,
                message: "expected one row with one column, got \(count) rows of \(PQnfields(pointer)) columns")
        }
        return try self[0].decode(0, as: T.self)
    }
}

/// One row of a `PostgresResult`.
public struct PostgresRow {
    let result: PostgresResult
    let index: Int32

    /// Whether the value in `column` is SQL NULL.
    public func isNull(_ column: Int) -> Bool { PQgetisnull(result.pointer, index, Int32(column)) == 1 }

    /// Decodes the value in `column` (0-based) as `T`; use an Optional type to accept NULL.
    public func decode<T: PostgresDecodable>(_ column: Int, as type: T.Type = T.self) throws(PostgresError) -> T {
        let p = result.pointer
        let c = Int32(column)
        guard c >= 0, c < PQnfields(p) else {
            throw PostgresError(code: .decoding, message: "column \(column) is out of range (\(PQnfields(p)) columns)")
        }
        let name = String(cString: PQfname(p, c))
        if PQgetisnull(p, index, c) == 1 {
            return try T.decodeNull(column: name)
        }
        let length = Int(PQgetlength(p, index, c))
        guard let raw = PQgetvalue(p, index, c) else {
            throw PostgresError(code: .decoding, message: "row \(index) is out of range")
        }
        let bytes = UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self)
        return try T.decode(
            PostgresValueText(bytes: UnsafeBufferPointer(start: bytes, count: length), typeOID: UInt32(PQftype(p, c)), column: name))
    }

    /// Decodes the value in the column called `name`.
    public func decode<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        let c = PQfnumber(result.pointer, name)
        guard c >= 0 else {
            throw PostgresError(code: .decoding, message: "no column named \(name) in the result")
        }
        return try decode(Int(c), as: T.self)
    }
}
