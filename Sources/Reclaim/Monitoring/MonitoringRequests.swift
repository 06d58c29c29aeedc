import Foundation
public import PQKit

extension Monitoring {
    /// A time as people write it: ISO 8601 with its offset (`2026-09-14T03:20:00+08:00`),
    /// or `2026-09-14 03:20` read as Beijing time (the bureau's).
    public static func parseTime(_ text: String, field: String) throws -> Date {
        let t = text.trimmingCharacters(in: .whitespaces)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = Bureau.timeZone
        // with or without seconds, `T` or a space, an offset (`Z`, `+08:00`) or none (Beijing); read back the same, so nothing is guessed
        for separator in ["'T'", " "] {
            for seconds in [":ss", ""] {
                for zone in ["XXXXX", ""] {
                    f.dateFormat = "yyyy-MM-dd\(separator)HH:mm\(seconds)\(zone)"
                    if let d = f.date(from: t), zone.isEmpty ? f.string(from: d) == t : true {
                        guard Years.range.contains(Bureau.day(of: d).year) else { break }
                        return d
                    }
                }
            }
        }
        throw ReclaimError.invalid(field, "'\(text)' is not a time like 2026-09-14 03:20 (Beijing) or 2026-09-14T03:20:00+08:00")
    }

    /// POST /monitoring/events: an emergency, recorded at once.
    public struct EventRequest: APIRequest {
        public var license: String
        public var kind: String
        public var occurredAt: String
        public var description: String
        public var casualties: Int?
        public var areaHm2: String?
        public enum CodingKeys: String, CodingKey, CaseIterable {
            case license, kind
            case occurredAt = "occurred_at"
            case description, casualties
            case areaHm2 = "area_hm2"
        }
        public static var nullable: Set<String> { ["casualties", "area_hm2"] }
        public init(license: String, kind: HazardKind, occurredAt: Date, description: String, casualties: Int?, area: Area?) {
            self.license = license
            self.kind = kind.rawValue
            self.occurredAt = ISO8601DateFormatter().string(from: occurredAt)
            self.description = description
            self.casualties = casualties
            self.areaHm2 = area?.hectares
        }
        public func hazard() throws -> HazardKind {
            guard let k = HazardKind(rawValue: kind) else {
                throw ReclaimError.invalid("kind", "must be one of \(HazardKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return k
        }
        public func time() throws -> Date { try Monitoring.parseTime(occurredAt, field: "occurred_at") }
        public func area() throws -> Area? { try areaHm2.map { try Area.parseHectares($0, field: "area_hm2") } }
    }

    /// POST /monitoring/events/{id}/closure (reviewer).
    public struct CloseRequest: APIRequest {
        public var measures: String
        public enum CodingKeys: String, CodingKey, CaseIterable { case measures }
        public init(measures: String) { self.measures = measures }
    }

    /// POST /mines/{license}/inspections (reviewer).
    public struct InspectRequest: APIRequest {
        public var date: String
        public var finding: String
        public enum CodingKeys: String, CodingKey, CaseIterable { case date, finding }
        public init(date: CalendarDate, finding: String) { (self.date, self.finding) = (date.description, finding) }
        public func day() throws -> CalendarDate { try FundLedger.parseDate(date, field: "date") }
    }
}

/// POST /mines/{license}/monitoring/{period} sends the report file itself, read by its own parser.
extension MonitoringReportDocument: BodyShape {
    public static var fields: [String] { CodingKeys.allCases.map(\.rawValue) }
}
