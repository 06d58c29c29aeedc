import Foundation
public import PQKit

/// A fictional data set (演示数据) shaped like Dalad Banner at the end of 2020,
/// for a newcomer to explore the CLI, the API and the reports at once. It is
/// written through the product's own workflows (registry, plans, output
/// reports, assessments, annual plans, bookings, closure, legacy projects),
/// so every rule the real data obeys holds for it too. Every mine, holder,
/// user, site and project says it is fictional.
public enum DemoSeed {
    /// What a run did.
    public struct Result: Sendable {
        /// False when the demo was already there: nothing was changed.
        public var seeded: Bool
        public var mines: Int
        /// Each demo user with a fresh API token and dashboard password
        /// (empty when nothing was seeded).
        public var tokens: [(user: String, role: Role, token: String, password: String)]
    }

    public static let licensePrefix = "DEMO-"
    public static let userPrefix = "demo-"
    public static let fictional = "（虚构演示数据）"

    /// The 2020 split of the master plan (ch. 2 §1): 78 mines.
    struct Kind {
        var mineral: String
        var mineralClass: MineralClass
        var scale: MineScale
        var count: Int
    }

    static let kinds: [Kind] = [
        Kind(mineral: "coal", mineralClass: .solidEnergy, scale: .large, count: 4),
        Kind(mineral: "coal", mineralClass: .solidEnergy, scale: .medium, count: 10),
        Kind(mineral: "coal", mineralClass: .solidEnergy, scale: .small, count: 12),
        Kind(mineral: "glass quartzite", mineralClass: .buildingNonmetal, scale: .medium, count: 1),
        Kind(mineral: "building-stone limestone", mineralClass: .buildingNonmetal, scale: .medium, count: 1),
        Kind(mineral: "construction sand", mineralClass: .buildingNonmetal, scale: .small, count: 10),
        Kind(mineral: "glass quartzite", mineralClass: .buildingNonmetal, scale: .small, count: 3),
        Kind(mineral: "foundry sand", mineralClass: .otherNonmetal, scale: .small, count: 2),
        Kind(mineral: "refractory clay", mineralClass: .otherNonmetal, scale: .small, count: 2),
        Kind(mineral: "building-stone limestone", mineralClass: .buildingNonmetal, scale: .small, count: 1),
        Kind(mineral: "construction sand", mineralClass: .buildingNonmetal, scale: .micro, count: 25),
        Kind(mineral: "glass quartzite", mineralClass: .buildingNonmetal, scale: .micro, count: 1),
        Kind(mineral: "foundry sand", mineralClass: .otherNonmetal, scale: .micro, count: 2),
        Kind(mineral: "building-stone limestone", mineralClass: .buildingNonmetal, scale: .micro, count: 1),
        Kind(mineral: "refractory clay", mineralClass: .otherNonmetal, scale: .micro, count: 1),
        Kind(mineral: "glass sand", mineralClass: .buildingNonmetal, scale: .micro, count: 1),
        Kind(mineral: "kaolin", mineralClass: .otherNonmetal, scale: .micro, count: 1),
    ]

    /// One demo mine as registered.
    struct DemoMine {
        var index: Int
        var mine: NewMine
        /// Yearly output in tonnes while producing.
        var output: Int64
        var license: String { mine.license }
    }

    /// The 78 mines: coal first (5 of them underground), then the others;
    /// statuses in that order: 28 producing, 10 under construction, 38
    /// suspended, 2 closed. Every right was held by the end of 2020.
    static func mines() throws -> [DemoMine] {
        let statuses: [MineStatus] = Array(repeating: .producing, count: 28) + Array(repeating: .underConstruction, count: 10)
            + Array(repeating: .suspended, count: 38) + Array(repeating: .closed, count: 2)
        var out: [DemoMine] = []
        var n = 0
        for kind in kinds {
            for _ in 0..<kind.count {
                let i = n
                n += 1
                let coal = kind.mineralClass == .solidEnergy
                let underground = coal && kind.scale == .small && i >= 21  // the last 5 small coal mines
                let detail: MethodDetail = underground ? .undergroundSubsidence
                    : coal ? (i % 2 == 0 ? .openPitLayered : .openPitOther) : (i % 3 == 0 ? .pitDepthOver30m : .pitDepth30mOrLess)
                let (hectares, output): (Int64, Int64) = switch kind.scale {
                case .large: (1800 + Int64(i) * 37, 4_000_000 + Int64(i) * 250_000)
                case .medium: (420 + Int64(i) * 11, 900_000 + Int64(i) * 20_000)
                case .small: (60 + Int64(i % 9) * 7, 150_000 + Int64(i % 7) * 10_000)
                case .micro: (3 + Int64(i % 5), 20_000 + Int64(i % 4) * 2_500)
                }
                let license = licensePrefix + "150621-" + String(format: "%03d", i + 1)
                let what = coal ? "煤矿" : "矿"
                out.append(DemoMine(index: i, mine: NewMine(
                    license: license, name: "演示\(what)\(String(format: "%02d", i + 1))号\(fictional)",
                    holder: "演示矿业有限公司\(String(format: "%02d", i % 40 + 1))\(fictional)", mineral: kind.mineral,
                    mineralClass: kind.mineralClass, scale: kind.scale, method: detail.method, status: statuses[i],
                    area: Area(squareMetres: hectares * 10_000), landType: coal ? .grassland : (i % 4 == 0 ? .forest : .other),
                    // rights held since 2006–2020: the registry as of 2020-12-31 is the plan's baseline
                    methodDetail: detail, licensedOn: CalendarDate(year: 2006 + i % 15, month: 1 + i % 12, day: 1 + i % 28)),
                    output: output))
            }
        }
        // each licence's capacity (生产规模) in its unit: a fifth above its yearly output
        for k in out.indices {
            let perUnit: Int64 = Seeder.inCubicMetres(out[k]) ? 1500 : 1000
            out[k].mine.capacity = Capacity(hundredths: out[k].output * 12 / 10 * 1000 / perUnit / 100)
        }
        return out
    }

