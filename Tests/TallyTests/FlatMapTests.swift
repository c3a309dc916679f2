import Testing

@testable import Tally

@Suite("FlatMap")
struct FlatMapTests {
    /// A key whose hash the test chooses, to force collisions.
    struct ChosenHashKey: FlatMapKey {
        var id: Int
        var hashBits: UInt64
    }

    @Test("an empty map finds nothing")
    func empty() {
        let map = FlatMap<Int32, String>()
        #expect(map.count == 0)
        #expect(map.index(of: 7) == nil)
        #expect(map[7] == nil)
        #expect(map.keys.isEmpty && map.values.isEmpty)
    }

    @Test("inserting gives each new key the next index and looks it up again")
    func insertAndLookup() {
        var map = FlatMap<Int32, String>()
        #expect(map.index(of: 42, inserting: "forty-two") == 0)
        #expect(map.index(of: -1, inserting: "minus one") == 1)
        #expect(map.index(of: 0, inserting: "zero") == 2)
        #expect(map.count == 3)
        #expect(map[42] == "forty-two")
        #expect(map[-1] == "minus one")
        #expect(map[0] == "zero")
        #expect(map[1] == nil)
        #expect(map.index(of: -1) == 1)
    }

    @Test("a known key keeps its index and value; the new value is not even built")
    func sameKeySameIndex() {
        var map = FlatMap<Int32, Int>()
        let first = map.index(of: 5, inserting: 100)
        var built = 0
        func make() -> Int {
            built += 1
            return 999
        }
        let again = map.index(of: 5, inserting: make())
        #expect(again == first)
        #expect(built == 0)
        #expect(map[5] == 100)
        #expect(map.count == 1)
    }

    @Test("values updated through their index accumulate, as the extract's aggregates do")
    func countingThroughIndexes() {
        var map = FlatMap<Int32, Int>()
        var generator = SeededGenerator(seed: 7)
        var expected: [Int32: Int] = [:]
        for _ in 0..<50_000 {
            let key = Int32(generator.next() % 3_000)
            map.values[map.index(of: key, inserting: 0)] += 1
            expected[key, default: 0] += 1
        }
        #expect(map.count == expected.count)
        for (key, count) in expected { #expect(map[key] == count) }
    }

    @Test("growing far past the first table keeps every key, value and the insertion order")
    func growth() {
        var map = FlatMap<Int32, Int64>()
        // Even numbers, negative ones included; odd numbers are never inserted.
        let keys = (0..<200_000).map { Int32($0 * 2 - 200_000) }
        let indexes = keys.map { map.index(of: $0, inserting: Int64($0) * 3) }
        #expect(indexes == Array(0..<keys.count))
        #expect(map.count == keys.count)
        #expect(map.keys == keys)
        #expect(zip(map.keys, map.values).allSatisfy { Int64($0) * 3 == $1 })
        #expect(keys.allSatisfy { map[$0] == Int64($0) * 3 })
        #expect(keys.allSatisfy { map.index(of: $0 + 1) == nil })
    }

    @Test(
        "keys with the same hash bits stay distinct, through growth",
        arguments: [
            "identical hashes", "same high bits",
        ])
    func collisions(kind: String) {
        var map = FlatMap<ChosenHashKey, Int>()
        // Identical: every key probes from the same slot with the same fragment.
        // Same high bits: the same slot at every table size, different low bits.
        func key(_ id: Int) -> ChosenHashKey {
            ChosenHashKey(id: id, hashBits: kind == "identical hashes" ? 0xDEAD_BEEF_0000_0000 : 0xDEAD_BEEF_0000_0000 | UInt64(id))
        }
        for id in 0..<3_000 {
            #expect(map.index(of: key(id), inserting: id * 10) == id)
        }
        #expect(map.count == 3_000)
        #expect((0..<3_000).allSatisfy { map[key($0)] == $0 * 10 })
        #expect(map[key(3_000)] == nil)
        #expect(map.index(of: key(1_234), inserting: -1) == 1_234)
    }
}
