import Crypto
import Foundation

/// Turns profile ids into HMAC-SHA-256 pseudonyms under a key that lives in a file outside both
/// databases. The key never reaches PostgreSQL: only the 32-byte digests do.
public struct Pseudonymiser {
    private let key: SymmetricKey

    /// The shortest key accepted, in bytes.
    public static let minimumKeyLength = 32

    /// Reads the key file, refusing one that is missing, short, or readable by group or others.
    public init(keyFile path: String?) throws(LoadError) {
        guard let path, !path.isEmpty else {
            throw LoadError(
                code: .configuration,
                message:
                    "no pseudonym key file is configured. Set TALLY_PSEUDONYM_KEY_FILE or pass --key-file; create one with: head -c 32 /dev/urandom > tally.key && chmod 600 tally.key"
            )
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw LoadError(
                code: .configuration,
                message: "the pseudonym key file \(path) does not exist. Create one with: head -c 32 /dev/urandom > \(path) && chmod 600 \(path)")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw LoadError(
                code: .configuration,
                message:
                    "the pseudonym key file \(path) is readable by group or others (mode \(String(info.st_mode & 0o777, radix: 8))). Restrict it: chmod 600 \(path)"
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(code: .configuration, message: "the pseudonym key file \(path) cannot be read by this user.")
        }
        guard data.count >= Self.minimumKeyLength else {
            throw LoadError(
                code: .configuration,
                message:
                    "the pseudonym key file \(path) holds \(data.count) bytes; at least \(Self.minimumKeyLength) are needed. Create a new one with: head -c 32 /dev/urandom > \(path)"
            )
        }
        key = SymmetricKey(data: data)
    }

    /// A pseudonymiser with the key given, for tests.
    package init(key: [UInt8]) {
        self.key = SymmetricKey(data: key)
    }

    /// The bytes of a pseudonym.
    static let length = SHA256.byteCount

    /// HMAC-SHA-256 of the bytes of a profile id.
    public func pseudonym<D: DataProtocol>(of profileID: D) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: profileID, using: key))
    }
}
