public import Foundation

/// Why a value could not be decoded; `Row` turns it into a `PQError` naming
/// the column and the Swift type.
public enum PGDecodingFailure: Error, Sendable {
    case unexpectedNull
    case invalid
}

/// A Swift value that can be bound as a query parameter. All parameters go
/// over the wire in PostgreSQL's text format.
public protocol PGEncodable: Sendable {
    /// The parameter's type OID, or 0 to let the server infer it from context.
    static var pgTypeOID: UInt32 { get }
    /// The text form, or nil for SQL NULL.
    var pgText: String? { get }
}

/// A Swift value that can be read from a result column (text format).
public protocol PGDecodable: Sendable {
    /// `text` is nil for SQL NULL.
    static func pgDecode(_ text: String?) throws(PGDecodingFailure) -> Self
}

/// The common case: a non-null value parsed from its text form.
public protocol PGTextDecodable: PGDecodable {
    init?(pgText: String)
}

extension PGTextDecodable {
    public static func pgDecode(_ text: String?) throws(PGDecodingFailure) -> Self {
        guard let text else { throw .unexpectedNull }
        guard let value = Self(pgText: text) else { throw .invalid }
        return value
    }
}

extension Optional: PGEncodable where Wrapped: PGEncodable {
    public static var pgTypeOID: UInt32 { Wrapped.pgTypeOID }
    public var pgText: String? { self?.pgText }
}

extension Optional: PGDecodable where Wrapped: PGDecodable {
    public static func pgDecode(_ text: String?) throws(PGDecodingFailure) -> Self {
        guard let text else { return nil }
        return try Wrapped.pgDecode(text)
    }
}

// MARK: - Integers and booleans

extension Int64: PGEncodable, PGTextDecodable {
    public static var pgTypeOID: UInt32 { 20 }
    public var pgText: String? { String(self) }
    public init?(pgText: String) { self.init(pgText, radix: 10) }
}

extension Int32: PGEncodable, PGTextDecodable {
    public static var pgTypeOID: UInt32 { 23 }
    public var pgText: String? { String(self) }
    public init?(pgText: String) { self.init(pgText, radix: 10) }
}

extension Int16: PGEncodable, PGTextDecodable {
    public static var pgTypeOID: UInt32 { 21 }
    public var pgText: String? { String(self) }
    public init?(pgText: String) { self.init(pgText, radix: 10) }
}

extension Int: PGEncodable, PGTextDecodable {
    public static var pgTypeOID: UInt32 { 20 }
    public var pgText: String? { String(self) }
    public init?(pgText: String) { self.init(pgText, radix: 10) }
}

extension Bool: PGEncodable, PGTextDecodable {
    public static var pgTypeOID: UInt32 { 16 }
    public var pgText: String? { self ? "true" : "false" }
    public init?(pgText: String) {
        switch pgText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

// MARK: - Text

extension String: PGEncodable, PGTextDecodable {
    /// text; assignment casts make it fit varchar columns too.
    public static var pgTypeOID: UInt32 { 25 }
    public var pgText: String? { self }
    public init?(pgText: String) { self = pgText }
}

// MARK: - text[]

extension Array: PGEncodable where Element == String {
    /// text[], for `= ANY(...)`.
    public static var pgTypeOID: UInt32 { 1009 }

    /// The array literal, every element quoted: `{"a","b \"c\""}`.
    public var pgText: String? {
        "{" + map { element in
            "\"" + element.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }.joined(separator: ",") + "}"
    }
}

extension Array: PGDecodable where Element == String {
    /// A one-dimensional text[] in PostgreSQL's output format: `{a,"b,c","d \"e\""}`.
    /// Elements are quoted when they hold a comma, quote, backslash, brace or
    /// blank; a NULL element is refused (Swift has no place for it here).
    public static func pgDecode(_ text: String?) throws(PGDecodingFailure) -> [String] {
        guard let text else { throw .unexpectedNull }
        let bytes = [UInt8](text.utf8)
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { throw .invalid }
        var out: [String] = []
        var i = 1
        let end = bytes.count - 1
        if i == end { return [] }
        while i < end {
            var element: [UInt8] = []
            if bytes[i] == UInt8(ascii: "\"") {
                i += 1
                while i < end, bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "\\") { i += 1 }
                    guard i < end else { throw .invalid }
                    element.append(bytes[i])
                    i += 1
                }
                guard i < end else { throw .invalid }
                i += 1  // the closing quote
            } else {
                while i < end, bytes[i] != UInt8(ascii: ",") {
                    element.append(bytes[i])
                    i += 1
                }
                if element == [UInt8]("NULL".utf8) { throw .unexpectedNull }
            }
            out.append(String(decoding: element, as: UTF8.self))
            if i < end {
                guard bytes[i] == UInt8(ascii: ",") else { throw .invalid }
                i += 1
                guard i < end else { throw .invalid }
            }
        }
        return out
    }
}

// MARK: - UUID

extension UUID: PGEncodable, PGTextDecodable {
    public static var pgTypeOID: UInt32 { 2950 }
    public var pgText: String? { uuidString.lowercased() }
    public init?(pgText: String) { self.init(uuidString: pgText) }
}

// MARK: - bytea

