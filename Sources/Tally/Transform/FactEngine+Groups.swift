extension FactEngine {
    /// The series and the genre of each title version, for the series and genre totals of a period.
    struct TitleGroups: Sendable {
        enum Grouping: Int, Sendable {
            case series, genre
            /// As `fact_group_period.grouping` spells it.
            var name: String { self == .series ? "series" : "genre" }
        }

        /// Each group's grouping and name, by index.
        private(set) var groups: [(grouping: Grouping, name: String)] = []
        /// By title key: its series' and its genre's indexes into `groups`.
        private var ofKey: [Int32: [Int32]] = [:]

        var isEmpty: Bool { ofKey.isEmpty }

        init() {}

        /// From the dim_title rows: (title key, series name, genre).
        init(_ titles: [(key: Int32, series: String?, genre: String?)]) {
            var index: [String: Int32] = [:]
            for title in titles {
                var member: [Int32] = []
                for (grouping, name) in [(Grouping.series, title.series), (.genre, title.genre)] {
                    guard let name, !name.isEmpty else { continue }
                    let id = "\(grouping.rawValue)/\(name)"
                    if index[id] == nil {
                        index[id] = Int32(groups.count)
                        groups.append((grouping, name))
                    }
                    member.append(index[id]!)
                }
                if !member.isEmpty { ofKey[title.key] = member }
            }
        }

        /// The groups a title version belongs to.
        func groups(of key: Int32) -> [Int32] { ofKey[key] ?? [] }
    }

    /// A title version's rows in a period, for the group totals: its key, its titles (indexes into
    /// the period's counting sort) and its distinct viewers.
    struct KeyedTitle {
        var key: Int32
        var titles: [Int]
        var viewers: Int64
    }

    /// Series and genre totals of a period: per group, distinct people over its titles' rows, plays,
    /// watch time, its titles below the storage floor, and the people who played only those.
    /// `keyed` gives each title's viewers in every group of people; when the rows hold only some of
    /// the people, `titleCounts` gives each group's titles and small titles.
    func computeGroups(
        period p: Period, _ keyed: [KeyedTitle], rows visit: (_ title: Int, _ body: (Row) -> Void) -> Void,
        titleCounts: [Int32: (titles: Int32, small: Int32)]? = nil, people: inout Stamps, into facts: inout Facts
    ) {
        let floor = Int64(coviewingFloor)
        // Titles at or above the floor first: a person first seen in a small title then played no
        // other title of the group.
        let visiting = keyed.indices.filter { keyed[$0].viewers >= floor } + keyed.indices.filter { keyed[$0].viewers < floor }
        var members: [Int32: [Int]] = [:]
        for i in visiting {
            for g in groups.groups(of: keyed[i].key) { members[g, default: []].append(i) }
        }
        for (g, list) in members.sorted(by: { $0.key < $1.key }) {
            people.nextGroup()
            var sums = FactMeasures()
            var titles: Int32 = 0
            var smallTitles: Int32 = 0
            var smallViewers: Int64 = 0
            for i in list {
                let isSmall = keyed[i].viewers < floor
                if keyed[i].viewers > 0 { titles += 1 }
                if isSmall && keyed[i].viewers > 0 { smallTitles += 1 }
                for t in keyed[i].titles {
                    visit(t) { r in
                        sums.add(r)
                        guard r.plays > 0 else { return }
                        if people.first(r.person) {
                            sums.viewers += 1
                            if isSmall { smallViewers += 1 }
                        }
                    }
                }
            }
            guard sums.viewers > 0 else { continue }
            if let counts = titleCounts?[g] { (titles, smallTitles) = counts }
            let group = groups.groups[Int(g)]
            facts.groups.append(
                GroupFact(
                    period: p, grouping: group.grouping, name: group.name, titles: titles, viewers: sums.viewers, plays: sums.plays,
                    watchSeconds: sums.watchSeconds, smallTitles: smallTitles, smallTitleViewers: smallViewers, smallTitleBelow: coviewingFloor))
        }
    }
}
