import CGLPK

/// A set of a group's titles, title i being bit i: a pattern of titles played, or the titles of a
/// count.
struct TitleSet: Hashable {
    private(set) var words: [UInt64]

    init(items: Int, titles: [Int] = []) {
        words = [UInt64](repeating: 0, count: (items + 63) / 64)
        for title in titles { insert(title) }
    }

    mutating func insert(_ title: Int) { words[title / 64] |= 1 << (title % 64) }
    mutating func remove(_ title: Int) { words[title / 64] &= ~(1 << (title % 64)) }
    func contains(_ title: Int) -> Bool { words[title / 64] & 1 << (title % 64) != 0 }
    func intersects(_ other: TitleSet) -> Bool { zip(words, other.words).contains { $0 & $1 != 0 } }
    func isSuperset(of other: TitleSet) -> Bool { zip(words, other.words).allSatisfy { $0 & $1 == $1 } }
    var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
    var titles: [Int] {
        var titles: [Int] = []
        for (w, word) in words.enumerated() {
            var rest = word
            while rest != 0 {
                titles.append(w * 64 + rest.trailingZeroBitCount)
                rest &= rest - 1
            }
        }
        return titles
    }
}

/// The people of a group-period counted by some of its titles: those who played every one of them
/// (a title, a pair) or some one of them (the group, a group inside it).
struct TitleCount: Hashable {
    var titles: TitleSet
    var every: Bool

    func counts(_ pattern: TitleSet) -> Bool { every ? pattern.isSuperset(of: titles) : pattern.intersects(titles) }
}

/// What a range is sought for: the people of a count, or the people who played at least m, or
/// exactly m, titles.
enum TitleTarget {
    case count(TitleCount)
    case atLeast(Int)
    case exactly(Int)

    func counts(_ pattern: TitleSet) -> Bool {
        switch self {
        case .count(let count): count.counts(pattern)
        case .atLeast(let m): pattern.count >= m
        case .exactly(let m): pattern.count == m
        }
    }
}

/// A group's patterns of titles (2^n of them) for `ColumnProgram`. The pricing problem is a
/// quadratic one over 0-1 choices, one per title (the pairs): a local search proposes patterns, and
/// when it finds none that improves the program clearly, GLPK's branch and bound over the problem
/// written linearly (a variable for each pair and each group inside this one) decides it exactly.
struct TitlePricing: Pricing {
    let titles: Int

    var seeds: [TitleSet] { (0..<titles).map { TitleSet(items: titles, titles: [$0]) } }
    var items: Int { titles }
    func has(_ pattern: TitleSet, _ item: Int) -> Bool { pattern.contains(item) }
    func count(of item: Int) -> TitleCount { TitleCount(titles: TitleSet(items: titles, titles: [item]), every: true) }
    var everyone: TitleCount { TitleCount(titles: TitleSet(items: titles, titles: Array(0..<titles)), every: false) }
    func count(_ count: TitleCount, has pattern: TitleSet) -> Bool { count.counts(pattern) }
    func target(_ target: TitleTarget, has pattern: TitleSet) -> Bool { target.counts(pattern) }

    /// The weights gathered by shape: every non-empty pattern's, each title's, each pair's, each
    /// larger group's (for some title of it), and the people with at least m titles' (the people
    /// with exactly m titles are those with at least m, less those with at least m + 1).
    private struct Weights {
        var constant = 0.0
        var linear: [Double]
        var pairs: [(a: Int, b: Int, weight: Double)] = []
        var groups: [(titles: [Int], weight: Double)] = []
        var atLeast: [(m: Int, weight: Double)] = []

        func gain(_ pattern: TitleSet) -> Double {
            var total = constant
            for t in 0..<linear.count where pattern.contains(t) { total += linear[t] }
            for pair in pairs where pattern.contains(pair.a) && pattern.contains(pair.b) { total += pair.weight }
            for group in groups where group.titles.contains(where: pattern.contains) { total += group.weight }
            for term in atLeast where pattern.count >= term.m { total += term.weight }
            return total
        }

