public import PQKit

/// A mine as registered: every field but the timestamps.
public struct NewMine: Sendable {
    public var license: String
    public var name: String
    public var holder: String
    public var mineral: String
    public var mineralClass: MineralClass
    public var scale: MineScale
    public var method: MiningMethod
    public var status: MineStatus
    public var area: Area
    public var landType: LandType
    public var regionCode: String
    public var methodDetail: MethodDetail?
    /// The day the mining right has been held since; nil is today (the
    /// bureau's), for a right granted the day it is registered.
    public var licensedOn: CalendarDate?
    /// 生产规模, 万 units a year in the licence's unit (from the mineral); nil when not yet recorded.
    public var capacity: Capacity?

    public init(
        license: String, name: String, holder: String, mineral: String, mineralClass: MineralClass,
        scale: MineScale, method: MiningMethod, status: MineStatus, area: Area, landType: LandType,
        regionCode: String = MineRegistry.defaultRegion, methodDetail: MethodDetail? = nil, licensedOn: CalendarDate? = nil,
        capacity: Capacity? = nil
    ) {
        self.capacity = capacity
        self.methodDetail = methodDetail
        self.licensedOn = licensedOn
        self.license = license
        self.name = name
        self.holder = holder
        self.mineral = mineral
        self.mineralClass = mineralClass
        self.scale = scale
        self.method = method
        self.status = status
        self.area = area
        self.landType = landType
        self.regionCode = regionCode
    }
}

/// The fields `mine update` may change; nil leaves a field as it is.
public struct MineUpdate: Sendable {
    public var name: String?
    public var holder: String?
    public var mineral: String?
    public var mineralClass: MineralClass?
    public var scale: MineScale?
    public var method: MiningMethod?
    public var status: MineStatus?
    public var area: Area?
    public var landType: LandType?
    public var methodDetail: MethodDetail?
    /// A correction of the day the right has been held since (no §6.2 change).
    public var licensedOn: CalendarDate?
    /// A new production capacity (生产规模), kept in the mine's history.
    public var capacity: Capacity?

    public init(
        name: String? = nil, holder: String? = nil, mineral: String? = nil,
        mineralClass: MineralClass? = nil, scale: MineScale? = nil, method: MiningMethod? = nil,
        status: MineStatus? = nil, area: Area? = nil, landType: LandType? = nil, methodDetail: MethodDetail? = nil,
        licensedOn: CalendarDate? = nil, capacity: Capacity? = nil
    ) {
        self.capacity = capacity
        self.methodDetail = methodDetail
        self.licensedOn = licensedOn
        self.name = name
        self.holder = holder
        self.mineral = mineral
        self.mineralClass = mineralClass
        self.scale = scale
        self.method = method
        self.status = status
        self.area = area
        self.landType = landType
    }

    public var isEmpty: Bool {
        name == nil && holder == nil && mineral == nil && mineralClass == nil && scale == nil
            && method == nil && status == nil && area == nil && landType == nil && methodDetail == nil && licensedOn == nil
            && capacity == nil
    }
}

/// What an update did.
public struct MineUpdateResult: Sendable, Codable {
    public var mine: Mine
    public var changes: [MineChange]
    public var obligationsOpened: [ObligationKind]

    public func encode(to encoder: any Encoder) throws {
        try mine.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(changes, forKey: .changes)
        try c.encode(obligationsOpened, forKey: .obligationsOpened)
    }

    enum Keys: String, CodingKey {
        case changes
        case obligationsOpened = "obligations_opened"
    }

    public init(from decoder: any Decoder) throws {
        mine = try Mine(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        changes = try c.decode([MineChange].self, forKey: .changes)
        obligationsOpened = try c.decode([ObligationKind].self, forKey: .obligationsOpened)
    }

    init(mine: Mine, changes: [MineChange], obligationsOpened: [ObligationKind]) {
        self.mine = mine
        self.changes = changes
        self.obligationsOpened = obligationsOpened
    }
}

/// The mine registry (矿山登记): add, list, show and change mines, keeping
/// every change as history and opening the obligations of plan §6.2.
public enum MineRegistry {
    public static let defaultRegion = "150621"

