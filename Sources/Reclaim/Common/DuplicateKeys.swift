/// Finds a key that appears twice in one JSON object. Foundation's parser
/// keeps the last of two equal keys, so `{"amount":"1","amount":"1000000"}`
/// would book the second amount while a reviewer reading the body sees the
/// first; such a body is refused instead. Runs on text that JSONSerialization
/// has already accepted, so it only needs to find its way, not to validate.
enum DuplicateKeys {
    /// The first repeated key (keys compared after unescaping), or nil.
    static func first(in bytes: [UInt8]) -> String? {
        var scanner = Scanner(bytes: bytes)
        return scanner.value(depth: 0)
    }

    private struct Scanner {
        let bytes: [UInt8]
        var i = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipBlanks() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        }

        /// Skips one value; returns a repeated key found inside it.
        mutating func value(depth: Int) -> String? {
            skipBlanks()
            guard i < bytes.count, depth < 512 else { return nil }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var seen = Set<String>()
                while true {
                    skipBlanks()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    let key = string()
                    if !seen.insert(key).inserted { return key }
                    skipBlanks()
                    if i < bytes.count, bytes[i] == UInt8(ascii: ":") { i += 1 }
                    if let repeated = value(depth: depth + 1) { return repeated }
                }
            case UInt8(ascii: "["):
                i += 1
                while true {
                    skipBlanks()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if let repeated = value(depth: depth + 1) { return repeated }
                }
            case UInt8(ascii: "\""):
                _ = string()
                return nil
            default:
                // a number, true, false or null
                while i < bytes.count, !",]} \t\r\n".utf8.contains(bytes[i]) { i += 1 }
                return nil
            }
        }

        /// Reads a string at `i` (on its opening quote), unescaped.
        mutating func string() -> String {
            i += 1
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() {
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll(keepingCapacity: true)
            }
            while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                guard bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count else {
                    raw.append(bytes[i])
                    i += 1
                    continue
                }
                let e = bytes[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "n"): raw.append(0x0A)
                case UInt8(ascii: "t"): raw.append(0x09)
                case UInt8(ascii: "r"): raw.append(0x0D)
                case UInt8(ascii: "b"): raw.append(0x08)
                case UInt8(ascii: "f"): raw.append(0x0C)
                case UInt8(ascii: "u"):
                    flush()
                    var code = hex4()
                    if (0xD800..<0xDC00).contains(code), i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"),
                       bytes[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let low = hex4()
                        code = 0x10000 + ((code - 0xD800) << 10) + (low &- 0xDC00)
                    }
                    scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default: raw.append(e)  // \" \\ \/
                }
            }
            i += 1
            flush()
            return String(scalars)
        }

        mutating func hex4() -> UInt32 {
            var v: UInt32 = 0
            for _ in 0..<4 where i < bytes.count {
                let c = bytes[i]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: d = 0
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }
    }
}
