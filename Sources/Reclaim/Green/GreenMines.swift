public import Foundation
public import PQKit

/// Why a mine left the green list: a decision, a spot check's `remove`, its
/// closure accepted, its licence cancelled (master plan chapter 6 §1.2).
public enum GreenRemovalCause: String, Sendable, CaseIterable, Codable {
    case decision
    case spotCheck = "spot-check"
    case closure
    case cancellation
}

/// A spot check's outcome: passed, to rectify within the year, removed from the list.
public enum GreenCheckResult: String, Sendable, CaseIterable, Codable {
    case pass, rectify, remove
}

public struct GreenRemoval: Sendable, Equatable, Codable {
    public var removedOn: CalendarDate
    public var cause: GreenRemovalCause
    public var reason: String
    @Nullable public var document: String?
    public var removedBy: String
    public var removedAt: Date

    enum CodingKeys: String, CodingKey {
        case removedOn = "removed_on"
        case cause, reason, document
        case removedBy = "removed_by"
        case removedAt = "removed_at"
    }
}

/// A mine's time on the green list (绿色矿山名录): from its listing to its removal, if any.
public struct GreenListing: Sendable, Equatable, Codable {
    public var id: Int64
    public var license: String
    public var name: String
    /// The year it was listed in, as the decision says.
    public var year: Int
    public var listedOn: CalendarDate
    /// The standard it was assessed against.
    public var standard: String
    /// The listing decision's document number.
    public var document: String
    public var listedBy: String
    @Nullable public var removal: GreenRemoval?

    enum CodingKeys: String, CodingKey {
        case id, license, name, year
        case listedOn = "listed_on"
        case standard, document
        case listedBy = "listed_by"
        case removal
    }
}

/// One year's disclosure of a listed mine, as submitted (a later version supersedes it).
public struct GreenDisclosure: Sendable, Equatable, Codable {
    public var license: String
    public var year: Int
    public var version: Int
    public var score: String
    public var document: GreenDisclosureDocument
    public var submittedBy: String
    public var submittedAt: Date
    /// Submitted after 31 March of the following year (Beijing time).
    public var late: Bool

    enum CodingKeys: String, CodingKey {
        case license, year, version, score, document
        case submittedBy = "submitted_by"
        case submittedAt = "submitted_at"
        case late
    }
}

/// A listed mine's disclosure for `year` that has not come: due by 31 March after it.
public struct GreenMissingDisclosure: Sendable, Equatable, Codable {
    public var license: String
    public var name: String
    public var year: Int
    public var dueOn: CalendarDate
    /// Past its due date today (Beijing time).
    public var overdue: Bool

    enum CodingKeys: String, CodingKey {
        case license, name, year
        case dueOn = "due_on"
        case overdue
    }
}

public struct GreenCheck: Sendable, Equatable, Codable {
    public var year: Int
    public var license: String
    public var inspectors: [String]
    @Nullable public var result: GreenCheckResult?
    @Nullable public var finding: String?
    @Nullable public var checkedBy: String?

    enum CodingKeys: String, CodingKey {
        case year, license, inspectors, result, finding
        case checkedBy = "checked_by"
    }
}

/// The green list, its disclosures and its spot checks: rules here, each
/// held again by the database (sql/functions/green.sql).
public enum GreenMines {
    /// A disclosure of `year` is due by 31 March of the year after (Beijing time).
    public static func dueDate(of year: Int) -> CalendarDate {
        CalendarDate(year: year + 1, month: 3, day: 31) ?? CalendarDate(year: Years.range.upperBound, month: 3, day: 31) ?? Bureau.today
    }

    /// Whether a missing disclosure of `year` is overdue on `today` (a Beijing date): from 1 April on.
    public static func isOverdue(year: Int, today: CalendarDate = Bureau.today) -> Bool { today > dueDate(of: year) }

    static let listingColumns = """
        l.id, m.license, m.name, l.listed_year, l.listed_on, l.standard, l.document, l.listed_by,
        r.removed_on, r.cause, r.reason, r.document AS removal_document, r.removed_by, r.removed_at
        """

