import Tally
import Testing

@Suite("Configuration")
struct TallyConfigurationTests {
    static let environment = [
        "TALLY_OPERATIONAL_URL": "dbname=ops",
        "TALLY_WAREHOUSE_URL": "postgresql://etl@db/warehouse",
        "TALLY_PSEUDONYM_KEY_FILE": "/etc/tally/tally.key",
        "PGHOST": "ignored",
    ]

    @Test("settings come from the injected environment")
    func fromEnvironment() throws {
        let configuration = TallyConfiguration(environment: Self.environment)
        #expect(configuration.operationalURL == "dbname=ops")
        #expect(configuration.warehouseURL == "postgresql://etl@db/warehouse")
        #expect(configuration.pseudonymKeyFile == "/etc/tally/tally.key")
        #expect(try configuration.url(for: .operational) == "dbname=ops")
        #expect(try configuration.url(for: .warehouse) == "postgresql://etl@db/warehouse")
    }

    @Test("each flag wins over its variable and leaves the others alone")
    func flagsOverride() {
        let operational = TallyConfiguration(environment: Self.environment, operationalURL: "dbname=flag")
        #expect(operational.operationalURL == "dbname=flag")
        #expect(operational.warehouseURL == "postgresql://etl@db/warehouse")
        #expect(operational.pseudonymKeyFile == "/etc/tally/tally.key")

        let key = TallyConfiguration(environment: Self.environment, pseudonymKeyFile: "./dev.key")
        #expect(key.pseudonymKeyFile == "./dev.key")
        #expect(key.operationalURL == "dbname=ops")

        let onlyFlags = TallyConfiguration(environment: [:], operationalURL: "a", warehouseURL: "b", pseudonymKeyFile: "c")
        #expect((onlyFlags.operationalURL, onlyFlags.warehouseURL, onlyFlags.pseudonymKeyFile) == ("a", "b", "c"))
    }

    @Test("an empty environment configures nothing", arguments: TallyConfiguration.Database.allCases)
    func emptyEnvironment(database: TallyConfiguration.Database) {
        let configuration = TallyConfiguration(environment: [:])
        #expect(configuration.pseudonymKeyFile == nil)
        let error = #expect(throws: ConfigurationError.self) { try configuration.url(for: database) }
        let variable = database == .operational ? "TALLY_OPERATIONAL_URL" : "TALLY_WAREHOUSE_URL"
        #expect(error?.message.hasPrefix("no \(database.rawValue) database is configured. Set \(variable) or pass --\(database.rawValue)-url") == true)
        #expect(error?.exitCode == 2)
    }

    @Test("a blank URL counts as missing, from a flag or the environment", arguments: ["", "   ", "\t"])
    func blankURL(value: String) {
        let fromEnvironment = TallyConfiguration(environment: ["TALLY_WAREHOUSE_URL": value])
        #expect(throws: ConfigurationError.self) { try fromEnvironment.url(for: .warehouse) }
        let fromFlag = TallyConfiguration(environment: ["TALLY_WAREHOUSE_URL": "dbname=w"], warehouseURL: value)
        #expect(throws: ConfigurationError.self) { try fromFlag.url(for: .warehouse) }
    }
}
