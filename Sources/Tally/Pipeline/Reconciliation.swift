import Foundation
import Logging

/// `tally reconcile`: compares what the loaded source rows add up to with what the warehouse's daily
/// facts hold, per day and per day and title. It reads the warehouse in one snapshot (its watermark,
/// rejects and facts) and the source as `tally_etl_reader`, needs no key, and writes nothing.
public struct Reconciliation: Sendable, Codable {
    /// One measure that differs.
    public struct Mismatch: Sendable, Codable, Equatable {
        public var day: Day
        /// nil for the day's total over all titles.
        public var titleID: Int?
        public var measure: String
        public var source: Int
        public var warehouse: Int

        public init(day: Day, titleID: Int?, measure: String, source: Int, warehouse: Int) {
            self.day = day
            self.titleID = titleID
            self.measure = measure
            self.source = source
            self.warehouse = warehouse
        }
    }

    public var days: ClosedRange<Day>?
    public var titleDays: Int
    public var mismatches: [Mismatch]

    /// Compares the days `from`...`to` (by default every day with facts).
    public static func run(configuration: TallyConfiguration, from: Day? = nil, to: Day? = nil, logger: Logger) throws -> Reconciliation {
        let warehouse = try PostgresConnection.connect(
            try configuration.url(for: .warehouse), applicationName: "tally reconcile", logger: logger)
        defer { warehouse.close() }
        let facts = FactTotals(warehouse: warehouse)
        try facts.begin()
        guard let watermark = try Watermark.snapshot(on: warehouse), let stored = try facts.dayRange() else {
            return Reconciliation(days: nil, titleDays: 0, mismatches: [])
        }
        let first = from ?? stored.lowerBound
        let last = to ?? stored.upperBound
        guard first <= last else { return Reconciliation(days: nil, titleDays: 0, mismatches: []) }
        let settings = try LoadSettings.read(from: warehouse)
        let rejected = try facts.rejected()
        let loaded = try facts.daily(first...last)

        let source = try OperationalSource.open(conninfo: try configuration.url(for: .operational), logger: logger)
        defer { source.finish() }
        _ = try source.beginSnapshot()
        let expected = try source.loadedTotals(
            watermark: watermark, rejectedPlays: rejected.plays, rejectedRatings: rejected.ratings,
            businessTimeZone: settings.businessTimeZone, days: first...last)
        return Reconciliation(days: first...last, titleDays: Set(loaded.keys).union(expected.keys).count, mismatches: compare(expected, loaded))
    }

    /// Every measure that differs: day totals first, then day and title, in day order.
    static func compare(_ source: [TitleDayTotals.Key: TitleDayTotals], _ warehouse: [TitleDayTotals.Key: TitleDayTotals]) -> [Mismatch] {
        func byDay(_ totals: [TitleDayTotals.Key: TitleDayTotals]) -> [Day: TitleDayTotals] {
            var days: [Day: TitleDayTotals] = [:]
            for (key, value) in totals { days[key.day, default: TitleDayTotals()].addAdditive(value) }
            return days
        }
        var mismatches: [Mismatch] = []
        func differences(_ day: Day, _ titleID: Int?, _ a: TitleDayTotals?, _ b: TitleDayTotals?) {
            let source = (a ?? TitleDayTotals()).measures
            let warehouse = (b ?? TitleDayTotals()).measures
            for (s, w) in zip(source, warehouse) where s.value != w.value && !(titleID == nil && s.name == "viewers") {
                mismatches.append(Mismatch(day: day, titleID: titleID, measure: s.name, source: s.value, warehouse: w.value))
            }
        }
        let sourceDays = byDay(source)
        let warehouseDays = byDay(warehouse)
        for day in Set(sourceDays.keys).union(warehouseDays.keys).sorted() {
            differences(day, nil, sourceDays[day], warehouseDays[day])
        }
        for key in Set(source.keys).union(warehouse.keys).sorted() {
            differences(key.day, key.titleID, source[key], warehouse[key])
        }
        return mismatches.sorted { ($0.day, $0.titleID ?? Int.min) < ($1.day, $1.titleID ?? Int.min) }
    }

    /// Mismatches as aligned lines, then the one-line summary.
    public func render() -> String {
        var rows = [["DAY", "TITLE", "MEASURE", "SOURCE", "WAREHOUSE"]]
        for m in mismatches {
            rows.append([m.day.description, m.titleID.map { $0 == -1 ? "unknown" : String($0) } ?? "all", m.measure, String(m.source), String(m.warehouse)])
        }
        return (mismatches.isEmpty ? "" : TerminalText.align(rows) + "\n") + summary
    }

    /// "reconcile 2026-11-01..2026-11-30: 30 days, 4512 title-days, all equal".
    public var summary: String {
        guard let days else { return "reconcile: the warehouse holds no loaded facts to compare" }
        let count = days.upperBound.daysSince1970 - days.lowerBound.daysSince1970 + 1
        let head = "reconcile \(days.lowerBound)..\(days.upperBound): \(count) days, \(titleDays) title-days"
        guard !mismatches.isEmpty else { return "\(head), all equal" }
        let badDays = Set(mismatches.map(\.day)).count
        return "\(head), \(mismatches.count) measures differ on \(badDays) days"
    }

    /// The exit-3 error when anything differs.
    public var mismatchError: ReconcileMismatch? {
        mismatches.isEmpty ? nil : ReconcileMismatch(summary: summary)
    }
}

/// Source and warehouse disagree (exit 3).
public struct ReconcileMismatch: ExitCoded {
    public var summary: String
    public var exitCode: Int32 { ExitStatus.validation }
    public var description: String {
        "\(summary). The warehouse's facts differ from the loaded source rows: tally load --rebuild FROM TO recomputes days inside the retention window."
    }
}