    /// Fields whose change obliges a new plan, letter and fund assessment
    /// (a change of method detail is a change of method).
    static let obligingFields: Set<String> = ["method", "method_detail", "area_hm2", "scale", "mineral"]

    public static func add(_ new: NewMine, by actor: Actor, on conn: Connection) throws -> Mine {
        let license = try Identifier.license(new.license)
        let name = try Text.required(new.name, field: "name")
        let holder = try Text.required(new.holder, field: "holder")
        let mineral = try Text.required(new.mineral, field: "mineral", maxLength: 100)
        guard new.regionCode.count == 6, new.regionCode.allSatisfy(\.isASCII), new.regionCode.allSatisfy(\.isNumber) else {
            throw ReclaimError.invalid("region_code", "must be a six-digit administrative code, like 150621")
        }
        guard new.area.squareMetres > 0 else {
            throw ReclaimError.invalid("area_hm2", "must be greater than zero")
        }
        try new.methodDetail?.check(method: new.method, mineralClass: new.mineralClass)
        guard new.status != .cancelled else {
            throw ReclaimError.invalid("status", "a licence is cancelled by its merger (mine merge), not registered so")
        }
        let licensedOn = try checkLicensedOn(new.licensedOn ?? Bureau.today)
        var new = new
        new.licensedOn = licensedOn
        return try conn.transactionally { [new] conn in
            let row = try conn.queryFirst("""
                    INSERT INTO mines (license, name, holder, mineral, mineral_class, scale, method, status,
                                       area_m2, land_type, region_code, method_detail, licensed_on, capacity, created_by,
                                       updated_by)
                    VALUES (\(license), \(name), \(holder), \(mineral), \(new.mineralClass.rawValue),
                            \(new.scale.rawValue), \(new.method.rawValue), \(new.status.rawValue),
                            \(new.area.squareMetres), \(new.landType.rawValue), \(new.regionCode),
                            \(new.methodDetail?.rawValue), \(licensedOn), \(new.capacity?.description)::numeric,
                            \(actor.name), \(actor.name))
                    ON CONFLICT (license) DO NOTHING
                    RETURNING \(unescaped: Mine.columns)
                    """)
            guard let row else {
                throw ReclaimError(.conflict, field: "license", "mine \(license) is already registered")
            }
            let mine = try Mine(row: row)
            try AuditLog.record(action: "mine.add", target: "mine:\(license)", input: new.auditText, by: actor, on: conn)
            return mine
        }
    }

    /// Mines by licence, after `cursor`; `only` restricts the list to those
    /// licences (an operator's mines).
    public static func list(on conn: Connection, after cursor: String? = nil, limit: Int? = nil,
                            only licenses: [String]? = nil) throws -> [Mine] {
        let limitValue = Int64(limit ?? Int(Int32.max))
        return try conn.query("""
            SELECT \(unescaped: Mine.columns) FROM mines
            WHERE (\(cursor) IS NULL OR license > \(cursor))
              AND (\(licenses) IS NULL OR license = ANY(\(licenses)))
            ORDER BY license LIMIT \(limitValue)
            """).rows.map(Mine.init(row:))
    }

    /// A page of the mines whose licence or name contains `text` (any case),
    /// by licence, with how many match in all; `only` as for `list`.
    public static func search(_ text: String?, page: Int, pageSize: Int = 20, only licenses: [String]? = nil,
                              on conn: Connection) throws -> (mines: [Mine], total: Int) {
        let text = try Text.optional(text, field: "q", maxLength: 100)
        guard page >= 1, page <= 100_000 else { throw ReclaimError.invalid("page", "must be a page number from 1") }
        let needle = text?.lowercased()
        let rows = try conn.query("""
            SELECT \(unescaped: Mine.columns), count(*) OVER () AS total FROM mines
            WHERE (\(licenses) IS NULL OR license = ANY(\(licenses)))
              AND (\(needle) IS NULL OR position(\(needle) IN lower(license || ' ' || name)) > 0)
            ORDER BY license LIMIT \(Int64(pageSize)) OFFSET \(Int64((page - 1) * pageSize))
            """).rows
        let total = try rows.first.map { Int(try $0.decode("total", as: Int64.self)) } ?? 0
        return (try rows.map(Mine.init(row:)), total)
    }

