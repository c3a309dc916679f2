import Testing

@testable import Tally

@Suite("UUID text and bytes")
struct UUIDKeyTests {
    static let bytes: [UInt8] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF]

    static func fromBytes(_ bytes: [UInt8]) -> UUIDKey? {
        bytes.withUnsafeBytes { UUIDKey(bytes: $0[...]) }
    }

    static func fromText(_ text: String) -> UUIDKey? {
        UUIDKey(Array(text.utf8))
    }

    @Test("the 16 bytes of the binary form and the canonical text in either case are the same UUID")
    func sameUUID() throws {
        let binary = try #require(Self.fromBytes(Self.bytes))
        #expect(binary.high == 0x0011_2233_4455_6677)
        #expect(binary.low == 0x8899_AABB_CCDD_EEFF)
        #expect(Self.fromText("00112233-4455-6677-8899-aabbccddeeff") == binary)
        #expect(Self.fromText("00112233-4455-6677-8899-AABBCCDDEEFF") == binary)
        #expect(Self.fromText("00112233-4455-6677-8899-AaBbCcDdEeFf") == binary)
    }

    @Test("UUIDs that differ in one digit, in either half, are different keys")
    func distinct() throws {
        let a = try #require(Self.fromText("00112233-4455-6677-8899-aabbccddeeff"))
        let highDiffers = try #require(Self.fromText("10112233-4455-6677-8899-aabbccddeeff"))
        let lowDiffers = try #require(Self.fromText("00112233-4455-6677-8899-aabbccddeefe"))
        #expect(a != highDiffers)
        #expect(a != lowDiffers)
        #expect(a.hashBits != highDiffers.hashBits && a.hashBits != lowDiffers.hashBits)
    }

    @Test("binary forms of another length are refused", arguments: [0, 15, 17, 36])
    func badByteLength(count: Int) {
        #expect(Self.fromBytes(Array(repeating: 0xAB, count: count)) == nil)
    }

    @Test(
        "text that is not 8-4-4-4-12 hex digits is refused",
        arguments: [
            "00112233-4455-6677-8899-aabbccddeef",  // 35 characters
            "00112233-4455-6677-8899-aabbccddeeff0",  // 37 characters
            "00112233445566778899aabbccddeeff",  // no dashes
            "001122334-455-6677-8899-aabbccddeeff",  // a dash out of place
            "00112233-4455-6677-8899_aabbccddeeff",  // not a dash
            "00112233-4455-6677-8899-aabbccddeefg",  // g is not hex
            "0011223 -4455-6677-8899-aabbccddeeff",  // a space
            "{0112233-4455-6677-8899-aabbccddeef}",  // braces
            "00112233-4455-6677-8899-aabbccddeeé",  // 36 bytes, one not ASCII
            "",
        ])
    func badText(text: String) {
        #expect(Self.fromText(text) == nil)
    }
}