    static func listing(_ row: Row) throws -> GreenListing {
        let removedOn: CalendarDate? = try row.decode("removed_on")
        return GreenListing(
            id: try row.decode("id"), license: try row.decode("license"), name: try row.decode("name"),
            year: Int(try row.decode("listed_year", as: Int32.self)), listedOn: try row.decode("listed_on"),
            standard: try row.decode("standard"), document: try row.decode("document"), listedBy: try row.decode("listed_by"),
            removal: try removedOn.map { on in
                GreenRemoval(removedOn: on, cause: try row.decodeEnum("cause"), reason: try row.decode("reason"),
                             document: try row.decode("removal_document"), removedBy: try row.decode("removed_by"),
                             removedAt: try row.decode("removed_at"))
            })
    }

    /// The list as of `day` (listed on or before it, not removed by then); today's when nil.
    public static func list(asOf day: CalendarDate? = nil, on conn: Connection) throws -> [GreenListing] {
        let day = day ?? Bureau.today
        return try conn.query("""
            SELECT \(unescaped: listingColumns)
            FROM green_listings l JOIN mines m ON m.id = l.mine_id LEFT JOIN green_removals r ON r.listing_id = l.id
            WHERE l.listed_on <= \(day) AND (r.removed_on IS NULL OR r.removed_on > \(day))
            ORDER BY m.license
            """).rows.map(listing)
    }

    /// A mine's listings, past and present, oldest first.
    public static func history(_ license: String, on conn: Connection) throws -> [GreenListing] {
        let license = try Identifier.license(license)
        _ = try MineRegistry.find(license, on: conn)
        return try conn.query("""
            SELECT \(unescaped: listingColumns)
            FROM green_listings l JOIN mines m ON m.id = l.mine_id LEFT JOIN green_removals r ON r.listing_id = l.id
            WHERE m.license = \(license) ORDER BY l.id
            """).rows.map(listing)
    }

    /// Lists a mine (admin): the year, the standard, the decision's document;
    /// dated today, or the decision's own date when it is recorded later
    /// (never a day to come, never before the year it names).
    public static func add(_ license: String, year: Int, standard: String, document: String, dated day: CalendarDate? = nil,
                           by actor: Actor, on conn: Connection) throws -> GreenListing
    {
        let license = try Identifier.license(license)
        _ = try Years.check(year, field: "year")
        let standard = try Text.required(standard, field: "standard"), document = try Text.required(document, field: "document")
        let day = day ?? Bureau.today
        guard day.year >= year else { throw ReclaimError(.ruleViolation, field: "listed_on", "\(day) is before the year \(year) it is listed in") }
        return try conn.transactionally { conn in
            let mine = try MineRegistry.find(license, on: conn)
            _ = try DatabaseRefusal.mapping {
                try conn.execute("""
                    INSERT INTO green_listings (mine_id, listed_year, listed_on, standard, document, listed_by)
                    SELECT id, \(Int32(year)), \(day), \(standard), \(document), \(actor.name) FROM mines WHERE license = \(mine.license)
                    """)
            }
            try AuditLog.record(action: "green.add", target: "mine:\(mine.license)", input: "\(year)\n\(standard)\n\(document)",
                                by: actor, on: conn)
            return try history(mine.license, on: conn).last ?? { throw ReclaimError(.internal, "the listing was not stored") }()
        }
    }

    /// Takes a mine off the list by decision (admin), with the reason and the document.
    public static func remove(_ license: String, reason: String, document: String, by actor: Actor, on conn: Connection) throws
        -> GreenListing
    {
        let license = try Identifier.license(license)
        let reason = try Text.required(reason, field: "reason", maxLength: 500), document = try Text.required(document, field: "document")
        return try conn.transactionally { conn in
            guard let open = try history(license, on: conn).last(where: { $0.removal == nil }) else {
                throw ReclaimError(.conflict, field: "license", "mine \(license) is not on the green list")
            }
            _ = try DatabaseRefusal.mapping {
                try conn.execute("""
                    INSERT INTO green_removals (listing_id, removed_on, cause, reason, document, removed_by)
                    VALUES (\(open.id), \(Bureau.today), 'decision', \(reason), \(document), \(actor.name))
                    """)
            }
            try AuditLog.record(action: "green.remove", target: "mine:\(license)", input: "\(reason)\n\(document)", by: actor, on: conn)
            return try history(license, on: conn).first { $0.id == open.id } ?? open
        }
    }

    // MARK: Disclosures (信息公示, by 31 March)

