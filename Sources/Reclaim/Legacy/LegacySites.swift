import Foundation
public import PQKit

/// A funding source of the legacy programme (资金来源).
public enum FundingSource: String, Sendable, CaseIterable, Codable {
    /// 中央
    case central
    /// 自治区
    case region
    /// 市
    case city
    /// 旗
    case banner
    /// 社会资本
    case social
}

/// What is wrong at a site, with its unit (in the spirit of OSMRE's inventory).
public enum ProblemType: String, Sendable, CaseIterable, Codable {
    case subsidence, openPit = "open-pit", wasteDump = "waste-dump", highwall, opening
    case damagedCropland = "damaged-cropland", damagedForest = "damaged-forest"
    case damagedGrassland = "damaged-grassland", other

    /// The fixed unit; `other` names its own.
    public var unit: String? {
        switch self {
        case .subsidence, .openPit, .damagedCropland, .damagedForest, .damagedGrassland: return "m2"
        case .wasteDump: return "m3"
        case .highwall: return "m"
        case .opening: return "count"
        case .other: return nil
        }
    }
}

public struct SiteProblem: Sendable, Equatable, Codable {
    public var type: ProblemType
    public var quantity: Quantity
    public var unit: String

    /// `TYPE=QUANTITY`, or `other=QUANTITY:UNIT`.
    public static func parse(_ text: String, field: String = "problem") throws -> SiteProblem {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let type = ProblemType(rawValue: Text.trimmed(parts[0])) else {
            throw ReclaimError.invalid(field, "'\(text)' is not TYPE=QUANTITY with TYPE one of \(ProblemType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var quantityText = Text.trimmed(parts[1])
        var unit = type.unit
        if type == .other {
            let q = quantityText.split(separator: ":", maxSplits: 1).map(String.init)
            guard q.count == 2 else { throw ReclaimError.invalid(field, "other takes its unit: other=QUANTITY:UNIT") }
            quantityText = q[0]
            unit = try Text.required(q[1], field: field, maxLength: 20)
        }
        return SiteProblem(type: type, quantity: try Quantity.parse(quantityText, field: field), unit: unit ?? "")
    }
}

/// A site's public notice (公示) and where it stands.
public struct SiteNotice: Sendable, Equatable, Codable {
    public var startOn: CalendarDate
    public var days: Int
    public var endsOn: CalendarDate
    public var objections: [String]
    /// ownerless or owner-found once closed; nil while open.
    public var outcome: String?
    public var owner: String?

    enum CodingKeys: String, CodingKey {
        case startOn = "start_on"
        case days
        case endsOn = "ends_on"
        case objections, outcome, owner
    }
}

/// A surveyed site (图斑) of the legacy programme.
public struct LegacySite: Sendable, Equatable, Codable {
    public var code: String
    public var township: String
    @Nullable public var geometry: String?
    public var area: Area
    @Nullable public var formerMine: String?
    public var problems: [SiteProblem]
    /// none, open, ownerless or owner-found
    public var noticeState: String
    @Nullable public var notice: SiteNotice?
    /// The live or accepted project it is in.
    @Nullable public var project: Int64?
    /// Restored: its project was accepted.
    public var restored: Bool

    enum CodingKeys: String, CodingKey {
        case code, township, geometry
        case area = "area_hm2"
        case formerMine = "former_mine"
        case problems
        case noticeState = "notice_state"
        case notice, project, restored
    }
}

public struct NewSite: Sendable {
    public var code: String
    public var township: String
    public var area: Area
    public var geometry: String?
    public var formerMine: String?
    public var problems: [SiteProblem]

    public init(code: String, township: String, area: Area, geometry: String? = nil, formerMine: String? = nil,
                problems: [SiteProblem] = []) {
        self.code = code
        self.township = township
        self.area = area
        self.geometry = geometry
        self.formerMine = formerMine
        self.problems = problems
    }

    /// Checks and normalises every field; the geometry is GeoJSON text.
    func checked() throws -> NewSite {
        var s = self
        s.code = Text.trimmed(code)
        guard s.code.range(of: #"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"#, options: .regularExpression) != nil else {
            throw ReclaimError.invalid("code", "'\(code)' is not a site code (letters, digits, . _ / -)")
        }
        s.township = try Text.required(township, field: "township", maxLength: 100)
        guard area.squareMetres > 0 else { throw ReclaimError.invalid("area_hm2", "must be greater than zero") }
        s.formerMine = try Text.optional(formerMine, field: "former_mine", maxLength: 200)
        if let g = geometry {
            guard let object = try? JSONSerialization.jsonObject(with: Data(g.utf8)) else {
                throw ReclaimError.invalid("location", "is not GeoJSON")
            }
            s.geometry = try GeoJSON.canonical(object, field: "location")
        }
        return s
    }
}

/// Surveyed sites and their public notices.
public enum LegacySites {

    public static func add(_ new: NewSite, by actor: Actor, on conn: Connection) throws -> LegacySite {
        let s = try new.checked()
        return try conn.transactionally { conn in
            try insert(s, by: actor, on: conn)
            try AuditLog.record(action: "legacy.site.add", target: "legacy-site:\(s.code)",
                                input: [s.code, s.township, String(s.area.squareMetres)].joined(separator: "\n"), by: actor, on: conn)
            return try find(s.code, on: conn)
        }
    }

    static func insert(_ s: NewSite, by actor: Actor, on conn: Connection) throws {
        guard let row = try DatabaseRefusal.mapping({
            try conn.queryFirst("""
                INSERT INTO legacy_sites (code, township, geometry, area_m2, former_mine, created_by)
                VALUES (\(s.code), \(s.township), \(s.geometry)::jsonb, \(s.area.squareMetres), \(s.formerMine), \(actor.name))
                ON CONFLICT (code) DO NOTHING RETURNING id
                """)
        }) else { throw ReclaimError(.conflict, field: "code", "site \(s.code) is surveyed already") }
        let id: Int64 = try row.decode("id")
        for (i, p) in s.problems.enumerated() {
            try conn.execute("""
                INSERT INTO legacy_site_problems (site_id, n, type, quantity, unit)
                VALUES (\(id), \(Int32(i + 1)), \(p.type.rawValue), \(p.quantity.description)::numeric, \(p.unit))
                """)
        }
    }

    /// A survey file, all or nothing: `code,township,area_hm2,former_mine,problems,location`
    /// (problems `TYPE=QUANTITY;…`, location GeoJSON); every bad line is named.
    public static func importCSV(path: String, by actor: Actor, on conn: Connection) throws -> Int {
        let reader = try CSVReader(path: path)
        guard let header = try reader.next() else { throw ReclaimError.invalid("file", "is empty") }
        let names = header.fields.map { Text.trimmed($0).lowercased() }
        let required = ["code", "township", "area_hm2"]
        if let missing = required.first(where: { !names.contains($0) }) {
            throw ReclaimError.invalid("header", "line \(header.line) must name code,township,area_hm2 (and optionally former_mine,problems,location); missing \(missing)")
        }
        func at(_ n: String) -> Int? { names.firstIndex(of: n) }
        var sites: [(Int, NewSite)] = []
        var problems: [String] = []
        while let record = try reader.next() {
            do {
                if let p = record.problem { throw ReclaimError.invalid("csv", p) }
                guard record.fields.count == names.count else {
                    throw ReclaimError.invalid("csv", "expected \(names.count) fields, found \(record.fields.count)")
                }
                func f(_ n: String) -> String? { at(n).map { record.fields[$0] }.flatMap { Text.trimmed($0).isEmpty ? nil : $0 } }
                let list = try (f("problems") ?? "").split(separator: ";").map { try SiteProblem.parse(String($0), field: "problems") }
                let site = try NewSite(code: f("code") ?? "", township: f("township") ?? "",
                                       area: try Area.parseHectares(f("area_hm2") ?? "", field: "area_hm2"),
                                       geometry: f("location"), formerMine: f("former_mine"), problems: list).checked()
                if let earlier = sites.first(where: { $0.1.code == site.code }) {
                    throw ReclaimError.invalid("code", "\(site.code) is on line \(earlier.0) too")
                }
                sites.append((record.line, site))
            } catch let e as ReclaimError {
                problems.append("line \(record.line): \(e.description)")
            }
        }
        return try conn.transactionally { conn in
            for (line, site) in sites where problems.isEmpty {
                do {
                    try insert(site, by: actor, on: conn)
                } catch let e as ReclaimError {
                    problems.append("line \(line): \(e.description)")
                }
            }
            guard problems.isEmpty else {
                // the file is well-formed; its rows break the rules: refused as a whole (HTTP 422)
                throw ReclaimError(.ruleViolation, field: "file", "survey refused, nothing added: \(problems.joined(separator: "; "))")
            }
            try AuditLog.record(action: "legacy.site.import", target: "legacy-sites",
                                input: sites.map(\.1.code).joined(separator: "\n"), by: actor, on: conn)
            return sites.count
        }
    }

    public static func find(_ code: String, on conn: Connection) throws -> LegacySite {
        let code = Text.trimmed(code)
        guard let site = try sites(code: code, on: conn).first else { throw ReclaimError(.notFound, field: "code", "no site \(code)") }
        return site
    }

    /// Sites by code; `noticeState`: none, open, ownerless, owner-found.
    public static func list(noticeState: String? = nil, on conn: Connection) throws -> [LegacySite] {
        if let s = noticeState, !["none", "open", "ownerless", "owner-found"].contains(s) {
            throw ReclaimError.invalid("notice-state", "must be none, open, ownerless or owner-found")
        }
        return try sites(code: nil, on: conn).filter { noticeState == nil || $0.noticeState == noticeState }
    }

    /// One site (`code`) or every site, by code, in three reads whatever
    /// their number: the sites with their latest notice, their problems,
    /// their notices' objections (issue 33: no read per site).
    static func sites(code: String?, on conn: Connection) throws -> [LegacySite] {
        var problems: [Int64: [SiteProblem]] = [:]
        for r in try conn.query("""
            SELECT p.site_id, p.type, p.quantity::text AS q, p.unit FROM legacy_site_problems p
            JOIN legacy_sites s ON s.id = p.site_id WHERE (\(code)::text IS NULL OR s.code = \(code))
            ORDER BY p.site_id, p.n
            """).rows {
            problems[try r.decode("site_id"), default: []].append(
                SiteProblem(type: try r.decodeEnum("type"), quantity: try Quantity.parse(try r.decode("q")), unit: try r.decode("unit")))
        }
        var objections: [Int64: [String]] = [:]
        for r in try conn.query("""
            SELECT o.notice_id, o.text FROM legacy_objections o JOIN legacy_notices n ON n.id = o.notice_id
            JOIN legacy_sites s ON s.id = n.site_id WHERE (\(code)::text IS NULL OR s.code = \(code))
            ORDER BY o.id
            """).rows {
            objections[try r.decode("notice_id"), default: []].append(try r.decode("text"))
        }
        return try conn.query("""
            SELECT s.id, s.code, s.township, s.geometry::text AS geometry, s.area_m2, s.former_mine,
                   n.id AS notice_id, n.start_on, n.days, o.outcome, o.owner,
                   (SELECT ps.project_id FROM legacy_project_sites ps WHERE ps.site_id = s.id ORDER BY ps.project_id DESC LIMIT 1) AS project,
                   EXISTS (SELECT 1 FROM legacy_project_sites ps JOIN review_records r
                           ON r.record_type = 'legacy-project' AND r.record_id = ps.project_id AND r.state = 'accepted'
                           WHERE ps.site_id = s.id) AS restored
            FROM legacy_sites s
            LEFT JOIN LATERAL (SELECT * FROM legacy_notices x WHERE x.site_id = s.id ORDER BY x.id DESC LIMIT 1) n ON true
            LEFT JOIN legacy_notice_outcomes o ON o.notice_id = n.id
            WHERE (\(code)::text IS NULL OR s.code = \(code))
            ORDER BY s.code
            """).rows.map { row in
            let id: Int64 = try row.decode("id")
            var notice: SiteNotice?
            if let noticeID: Int64 = try row.decode("notice_id") {
                let start: CalendarDate = try row.decode("start_on")
                let days = Int(try row.decode("days", as: Int32.self))
                notice = SiteNotice(startOn: start, days: days, endsOn: start.adding(days: days - 1),
                                    objections: objections[noticeID] ?? [],
                                    outcome: try row.decode("outcome"), owner: try row.decode("owner"))
            }
            return LegacySite(
                code: try row.decode("code"), township: try row.decode("township"), geometry: try row.decode("geometry"),
                area: Area(squareMetres: try row.decode("area_m2")), formerMine: try row.decode("former_mine"),
                problems: problems[id] ?? [],
                noticeState: notice.map { $0.outcome ?? "open" } ?? "none", notice: notice,
                project: try row.decode("project"), restored: try row.decode("restored"))
        }
    }

    /// Opens the site's public notice: `days` long (default and least: the
    /// setting legacy.notice_days), from `start` (default today; never
    /// earlier, but for the owner recording an old notice: the database
    /// refuses the rest, so a site cannot be declared ownerless at once).
    public static func openNotice(_ code: String, days: Int?, start: CalendarDate?, by actor: Actor, on conn: Connection)
        throws -> LegacySite
    {
        if let days { guard (1...365).contains(days) else { throw ReclaimError.invalid("days", "must be 1 to 365") } }
        let start = start ?? Bureau.today
        return try conn.transactionally { conn in
            let days = try days ?? Settings.int("legacy.notice_days", on: conn)
            let site = try find(code, on: conn)
            guard site.noticeState == "none" else {
                throw ReclaimError(.conflict, field: "code", "site \(site.code) has a notice already (\(site.noticeState))")
            }
            _ = try DatabaseRefusal.mapping {
                try conn.execute("""
                    INSERT INTO legacy_notices (site_id, start_on, days, opened_by)
                    SELECT id, \(start), \(Int32(days)), \(actor.name) FROM legacy_sites WHERE code = \(site.code)
                    """)
            }
            try AuditLog.record(action: "legacy.notice.open", target: "legacy-site:\(site.code)", input: "\(start) \(days)",
                                by: actor, on: conn)
            return try find(site.code, on: conn)
        }
    }

    /// An objection, during the notice period only.
    public static func objection(_ code: String, text: String, by actor: Actor, on conn: Connection) throws -> LegacySite {
        let text = try Text.required(text, field: "text", maxLength: 2000)
        return try conn.transactionally { conn in
            let site = try find(code, on: conn)
            guard let notice = site.notice, site.noticeState == "open" else {
                throw ReclaimError(.conflict, field: "code", "site \(site.code) has no open notice")
            }
            let today = Bureau.today
            guard today >= notice.startOn, today <= notice.endsOn else {
                throw ReclaimError(.ruleViolation, field: "date",
                                   "objections are recorded from \(notice.startOn) to \(notice.endsOn); today is \(today)")
            }
            try conn.execute("""
                INSERT INTO legacy_objections (notice_id, text, created_by)
                SELECT max(n.id), \(text), \(actor.name) FROM legacy_notices n JOIN legacy_sites s ON s.id = n.site_id
                WHERE s.code = \(site.code)
                """)
            try AuditLog.record(action: "legacy.notice.objection", target: "legacy-site:\(site.code)", input: text,
                                by: actor, on: conn)
            return try find(site.code, on: conn)
        }
    }

    /// Closes the notice after its period: ownerless (the site may join a
    /// project), or owner-found (it leaves the programme, with who).
    public static func closeNotice(_ code: String, outcome: String, owner: String?, by actor: Actor, on conn: Connection)
        throws -> LegacySite
    {
        guard outcome == "ownerless" || outcome == "owner-found" else {
            throw ReclaimError.invalid("outcome", "must be ownerless or owner-found")
        }
        let owner = try Text.optional(owner, field: "owner", maxLength: 200)
        if outcome == "owner-found", owner == nil { throw ReclaimError(.ruleViolation, field: "owner", "say who the owner is") }
        if outcome == "ownerless", owner != nil { throw ReclaimError(.ruleViolation, field: "owner", "an ownerless site has no owner") }
        return try conn.transactionally { conn in
            let site = try find(code, on: conn)
            guard let notice = site.notice, site.noticeState == "open" else {
                throw ReclaimError(.conflict, field: "code", "site \(site.code) has no open notice")
            }
            let today = Bureau.today
            guard today > notice.endsOn else {
                throw ReclaimError(.ruleViolation, field: "date", "the notice of \(site.code) runs until \(notice.endsOn)")
            }
            try conn.execute("""
                INSERT INTO legacy_notice_outcomes (notice_id, outcome, owner, closed_on, closed_by)
                SELECT max(n.id), \(outcome), \(owner), \(today), \(actor.name) FROM legacy_notices n
                JOIN legacy_sites s ON s.id = n.site_id WHERE s.code = \(site.code)
                """)
            try AuditLog.record(action: "legacy.notice.close", target: "legacy-site:\(site.code)",
                                input: [outcome, owner ?? ""].joined(separator: "\n"), by: actor, on: conn)
            return try find(site.code, on: conn)
        }
    }
}
