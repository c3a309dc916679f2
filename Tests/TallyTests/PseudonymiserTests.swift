import Foundation
import Tally
import Testing

@Suite("Pseudonymiser")
struct PseudonymiserTests {
    static let key = (0..<32).map { UInt8($0) }
    static let profile = Array("0b9d2a5e-6c8f-4c47-9d8e-3f1a2b3c4d5e".utf8)

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    @Test("a pseudonym is HMAC-SHA-256 of the profile id under the file's key, so it is stable across runs and releases")
    func knownAnswer() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let pseudonymiser = try Pseudonymiser(keyFile: try folder.write("tally.key", bytes: Self.key, mode: 0o600))
        let pseudonym = pseudonymiser.pseudonym(of: Self.profile)
        #expect(pseudonym.count == 32)
        // python3 -c "import hmac,hashlib; print(hmac.new(bytes(range(32)), b'0b9d2a5e-...-3f1a2b3c4d5e', hashlib.sha256).hexdigest())"
        #expect(Self.hex(pseudonym) == "6144df8c9d3862c32f37f43d1a1e2580ba8ffd597f799c2b7d1b1dbff64f9ade")
    }

    @Test("the same id gives the same pseudonym, other ids and other keys give others")
    func determinism() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write("a.key", bytes: Self.key, mode: 0o600)
        let first = try Pseudonymiser(keyFile: path)
        let second = try Pseudonymiser(keyFile: path)
        #expect(first.pseudonym(of: Self.profile) == second.pseudonym(of: Self.profile))
        #expect(first.pseudonym(of: Self.profile) != first.pseudonym(of: Array(Self.profile.dropLast()) + [UInt8(ascii: "f")]))

        var otherKey = Self.key
        otherKey[31] ^= 1
        let other = try Pseudonymiser(keyFile: try folder.write("b.key", bytes: otherKey, mode: 0o600))
        #expect(other.pseudonym(of: Self.profile) != first.pseudonym(of: Self.profile))
        // The whole file is the key: a longer key is not cut to its first 32 bytes.
        let longer = try Pseudonymiser(keyFile: try folder.write("c.key", bytes: Self.key + [0x0A], mode: 0o600))
        #expect(longer.pseudonym(of: Self.profile) != first.pseudonym(of: Self.profile))
    }

    @Test(
        "a key file readable by group or others is refused, naming its mode and the chmod that fixes it",
        arguments: [
            0o640, 0o604, 0o644, 0o660, 0o666, 0o601, 0o610,
        ])
    func permissiveModes(mode: Int) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write("tally.key", bytes: Self.key, mode: mode)
        let error = #expect(throws: LoadError.self) { try Pseudonymiser(keyFile: path) }
        #expect(error?.code == .configuration)
        #expect(error?.exitCode == 2)
        #expect(
            error?.message == "the pseudonym key file \(path) is readable by group or others (mode \(String(mode, radix: 8))). Restrict it: chmod 600 \(path)")
    }

    @Test("owner-only modes are accepted", arguments: [0o600, 0o400, 0o700])
    func ownerOnlyModes(mode: Int) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write("tally.key", bytes: Self.key, mode: mode)
        #expect(throws: Never.self) { try Pseudonymiser(keyFile: path) }
    }

    @Test("a key shorter than 32 bytes is refused with its length", arguments: [0, 1, 31])
    func shortKey(length: Int) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write("tally.key", bytes: Array(Self.key.prefix(length)), mode: 0o600)
        let error = #expect(throws: LoadError.self) { try Pseudonymiser(keyFile: path) }
        #expect(error?.code == .configuration)
        #expect(error?.message.hasPrefix("the pseudonym key file \(path) holds \(length) bytes; at least 32 are needed.") == true)
        #expect(error?.message.contains("head -c 32 /dev/urandom > \(path)") == true)
    }

    @Test("no key file, or a missing one, says how to create it")
    func missingKey() throws {
        for path in [nil, ""] as [String?] {
            let error = #expect(throws: LoadError.self) { try Pseudonymiser(keyFile: path) }
            #expect(error?.message.hasPrefix("no pseudonym key file is configured. Set TALLY_PSEUDONYM_KEY_FILE or pass --key-file") == true)
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("absent.key")
        let error = #expect(throws: LoadError.self) { try Pseudonymiser(keyFile: path) }
        #expect(error?.code == .configuration)
        #expect(error?.message == "the pseudonym key file \(path) does not exist. Create one with: head -c 32 /dev/urandom > \(path) && chmod 600 \(path)")
    }

    @Test("no refusal quotes the key's bytes")
    func keyNeverInMessages() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let secret = Array("correct horse battery staple!".utf8)  // 29 bytes: too short
        let path = try folder.write("tally.key", bytes: secret, mode: 0o600)
        let short = #expect(throws: LoadError.self) { try Pseudonymiser(keyFile: path) }
        #expect(short?.message.contains("horse") == false)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let open = #expect(throws: LoadError.self) { try Pseudonymiser(keyFile: path) }
        #expect(open?.message.contains("horse") == false)
    }
}