    /// The operator's disclosure of `year` (a year that has ended), for a
    /// mine listed at its end; sent again, it is a new version.
    /// `at` is now, but for the installation's owner recording an old one (the database refuses others).
    public static func disclose(_ license: String, year: Int, _ document: GreenDisclosureDocument, at moment: Date? = nil, by actor: Actor,
                                on conn: Connection) throws -> GreenDisclosure
    {
        let license = try Identifier.license(license)
        _ = try Years.check(year, field: "year")
        let json = String(decoding: try ReclaimJSON.encode(document), as: UTF8.self)
        return try conn.transactionally { conn in
            let mine = try MineRegistry.find(license, on: conn)
            _ = try DatabaseRefusal.mapping {
                try conn.execute("""
                    INSERT INTO green_disclosures (mine_id, year, version, content, score_tenths, submitted_by, submitted_at)
                    SELECT m.id, \(Int32(year)),
                           1 + coalesce((SELECT max(version) FROM green_disclosures d WHERE d.mine_id = m.id AND d.year = \(Int32(year))), 0),
                           \(json)::jsonb, \(Int32(document.scoreTenths)), \(actor.name), coalesce(\(moment), now())
                    FROM mines m WHERE m.license = \(mine.license)
                    """)
            }
            try AuditLog.record(action: "green.disclose", target: "mine:\(mine.license)", input: "\(year)\n\(json)", by: actor, on: conn)
            return try disclosures(year: year, only: [mine.license], on: conn).first
                ?? { throw ReclaimError(.internal, "the disclosure was not stored") }()
        }
    }

    /// The latest disclosure of each mine for `year`.
    public static func disclosures(year: Int, only: [String]? = nil, on conn: Connection) throws -> [GreenDisclosure] {
        try conn.query("""
            SELECT DISTINCT ON (m.license) m.license, d.year, d.version, d.content::text AS content, d.submitted_by, d.submitted_at,
                   bureau_date(d.submitted_at) > make_date(d.year + 1, 3, 31) AS late
            FROM green_disclosures d JOIN mines m ON m.id = d.mine_id
            WHERE d.year = \(Int32(year)) AND (\(only) IS NULL OR m.license = ANY (\(only)))
            ORDER BY m.license, d.version DESC
            """).rows.map { r in
            let document = try ReclaimJSON.decode(GreenDisclosureDocument.self, from: Data(try r.decode("content", as: String.self).utf8))
            return GreenDisclosure(license: try r.decode("license"), year: Int(try r.decode("year", as: Int32.self)),
                                   version: Int(try r.decode("version", as: Int32.self)), score: document.score, document: document,
                                   submittedBy: try r.decode("submitted_by"), submittedAt: try r.decode("submitted_at"),
                                   late: try r.decode("late"))
        }
    }

    /// The mines listed at the end of `year` whose disclosure has not come,
    /// each overdue once 31 March after it has passed (Beijing time).
    public static func missing(year: Int, only: [String]? = nil, on conn: Connection) throws -> [GreenMissingDisclosure] {
        _ = try Years.check(year, field: "year")
        guard let end = CalendarDate(year: year, month: 12, day: 31) else { return [] }
        let sent = Set(try disclosures(year: year, only: only, on: conn).map(\.license))
        let due = dueDate(of: year)
        return try list(asOf: end, on: conn).filter { !sent.contains($0.license) && (only == nil || only?.contains($0.license) == true) }
            .map { GreenMissingDisclosure(license: $0.license, name: $0.name, year: year, dueOn: due, overdue: isOverdue(year: year)) }
    }

    // MARK: The spot checks (双随机一公开)