    /// The demo's users: an admin, finance, five reviewers, two experts, an
    /// auditor and two operators (one for each half of the mines).
    static func users(_ mines: [DemoMine]) -> [(String, Role, [String])] {
        [("demo-admin", .admin, []), ("demo-finance", .finance, [])]
            + (1...5).map { ("demo-reviewer-\($0)", Role.reviewer, [String]()) }
            + (1...2).map { ("demo-expert-\($0)", Role.expert, [String]()) }
            + [("demo-auditor", .auditor, []),
               ("demo-operator-1", .operator, mines.prefix(39).map(\.license)),
               ("demo-operator-2", .operator, mines.dropFirst(39).map(\.license))]
    }

    /// Refuses a database holding anything that is not demo data; answers
    /// whether the demo is already there.
    static func alreadySeeded(on conn: Connection) throws -> Bool {
        guard let row = try conn.queryFirst("""
            SELECT (SELECT count(*) FROM mines WHERE license NOT LIKE \(licensePrefix + "%")) AS mines,
                   (SELECT count(*) FROM users WHERE name NOT LIKE \(userPrefix + "%")) AS users,
                   (SELECT count(*) FROM legacy_sites WHERE code NOT LIKE \(licensePrefix + "%")) AS sites,
                   (SELECT count(*) FROM legacy_projects WHERE position(\(fictional) IN name) = 0) AS projects,
                   (SELECT count(*) FROM mines WHERE license LIKE \(licensePrefix + "%")) AS demo
            """) else { throw ReclaimError(.internal, "the database could not be checked") }
        let real: [(String, Int64)] = try ["mines", "users", "sites", "projects"].map { ($0, try row.decode($0)) }
        let held = real.filter { $0.1 > 0 }
        guard held.isEmpty else {
            throw ReclaimError(.conflict, field: "database",
                               "this database holds data that is not demo data (\(held.map { "\($0.1) \($0.0)" }.joined(separator: ", "))); the demo seed fills an empty installation only")
        }
        return try row.decode("demo", as: Int64.self) > 0
    }

    /// Seeds the demo in one transaction: all of it or nothing. Run by the
    /// database owner's session, which may act in the demo users' names.
    public static func seed(on conn: Connection) throws -> Result {
        try conn.transactionally { conn in
            // one seed at a time: a second run waits, then finds the demo there
            try conn.execute("SELECT pg_advisory_xact_lock(hashtext('reclaim-demo-seed'))")
            if try alreadySeeded(on: conn) { return Result(seeded: false, mines: 78, tokens: []) }
            var s = try Seeder(conn: conn)
            try s.run()
            return Result(seeded: true, mines: s.mines.count, tokens: s.tokens)
        }
    }
}

/// The seed's steps, in the order a bureau would have lived them.
struct Seeder {
    let conn: Connection
    let mines: [DemoSeed.DemoMine]
    var tokens: [(user: String, role: Role, token: String, password: String)] = []
    let admin, finance, auditor: Actor
    let reviewers: [Actor]
    let experts: [Actor]

    init(conn: Connection) throws {
        self.conn = conn
        mines = try DemoSeed.mines()
        admin = try Actor("demo-admin", role: "admin")
        finance = try Actor("demo-finance", role: "finance")
        auditor = try Actor("demo-auditor", role: "auditor")
        reviewers = try (1...5).map { try Actor("demo-reviewer-\($0)", role: "reviewer") }
        experts = try (1...2).map { try Actor("demo-expert-\($0)", role: "expert") }
    }

    func operatorOf(_ m: DemoSeed.DemoMine) throws -> Actor {
        try Actor(m.index < 39 ? "demo-operator-1" : "demo-operator-2", role: "operator")
    }