/// Binary data (`bytea`), exchanged in PostgreSQL's hex text form (`\x0a1b`).
public struct ByteA: PGEncodable, PGTextDecodable, Hashable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public static var pgTypeOID: UInt32 { 17 }

    public var pgText: String? { "\\x" + hex }

    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public init?(pgText: String) {
        let utf8 = Array(pgText.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"),
              utf8.count % 2 == 0
        else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var i = 2
        while i < utf8.count {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
            i += 2
        }
        self.bytes = bytes
    }
}

// MARK: - Dates

/// A calendar date without time or zone (`date`), e.g. a bank value date.
public struct CalendarDate: Hashable, Comparable, Sendable, CustomStringConvertible, Codable, PGEncodable,
    PGTextDecodable
{
    public let year: Int
    public let month: Int
    public let day: Int

    /// Nil unless the three numbers name a real day between years 1 and 9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
              day <= CalendarDate.daysIn(month: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(iso text: String) {
        let u = Array(text.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return nil }
        func number(_ r: Range<Int>) -> Int? {
            var n = 0
            for i in r {
                guard u[i] >= 48, u[i] <= 57 else { return nil }
                n = n * 10 + Int(u[i] - 48)
            }
            return n
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public init?(pgText: String) { self.init(iso: pgText) }

    /// A JSON date is the string `YYYY-MM-DD`, nothing else.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let date = CalendarDate(iso: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not a YYYY-MM-DD date")
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// Today's date in the given time zone (UTC by default).
    public static func today(in timeZone: TimeZone? = nil, now: Date = Date()) -> CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone ?? TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: now)
        // Calendar always yields a valid day here; fall back to the epoch defensively.
        return CalendarDate(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1)
            ?? CalendarDate.epoch
    }

    static let epoch = CalendarDate(unchecked: 1970, 1, 1)

    private init(unchecked y: Int, _ m: Int, _ d: Int) {
        year = y
        month = m
        day = d
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public var description: String {
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public static var pgTypeOID: UInt32 { 1082 }
    public var pgText: String? { description }

    /// Midnight at the start of this day, UTC.
    public var midnightUTC: Date {
        Date(timeIntervalSince1970: Double(PGTimestamp.daysFromCivil(year, month, day)) * 86_400)
    }
}

extension Date: PGEncodable, PGTextDecodable {
    /// timestamptz
    public static var pgTypeOID: UInt32 { 1184 }

    public var pgText: String? {
        // Microsecond precision, UTC, in the form PostgreSQL prints.
        let micros = Int64((timeIntervalSince1970 * 1_000_000).rounded())
        return PGTimestamp.format(microsSinceEpoch: micros)
    }

    /// Reads `date` (as UTC midnight) or `timestamptz` in ISO style.
    public init?(pgText: String) {
        guard let micros = PGTimestamp.parse(pgText) else { return nil }
        self.init(timeIntervalSince1970: Double(micros) / 1_000_000)
    }
}

/// Exact conversion between PostgreSQL's ISO timestamp text and microseconds.
enum PGTimestamp {
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func format(microsSinceEpoch micros: Int64) -> String {
        let perDay: Int64 = 86_400_000_000
        var days = micros / perDay
        var rest = micros % perDay
        if rest < 0 {
            rest += perDay
            days -= 1
        }
        let (y, m, d) = civilFromDays(Int(days))
        let secs = rest / 1_000_000
        let frac = rest % 1_000_000
        func pad(_ n: Int64, _ w: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(Int64(y), 4))-\(pad(Int64(m), 2))-\(pad(Int64(d), 2)) "
            + "\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2)).\(pad(frac, 6))+00"
    }

    /// Parses `YYYY-MM-DD[ HH:MM:SS[.ffffff][+HH[:MM]]]`.
    static func parse(_ text: String) -> Int64? {
        let u = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= u.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                guard u[k] >= 48, u[k] <= 57 else { return nil }
                v = v * 10 + Int(u[k] - 48)
            }
            i += n
            return v
        }
        func expect(_ c: Character) -> Bool {
            guard i < u.count, u[i] == c.asciiValue else { return false }
            i += 1
            return true
        }
        guard let y = digits(4), expect("-"), let mo = digits(2), expect("-"), let d = digits(2),
              CalendarDate(year: y, month: mo, day: d) != nil
        else { return nil }
        var micros = Int64(daysFromCivil(y, mo, d)) * 86_400_000_000
        if i == u.count { return micros }
        guard expect(" ") || expect("T"), let h = digits(2), expect(":"), let mi = digits(2),
              expect(":"), let s = digits(2)
        else { return nil }
        micros += Int64(h * 3600 + mi * 60 + s) * 1_000_000
        if expect(".") {
            var frac: Int64 = 0
            var scale: Int64 = 100_000
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                frac += Int64(u[i] - 48) * scale
                scale /= 10
                i += 1
            }
            micros += frac
        }
        if i == u.count { return micros }
        guard i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") else { return nil }
        let sign: Int64 = u[i] == UInt8(ascii: "+") ? 1 : -1
        i += 1
        guard let oh = digits(2) else { return nil }
        var offset = Int64(oh) * 3600
        if expect(":"), let om = digits(2) { offset += Int64(om) * 60 }
        guard i == u.count else { return nil }
        return micros - sign * offset * 1_000_000
    }
}
