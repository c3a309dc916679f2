/// The segment facts of a run in groups of people, summed here instead of in the warehouse. The
/// engine gives a group's segment facts in key order (day, then title key, device, region and
/// audience, as the table's primary key sorts them), and the groups compute one after another, so
/// each group's facts are one sorted run of a temporary file as they come; one merge of the runs
/// gives each key's sum, in key order, holding a chunk of each run (4 MiB for all of them, 16 KiB
/// each at least). Staged in the warehouse instead, every group's rows were copied there and then
/// grouped and sorted again: 4.3 s of a 41 s load of 20M events (bench/RESULTS.md). The merge
/// compares the head of every run for each key: cheap for the few groups of a run within a
/// sensible budget, slow for hundreds.
final class SegmentRuns {
    private let file: SpillFiles<SegmentFact>
    /// Where each group's run starts, by group.
    private var starts: [Int] = []

    init() throws {
        file = try SpillFiles(files: 1)
    }

    /// Appends facts of group `group`, which follow its earlier ones in key order. Groups come in
    /// order, each group's facts together.
    func append(_ facts: [SegmentFact], group: Int) {
        precondition(group >= starts.count - 1, "groups come in order")
        while starts.count <= group { starts.append(file.counts[0]) }
        for fact in facts { file.append(fact, to: 0) }
    }

    /// Calls `body` with the summed facts, in key order, a chunk of at most `chunk` at a time. A key
    /// exists when some group gave it; `skips` (in any order) only add to those keys, as a staged
    /// row without evidence does. Throws if a group's facts were not in key order.
    /// `readBytes` is what the runs' chunks take together (16 KiB a run at least).
    func merged(
        adding skips: [SegmentFact], chunk: Int = FactEngine.stageRows, readBytes: Int = 4 << 20, _ body: ([SegmentFact]) throws -> Void
    ) throws {
        try file.flush()
        let ends = starts.dropFirst() + [file.counts[0]]
        let capacity = max(16_384, readBytes / max(starts.count, 1)) / MemoryLayout<SegmentFact>.stride
        let readers = zip(starts, ends).map { SpillFiles.Reader(file, 0, records: $0..<$1, capacity: capacity) }
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
            var least: Key?
            for g in chunks.indices where positions[g] < chunks[g].count {
                let head = Self.key(chunks[g][positions[g]])
                if least.map({ head < $0 }) ?? true { least = head }
            }
            guard let key = least else { break }
            var sum = SegmentFact(
                day: Day(daysSince1970: key.day), titleKey: key.title, device: key.device, region: key.region, audience: key.audience,
                measures: FactMeasures())
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