    /// Draws the year's sample from the list as it stands today and the
    /// bureau's reviewers and experts (never one bound to the mine), once a
    /// year; the inputs are stored with it, so anyone can draw it again.
    public static func draw(year: Int, sharePercent: Int, seed: String, by actor: Actor, on conn: Connection) throws -> GreenDraw {
        _ = try Years.check(year, field: "year")
        guard (20...100).contains(sharePercent) else { throw ReclaimError.invalid("share", "must be from 20 to 100 (per cent of the list)") }
        let seed = try Text.required(seed, field: "seed", maxLength: 200)
        return try conn.transactionally { conn in
            // one draw a year: a second one waits here for the first, then is told so (the key holds it regardless)
            try conn.execute("SELECT pg_advisory_xact_lock(hashtext('green-draw'), \(Int32(year)))")
            if try conn.queryFirst("SELECT 1 FROM green_draws WHERE year = \(Int32(year))") != nil {
                throw ReclaimError(.conflict, field: "year", "the spot checks of \(year) were drawn already: a year is drawn once")
            }
            let listed = try list(on: conn).map(\.license)
            guard !listed.isEmpty else { throw ReclaimError(.ruleViolation, field: "year", "the green list is empty: nothing to draw") }
            let pool: [String] = try conn.query("""
                SELECT name FROM users WHERE role IN ('reviewer', 'expert') AND disabled_at IS NULL ORDER BY name
                """).rows.map { try $0.decode("name") }
            let excluded: [String] = try conn.query("""
                SELECT m.license || ':' || um.user_name AS pair FROM user_mines um JOIN mines m ON m.id = um.mine_id
                WHERE um.user_name = ANY (\(pool)) AND m.license = ANY (\(listed)) ORDER BY 1
                """).rows.map { try $0.decode("pair") }
            let draw = try GreenDraw.draw(year: year, seed: seed, sharePercent: sharePercent, listed: listed, pool: pool, excluded: excluded)
            _ = try DatabaseRefusal.mapping {
                try conn.execute("""
                    INSERT INTO green_draws (year, seed, share_percent, algorithm, listed, pool, excluded, drawn_by)
                    VALUES (\(Int32(year)), \(seed), \(Int32(sharePercent)), \(draw.algorithm), \(draw.listed), \(draw.pool),
                            \(draw.excluded), \(actor.name))
                    """)
                for d in draw.sample {
                    try conn.execute("""
                        INSERT INTO green_draw_sample (year, mine_id, inspectors)
                        SELECT \(Int32(year)), id, \(d.inspectors) FROM mines WHERE license = \(d.license)
                        """)
                }
            }
            let published = String(decoding: try ReclaimJSON.encode(draw), as: UTF8.self)
            try AuditLog.record(action: "green.draw", target: "green-draw:\(year)", input: published, by: actor, on: conn)
            return draw
        }
    }

    /// The year's draw as recorded.
    public static func findDraw(year: Int, on conn: Connection) throws -> GreenDraw {
        guard let row = try conn.queryFirst("""
            SELECT seed, share_percent, algorithm, listed, pool, excluded FROM green_draws WHERE year = \(Int32(year))
            """)
        else { throw ReclaimError(.notFound, field: "year", "the spot checks of \(year) have not been drawn") }
        let sample = try conn.query("""
            SELECT m.license, s.inspectors FROM green_draw_sample s JOIN mines m ON m.id = s.mine_id
            WHERE s.year = \(Int32(year)) ORDER BY s.ord
            """).rows.map { GreenDraw.Drawn(license: try $0.decode("license"), inspectors: try $0.decode("inspectors")) }
        return GreenDraw(year: year, seed: try row.decode("seed"), sharePercent: Int(try row.decode("share_percent", as: Int32.self)),
                         listed: try row.decode("listed"), pool: try row.decode("pool"), excluded: try row.decode("excluded"),
                         sample: sample, algorithm: try row.decode("algorithm"))
    }

    /// Draws the recorded year again from its own published inputs; refused when the sample differs.
    public static func verifyDraw(year: Int, on conn: Connection) throws -> GreenDraw {
        let recorded = try findDraw(year: year, on: conn)
        let again = try recorded.redrawn()
        guard again.sample == recorded.sample else {
            throw ReclaimError(.ruleViolation, field: "year", "the recorded sample of \(year) is not what its list, pool and seed draw")
        }
        return recorded
    }