    func date(_ y: Int, _ m: Int, _ d: Int) throws -> CalendarDate {
        guard let c = CalendarDate(year: y, month: m, day: d) else { throw ReclaimError(.internal, "bad demo date") }
        return c
    }

    static let years = 2021...2025

    mutating func run() throws {
        for m in mines { _ = try MineRegistry.add(m.mine, by: admin, on: conn) }
        for (name, role, bound) in DemoSeed.users(mines) {
            _ = try Users.add(name, role: role, mines: bound,
                              org: role == .expert ? "旗农牧局、林草局外聘专家（演示）" : nil, by: admin, on: conn)
            // a password for the dashboard too: random, printed once like the token
            var random = SystemRandomNumberGenerator()
            let password = "demo-" + String((0..<12).map { _ in "abcdefghjkmnpqrstuvwxyz23456789".randomElement(using: &random) ?? "x" })
            try Passwords.set(name, password: password, by: admin, on: conn)
            tokens.append((name, role, try Users.issueToken(for: name, expiresInDays: 90, by: admin, on: conn).token, password))
        }
        try loadRules()
        let producing = mines.filter { $0.mine.status == .producing }
        try plans()
        for (k, m) in producing.enumerated() { try years(of: m, behind: k % 7 == 3) }
        for (k, m) in producing.enumerated() { try currentYear(of: m, k) }
        try closures()
        try legacy()
        try green()
        try monitoring()
        try boundaries()
        try merger()
    }

    /// A demo mine's centre on the map's grid, in thousandths of a degree:
    /// 13 columns from 109.300°E to 110.500°E, 6 rows from 39.970°N to 40.330°N.
    static func centre(_ m: DemoSeed.DemoMine) -> (lon: Int32, lat: Int32) {
        (Int32(109_300 + (m.index % 13) * 100), Int32(39_970 + (m.index / 13) * 72))
    }

    /// Whether a demo mine's licence states its output in m³ (the registry's
    /// rule, sql/functions/mines.sql, for the minerals the demo has).
    static func inCubicMetres(_ m: DemoSeed.DemoMine) -> Bool {
        ["construction sand", "building-stone limestone"].contains(m.mine.mineral)
    }

    /// Thousandths of a degree as decimal text.
    static func degrees(_ thousandths: Int32) -> String {
        "\(thousandths / 1000)." + String(String(thousandths % 1000 + 1000).dropFirst())
    }

    /// Every mine's mining area, a square of its licensed area on a grid
    /// inside the banner's (approximate) outline, given as the turning
    /// points a licence prints (3-degree Gauss–Krüger zone 37). PostGIS
    /// places the corners; the ring is what `mine boundary set` takes.
    func boundaries() throws {
        for m in mines {
            let (lon, lat) = Self.centre(m)
            guard let corners = try conn.queryFirst("""
                SELECT ST_AsText(ST_Expand(ST_Transform(ST_SetSRID(ST_MakePoint(\(lon) / 1000.0, \(lat) / 1000.0), 4490), 4525),
                                           sqrt(\(m.mine.area.squareMetres)::float8) / 2), 2) AS wkt
                """) else { throw ReclaimError(.internal, "no demo boundary") }
            _ = try MineBoundaries.set(m.license, .turningPoints(wkt: try corners.decode("wkt"), srid: 4525), by: admin, on: conn)
        }
    }

    /// The merger of three suspended sand mines into one under construction
    /// (整合重组, 2025): each of the three had its fund deposited before; the
    /// merger cancels them and moves their money into the surviving mine's fund.
    func merger() throws {
        let sand = mines.filter { $0.mine.mineral == "construction sand" }
        guard let into = sand.first(where: { $0.mine.status == .underConstruction }) else { return }
        let merged = Array(sand.filter { $0.mine.status == .suspended }.prefix(3))
        for (k, m) in merged.enumerated() {
            _ = try FundLedger.deposit(m.license, Booking(amount: Money(fen: Int64(12_000 + k * 3_500) * 100),
                                                          valueDate: try date(2020, 6, 30), reference: "DEMO-SAND-\(k + 1)",
                                                          idempotencyKey: "demo-merger-deposit-\(k + 1)"), by: finance, on: conn)
        }
        _ = try Mergers.record(from: merged.map(\.license), into: into.license, approvedOn: try date(2025, 6, 30),
                               document: "达自然资发〔2025〕整合1号（演示）", by: admin, on: conn)
        // integrated to reach the plan's minimum for construction sand (6 万m³ a year)
        _ = try MineRegistry.update(into.license, MineUpdate(capacity: Capacity(hundredths: 800)), by: admin, on: conn)
    }

