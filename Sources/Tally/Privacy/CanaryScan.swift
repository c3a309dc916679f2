import Crypto
import Foundation

/// Proof by canaries: unique values planted in the source's PII columns must appear nowhere in a
/// dump of the warehouse, neither as themselves nor as their MD5 or SHA-256 hex digests.
public struct CanaryScan: Sendable {
    /// Every form searched for: each value, its MD5 and its SHA-256.
    public let forms: [String]

    /// A scan for `values` and their digests.
    public init(values: [String]) {
        forms = values.flatMap { value in
            [value, Hex.encode(Insecure.MD5.hash(data: Data(value.utf8))), Hex.encode(SHA256.hash(data: Data(value.utf8)))]
        }
    }

    /// How many times any form occurs in `text`.
    public func hits(in text: String) -> Int {
        forms.reduce(0) { $0 + text.components(separatedBy: $1).count - 1 }
    }
}
