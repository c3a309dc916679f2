/// Recomputes the facts of a run exactly, in memory, from pseudonymous private state: the daily and
/// segment facts of the touched days, the week and month facts (viewers, breakdowns, groups, co-viewing) of
/// their periods, and the streak facts of every as-of day that depends on them. Persons are slots
/// (small integers standing for pseudonyms); nothing here knows who anyone is.
///
/// PostgreSQL did this in set-based SQL until the 5M-event benchmark showed it spending over a
/// minute on distinct counts over 32-byte pseudonyms (bench/RESULTS.md); the rules are unchanged.
struct FactEngine {
    /// One private.activity row: a person's counts on a day, title and segment.
    struct Row {
        var person: Int32
        var day: Int32
        var titleID: Int32
        var device: Int16
        var region: Int16
        var audience: Int16
        var plays: Int32
        var completedPlays: Int32
        var watchSeconds: Int64
        var thumbsUp: Int32
        var thumbsDown: Int32
    }

    /// One private.play_durations row: how many plays of a day, title and segment lasted `watched` seconds.
    struct Duration {
        var day: Int32
        var titleID: Int32
        var device: Int16
        var region: Int16
        var audience: Int16
        var watched: Int32
        var plays: Int32
    }

    /// A dim_title version.
    struct TitleVersion {
        var key: Int32
        /// valid_from, microseconds since 1970.
        var validFrom: Int64
        /// A play of this version shorter than this many seconds is a skip: ceil(min(skip_seconds,
        /// skip_runtime_share × runtime)), computed by PostgreSQL in numeric, so exact (for whole
        /// seconds, w < x exactly when w < ceil(x)); skip_seconds when the runtime is unknown.
        var skipBelow: Int32
    }

    struct Period: Hashable {
        /// The period_kind column's values; the raw value is what fact rows carry.
        enum Kind: Int64 {
            case week, month

            /// The `period_kind` column's text.
            var name: String { self == .week ? "week" : "month" }
        }

        var kind: Kind
        var start: Int32
        var finish: Int32
    }

    var rows: [Row]
    var durations: [Duration]
    var versions: [Int32: [TitleVersion]]
    /// The instant (µs since 1970) a day ends in the business time zone, for every day in scope.
    var endOfDay: [Int32: Int64]
    /// The skip threshold of plays of titles not in the catalogue (skip_seconds).
    var skipSeconds: Int32
    var streakMax: Int
    /// Fewest shared viewers a stored co-viewing pair has (etl.coviewing_floor(): k unless a DBA set
    /// a lower floor); 1 stores every pair.
    var coviewingFloor: Int32
    /// The last day with any private state (after this run's rows).
    var lastDay: Int32
    /// The `private.people` key of each person slot, for the co-viewing bound's choice.
    var personKeys: [Int32] = []
    /// The bound on titles per person and period in co-viewing; nil: none, co-viewing is exact.
    var contributionBound: ContributionBound?
    /// The audience dimensions title-periods are broken down by; empty: no breakdowns.
    var breakdowns = Breakdowns()
    /// The series and genre of each title version; empty: no group totals.
    var groups = TitleGroups()
    /// Which facts `compute` makes: all of them, or one pass of a run computed a group of people
    /// at a time (`FactRecompute`).
    var part = Part.all
    /// For the dependent pass: every group's additive totals, which decide what the rows of one
    /// group cannot (which days and titles are small, which titles are in co-viewing pairs).
    var totals: Totals?
    /// For the dependent pass: where co-viewing counts are summed over the groups, if they fit.
    var pairTotals: PairTotals?

    /// The dim_title version of a title valid at the end of a day: the latest version that had taken
    /// effect, else its first version; -1 (unknown) when the title is not in the catalogue.
    func titleKey(_ titleID: Int32, on day: Int32) -> Int32 {
        guard let versions = versions[titleID], let end = endOfDay[day] else { return -1 }
        var best: TitleVersion?
        for v in versions {
            guard let b = best else {
                best = v
                continue
            }
            let vIn = v.validFrom < end
            let bIn = b.validFrom < end
            if vIn != bIn {
                if vIn { best = v }
            } else if v.validFrom != b.validFrom {
                if vIn ? v.validFrom > b.validFrom : v.validFrom < b.validFrom { best = v }
            } else if v.key > b.key {
                best = v
            }
        }
        return best?.key ?? -1
    }

    /// Whether a play of `watched` seconds of a title version is a skip.
    func isSkip(_ watched: Int32, key: Int32, titleID: Int32) -> Bool {
        watched < (versions[titleID]?.first { $0.key == key }?.skipBelow ?? skipSeconds)
    }

    func compute(_ scope: Scope) -> Facts {
        var all = Facts()
        compute(scope) { all.append($0) }
        return all
    }

    /// Facts held before they are handed on: a day, period or as-of day ends with `stage` given what
    /// has been computed once it holds this many rows. On sparse data a group of people made about
    /// one segment fact per activity row, and holding them until the end of a stage took more
    /// memory than the rows (bench/RESULTS.md).
    static let stageRows = 1 << 16

    /// Computes the facts in three stages, the daily and segment facts; the period, breakdown, group and
    /// co-viewing facts; and the streak facts, handing each stage's rows to `stage` when it is done,
    /// and, within a stage, every `stageRows` rows or so, so they can be written while the rest is
    /// computed.
    func compute(_ scope: Scope, stage: (Facts) throws -> Void) rethrows {
        var keyCache: [Int64: Int32] = [:]
        func key(_ titleID: Int32, _ day: Int32) -> Int32 {
            let packed = Int64(titleID) << 32 | Int64(UInt32(bitPattern: day))
            if let k = keyCache[packed] { return k }
            let k = titleKey(titleID, on: day)
            keyCache[packed] = k
            return k
        }
        let people = Int(rows.lazy.map(\.person).max() ?? -1) + 1
        var facts = Facts()
        let layout = Layout(rows: rows, durations: durations)
        if part != .dependent {
            try computeDays(scope, layout, people: people, into: &facts, stage: stage)
            try stage(facts)
            facts = Facts()
        }
        try computePeriods(scope, layout, people: people, into: &facts, stage: stage)
        try stage(facts)
        if part != .dependent {
            facts = Facts()
            computeStreaks(scope, key: key, into: &facts)
            try stage(facts)
        }
    }

    /// Hands `facts` to `stage` and starts them anew when they hold `stageRows` rows or more.
    static func handOn(_ facts: inout Facts, to stage: (Facts) throws -> Void) rethrows {
        guard facts.count >= stageRows else { return }
        try stage(facts)
        facts = Facts()
    }

    struct DayKey: Hashable {
        var day: Int32
        var title: Int32
        var device: Int16 = -1
        var region: Int16 = -1
        var audience: Int16 = -1
    }

    /// Distinct people per group, without hashing: rows of a group are visited together, and a
    /// person counts once per group because their stamp then holds the group's number.
    struct Stamps {
        private var stamps: [Int32]
        private(set) var group: Int32 = 0

        init(people: Int) {
            stamps = [Int32](repeating: -1, count: people)
        }

        mutating func nextGroup() { group += 1 }

        /// Whether this is the person's first row in the current group.
        mutating func first(_ person: Int32) -> Bool {
            guard stamps[Int(person)] != group else { return false }
            stamps[Int(person)] = group
            return true
        }
    }
}