    /// The last four quarters of every open mine's monitoring reports (a few
    /// of the latest missing), one emergency still open, one inspection.
    func monitoring() throws {
        let open = mines.filter { $0.mine.status != .closed }
        var period = Monitoring.lastQuarter
        var quarters: [MonitoringPeriod] = []
        for _ in 0..<4 {
            quarters.insert(period, at: 0)
            period = MonitoringPeriod.of(period.start.adding(days: -1))
        }
        for (q, quarter) in quarters.enumerated() {
            for (k, m) in open.enumerated() where !(q == quarters.count - 1 && k % 10 == 9) {
                let sink = 10 + (k * 7 + q * 3) % 38, water = k % 17 == 4 && q == 2
                let text = """
                    {"hazards": [
                      {"kind": "subsidence", "measurement": "\(sink)", "unit": "mm", "threshold": "50", "crossed": false},
                      {"kind": "landslide", "measurement": "\(k % 5).5", "unit": "mm", "threshold": "10", "crossed": false},
                      {"kind": "water-level", "measurement": "\(water ? "1.4" : "0.6")", "unit": "m", "threshold": "1.2", "crossed": \(water)},
                      {"kind": "land-damage", "measurement": "\(k % 4).2", "unit": "hm²", "crossed": false}],
                     "summary": "\(quarter) 按方案完成监测（演示）。"}
                    """
                let day = min(quarter.end.adding(days: 10), Bureau.today)
                _ = try Monitoring.report(m.license, period: quarter, try MonitoringReportDocument.parse(Data(text.utf8)),
                                          at: Bureau.start(of: day).addingTimeInterval(9 * 3600), by: try operatorOf(m), on: conn)
            }
        }
        if let m = open.first {
            _ = try Monitoring.recordEvent(m.license, kind: .landslide, occurredAt: Bureau.start(of: Bureau.today.adding(days: -3)).addingTimeInterval(6 * 3600),
                                           description: "南帮边坡局部崩塌约 200 立方米，无人员伤亡（演示）", casualties: 0,
                                           area: Area(squareMetres: 1_200), by: try operatorOf(m), on: conn)
            _ = try Monitoring.inspect(m.license, date: Bureau.today.adding(days: -1), finding: "边坡已设警戒，需清理危岩（演示）",
                                       by: reviewers[0], on: conn)
        }
    }

    /// The seven green mines of 2020 (the plan's figure), two years of their
    /// disclosures (one mine's latest missing, so overdue after 31 March), and
    /// this year's spot checks drawn from them with every result recorded.
    func green() throws {
        let producing = mines.filter { $0.mine.status == .producing }
        let listed = (0..<7).map { producing[$0 * producing.count / 7] }
        for m in listed {
            _ = try GreenMines.add(m.license, year: 2020, standard: "DZ/T 0315-2018 煤炭行业绿色矿山建设规范",
                                   document: "内自然资字〔2020〕（演示）", dated: try date(2020, 12, 31), by: admin, on: conn)
        }
        let thisYear = Bureau.today.year
        for year in [thisYear - 2, thisYear - 1] {
            for (k, m) in listed.enumerated() where !(year == thisYear - 1 && k == listed.count - 1) {
                let env = 16 + (k + year) % 4
                let text = """
                    {"indicators": [
                      {"area": "legal-compliance", "score": "9.5", "weight": 10},
                      {"area": "mine-environment", "score": "\(env)", "weight": 20, "note": "排土场复绿（演示）"},
                      {"area": "development-method", "score": "13", "weight": 15},
                      {"area": "comprehensive-use", "score": "12.5", "weight": 15},
                      {"area": "energy-saving", "score": "12", "weight": 15},
                      {"area": "innovation", "score": "7", "weight": 10},
                      {"area": "management", "score": "13.5", "weight": 15}],
                     "last_year_work": "\(year) 年完成排土场复垦与道路降尘（演示）。",
                     "this_year_plan": "\(year + 1) 年继续边坡治理与在线监测（演示）。",
                     "grievances": {"received": \(k % 3), "answered": \(k % 3)}}
                    """
                // submitted in March after the year (one of them late, in April), as the bureau would have received them
                let day = try date(year + 1, k == 2 ? 4 : 3, 10 + k)
                _ = try GreenMines.disclose(m.license, year: year, try GreenDisclosureDocument.parse(Data(text.utf8)),
                                            at: Bureau.start(of: day).addingTimeInterval(10 * 3600), by: try operatorOf(m), on: conn)
            }
        }
        let draw = try GreenMines.draw(year: thisYear, sharePercent: 30, seed: "达拉特旗绿色矿山双随机抽查-\(thisYear)（演示）", by: admin, on: conn)
        for (k, d) in draw.sample.enumerated() {
            let result: GreenCheckResult = k == 1 ? .rectify : .pass
            _ = try GreenMines.check(d.license, year: thisYear, result: result,
                                     finding: result == .pass ? "现场核查符合绿色矿山建设要求（演示）" : "排土场局部裸露，限期整改（演示）",
                                     by: try reviewer(named: d.inspectors), on: conn)
        }
    }

