import Testing

@testable import Tally

@Suite("segment facts of groups of people, summed through temporary files")
struct SegmentRunsTests {
    static func fact(_ day: Int32, _ title: Int32, _ device: Int16, viewers: Int64 = 0, plays: Int64 = 0, skips: Int64 = 0) -> SegmentFact {
        SegmentFact(
            day: Day(daysSince1970: day), titleKey: title, device: device, region: 1, audience: -1,
            measures: FactMeasures(viewers: viewers, plays: plays, skips: skips))
    }

    /// The merged facts, read back 16 KiB (204 facts) a run at a time.
    static func merged(_ runs: SegmentRuns, skips: [SegmentFact] = []) throws -> [SegmentFact] {
        var out: [SegmentFact] = []
        try runs.merged(adding: skips, readBytes: 0) { out += $0 }
        return out
    }

    @Test("keys given by several groups are summed once, every key comes out in the table's key order, and chunks split the output")
    func sumsAcrossGroups() throws {
        // 3 groups of 2,258 to 4,515 facts, each run read back 204 at a time; title key -1 (an
        // unknown title) sorts first, as in PostgreSQL.
        let runs = try SegmentRuns()
        var expected: [[Int32]: (viewers: Int64, plays: Int64)] = [:]
        for group in 0..<3 {
            var facts: [SegmentFact] = []
            for day in Int32(20_000)..<20_030 {
                let every = Int32(group + 2)
                for title in Int32(-1)..<300 where (title + day + Int32(group)) % every == 0 {
                    facts.append(Self.fact(day, title, Int16(group % 2), viewers: 1, plays: Int64(group + 1)))
                    expected[[day, title, Int32(group % 2)], default: (0, 0)].viewers += 1
                    expected[[day, title, Int32(group % 2)], default: (0, 0)].plays += Int64(group + 1)
                }
            }
            runs.append(Array(facts.prefix(1_000)), group: group)
            runs.append(Array(facts.dropFirst(1_000)), group: group)
        }
        var chunks = 0
        var out: [SegmentFact] = []
        try runs.merged(adding: [], chunk: 1_000, readBytes: 0) { chunk in
            #expect(chunk.count <= 1_000)
            chunks += 1
            out += chunk
        }
        #expect(chunks > 1)
        #expect(out.count == expected.count)
        for (a, b) in zip(out, out.dropFirst()) {
            #expect(
                (a.day.daysSince1970, a.titleKey, a.device) < (b.day.daysSince1970, b.titleKey, b.device),
                "\(a.day) \(a.titleKey) \(a.device) before \(b.day) \(b.titleKey) \(b.device)")
        }
        for f in out {
            let want = expected[[f.day.daysSince1970, f.titleKey, Int32(f.device)]]
            #expect(f.measures.viewers == want?.viewers && f.measures.plays == want?.plays, "\(f.day) \(f.titleKey) \(f.device)")
        }
    }

    @Test("skips of play lengths that no group holds add to the keys a group gave, and make no key of their own")
    func skipsAddOnly() throws {
        let runs = try SegmentRuns()
        runs.append([Self.fact(10, 1, 0, viewers: 2), Self.fact(10, 3, 0, viewers: 1)], group: 0)
        runs.append([Self.fact(10, 3, 0, viewers: 4, skips: 1)], group: 1)
        let skips = [Self.fact(10, 3, 0, skips: 5), Self.fact(10, 2, 0, skips: 7), Self.fact(9, 1, 0, skips: 1), Self.fact(10, 1, 0, skips: 2)]
        let out = try Self.merged(runs, skips: skips)
        #expect(out.map(\.titleKey) == [1, 3])
        #expect(out.map(\.measures.viewers) == [2, 5])
        #expect(out.map(\.measures.skips) == [2, 6])
    }

    @Test("no facts, or groups that gave none: nothing, not an empty write; an empty group between two is skipped")
    func empty() throws {
        var calls = 0
        try SegmentRuns().merged(adding: [Self.fact(1, 1, 0, skips: 1)]) { _ in calls += 1 }
        #expect(calls == 0)
        let runs = try SegmentRuns()
        runs.append([], group: 0)
        runs.append([], group: 1)
        try runs.merged(adding: []) { _ in calls += 1 }
        #expect(calls == 0)
        runs.append([Self.fact(5, 1, 0, viewers: 1)], group: 3)
        #expect(try Self.merged(runs).map(\.measures.viewers) == [1])
    }

    @Test("a group's facts out of key order fail the run instead of writing a key twice, within a chunk or across two")
    func outOfOrder() throws {
        let runs = try SegmentRuns()
        runs.append([Self.fact(10, 2, 0, viewers: 1), Self.fact(10, 1, 0, viewers: 1)], group: 0)
        #expect(throws: LoadError.self) { try Self.merged(runs) }
        // 204 facts a chunk: the 205th, first of the second chunk, goes back to title 0.
        let across = try SegmentRuns()
        across.append((0..<204).map { Self.fact(10, Int32($0) + 1, 0, viewers: 1) } + [Self.fact(10, 0, 0, viewers: 1)], group: 0)
        across.append([Self.fact(10, 0, 1, viewers: 1)], group: 1)
        #expect(throws: LoadError.self) { try Self.merged(across) }
    }
}
