import Foundation

/// Where Tally finds its databases and key, read from an injected environment and overridden by flags.
public struct TallyConfiguration: Sendable {
    /// Which database a command acts on.
    public enum Database: String, Sendable, CaseIterable {
        case operational
        case warehouse
    }

    /// libpq connection string or URI of the operational database.
    public var operationalURL: String?
    /// libpq connection string or URI of the warehouse.
    public var warehouseURL: String?
    /// Path of the HMAC pseudonym key file.
    public var pseudonymKeyFile: String?

    /// Reads `TALLY_OPERATIONAL_URL`, `TALLY_WAREHOUSE_URL` and `TALLY_PSEUDONYM_KEY_FILE`;
    /// a non-nil argument (from a flag) wins over the environment.
    public init(
        environment: [String: String],
        operationalURL: String? = nil,
        warehouseURL: String? = nil,
        pseudonymKeyFile: String? = nil
    ) {
        self.operationalURL = operationalURL ?? environment["TALLY_OPERATIONAL_URL"]
        self.warehouseURL = warehouseURL ?? environment["TALLY_WAREHOUSE_URL"]
        self.pseudonymKeyFile = pseudonymKeyFile ?? environment["TALLY_PSEUDONYM_KEY_FILE"]
    }

    /// Whether the working folder is a checkout of tally (where `swift run tally dev env` means something).
    private var isCheckout: Bool {
        FileManager.default.fileExists(atPath: "Package.swift") && FileManager.default.fileExists(atPath: "migrations/warehouse")
    }

    /// The connection string for `database`, or a configuration error saying how to set it.
    public func url(for database: Database) throws(ConfigurationError) -> String {
        let value = database == .operational ? operationalURL : warehouseURL
        guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            let variable = database == .operational ? "TALLY_OPERATIONAL_URL" : "TALLY_WAREHOUSE_URL"
            throw ConfigurationError(
                message:
                    "no \(database.rawValue) database is configured. Set \(variable) or pass --\(database.rawValue)-url (a libpq connection string such as 'dbname=tally_\(database.rawValue)' or a postgresql:// URI). Under cron, export it from the environment file: set -a && . /etc/tally/tally.env && set +a (see docs/operations.md)."
                    + (isCheckout ? " For the local development cluster of this checkout: eval \"$(swift run tally dev env)\"" : "")
            )
        }
        return value
    }
}

/// Bad or missing configuration (exit 2).
public struct ConfigurationError: ExitCoded, Sendable {
    /// What is wrong and how to fix it.
    public var message: String
    public var exitCode: Int32 { ExitStatus.usage }
    public var description: String { message }

    /// Builds an error.
    public init(message: String) {
        self.message = message
    }
}
