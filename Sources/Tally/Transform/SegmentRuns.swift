/// The segment facts of a run in groups of people, summed here instead of in the warehouse. The
/// engine gives a group's segment facts in key order (day, then title key, device, region and
/// audience, as the table's primary key sorts them), so each group's go to a temporary file of
/// their own as they come, and one merge of the files gives each key's sum, in key order, holding a
/// chunk of each file. Staged in the warehouse instead, every group's rows were copied there and
/// then grouped and sorted again: 4.3 s of a 41 s load of 20M events (bench/RESULTS.md).
final class SegmentRuns {
    private let files: SpillFiles<SegmentFact>

    init(groups: Int) throws {
        files = try SpillFiles(files: groups)
    }

    /// Appends facts of `group`, which follow its earlier ones in key order.
    func append(_ facts: [SegmentFact], group: Int) {
        for fact in facts { files.append(fact, to: group) }
    }

    /// Calls `body` with the summed facts, in key order, a chunk of at most `chunk` at a time. A key
    /// exists when some group gave it; `skips` (in any order) only add to those keys, as a staged
    /// row without evidence does. Throws if a group's facts were not in key order.
    func merged(adding skips: [SegmentFact], chunk: Int = FactEngine.stageRows, _ body: ([SegmentFact]) throws -> Void) throws {
        try files.flush()
        let readers = files.counts.indices.map { SpillFiles.Reader(files, $0) }
        var chunks: [UnsafeBufferPointer<SegmentFact>] = []
        var positions: [Int] = []
        for i in readers.indices {
            chunks.append(try readers[i].nextChunk() ?? UnsafeBufferPointer(start: nil, count: 0))
            positions.append(0)
        }
        let extra = skips.sorted { Self.key($0) < Self.key($1) }
        var e = 0
        var out: [SegmentFact] = []
        out.reserveCapacity(chunk)
        while true {
            var least: SegmentFact?
            for g in chunks.indices where positions[g] < chunks[g].count {
                let fact = chunks[g][positions[g]]
                if least.map({ Self.key(fact) < Self.key($0) }) ?? true { least = fact }
            }
            guard
                var sum = least.map({
                    SegmentFact(day: $0.day, titleKey: $0.titleKey, device: $0.device, region: $0.region, audience: $0.audience, measures: FactMeasures())
                })
            else { break }
            let key = Self.key(sum)
            for g in chunks.indices where positions[g] < chunks[g].count && Self.key(chunks[g][positions[g]]) == key {
                sum.measures.add(chunks[g][positions[g]].measures)
                positions[g] += 1
                if positions[g] == chunks[g].count {
                    chunks[g] = try readers[g].nextChunk() ?? UnsafeBufferPointer(start: nil, count: 0)
                    positions[g] = 0
                }
                if positions[g] < chunks[g].count, Self.key(chunks[g][positions[g]]) <= key {
                    throw LoadError(
                        code: .failed,
                        message:
                            "the segment facts of a group of people were not in key order (at \(sum.day), title key \(sum.titleKey)). Nothing was committed; this is a bug in tally: report it."
                    )
                }
            }
            while e < extra.count, Self.key(extra[e]) <= key {
                if Self.key(extra[e]) == key { sum.measures.add(extra[e].measures) }
                e += 1
            }
            out.append(sum)
            if out.count == chunk {
                try body(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        if !out.isEmpty { try body(out) }
    }

    /// The table's primary key, in its order.
    private static func key(_ f: SegmentFact) -> Key {
        Key(day: f.day.daysSince1970, title: f.titleKey, device: f.device, region: f.region, audience: f.audience)
    }

    private struct Key: Comparable {
        var day: Int32
        var title: Int32
        var device: Int16
        var region: Int16
        var audience: Int16

        static func < (a: Key, b: Key) -> Bool {
            (a.day, a.title, a.device, a.region, a.audience) < (b.day, b.title, b.device, b.region, b.audience)
        }
    }
}
