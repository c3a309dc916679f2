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

    @Test("rows that fit make one group of every bucket; more make contiguous groups that cover every bucket once")
    func groups() {
        let budget = MemoryBudget(rows: 100)
        #expect(budget.groups(for: 0) == [0..<256])
        #expect(budget.groups(for: 100) == [0..<256])
        let three = budget.groups(for: 250)
        #expect(three.count == 3)
        #expect(three.first?.lowerBound == 0 && three.last?.upperBound == 256)
        #expect(zip(three, three.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        #expect(budget.groups(for: 1_000_000).count == 256)
    }
}
