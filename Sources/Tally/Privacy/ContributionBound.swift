import Crypto
import Foundation

/// A bound on how many titles of a period one person contributes to co-viewing pairs, as Tumult
/// Analytics' `MaxGroupsPerID` and PipelineDP's `max_partitions_contributed` bound a person's
/// contribution. Off by default (co-viewing is then exact). A heavy viewer's titles are chosen by the
/// smallest HMAC-SHA-256 of (person key, title key) under a per-warehouse secret: the same person and
/// titles give the same choice on every rerun, and nobody without the key can predict it.
struct ContributionBound {
    /// Titles one person contributes per period, at most.
    let limit: Int
    let key: SymmetricKey

    init(limit: Int, key: [UInt8]) {
        self.limit = limit
        self.key = SymmetricKey(data: key)
    }

    /// The person's titles (ranks, ascending) to keep: all when within the limit, else the `limit`
    /// whose (person, title key) hash is smallest, in ascending rank order.
    func chosen(_ ranks: ArraySlice<Int32>, person: Int32, titleKeys: [Int32]) -> [Int32] {
        guard ranks.count > limit else { return Array(ranks) }
        func hash(_ rank: Int32) -> UInt64 {
            var message = [UInt8]()
            withUnsafeBytes(of: person.bigEndian) { message.append(contentsOf: $0) }
            withUnsafeBytes(of: titleKeys[Int(rank)].bigEndian) { message.append(contentsOf: $0) }
            return HMAC<SHA256>.authenticationCode(for: message, using: key).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        }
        return ranks.map { (rank: $0, hash: hash($0)) }.sorted { ($0.hash, $0.rank) < ($1.hash, $1.rank) }.prefix(limit).map(\.rank).sorted()
    }
}