        /// The pattern that flipping one title at a time, the best flip first, reaches from
        /// `start` while a flip gains; each flip's gain comes from the title's own pairs and
        /// groups, so a step costs the pairs and groups once, not once per title.
        func climb(from start: [Int]) -> (TitleSet, Double) {
            let n = linear.count
            var neighbours = [[(other: Int, weight: Double)]](repeating: [], count: n)
            for pair in pairs {
                neighbours[pair.a].append((pair.b, pair.weight))
                neighbours[pair.b].append((pair.a, pair.weight))
            }
            var memberships = [[Int]](repeating: [], count: n)
            for (g, group) in groups.enumerated() { for t in group.titles { memberships[t].append(g) } }
            var on = [Bool](repeating: false, count: n)
            var played = [Int](repeating: 0, count: groups.count)
            var size = 0
            func flip(_ t: Int) {
                on[t].toggle()
                size += on[t] ? 1 : -1
                for g in memberships[t] { played[g] += on[t] ? 1 : -1 }
            }
            for t in start { flip(t) }
            /// What flipping t adds to the gain.
            func change(_ t: Int) -> Double {
                let adding = !on[t]
                var delta = linear[t]
                for (other, weight) in neighbours[t] where on[other] { delta += weight }
                for g in memberships[t] where played[g] == (adding ? 0 : 1) { delta += groups[g].weight }
                for term in atLeast where size + (adding ? 0 : -1) == term.m - 1 { delta += term.weight }
                return adding ? delta : -delta
            }
            // Each title's change, recomputed after a flip only for the titles whose change it
            // moved: the flipped title's pair neighbours, the members of a group whose count of
            // played titles crossed 0 or 1, and every title when the size crossed m - 1 or m.
            var changes = (0..<n).map(change)
            while true {
                var best = -1
                for t in 0..<n where (!on[t] || size > 1) && changes[t] > max(1e-12, best < 0 ? 0 : changes[best]) { best = t }
                guard best >= 0 else { break }
                let before = size
                flip(best)
                var stale = [best] + neighbours[best].map(\.other)
                for g in memberships[best] where played[g] <= 2 { stale += groups[g].titles }
                if atLeast.contains(where: { term in [before, size].contains { (term.m - 1...term.m).contains($0) } }) { stale = Array(0..<n) }
                for t in stale { changes[t] = change(t) }
            }
            let pattern = TitleSet(items: n, titles: (0..<n).filter { on[$0] })
            return (pattern, gain(pattern))
        }
    }

    func best(_ weights: [(count: TitleCount, weight: Double)], target: (target: TitleTarget, weight: Double)?, isNew: (TitleSet) -> Bool) -> [(
        pattern: TitleSet, gain: Double
    )]? { search(weights, target: target, isNew: isNew) }

    /// The local search's patterns when one of them is new and gains more than 1e-6; otherwise (or
    /// with `exactly`) the best pattern by branch and bound, nil when its search hit its time limit.
    func search(
        _ weights: [(count: TitleCount, weight: Double)], target: (target: TitleTarget, weight: Double)?, isNew: (TitleSet) -> Bool = { _ in true },
        exactly: Bool = false
    ) -> [(pattern: TitleSet, gain: Double)]? {
        var gathered = Weights(linear: [Double](repeating: 0, count: titles))
        var all = weights
        switch target {
        case (.count(let count), let weight)?: all.append((count, weight))
        case (.atLeast(let m), let weight)?: gathered.atLeast = [(m, weight)]
        case (.exactly(let m), let weight)?: gathered.atLeast = [(m, weight)] + (m < titles ? [(m + 1, -weight)] : [])
        case nil: break
        }
        for (count, weight) in all where weight != 0 {
            let members = count.titles.titles
            if members.count == 1 {
                gathered.linear[members[0]] += weight
            } else if !count.every && members.count == titles {
                gathered.constant += weight
            } else if count.every {
                precondition(members.count == 2, "a count of every one of more than two titles")
                gathered.pairs.append((members[0], members[1], weight))
            } else {
                gathered.groups.append((members, weight))
            }
        }
        // Local search: from the titles of positive weight, and from each of the best single
        // titles, add or drop the title that gains most while one gains.
        let singles = (0..<titles).sorted { gathered.linear[$0] > gathered.linear[$1] }.prefix(7).map { [$0] }
        var found: [TitleSet: Double] = [:]
        for start in [(0..<titles).filter { gathered.linear[$0] > 0 }] + singles where !start.isEmpty {
            let (pattern, gain) = gathered.climb(from: start)
            found[pattern] = gain
        }
        // A clear gain by a new pattern is enough to go on; otherwise only the exact search can
        // say that none exists.
        if !exactly && found.contains(where: { $0.value > 1e-6 && isNew($0.key) }) {
            return found.map { ($0.key, $0.value) }.sorted { $0.gain > $1.gain }
        }
        guard let exact = exactBest(gathered) else { return nil }
        return [(exact, gathered.gain(exact))]
    }