    /// A reviewer among a sample's inspectors (an expert inspects, a reviewer records).
    func reviewer(named inspectors: [String]) throws -> Actor {
        try reviewers.first { inspectors.contains($0.name) } ?? reviewers[0]
    }

    /// Demo coefficient sets for 150621 with the region and coal-price
    /// tables filled (fictional values; the Ordos 2025 annex leaves them to the bureau).
    func loadRules() throws {
        for (name, from, coal) in [("demo-dalad-2021", "2021-01-01", ["2021": "1.1", "2022": "1.3", "2023": "1.2", "2024": "1.1"]),
                                   ("demo-dalad-2025", "2025-01-01", ["2025": "1.0", "2026": "1.0"])] {
            let coalTable = coal.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ")
            let document = """
                {"name": "\(name)", "jurisdiction": "150621", "effective_from": "\(from)",
                 "source": "演示数据：地区与煤价系数为虚构值 (demo data: the region and coal-price coefficients are fictional)",
                 "base_rate": {"solid-energy": "5.5", "metal": "1.0", "building-nonmetal": "3.0", "other-nonmetal": "2.0", "non-solid-energy": "2.5"},
                 "method": {"open-pit-layered": "2.0", "open-pit-other": "2.5", "pit-depth-30m-or-less": "2.0", "pit-depth-over-30m": "2.5",
                            "underground-backfill": "0.5", "underground-no-subsidence": "0.8", "underground-subsidence": "1.2", "non-solid": "1.0"},
                 "land": {"cropland": "1.4", "forest": "1.2", "grassland": "1.0", "other": "0.8"},
                 "region": {"150621": "1.0"}, "coal_price": {\(coalTable)}}
                """
            _ = try RuleSets.load(try RuleSet.parse(Data(document.utf8)), by: admin, on: conn)
        }
    }

    /// The yearly restoration cost a mine's plan schedules, in yuan.
    static func yearlyCost(_ m: DemoSeed.DemoMine) -> Int64 {
        switch m.mine.scale {
        case .large: return 2_000_000
        case .medium: return 600_000
        case .small: return 150_000
        case .micro: return 30_000
        }
    }

    /// Plans (service 2021–2030): approved for the producing mines and most
    /// others; one submitted and one returned among those under construction.
    func plans() throws {
        let planned = mines.filter { $0.mine.status == .producing || $0.mine.status == .underConstruction }
            + mines.filter { $0.mine.status == .suspended }.prefix(10)
        for (k, m) in planned.enumerated() {
            let due = m.mine.area.squareMetres / 2
            let cost = Self.yearlyCost(m)
            let byYear = (2021...2030).map { "\"\($0)\": \"\(cost).00\"" }.joined(separator: ", ")
            let document = """
                {"service_period": {"from": 2021, "to": 2030},
                 "damaged_land": [{"land_type": "\(m.mine.landType.rawValue)", "existing_hm2": "\(Area(squareMetres: due / 2).hectares)",
                                   "predicted_hm2": "\(Area(squareMetres: due - due / 2).hectares)"}],
                 "responsibility_area_hm2": "\(Area(squareMetres: due).hectares)", "planned_reclaimed_hm2": "\(Area(squareMetres: due).hectares)",
                 "target_rate_percent": "100.00", "cost": {"total": "\(cost * 10).00", "by_year": {\(byYear)}},
                 "letter_signed_on": "2021-01-05"}
                """
            let v = try Plans.submit(m.license, try PlanDocument.parse(Data(document.utf8)), by: try operatorOf(m), on: conn)
            switch (m.mine.status, k % 10) {
            case (.underConstruction, 4): break  // left submitted, awaiting review
            case (.underConstruction, 7):
                _ = try Plans.decide(m.license, version: v.version, .return, reason: "复垦责任范围与损毁预测不一致，请补充（演示）",
                                     by: reviewers[0], on: conn)
            default:
                _ = try Plans.decide(m.license, version: v.version, .approve, reason: nil, by: reviewers[0], on: conn)
            }
        }
    }

    /// The works of a year: revegetation (an area) and slope regrading (m³).
    func works(_ m: DemoSeed.DemoMine, year: Int, budget: Int64, scale: Int64 = 1) throws -> AnnualWorks {
        let area = Area(squareMetres: max(10_000, m.mine.area.squareMetres / 40) * scale)
        let revegetation = budget * 2 / 3
        let file = """
            {"works": [
              {"type": "revegetation", "location": "排土场北坡（演示）", "area_hm2": "\(area.hectares)",
               "budget": "\(Money(fen: revegetation * 100))", "start_month": "\(year)-04", "end_month": "\(year)-09",
               "geometry": {"type": "Point", "coordinates": [\(Self.degrees(Self.centre(m).lon)), \(Self.degrees(Self.centre(m).lat))]}},
              {"type": "slope-regrading", "location": "采坑边坡（演示）", "quantity": "\(1000 + m.index * 50)", "unit": "m3",
               "budget": "\(Money(fen: (budget - revegetation) * 100))", "start_month": "\(year)-05", "end_month": "\(year)-08"}
            ]}
            """
        return try AnnualWorks.parse(Data(file.utf8), year: year)
    }

