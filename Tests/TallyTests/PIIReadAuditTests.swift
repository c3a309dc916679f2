import Testing

@testable import Tally

/// What `tally check` and `tally migrate verify` say about PII-read auditing, for each reason it can
/// be missing (the test cluster always preloads pgaudit, so these states are built here).
@Suite("PII read audit report")
struct PIIReadAuditTests {
    @Test("each reason PII reads are not audited names its fix")
    func reasons() {
        let audited = PIIReadAudit(loaded: true, auditRole: PIIReadAudit.role, uncovered: [], columns: 6)
        #expect(audited.isAudited)
        #expect(audited.summary == "PII reads: audited by pgaudit (role tally_pii_audit, 6 columns)")

        let unloaded = PIIReadAudit(loaded: false, auditRole: PIIReadAudit.role, uncovered: [], columns: 6)
        #expect(!unloaded.isAudited)
        #expect(unloaded.summary.hasPrefix("PII reads: NOT audited: pgaudit is not loaded: add shared_preload_libraries = 'pgaudit' to postgresql.conf"))

        let unset = PIIReadAudit(loaded: true, auditRole: nil, uncovered: [], columns: 6)
        #expect(unset.summary.contains("pgaudit.role is not set for this database, not tally_pii_audit: run tally migrate up --db operational"))

        let uncovered = PIIReadAudit(loaded: true, auditRole: PIIReadAudit.role, uncovered: ["app.accounts.phone"], columns: 7)
        #expect(!uncovered.isAudited)
        #expect(uncovered.summary.contains("tally_pii_audit cannot read app.accounts.phone, so reads of it are not logged"))
    }
}
