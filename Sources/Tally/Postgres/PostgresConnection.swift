import CLibpq
import Foundation
import Logging

/// One libpq connection. libpq calls block, so keep a connection on one thread or task at a time.
///
/// Connection strings and URIs are handed to libpq untouched, so PG* variables, `.pgpass`,
/// `service=` and sslmode behave exactly as they do for psql.
public final class PostgresConnection {
    let handle: OpaquePointer
    /// The logger that receives server notices and statement-level debug output.
    public let logger: Logger
    private let noticeBox: Unmanaged<NoticeBox>
    /// Values that must never appear in an error (the password libpq used).
    let secrets: [String]
    private var isClosed = false

    /// Connects with `conninfo` (a keyword string or a `postgresql://` URI).
    ///
    /// - Parameters:
    ///   - connectTimeout: seconds before an unreachable server is given up on, unless `conninfo` or
    ///     `PGCONNECT_TIMEOUT` sets one.
    ///   - applicationName: shown in `pg_stat_activity`, unless `conninfo` sets one.
    public static func connect(
        _ conninfo: String,
        applicationName: String = "tally",
        connectTimeout: Int = 10,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger
    ) throws(PostgresError) -> PostgresConnection {
        // Keywords are processed in order and later ones win, so our defaults come first and the
        // caller's conninfo (expanded from `dbname`) overrides them.
        var keywords = ["fallback_application_name"]
        var values = [applicationName]
        if environment["PGCONNECT_TIMEOUT"] == nil {
            keywords.append("connect_timeout")
            values.append(String(connectTimeout))
        }
        keywords.append("dbname")
        values.append(conninfo)

        let handle: OpaquePointer? = withCStrings(keywords) { kw in
            withCStrings(values) { vals in PQconnectdbParams(kw, vals, 1) }
        }
        guard let handle else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        let secrets = Self.passwords(of: handle, conninfo: conninfo)
        guard PQstatus(handle) == CONNECTION_OK else {
            let error = PostgresError(connection: handle, code: .connectionFailed, redacting: secrets)
            let target = Self.target(of: handle)
            PQfinish(handle)
            var described = error
            described.message = "could not connect to \(target): \(Self.reason(from: error.message))"
            described.hint = "Check the connection string, that the server is running, and the credentials (.pgpass or PGPASSWORD)."
            throw described
        }
        let connection = PostgresConnection(handle: handle, logger: logger, secrets: secrets)
        // Timestamps are decoded from ISO output, whatever the server's default DateStyle.
        try connection.execute("set datestyle to iso, ymd")
        return connection
    }

    private init(handle: OpaquePointer, logger: Logger, secrets: [String]) {
        self.handle = handle
        self.logger = logger
        self.secrets = secrets
        self.noticeBox = Unmanaged.passRetained(NoticeBox(logger: logger))
        PQsetNoticeReceiver(
            handle,
            { context, result in
                guard let context, let result else { return }
                let box = Unmanaged<NoticeBox>.fromOpaque(context).takeUnretainedValue()
                box.receive(result)
            }, noticeBox.toOpaque())
    }

    deinit {
        close()
    }

    /// Closes the connection. Safe to call more than once.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        PQfinish(handle)
        noticeBox.release()
    }

    /// The server's process id for this session (`pg_backend_pid()`).
    public var backendPID: Int32 { PQbackendPID(handle) }

    /// The database this connection is attached to.
    public var database: String { PQdb(handle).map { String(cString: $0) } ?? "" }

    /// The user this connection authenticated as.
    public var user: String { PQuser(handle).map { String(cString: $0) } ?? "" }

    /// `host:port` as libpq resolved them (a socket folder for unix sockets).
    public var endpoint: String { Self.target(of: handle) }

    /// Whether the socket is still usable (false after the server went away).
    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    private static func target(of handle: OpaquePointer) -> String {
        let host = PQhost(handle).map { String(cString: $0) } ?? "localhost"
        let port = PQport(handle).map { String(cString: $0) } ?? "5432"
        return "\(host.isEmpty ? "localhost" : host):\(port.isEmpty ? "5432" : port)"
    }

    /// libpq's message repeats host and port before the reason; keep just the reason.
    private static func reason(from message: String) -> String {
        let firstLine = message.split(separator: "\n").first.map(String.init) ?? message
        if let range = firstLine.range(of: " failed: ") {
            return String(firstLine[range.upperBound...])
        }
        return firstLine
    }

    /// The password libpq will use, from the conninfo or the connection, so errors can be scrubbed of it.
    private static func passwords(of handle: OpaquePointer, conninfo: String) -> [String] {
        var found: [String] = []
        if let p = PQpass(handle) { found.append(String(cString: p)) }
        if let options = PQconninfoParse(conninfo, nil) {
            var option = options
            while let keyword = option.pointee.keyword {
                if String(cString: keyword) == "password", let value = option.pointee.val {
                    found.append(String(cString: value))
                }
                option += 1
            }
            PQconninfoFree(options)
        }
        return found.filter { !$0.isEmpty }
    }
}

/// Routes server notices (RAISE NOTICE, warnings) to the connection's logger.
private final class NoticeBox {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }

    func receive(_ result: OpaquePointer) {
        func field(_ f: Int32) -> String? { PQresultErrorField(result, f).map { String(cString: $0) } }
        let severity = field(DiagnosticField.severityNonlocalized) ?? "NOTICE"
        let message = field(DiagnosticField.messagePrimary) ?? ""
        var metadata: Logger.Metadata = ["severity": "\(severity)", "message": "\(message)"]
        if let state = field(DiagnosticField.sqlState) { metadata["sqlstate"] = "\(state)" }
        if let detail = field(DiagnosticField.messageDetail) { metadata["detail"] = "\(detail)" }
        let level: Logger.Level = severity == "WARNING" ? .warning : (severity == "DEBUG" || severity == "LOG" ? .debug : .info)
        logger.log(level: level, "server notice", metadata: metadata)
    }
}

/// Calls `body` with a NULL-terminated array of C strings that live for the duration of the call.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicated = strings.map { strdup($0) }
    defer { for pointer in duplicated { free(pointer) } }
    let pointers: [UnsafePointer<CChar>?] = duplicated.map { UnsafePointer($0) } + [nil]
    return body(pointers)
}