    /// A drawn mine's check (a reviewer): pass, rectify or remove (which takes it off the list).
    public static func check(_ license: String, year: Int, result: GreenCheckResult, finding: String, by actor: Actor,
                             on conn: Connection) throws -> GreenCheck
    {
        let license = try Identifier.license(license)
        let finding = try Text.required(finding, field: "finding", maxLength: 2000)
        return try conn.transactionally { conn in
            _ = try MineRegistry.find(license, on: conn)
            let inserted = try DatabaseRefusal.mapping {
                try conn.execute("""
                    INSERT INTO green_checks (year, mine_id, result, finding, checked_by)
                    SELECT s.year, s.mine_id, \(result.rawValue), \(finding), \(actor.name)
                    FROM green_draw_sample s JOIN mines m ON m.id = s.mine_id
                    WHERE s.year = \(Int32(year)) AND m.license = \(license)
                    ON CONFLICT DO NOTHING
                    """)
            }
            let all = try checks(year: year, on: conn)
            guard let mine = all.first(where: { $0.license == license }) else {
                throw ReclaimError(.notFound, field: "license", "mine \(license) was not drawn for the spot checks of \(year)")
            }
            guard inserted == 1 else { throw ReclaimError(.conflict, field: "license", "mine \(license)'s check of \(year) is recorded already") }
            try AuditLog.record(action: "green.check", target: "mine:\(license)", input: "\(year)\n\(result.rawValue)\n\(finding)",
                                by: actor, on: conn)
            return mine
        }
    }

    /// The year's sample with each check's outcome so far.
    public static func checks(year: Int, on conn: Connection) throws -> [GreenCheck] {
        try conn.query("""
            SELECT m.license, s.inspectors, c.result, c.finding, c.checked_by
            FROM green_draw_sample s JOIN mines m ON m.id = s.mine_id
            LEFT JOIN green_checks c ON c.year = s.year AND c.mine_id = s.mine_id
            WHERE s.year = \(Int32(year)) ORDER BY s.ord
            """).rows.map { r in
            GreenCheck(year: year, license: try r.decode("license"), inspectors: try r.decode("inspectors"),
                       result: try r.decode("result", as: String?.self).flatMap(GreenCheckResult.init(rawValue:)),
                       finding: try r.decode("finding"), checkedBy: try r.decode("checked_by"))
        }
    }
}

/// Who does what with the green list.
public enum GreenPolicy {
    /// The list itself, and the yearly draw: the bureau's administrators.
    public static let manage = Policy.roles("keep the green-mine list", .admin)
    /// A listed mine's own operator discloses (an administrator may enter it for them).
    public static func disclose(_ license: String) -> Policy {
        Policy("disclose mine \(license)'s green-mine report") { ($0.role == .operator && $0.mines.contains(license)) || $0.role == .admin }
    }
    /// Spot checks are recorded by reviewers.
    public static let check = Policy.roles("record green-mine spot checks", .reviewer)
    /// The list, disclosures and draws are public; an operator reads its own mines' disclosures.
    public static let read = Policy("read the green-mine list") { _ in true }
}

extension GreenMines {
    /// The green list's actions as commands, each with its policy.
    public enum Commands {
        public static func add(_ license: String, year: Int, standard: String, document: String, listedOn: CalendarDate? = nil)
            -> Command<GreenListing> {
            Command(GreenPolicy.manage) { actor, conn in
                try GreenMines.add(license, year: year, standard: standard, document: document, dated: listedOn, by: actor, on: conn)
            }
        }

        public static func remove(_ license: String, reason: String, document: String) -> Command<GreenListing> {
            Command(GreenPolicy.manage) { actor, conn in try GreenMines.remove(license, reason: reason, document: document, by: actor, on: conn) }
        }

        public static func disclose(_ license: String, year: Int, _ document: GreenDisclosureDocument) -> Command<GreenDisclosure> {
            Command(GreenPolicy.disclose((try? Identifier.license(license)) ?? license)) { actor, conn in
                try GreenMines.disclose(license, year: year, document, by: actor, on: conn)
            }
        }

        public static func draw(year: Int, sharePercent: Int, seed: String) -> Command<GreenDraw> {
            Command(GreenPolicy.manage) { actor, conn in
                try GreenMines.draw(year: year, sharePercent: sharePercent, seed: seed, by: actor, on: conn)
            }
        }

        public static func check(_ license: String, year: Int, result: GreenCheckResult, finding: String) -> Command<GreenCheck> {
            Command(GreenPolicy.check) { actor, conn in
                try GreenMines.check(license, year: year, result: result, finding: finding, by: actor, on: conn)
            }
        }
    }
}

// MARK: The yearly report (report green)

/// One mine's line of the year's green report: its listing, its disclosure, its draw and check.
public struct GreenReportLine: Sendable, Equatable, Codable {
    public var license: String
    public var name: String
    public var listedYear: Int
    public var standard: String
    /// The listing's state at the year's end, or the cause it left the list by during the year.
    public var status: String
    @Nullable public var score: String?
    public var late: Bool
    public var drawn: Bool
    public var inspectors: [String]
    @Nullable public var result: GreenCheckResult?
    @Nullable public var finding: String?