    /// The best pattern by branch and bound over the problem written linearly: a title's choice is
    /// a 0-1 variable; a pair's is a variable between 0 and 1 held at most each title's (when its
    /// weight is positive) or at least their sum less 1 (when negative), and a group's likewise at
    /// most the sum of its titles' or at least each one's; the people with at least m titles are a
    /// 0-1 variable that m titles must be played to set, or that m titles force (one for each m).
    private func exactBest(_ gathered: Weights) -> TitleSet? {
        glp_term_out(GLP_OFF)
        let problem = glp_create_prob()!
        defer { glp_delete_prob(problem) }
        glp_set_obj_dir(problem, GLP_MAX)
        func column(_ kind: Int32, weight: Double) -> Int32 {
            let j = glp_add_cols(problem, 1)
            glp_set_col_kind(problem, j, kind)
            glp_set_col_bnds(problem, j, GLP_DB, 0, 1)
            glp_set_obj_coef(problem, j, weight)
            return j
        }
        func row(_ terms: [(Int32, Double)], _ type: Int32, _ bound: Double) {
            let i = glp_add_rows(problem, 1)
            glp_set_row_bnds(problem, i, type, bound, bound)
            glp_set_mat_row(problem, i, Int32(terms.count), [0] + terms.map(\.0), [0] + terms.map(\.1))
        }
        glp_set_obj_coef(problem, 0, gathered.constant)
        let x = (0..<titles).map { column(GLP_BV, weight: gathered.linear[$0]) }
        row(x.map { ($0, 1) }, GLP_LO, 1)
        for pair in gathered.pairs {
            let y = column(GLP_CV, weight: pair.weight)
            if pair.weight > 0 {
                row([(y, 1), (x[pair.a], -1)], GLP_UP, 0)
                row([(y, 1), (x[pair.b], -1)], GLP_UP, 0)
            } else {
                row([(y, 1), (x[pair.a], -1), (x[pair.b], -1)], GLP_LO, -1)
            }
        }
        for group in gathered.groups {
            let z = column(GLP_CV, weight: group.weight)
            if group.weight > 0 {
                row([(z, 1)] + group.titles.map { (x[$0], -1) }, GLP_UP, 0)
            } else {
                for t in group.titles { row([(z, 1), (x[t], -1)], GLP_LO, 0) }
            }
        }
        for term in gathered.atLeast {
            let b = column(GLP_BV, weight: term.weight)
            if term.weight > 0 {
                row(x.map { ($0, 1) } + [(b, -Double(term.m))], GLP_LO, 0)
            } else {
                row(x.map { ($0, 1) } + [(b, -Double(titles - term.m + 1))], GLP_UP, Double(term.m - 1))
            }
        }
        var parameters = glp_iocp()
        glp_init_iocp(&parameters)
        parameters.msg_lev = GLP_MSG_OFF
        parameters.presolve = GLP_ON
        // A search this long has gone wrong: the master counts its optimum as unsettled.
        parameters.tm_lim = 60_000
        // Every title alone is a pattern, so anything but an optimum is a search that did not finish.
        guard glp_intopt(problem, &parameters) == 0, glp_mip_status(problem) == GLP_OPT else { return nil }
        return TitleSet(items: titles, titles: (0..<titles).filter { glp_mip_col_val(problem, x[$0]) > 0.5 })
    }
}