    public static func find(_ license: String, on conn: Connection) throws -> Mine {
        let license = try Identifier.license(license)
        guard let row = try conn.queryFirst(
            "SELECT \(unescaped: Mine.columns) FROM mines WHERE license = \(license)")
        else { throw notFound(license) }
        return try Mine(row: row)
    }

    public static func show(_ license: String, on conn: Connection) throws -> MineDetail {
        let license = try Identifier.license(license)
        let mine = try find(license, on: conn)
        let obligations = try conn.query("""
            SELECT o.id, o.kind, o.reason, o.opened_at, o.opened_by
            FROM mine_obligations o JOIN mines m ON m.id = o.mine_id
            WHERE m.license = \(license) AND o.closed_at IS NULL ORDER BY o.id
            """).rows.map { r in
            Obligation(
                id: try r.decode("id"), kind: try r.decodeEnum("kind"), reason: try r.decode("reason"),
                openedAt: try r.decode("opened_at"), openedBy: try r.decode("opened_by"))
        }
        let history = try conn.query("""
            SELECT h.field, h.old_value, h.new_value, h.changed_at, h.changed_by
            FROM mine_history h JOIN mines m ON m.id = h.mine_id
            WHERE m.license = \(license) ORDER BY h.id
            """).rows.map(MineChange.init(row:))
        return MineDetail(mine: mine, obligations: obligations, history: history)
    }

