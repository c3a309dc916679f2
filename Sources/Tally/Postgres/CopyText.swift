/// PostgreSQL's COPY text format at the byte level: tab-separated fields, `\N` for NULL, and
/// backslash escapes for backslash, tab, newline and carriage return. Bytes above 0x7F (UTF-8) pass through.
public enum CopyText {
    private static let backslash = UInt8(ascii: "\\")
    private static let tab = UInt8(ascii: "\t")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// Appends `fields` as one row, ending with a newline.
    public static func appendRow(_ fields: [String?], to out: inout [UInt8]) {
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append(tab) }
            guard let field else {
                out.append(backslash)
                out.append(UInt8(ascii: "N"))
                continue
            }
            appendEscaped(field.utf8, to: &out)
        }
        out.append(newline)
    }

    /// Appends one field's bytes with COPY escaping.
    public static func appendEscaped<S: Sequence>(_ bytes: S, to out: inout [UInt8]) where S.Element == UInt8 {
        for byte in bytes {
            switch byte {
            case backslash:
                out.append(backslash)
                out.append(backslash)
            case tab:
                out.append(backslash)
                out.append(UInt8(ascii: "t"))
            case newline:
                out.append(backslash)
                out.append(UInt8(ascii: "n"))
            case carriageReturn:
                out.append(backslash)
                out.append(UInt8(ascii: "r"))
            default: out.append(byte)
            }
        }
    }

    /// Splits one row (with or without its trailing newline) into unescaped fields; nil is NULL.
    public static func parseRow(_ row: UnsafeRawBufferPointer) -> [[UInt8]?] {
        var fields: [[UInt8]?] = []
        var current: [UInt8] = []
        var isNull = false
        var i = 0
        let end = row.count > 0 && row[row.count - 1] == newline ? row.count - 1 : row.count
        while i < end {
            let byte = row[i]
            if byte == tab {
                fields.append(isNull ? nil : current)
                current.removeAll(keepingCapacity: true)
                isNull = false
                i += 1
                continue
            }
            guard byte == backslash, i + 1 < end else {
                current.append(byte)
                i += 1
                continue
            }
            let next = row[i + 1]
            i += 2
            switch next {
            case UInt8(ascii: "N") where current.isEmpty && (i == end || row[i] == tab): isNull = true
            case UInt8(ascii: "t"): current.append(tab)
            case UInt8(ascii: "n"): current.append(newline)
            case UInt8(ascii: "r"): current.append(carriageReturn)
            case UInt8(ascii: "b"): current.append(8)
            case UInt8(ascii: "f"): current.append(12)
            case UInt8(ascii: "v"): current.append(11)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(next - UInt8(ascii: "0"))
                var digits = 1
                while digits < 3, i < end, row[i] >= UInt8(ascii: "0"), row[i] <= UInt8(ascii: "7") {
                    value = value * 8 + Int(row[i] - UInt8(ascii: "0"))
                    i += 1
                    digits += 1
                }
                current.append(UInt8(truncatingIfNeeded: value))
            default: current.append(next)
            }
        }
        fields.append(isNull ? nil : current)
        return fields
    }
}
