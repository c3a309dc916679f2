import Tally
import Testing

@Suite("Connection strings")
struct ConninfoTests {
    @Test("values are quoted only when libpq needs it")
    func quoting() {
        #expect(Conninfo.keywords([("host", "/tmp/a b"), ("user", "o'neil"), ("port", "5432")]) == "host='/tmp/a b' user='o\\'neil' port=5432")
        #expect(Conninfo.quote("") == "''")
        #expect(Conninfo.quote("a\\b") == "'a\\\\b'")
    }

    @Test("the database is replaced in URIs and keyword strings, by libpq's own parser")
    func replacingDatabase() throws {
        let fromURI = try Conninfo.replacingDatabase(in: "postgresql://u@127.0.0.1:6543/old?sslmode=disable", with: "new")
        #expect(fromURI.contains("dbname=new"))
        #expect(fromURI.contains("port=6543"))
        #expect(fromURI.contains("sslmode=disable"))
        #expect(!fromURI.contains("old"))
        let fromKeywords = try Conninfo.replacingDatabase(in: "host=/s dbname=old user=u", with: "new")
        #expect(fromKeywords.contains("host=/s") && fromKeywords.contains("dbname=new") && !fromKeywords.contains("old"))
        #expect(throws: PostgresError.self) { try Conninfo.replacingDatabase(in: "bogus_keyword=1", with: "x") }
    }

    @Test("a missing database URL says which variable to set")
    func missingURL() {
        let configuration = TallyConfiguration(environment: ["TALLY_WAREHOUSE_URL": "dbname=w"])
        let error = #expect(throws: ConfigurationError.self) { try configuration.url(for: .operational) }
        #expect(error?.message.contains("Set TALLY_OPERATIONAL_URL or pass --operational-url") == true)
        #expect(error?.exitCode == 2)
        #expect((try? configuration.url(for: .warehouse)) == "dbname=w")
        #expect(TallyConfiguration(environment: ["TALLY_WAREHOUSE_URL": "a"], warehouseURL: "b").warehouseURL == "b")
    }
}
