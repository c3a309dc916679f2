import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Fixed-size records written to one of several temporary files and read back file by file: the
/// rows of a batch larger than the memory budget, by group of people. Each file is unlinked as
/// soon as it is open, so nothing is left behind however the process ends (a `kill -9` too). The
/// directory is `$TMPDIR`, else /tmp. Records are written as they lie in memory, for this process
/// alone to read.
final class SpillFiles<Record> {
    private var descriptors: [Int32] = []
    private var buffers: [[Record]]
    /// Records written to each file.
    private(set) var counts: [Int]
    /// The first failure to write, thrown by `flush` (an append cannot throw).
    private var failure: LoadError?
    private let directory: String
    /// Records buffered per file before a write: 16 KiB.
    private static var buffered: Int { max(1, 16_384 / MemoryLayout<Record>.stride) }

    init(files: Int) throws {
        directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        buffers = Array(repeating: [], count: files)
        counts = Array(repeating: 0, count: files)
        for _ in 0..<files {
            var template = Array("\(directory)/tally-spill-XXXXXX".utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { throw Self.failure("create a temporary file in \(directory)") }
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            descriptors.append(fd)
        }
    }

    deinit {
        for fd in descriptors { close(fd) }
    }

    private static func failure(_ what: String) -> LoadError {
        LoadError(
            code: .failed,
            message:
                "could not \(what) for rows over the memory budget: \(String(cString: strerror(errno))). Nothing was committed; free space there, set TMPDIR to a larger disk, or raise --memory-budget."
        )
    }

    func append(_ record: Record, to file: Int) {
        buffers[file].append(record)
        counts[file] += 1
        if buffers[file].count >= Self.buffered { write(file) }
    }

    private func write(_ file: Int) {
        defer { buffers[file].removeAll(keepingCapacity: true) }
        guard failure == nil else { return }
        buffers[file].withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = Glibc.write(descriptors[file], bytes.baseAddress! + done, bytes.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    failure = Self.failure("write a temporary file in \(directory)")
                    return
                }
                done += n
            }
        }
    }

    /// Writes what is buffered; throws the first failure to write.
    func flush() throws {
        for file in buffers.indices where !buffers[file].isEmpty { write(file) }
        if let failure { throw failure }
    }

    /// Replaces the records of `file` with `records`, after `flush()`.
    func rewrite(_ file: Int, with records: some Sequence<Record>) throws {
        precondition(buffers[file].isEmpty, "flush() first")
        guard ftruncate(descriptors[file], 0) == 0, lseek(descriptors[file], 0, SEEK_SET) == 0 else {
            throw Self.failure("truncate a temporary file in \(directory)")
        }
        counts[file] = 0
        for record in records { append(record, to: file) }
        if !buffers[file].isEmpty { write(file) }
        if let failure { throw failure }
    }

    /// Calls `body` with the records of `file`, a chunk at a time, after `flush()`.
    func read(_ file: Int, _ body: (UnsafeBufferPointer<Record>) throws -> Void) throws {
        let reader = Reader(self, file)
        while let chunk = try reader.nextChunk() { try body(chunk) }
    }

    /// The records of one file (or of a range of its records) in order, a chunk at a time, after
    /// `flush()`.
    final class Reader {
        private let files: SpillFiles
        private let file: Int
        private let chunk: UnsafeMutableRawPointer
        private let capacity: Int
        private var next: Int
        private let end: Int

        /// Reads `records` of `file` (all of them by default), `capacity` records at a time (256 KiB
        /// by default).
        init(_ files: SpillFiles, _ file: Int, records: Range<Int>? = nil, capacity: Int = SpillFiles.buffered * 16) {
            self.files = files
            self.file = file
            self.capacity = max(1, capacity)
            next = records?.lowerBound ?? 0
            end = records?.upperBound ?? files.counts[file]
            chunk = UnsafeMutableRawPointer.allocate(byteCount: self.capacity * MemoryLayout<Record>.stride, alignment: MemoryLayout<Record>.alignment)
        }

        deinit { chunk.deallocate() }

        /// The next records, valid until the next call; nil after the last.
        func nextChunk() throws -> UnsafeBufferPointer<Record>? {
            let stride = MemoryLayout<Record>.stride
            let count = min(capacity, end - next)
            guard count > 0 else { return nil }
            let want = count * stride
            var got = 0
            while got < want {
                let n = pread(files.descriptors[file], chunk + got, want - got, off_t(next * stride + got))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw SpillFiles.failure("read back a temporary file in \(files.directory)") }
                got += n
            }
            next += count
            return UnsafeBufferPointer(start: chunk.bindMemory(to: Record.self, capacity: count), count: count)
        }
    }
}