    enum CodingKeys: String, CodingKey {
        case license, name
        case listedYear = "listed_year"
        case standard, status, score, late, drawn, inspectors, result, finding
    }
}

/// `report green --year Y`: the list, the disclosures (of Y), the sample and the results (of the draw of Y).
public struct GreenReport: Sendable, Equatable, Codable {
    public var year: Int
    @Nullable public var seed: String?
    @Nullable public var sharePercent: Int?
    public var lines: [GreenReportLine]

    enum CodingKeys: String, CodingKey {
        case year, seed
        case sharePercent = "share_percent"
        case lines
    }
}

extension GreenReport: TabularReport {
    public func table(unit: Money.Unit) -> ReportTable {
        ReportTable([("license", .text), ("name", .text), ("listed_year", .text), ("standard", .text), ("status", .text),
                     ("score", .text), ("late", .text), ("drawn", .text), ("inspectors", .text), ("result", .text), ("finding", .text)],
                    rows: lines.map { l in
                        [l.license, l.name, String(l.listedYear), l.standard, l.status, l.score ?? "missing", String(l.late), String(l.drawn),
                         l.inspectors.joined(separator: " "), l.result?.rawValue ?? "", l.finding ?? ""]
                    },
                    labelers: ["status": GreenReport.statusLabel, "score": ReportRowLabels.group, "late": ReportRowLabels.group,
                               "drawn": ReportRowLabels.group, "result": GreenCheckResult.labeler])
    }

    /// listed, or the removal's cause by its label.
    static let statusLabel: ReportLabeler = { code, lang in
        code == "listed" ? (lang == .zh ? "在册" : "Listed") : GreenRemovalCause(rawValue: code).map {
            (lang == .zh ? "已移出：" : "Removed: ") + $0.label(lang)
        } ?? code
    }
}

extension GreenMines {
    /// The year's report: every mine on the list at some point of `year`.
    public static func report(year: Int, only: [String]? = nil, on conn: Connection) throws -> GreenReport {
        _ = try Years.check(year, field: "year")
        guard let start = CalendarDate(year: year, month: 1, day: 1), let end = CalendarDate(year: year, month: 12, day: 31) else {
            throw ReclaimError.invalid("year", "must be a year")
        }
        return try Reports.snapshot(on: conn) { conn in try report(year: year, start: start, end: end, only: only, on: conn) }
    }

    static func report(year: Int, start: CalendarDate, end: CalendarDate, only: [String]?, on conn: Connection) throws -> GreenReport {
        let listings = try conn.query("""
            SELECT \(unescaped: listingColumns)
            FROM green_listings l JOIN mines m ON m.id = l.mine_id LEFT JOIN green_removals r ON r.listing_id = l.id
            WHERE l.listed_on <= \(end) AND (r.removed_on IS NULL OR r.removed_on >= \(start))
              AND (\(only) IS NULL OR m.license = ANY (\(only)))
            ORDER BY m.license, l.id
            """).rows.map(listing)
        let disclosures = Dictionary(try self.disclosures(year: year, only: only, on: conn).map { ($0.license, $0) }, uniquingKeysWith: { a, _ in a })
        let drawn = try conn.queryFirst("SELECT 1 FROM green_draws WHERE year = \(Int32(year))") != nil ? try findDraw(year: year, on: conn) : nil
        let checks = Dictionary(try self.checks(year: year, on: conn).map { ($0.license, $0) }, uniquingKeysWith: { a, _ in a })
        return GreenReport(year: year, seed: drawn?.seed, sharePercent: drawn?.sharePercent, lines: listings.map { l in
            let status = l.removal.map { $0.removedOn <= end ? $0.cause.rawValue : "listed" } ?? "listed"
            let d = disclosures[l.license], c = checks[l.license]
            return GreenReportLine(license: l.license, name: l.name, listedYear: l.year, standard: l.standard, status: status,
                                   score: d?.score, late: d?.late ?? false, drawn: c != nil, inspectors: c?.inspectors ?? [],
                                   result: c?.result, finding: c?.finding)
        })
    }
}