    /// Applies the given changes in one transaction. Each field that really
    /// changes is recorded in the history (by the database, whoever changes
    /// a mine); a change of method, area, scale
    /// or mineral opens the plan-§6.2 obligations (one open of each kind).
    public static func update(_ license: String, _ update: MineUpdate, by actor: Actor, on conn: Connection) throws
        -> MineUpdateResult
    {
        let license = try Identifier.license(license)
        guard !update.isEmpty else {
            throw ReclaimError.invalid("update", "name at least one field to change")
        }
        let name = try update.name.map { try Text.required($0, field: "name") }
        let holder = try update.holder.map { try Text.required($0, field: "holder") }
        let mineral = try update.mineral.map { try Text.required($0, field: "mineral", maxLength: 100) }
        if let area = update.area, area.squareMetres <= 0 {
            throw ReclaimError.invalid("area_hm2", "must be greater than zero")
        }
        let licensedOn = try update.licensedOn.map(checkLicensedOn)
        return try conn.transactionally { conn in
            guard let row = try conn.queryFirst("""
                SELECT id, \(unescaped: Mine.columns) FROM mines WHERE license = \(license) FOR UPDATE
                """)
            else { throw notFound(license) }
            let id: Int64 = try row.decode("id")
            let old = try Mine(row: row)
            // The detail must fit the method and class the mine will have.
            let detail = update.methodDetail ?? old.methodDetail
            try detail?.check(method: update.method ?? old.method, mineralClass: update.mineralClass ?? old.mineralClass,
                              field: update.methodDetail == nil ? "method" : "method_detail")
            let before: Int64 = try conn.queryFirst("SELECT coalesce(max(id), 0) AS h FROM mine_history WHERE mine_id = \(id)")?
                .decode("h") ?? 0
            guard old.status != .cancelled else {
                throw ReclaimError(.ruleViolation, field: "status", "licence \(license) was cancelled by a merger and is never changed again")
            }
            guard let updatedRow = try DatabaseRefusal.mapping({ try conn.queryFirst("""
                UPDATE mines SET
                    name = coalesce(\(name), name),
                    holder = coalesce(\(holder), holder),
                    mineral = coalesce(\(mineral), mineral),
                    mineral_class = coalesce(\(update.mineralClass?.rawValue), mineral_class),
                    scale = coalesce(\(update.scale?.rawValue), scale),
                    method = coalesce(\(update.method?.rawValue), method),
                    status = coalesce(\(update.status?.rawValue), status),
                    area_m2 = coalesce(\(update.area?.squareMetres), area_m2),
                    land_type = coalesce(\(update.landType?.rawValue), land_type),
                    method_detail = coalesce(\(update.methodDetail?.rawValue), method_detail),
                    licensed_on = coalesce(\(licensedOn), licensed_on),
                    capacity = coalesce(\(update.capacity?.description)::numeric, capacity),
                    updated_at = now(), updated_by = \(actor.name)
                WHERE id = \(id)
                RETURNING \(unescaped: Mine.columns)
                """) })
            else { throw notFound(license) }

            // what really changed is what the database wrote to the history, field by
            // field (mines_guard in sql/functions/mines.sql); nothing, when no value differs
            let changes = try conn.query("""
                SELECT field, old_value, new_value, changed_at, changed_by FROM mine_history
                WHERE mine_id = \(id) AND id > \(before) ORDER BY id
                """).rows.map(MineChange.init(row:))
            guard !changes.isEmpty else { return MineUpdateResult(mine: old, changes: [], obligationsOpened: []) }

            var opened: [ObligationKind] = []
            // a first filling-in of a field never recorded (method_detail of an older
            // record) completes the registry; it changes nothing the plan was made for
            // and another name of the same mineral (coal, 煤炭) is no change of main mineral
            let obliging = changes.filter { c in
                let from = c.oldValue ?? "", to = c.newValue ?? ""
                return obligingFields.contains(c.field) && !from.isEmpty && !(c.field == "mineral" && Minerals.same(from, to))
            }
            var reasons = obliging.map { "\($0.field) changed from \($0.oldValue ?? "") to \($0.newValue ?? "")" }
            // a real change of scale: the capacity crossing a national class (国土资发〔2004〕208号), whatever the label
            if let c = changes.first(where: { $0.field == "capacity" }), let from = c.oldValue, !from.isEmpty, let to = c.newValue,
               let classes = try conn.queryFirst("""
                   SELECT capacity_class(m.mineral, m.output_unit, \(from)::numeric) AS before,
                          capacity_class(m.mineral, m.output_unit, \(to)::numeric) AS after, m.output_unit
                   FROM mines m WHERE m.id = \(id)
                   """),
               let before = try classes.decode("before", as: String?.self), let after = try classes.decode("after", as: String?.self),
               before != after {
                let unit: String = try classes.decode("output_unit")
                reasons.append("capacity class changed from \(before) to \(after) (\(from) → \(to) 万\(unit == "m3" ? "m³" : "t")/a)")
            }
            if !reasons.isEmpty {
                let reason = reasons.joined(separator: "; ")
                for kind in ObligationKind.allCases {
                    let inserted = try conn.execute("""
                        INSERT INTO mine_obligations (mine_id, kind, reason, opened_by)
                        VALUES (\(id), \(kind.rawValue), \(reason), \(actor.name))
                        ON CONFLICT (mine_id, kind) WHERE closed_at IS NULL DO NOTHING
                        """)
                    if inserted > 0 { opened.append(kind) }
                }
            }
            let input = changes.map { "\($0.field)=\($0.newValue ?? "")" }.joined(separator: "\n")
            try AuditLog.record(action: "mine.update", target: "mine:\(license)", input: input, by: actor, on: conn)
            return MineUpdateResult(mine: try Mine(row: updatedRow), changes: changes, obligationsOpened: opened)
        }
    }

    /// The day a right has been held since: not before mining rights were
    /// licensed (the Mineral Resources Law of 1986), not after today.
    static func checkLicensedOn(_ day: CalendarDate) throws -> CalendarDate {
        guard day.year >= 1986, day <= Bureau.today else {
            throw ReclaimError.invalid("licensed_on", "\(day) is not a day a mining right could have been held since (1986-01-01 to today)")
        }
        return day
    }

    static func notFound(_ license: String, field: String = "license") -> ReclaimError {
        ReclaimError(.notFound, field: field, "no mine with licence \(license)")
    }
}

extension MineChange {
    init(row: Row) throws {
        field = try row.decode("field")
        oldValue = try row.decode("old_value")
        newValue = try row.decode("new_value")
        changedAt = try row.decode("changed_at")
        changedBy = try row.decode("changed_by")
    }
}

extension NewMine {
    /// The canonical input text whose digest the audit record keeps.
    var auditText: String {
        [license, name, holder, mineral, mineralClass.rawValue, scale.rawValue, method.rawValue,
         status.rawValue, String(area.squareMetres), landType.rawValue, regionCode, methodDetail?.rawValue ?? "",
         licensedOn?.description ?? ""]
            .joined(separator: "\n")
    }
}
