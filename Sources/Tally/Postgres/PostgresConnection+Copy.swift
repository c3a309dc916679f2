import CLibpq

extension PostgresConnection {
    /// Runs `COPY ... TO STDOUT` and hands each data row (with its trailing newline) to `consume`.
    /// The buffer is only valid during the call. Memory stays at one row whatever the row count.
    /// Returns the number of rows the server reported.
    @discardableResult
    public func copyOut(_ sql: String, _ consume: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let start = try check(PQexec(handle, sql))
        guard PQresultStatus(start.pointer) == PGRES_COPY_OUT else {
            throw PostgresError(code: .unexpectedResult, message: "expected a COPY ... TO STDOUT statement, got \(start.commandTag)")
        }
        var consumerError: Error?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &buffer, 0)
            if length > 0, let buffer {
                defer { PQfreemem(buffer) }
                if consumerError == nil {
                    do {
                        try consume(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
                    } catch {
                        // Keep draining: the protocol must reach its end before the connection is usable.
                        consumerError = error
                    }
                }
            } else if length == -1 {
                break
            } else {
                throw PostgresError(connection: handle, code: .connectionLost, redacting: secrets)
            }
        }
        let end = try finishCopy()
        if let consumerError { throw consumerError }
        return end
    }

    /// Runs `COPY ... FROM STDIN` and lets `produce` write the data through a buffered writer.
    /// If `produce` throws, the COPY is aborted, nothing is inserted, and the error is rethrown.
    /// Returns the number of rows the server inserted.
    @discardableResult
    public func copyIn(_ sql: String, _ produce: (CopyInWriter) throws -> Void) throws -> Int {
        let start = try check(PQexec(handle, sql))
        guard PQresultStatus(start.pointer) == PGRES_COPY_IN else {
            throw PostgresError(code: .unexpectedResult, message: "expected a COPY ... FROM STDIN statement, got \(start.commandTag)")
        }
        let writer = CopyInWriter(connection: self)
        do {
            try produce(writer)
            try writer.flush()
        } catch {
            PQputCopyEnd(handle, "aborted by the client")
            _ = try? finishCopy()
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else {
            throw PostgresError(connection: handle, code: .connectionLost, redacting: secrets)
        }
        return try finishCopy()
    }

    /// `copyIn` for `COPY ... FROM STDIN WITH (FORMAT binary)`: writes the file header before
    /// `produce` and the trailer after it.
    @discardableResult
    public func copyInBinary(_ sql: String, _ produce: (CopyInWriter) throws -> Void) throws -> Int {
        try copyIn(sql) { writer in
            try writer.write(CopyBinary.header)
            try produce(writer)
            try writer.write(CopyBinary.trailer)
        }
    }

    /// Collects the final result of a COPY and returns its row count.
    private func finishCopy() throws(PostgresError) -> Int {
        var rows = 0
        var failure: PostgresError?
        while let raw = PQgetResult(handle) {
            do {
                let result = try check(raw)
                rows = result.affectedRows ?? rows
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        return rows
    }

    func putCopyData(_ bytes: UnsafeRawBufferPointer) throws(PostgresError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let sent = PQputCopyData(handle, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
        guard sent == 1 else {
            throw PostgresError(connection: handle, code: .copyFailed, redacting: secrets)
        }
    }
}

/// Buffers COPY data and sends it in chunks; one send per row is many times slower.
public final class CopyInWriter {
    /// Bytes gathered before a send. A blocking send returns once the socket buffer has taken the
    /// chunk, so a chunk well under the buffer (about 200 KiB on Linux) lets the writer produce the
    /// next one while the server parses the last. At 256 KiB the two took turns and a seed ran at
    /// half the speed (bench/RESULTS.md, seed throughput).
    public static let chunkSize = 32 * 1024
    private let connection: PostgresConnection
    private var buffer: [UInt8] = []

    init(connection: PostgresConnection) {
        self.connection = connection
        buffer.reserveCapacity(Self.chunkSize + 4096)
    }

    /// Appends raw COPY data (already in the COPY format the statement asked for).
    public func write(_ bytes: UnsafeRawBufferPointer) throws(PostgresError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.chunkSize { try flush() }
    }

    /// Appends raw COPY data.
    public func write(_ bytes: [UInt8]) throws(PostgresError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.chunkSize { try flush() }
    }

    /// Appends bytes that `encode` writes straight into the buffer (a COPY binary row, built with
    /// `CopyBinary`), with no copy of a row of its own.
    public func writeBinary(_ encode: (inout [UInt8]) -> Void) throws(PostgresError) {
        encode(&buffer)
        if buffer.count >= Self.chunkSize { try flush() }
    }

    /// Appends one row in text format, escaping each field; nil is NULL.
    public func writeRow(_ fields: [String?]) throws(PostgresError) {
        CopyText.appendRow(fields, to: &buffer)
        if buffer.count >= Self.chunkSize { try flush() }
    }

    /// Sends what is buffered.
    public func flush() throws(PostgresError) {
        guard !buffer.isEmpty else { return }
        let failure = buffer.withUnsafeBytes { bytes -> PostgresError? in
            do throws(PostgresError) {
                try connection.putCopyData(bytes)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        buffer.removeAll(keepingCapacity: true)
    }
}
