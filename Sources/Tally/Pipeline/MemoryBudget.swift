import CMalloc
import Foundation

/// What a load may hold in memory: it decides how many activity rows (a person's counts on a day,
/// title and segment) a run holds at once. A batch with more spills to temporary files, and a
/// recompute whose rows (the batch's and the private state it reads back) are more is computed a
/// group of people at a time, each group's facts summed (`FactRecompute.recomputeByGroups`).
public struct MemoryBudget: Sendable, Equatable, CustomStringConvertible {
    /// The budget as given, in bytes.
    public let bytes: Int
    /// Activity rows held at once.
    let rows: Int
    /// Whether the budget was given in rows (tests, benchmarks): then what the process holds
    /// besides rows does not count against it.
    private let isInRows: Bool

    /// The default: 256 MiB.
    public static let standard = MemoryBudget(bytes: 256 << 20)!

    /// Measured with bench/load (bench/RESULTS.md): the process holds about this much besides its
    /// rows (the runtime, libpq, the dimensions), and this much per row at its peak, which is while
    /// facts are computed: the row, its place in the engine's layout and stamps, and the fact rows
    /// it makes (a 5M-event night of 1.05 million activity rows and 0.42 million play lengths
    /// peaked at 240 MiB).
    static let fixedBytes = 40 << 20
    static let bytesPerRow = 144

    /// The smallest budget accepted: 64 MiB.
    public static let minimumBytes = 64 << 20

    /// A budget of `bytes`; nil when it is below `minimumBytes`.
    public init?(bytes: Int) {
        guard bytes >= Self.minimumBytes else { return nil }
        self.bytes = bytes
        rows = (bytes - Self.fixedBytes) / Self.bytesPerRow
        isInRows = false
    }

    /// A budget of a number of rows, for tests and benchmarks that need many groups of a small batch.
    public init(rows: Int) {
        self.rows = max(rows, 1)
        bytes = Self.fixedBytes + self.rows * Self.bytesPerRow
        isInRows = true
    }

    /// Reads "512M", "2G", "1.5GiB" or "300" (MiB); nil when it is not such a size or is below
    /// `minimumBytes`.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let number = trimmed.prefix { $0.isNumber || $0 == "." }
        let unit = trimmed.dropFirst(number.count).uppercased()
        let scale: Double
        switch unit {
        case "", "M", "MB", "MIB": scale = 1_048_576
        case "G", "GB", "GIB": scale = 1_073_741_824
        case "K", "KB", "KIB": scale = 1_024
        default: return nil
        }
        guard let value = Double(number), value.isFinite, value > 0, value * scale < Double(Int.max) else { return nil }
        self.init(bytes: Int(value * scale))
    }

    public var description: String {
        bytes % (1 << 30) == 0 ? "\(bytes >> 30)G" : "\(bytes >> 20)M"
    }

    /// The rows a group of people may hold while the process has `resident` bytes in memory: the
    /// budget less what it holds and an eighth kept as headroom, since `bytesPerRow` is an
    /// estimate. A 50M-event run holds 90 to 130 MiB besides its rows (500,000 profiles, the spill's
    /// buffers, the totals and co-viewing triangles), which `fixedBytes` does not cover. A budget
    /// given in rows is returned as it is.
    func forGroups(resident: Int) -> MemoryBudget {
        guard !isInRows else { return self }
        return MemoryBudget(rows: (bytes - bytes / 8 - resident) / Self.bytesPerRow)
    }

    /// The process's resident memory, after giving the heap's free pages back to the system; 0
    /// where /proc does not say.
    static func residentBytes() -> Int {
        #if canImport(Glibc)
            malloc_trim(0)
        #endif
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Bytes a play length takes while facts are computed at once: the row (24 bytes) and its
    /// place in the engine's layout. A run in groups of people streams stored play lengths instead.
    static let bytesPerDuration = 32

    /// Whether `rows` activity rows and `durations` play lengths can be computed at once.
    func fits(rows: Int, durations: Int) -> Bool {
        rows + (durations * Self.bytesPerDuration + Self.bytesPerRow - 1) / Self.bytesPerRow <= self.rows
    }

    /// Groups of people, as ranges of person buckets, for the activity rows of each bucket: every
    /// bucket in one group when they fit, else contiguous groups of at most the budget's rows (a
    /// bucket of more is a group alone), as few as that allows.
    func groups(perBucket rows: [Int]) -> [Range<Int>] {
        guard rows.reduce(0, +) > self.rows else { return [0..<rows.count] }
        var groups: [Range<Int>] = []
        var start = 0
        var held = 0
        for (bucket, n) in rows.enumerated() {
            if bucket > start && held + n > self.rows {
                groups.append(start..<bucket)
                start = bucket
                held = 0
            }
            held += n
        }
        groups.append(start..<rows.count)
        return groups
    }
}