    func reportFile(_ w: AnnualWorks, spent: Money) -> Data {
        let first = Money(fen: spent.fen * 2 / 3)
        let lines = [
            #"{"work": 1, "area_hm2": "\#(w.works[0].area?.hectares ?? "0")", "spent": "\#(first)", "evidence": ["DEMO-PHOTO"]}"#,
            #"{"work": 2, "quantity": "\#(w.works[1].quantity?.description ?? "0")", "spent": "\#(spent - first)"}"#,
        ]
        return Data(#"{"works": [\#(lines.joined(separator: ", "))]}"#.utf8)
    }

    /// 2021–2025 for a producing mine: last year's output, the assessment,
    /// the deposit (short in 2025 for some), the annual plan approved, a
    /// withdrawal bound to it, the year-end report and its acceptance.
    func years(of m: DemoSeed.DemoMine, behind: Bool) throws {
        let op = try operatorOf(m)
        // in the licence's unit: building stone and sand in m³ (at 1.5 t/m³, the default bulk density)
        let perUnit: Int64 = Self.inCubicMetres(m) ? 1500 : 1000
        let tonnes = Quantity(thousandths: m.output * 1_000_000 / perUnit)
        _ = try OutputReports.report(m.license, year: 2020, quantity: tonnes, by: finance, on: conn)
        for year in Self.years {
            let output = (m.output + Int64(year - 2020) * m.output / 50) * 1_000_000 / perUnit
            _ = try OutputReports.report(m.license, year: year, quantity: Quantity(thousandths: output), by: finance, on: conn)
            let assessed = try Accruals.assess(m.license, year: year, by: finance, on: conn).amount
            let deposit = behind && year == 2025 ? Money(fen: assessed.fen * 85 / 100) : assessed
            _ = try FundLedger.deposit(m.license, Booking(amount: deposit, valueDate: try date(year, 3, 31),
                                                          reference: "DEMO-SLIP-\(m.index + 1)-\(year)", memo: "演示存入",
                                                          idempotencyKey: "demo-deposit-\(m.index)-\(year)"), by: finance, on: conn)
            let budget = assessed.fen / 100 * 6 / 10
            let w = try works(m, year: year, budget: budget)
            _ = try AnnualPlans.draft(m.license, year: year, w, by: op, on: conn)
            _ = try AnnualPlans.decide(m.license, year: year, .submit, by: op, on: conn)
            _ = try AnnualPlans.decide(m.license, year: year, .approve, by: reviewers[year % 2], on: conn)
            let withdrawn = Money(fen: budget * 100 * 9 / 10)
            _ = try FundLedger.withdraw(m.license, Booking(amount: withdrawn, valueDate: try date(year, 10, 15),
                                                           reference: "DEMO-PAY-\(m.index + 1)-\(year)", memo: "演示治理工程款",
                                                           idempotencyKey: "demo-withdrawal-\(m.index)-\(year)",
                                                           annualPlanYear: year), by: finance, on: conn)
            _ = try AnnualPlans.report(m.license, year: year, file: reportFile(w, spent: withdrawn), by: op, on: conn)
            _ = try AnnualPlans.decide(m.license, year: year, .accept, by: reviewers[2 + year % 2], on: conn)
        }
    }

    /// 2026, the year under way: annual plans in every state of the workflow.
    func currentYear(of m: DemoSeed.DemoMine, _ k: Int) throws {
        let op = try operatorOf(m)
        let year = 2026
        let budget = Self.yearlyCost(m)
        let w = try works(m, year: year, budget: budget)
        _ = try AnnualPlans.draft(m.license, year: year, w, by: op, on: conn)
        func step(_ a: AnnualPlanAction, by actor: Actor, reason: String? = nil, items: [String] = []) throws {
            _ = try AnnualPlans.decide(m.license, year: year, a, reason: reason, items: items, by: actor, on: conn)
        }
        let report = reportFile(w, spent: Money(fen: budget * 100 / 2))
        switch k % 9 {
        case 0: break  // draft
        case 1: try step(.submit, by: op)
        case 3:
            try step(.submit, by: op)
            try step(.return, by: reviewers[1], reason: "工程量与预算不符，请核实（演示）")
        case 4, 5:
            try step(.submit, by: op)
            try step(.approve, by: reviewers[0])
            _ = try AnnualPlans.revise(m.license, year: year, try works(m, year: year, budget: budget + budget / 5, scale: 2),
                                       by: op, on: conn)
            if k % 9 == 5 { try step(.return, by: reviewers[1], reason: "追加预算依据不足（演示）") }
        case 6, 7, 8:
            try step(.submit, by: op)
            try step(.approve, by: reviewers[0])
            _ = try AnnualPlans.report(m.license, year: year, file: report, by: op, on: conn)
            if k % 9 == 7 { try step(.accept, by: reviewers[2]) }
            if k % 9 == 8 { try step(.fail, by: reviewers[2], items: ["补植苗木成活率不足（演示）", "边坡排水沟未完工（演示）"]) }
        default:  // 2: approved
            try step(.submit, by: op)
            try step(.approve, by: reviewers[0])
        }
    }

    /// The two closed mines, each restored under an approved plan (4 hm² of
    /// damaged land, reclaimed over 2021–2024 and accepted each year). The
    /// first went through every step of closure acceptance, as the owner
    /// records a past application with its dates: filed 100 days ago, the
    /// site visit, a majority pass, 30 days of public notice, the
    /// confirmation, then the release. The second is filed today, with its
    /// panel, its visit and one vote: the reviewers' queue.
    func closures() throws {
        let closed = mines.filter { $0.mine.status == .closed }
        let today = Bureau.today
        for (k, m) in closed.enumerated() {
            let op = try operatorOf(m)
            _ = try FundLedger.convertDeposit(m.license, Booking(amount: Money(fen: 8_000_000 + Int64(k) * 1_500_000),
                                                                 valueDate: try date(2019, 6, 30), reference: "DEMO-BOND-\(m.index + 1)",
                                                                 memo: "原保证金转存基金（演示）",
                                                                 idempotencyKey: "demo-conversion-\(m.index)"),
                                              by: finance, on: conn)
            let land = m.mine.landType.rawValue
            let plan = """
                {"service_period": {"from": 2021, "to": 2024},
                 "damaged_land": [{"land_type": "\(land)", "existing_hm2": "4.0000", "predicted_hm2": "0"}],
                 "responsibility_area_hm2": "4.0000", "planned_reclaimed_hm2": "4.0000",
                 "target_rate_percent": "100.00", "cost": {"total": "120000.00",
                 "by_year": {"2021": "30000.00", "2022": "30000.00", "2023": "30000.00", "2024": "30000.00"}},
                 "letter_signed_on": "2021-01-05"}
                """
            let v = try Plans.submit(m.license, try PlanDocument.parse(Data(plan.utf8)), by: op, on: conn)
            _ = try Plans.decide(m.license, version: v.version, .approve, reason: nil, by: reviewers[0], on: conn)
            for year in 2021...2024 {
                let works = """
                    {"works": [{"type": "revegetation", "location": "闭坑矿区排土场（演示）", "area_hm2": "1.0000",
                                "budget": "30000.00", "start_month": "\(year)-04", "end_month": "\(year)-09"}]}
                    """
                _ = try AnnualPlans.draft(m.license, year: year, try AnnualWorks.parse(Data(works.utf8), year: year), by: op, on: conn)
                _ = try AnnualPlans.decide(m.license, year: year, .submit, by: op, on: conn)
                _ = try AnnualPlans.decide(m.license, year: year, .approve, by: reviewers[1], on: conn)
                let done = """
                    {"works": [{"work": 1, "area_hm2": "1.0000", "spent": "28000.00", "evidence": ["DEMO-PHOTO"]}],
                     "land": [{"land_type": "\(land)", "damaged_hm2": "0", "reclaimed_hm2": "1.0000"}]}
                    """
                _ = try AnnualPlans.report(m.license, year: year, file: Data(done.utf8), by: op, on: conn)
                _ = try AnnualPlans.decide(m.license, year: year, .accept, by: reviewers[2], on: conn)
            }
            let members = [reviewers[0], reviewers[1], experts[k]]
            let panel = members.map(\.name)
            let evidence = ["DEMO-复垦验收报告", "DEMO-现场照片"]
            let note = "已完成治理与复垦，申请闭坑验收（演示）"
            if k == 0 {
                let app = try Closures.apply(m.license, evidence: evidence, note: note, dated: today.adding(days: -100), by: op, on: conn)
                _ = try Closures.assignPanel(app.id, members: panel, by: reviewers[4], on: conn)
                _ = try Closures.recordVisit(app.id, date: today.adding(days: -95), participants: panel + ["旗农牧局（演示）"],
                                             checked: Area(squareMetres: 40_000), finding: "复垦植被覆盖达标，边坡稳定（演示）",
                                             by: reviewers[0], on: conn)
                for member in members {
                    _ = try Closures.vote(app.id, pass: true, opinion: "复垦达标，同意通过（演示）", dated: today.adding(days: -90),
                                          by: member, on: conn)
                }
                _ = try Closures.confirm(app.id, number: "达自然资复验〔2026〕1号（演示）", dated: today.adding(days: -50),
                                         by: reviewers[3], on: conn)
                _ = try FundLedger.release(m.license, by: finance, on: conn)
            } else {
                let app = try Closures.apply(m.license, evidence: evidence, note: note, by: op, on: conn)
                _ = try Closures.assignPanel(app.id, members: panel, by: reviewers[4], on: conn)
                _ = try Closures.recordVisit(app.id, date: today, participants: panel, checked: Area(squareMetres: 40_000),
                                             finding: "复垦基本完成，待评审（演示）", by: reviewers[0], on: conn)
                _ = try Closures.vote(app.id, pass: true, opinion: "资料齐全（演示）", by: reviewers[0], on: conn)
            }
        }
    }

    /// Two legacy projects of 2016–2020 treating 5.31 km² (331 and 200 hm²),
    /// funded by source; one more site ownerless and unassigned, one under notice.
    func legacy() throws {
        let sites: [(String, String, Int64)] = [("DEMO-L01", "树林召镇", 200), ("DEMO-L02", "树林召镇", 131), ("DEMO-L03", "白泥井镇", 200),
                                                ("DEMO-L04", "王爱召镇", 45), ("DEMO-L05", "展旦召苏木", 12)]
        for (k, (code, township, hectares)) in sites.enumerated() {
            // a point on the map between the mines' rows, along the banner's south
            let location = #"{"type":"Point","coordinates":["# + Self.degrees(109_450 + Int32(k) * 230) + ","
                + Self.degrees(39_935 + Int32(k % 2) * 20) + "]}"
            _ = try LegacySites.add(NewSite(code: code, township: "\(township)（演示）", area: Area(squareMetres: hectares * 10_000),
                                            geometry: location,
                                            formerMine: "废弃采石场\(DemoSeed.fictional)",
                                            problems: [try SiteProblem.parse("open-pit=\(hectares * 3000)"),
                                                       try SiteProblem.parse("waste-dump=\(hectares * 800)")]),
                                    by: admin, on: conn)
            if code == "DEMO-L05" {
                _ = try LegacySites.openNotice(code, days: 30, start: Bureau.today, by: admin, on: conn)
            } else {
                _ = try LegacySites.openNotice(code, days: 30, start: try date(2017, 3, 1), by: admin, on: conn)
                _ = try LegacySites.closeNotice(code, outcome: "ownerless", owner: nil, by: admin, on: conn)
            }
        }
        let projects: [(String, [String], [FundingSource: Int64])] = [
            ("树林召镇历史遗留矿山治理示范工程\(DemoSeed.fictional)", ["DEMO-L01", "DEMO-L02"],
             [.central: 30_000_000, .region: 8_000_000, .banner: 4_000_000]),
            ("白泥井镇废弃采坑综合治理项目\(DemoSeed.fictional)", ["DEMO-L03"], [.city: 6_000_000, .banner: 2_000_000, .social: 10_000_000]),
        ]
        for (k, (name, codes, budget)) in projects.enumerated() {
            let p = try LegacyProjects.add(name: name, approval: "达自然资发〔201\(7 + k)〕\(12 + k)号（演示）", contractor: "演示建设工程有限公司\(DemoSeed.fictional)",
                                           budget: budget.mapValues { Money(fen: $0 * 100) }, by: admin, on: conn)
            for code in codes { _ = try LegacyProjects.addSite(p.id, code: code, by: admin, on: conn) }
            _ = try LegacyProjects.step(p.id, .approve, opinion: "同意立项（演示）", by: reviewers[3], on: conn)
            for (source, planned) in budget.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                _ = try LegacyProjects.book(.legacyCommit, project: p.id, source: source,
                                            Booking(amount: Money(fen: planned * 100), valueDate: try date(2018, 3, 1),
                                                    idempotencyKey: "demo-legacy-commit-\(k)-\(source.rawValue)"),
                                            work: nil, by: finance, on: conn)
            }
            _ = try LegacyProjects.step(p.id, .start, by: admin, on: conn)
            for (source, planned) in budget.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                _ = try LegacyProjects.book(.legacySpend, project: p.id, source: source,
                                            Booking(amount: Money(fen: planned * 95), valueDate: try date(2019, 11, 20),
                                                    idempotencyKey: "demo-legacy-spend-\(k)-\(source.rawValue)"),
                                            work: "削坡整形、覆土绿化（演示）", by: finance, on: conn)
            }
            for code in codes {
                let hectares = sites.first { $0.0 == code }?.2 ?? 0
                for (year, share) in [(2018, 40), (2019, 40), (2020, 20)] {
                    _ = try LegacyProjects.progress(p.id, code: code, area: Area(squareMetres: hectares * 100 * Int64(share)),
                                                    on: try date(year, 9, 30), evidence: ["DEMO-进度照片-\(year)"], by: admin, on: conn)
                }
            }
            _ = try LegacyProjects.step(p.id, .complete, by: admin, on: conn)
            _ = try LegacyProjects.step(p.id, .accept, opinion: "治理达到设计要求，同意验收（演示）", by: reviewers[4], on: conn)
        }
    }
}
