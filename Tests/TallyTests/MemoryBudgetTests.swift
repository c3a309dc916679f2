import Testing

@testable import Tally

@Suite("Memory budget")
struct MemoryBudgetTests {
    @Test("sizes read as a DBA writes them; too small or unreadable ones are refused")
    func parses() {
        #expect(MemoryBudget("512M")?.bytes == 512 << 20)
        #expect(MemoryBudget("2G")?.bytes == 2 << 30)
        #expect(MemoryBudget("1.5GiB")?.bytes == 3 << 29)
        #expect(MemoryBudget("300")?.bytes == 300 << 20)
        #expect(MemoryBudget("65536k")?.bytes == 64 << 20)
        #expect(MemoryBudget("63M") == nil)
        #expect(MemoryBudget("lots") == nil)
        #expect(MemoryBudget("-1G") == nil)
        #expect(MemoryBudget.standard.description == "256M")
    }

    @Test("rows that fit make one group of every bucket; more make as few contiguous groups within the budget as cover every bucket once")
    func groups() {
        let budget = MemoryBudget(rows: 100)
        #expect(budget.groups(perBucket: Array(repeating: 0, count: 256)) == [0..<256])
        #expect(budget.groups(perBucket: [100] + Array(repeating: 0, count: 255)) == [0..<256])
        // 256 rows of 1: 100, 100 and 56.
        #expect(budget.groups(perBucket: Array(repeating: 1, count: 256)) == [0..<100, 100..<200, 200..<256])
        // A bucket over the budget is a group alone; the small ones around it are packed.
        var skewed = Array(repeating: 10, count: 256)
        skewed[5] = 1_000
        let packed = budget.groups(perBucket: skewed)
        #expect(packed.contains(5..<6))
        #expect(packed.first?.lowerBound == 0 && packed.last?.upperBound == 256)
        #expect(zip(packed, packed.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        #expect(packed.allSatisfy { $0 == 5..<6 || $0.reduce(0) { $0 + skewed[$1] } <= 100 })
        #expect(packed.count == 1 + 1 + 25)
        #expect(budget.groups(perBucket: Array(repeating: 4_000, count: 256)).count == 256)
    }

    @Test("groups of people hold what the budget leaves besides what the process holds, less an eighth; a budget in rows is kept")
    func forGroups() {
        let budget = MemoryBudget(bytes: 256 << 20)!
        #expect(budget.forGroups(resident: 100 << 20).rows == ((256 - 32 - 100) << 20) / MemoryBudget.bytesPerRow)
        // Holding the whole budget already: a bucket at a time.
        #expect(budget.forGroups(resident: 300 << 20).rows == 1)
        #expect(budget.forGroups(resident: 300 << 20).groups(perBucket: Array(repeating: 5, count: 256)).count == 256)
        let rows = MemoryBudget(rows: 100)
        #expect(rows.forGroups(resident: 200 << 20) == rows)
        #expect(MemoryBudget.residentBytes() > 0)
    }

    @Test("play lengths count against the budget when facts are computed at once")
    func fits() {
        let budget = MemoryBudget(rows: 100)
        #expect(budget.fits(rows: 100, durations: 0))
        #expect(!budget.fits(rows: 101, durations: 0))
        #expect(!budget.fits(rows: 100, durations: 1))
        #expect(budget.fits(rows: 0, durations: 100 * MemoryBudget.bytesPerRow / MemoryBudget.bytesPerDuration))
        #expect(!budget.fits(rows: 0, durations: 100 * MemoryBudget.bytesPerRow / MemoryBudget.bytesPerDuration + 1))
    }
}
