/// Lowercase hexadecimal, the one encoder and decoder for bytes as text: checksums, bytea in
/// PostgreSQL's hex format, and UUID digits.
public enum Hex {
    static let digits = Array("0123456789abcdef".utf8)

    /// Each byte's value as a hex digit, 0xFF for a byte that is not one (either case).
    static let values: [UInt8] = (0...255).map { c in
        switch UInt8(c) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(c) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(c) - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt8(c) - UInt8(ascii: "A") + 10
        default: 0xFF
        }
    }

    /// Two lowercase digits a byte.
    public static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends two lowercase digits a byte.
    static func append<S: Sequence>(_ bytes: S, to out: inout [UInt8]) where S.Element == UInt8 {
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
    }

    /// The bytes of an even number of hex digits (either case); nil for anything else.
    public static func decode<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var high: UInt8?
        for c in text {
            let v = values[Int(c)]
            guard v != 0xFF else { return nil }
            if let h = high {
                out.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        return out
    }
}
