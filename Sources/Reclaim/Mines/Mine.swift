public import Foundation
import PQKit

/// Base-rate class of the accrual table (基金计提 base rate, 元/t).
public enum MineralClass: String, Sendable, CaseIterable, Codable {
    /// 固体能源 (coal ...), 5.5 元/t
    case solidEnergy = "solid-energy"
    /// 金属, 1.0 元/t
    case metal
    /// 建材非金属, 3.0 元/t
    case buildingNonmetal = "building-nonmetal"
    /// 其他非金属, 2.0 元/t
    case otherNonmetal = "other-nonmetal"
    /// 非固体能源、矿泉水、地热, 2.5 元/t
    case nonSolidEnergy = "non-solid-energy"
}

/// 规模: 大型 / 中型 / 小型 / 小矿
public enum MineScale: String, Sendable, CaseIterable, Codable {
    case large, medium, small, micro
}

/// 开采方式: 露天 / 井工
public enum MiningMethod: String, Sendable, CaseIterable, Codable {
    case openPit = "open-pit"
    case underground
}

/// How a mine is worked, in the detail the accrual's method table needs
/// (Ordos 2025 annex). Each fits one method and some mineral classes only.
public enum MethodDetail: String, Sendable, CaseIterable, Codable {
    /// 露天, 固体能源: 自上而下水平分层开采
    case openPitLayered = "open-pit-layered"
    /// 露天, 固体能源: 其他
    case openPitOther = "open-pit-other"
    /// 露天, 金属/非金属: 采深或采高 ≤ 30 m
    case pitDepth30mOrLess = "pit-depth-30m-or-less"
    /// 露天, 金属/非金属: 采深或采高 > 30 m
    case pitDepthOver30m = "pit-depth-over-30m"
    /// 井工: 充填开采
    case undergroundBackfill = "underground-backfill"
    /// 井工: 不允许地表沉陷
    case undergroundNoSubsidence = "underground-no-subsidence"
    /// 井工: 允许地表沉陷
    case undergroundSubsidence = "underground-subsidence"
    /// 非固体能源、矿泉水、地热
    case nonSolid = "non-solid"

    public var method: MiningMethod {
        switch self {
        case .openPitLayered, .openPitOther, .pitDepth30mOrLess, .pitDepthOver30m: return .openPit
        case .undergroundBackfill, .undergroundNoSubsidence, .undergroundSubsidence, .nonSolid: return .underground
        }
    }

    public var mineralClasses: [MineralClass] {
        switch self {
        case .openPitLayered, .openPitOther: return [.solidEnergy]
        case .pitDepth30mOrLess, .pitDepthOver30m: return [.metal, .buildingNonmetal, .otherNonmetal]
        case .undergroundBackfill, .undergroundNoSubsidence, .undergroundSubsidence:
            return [.solidEnergy, .metal, .buildingNonmetal, .otherNonmetal]
        case .nonSolid: return [.nonSolidEnergy]
        }
    }

    /// Refuses a detail that does not fit the method and mineral class,
    /// naming both (the database's mines_method_detail_fits says the same).
    public func check(method: MiningMethod, mineralClass: MineralClass, field: String = "method_detail") throws {
        guard method == self.method, mineralClasses.contains(mineralClass) else {
            // each value is valid on its own; the combination is refused by a rule (HTTP 422)
            throw ReclaimError(
                .ruleViolation, field: field, "\(rawValue) does not fit method \(method.rawValue) with class \(mineralClass.rawValue) (it is for \(self.method.rawValue) mines of class \(mineralClasses.map(\.rawValue).joined(separator: ", ")))")
        }
    }
}

/// 生产 / 在建 / 停产 / 闭坑 / 注销
public enum MineStatus: String, Sendable, CaseIterable, Codable {
    case producing
    case underConstruction = "under-construction"
    case suspended
    case closed
    /// 注销: the licence was merged into another (整合重组, `mine merge`); never set by an edit.
    case cancelled

    /// A status an administrator may give a mine: any but `cancelled`, which only a merger gives.
    public static func parseSettable(_ text: String) throws -> MineStatus {
        let status = try parse(text)
        guard status != .cancelled else {
            throw ReclaimError(.invalidInput, "a licence is cancelled by its merger (mine merge), not by an edit")
        }
        return status
    }
}

/// Dominant land type, which sets the reclamation-difficulty coefficient.
public enum LandType: String, Sendable, CaseIterable, Codable {
    /// 耕地 1.4
    case cropland
    /// 林地 1.2
    case forest
    /// 草地 1.0
    case grassland
    /// 其他 0.8
    case other
}

/// A mine (矿山), identified by its mining licence number (采矿许可证号).
public struct Mine: Sendable, Equatable, Codable {
    public var license: String
    public var name: String
    /// 采矿权人
    public var holder: String
    /// 矿种
    public var mineral: String
    public var mineralClass: MineralClass
    public var scale: MineScale
    public var method: MiningMethod
    public var status: MineStatus
    public var area: Area
    public var landType: LandType
    /// Administrative division code; Dalad Banner is 150621.
    public var regionCode: String
    /// Nil until set; an accrual assessment needs it.
    @Nullable public var methodDetail: MethodDetail?
    /// The day the mining right has been held since (采矿权登记日期): the
    /// registry rebuilt as of a date counts the mine from then.
    public var licensedOn: CalendarDate
    /// `t` or `m3`: the licence's unit for output and capacity, from the mineral (the database sets it).
    public var outputUnit: String
    /// 生产规模 in 万 `outputUnit` a year; nil until recorded.
    @Nullable public var capacity: Capacity?
    public var createdAt: Date
    public var createdBy: String
    public var updatedAt: Date
    public var updatedBy: String

    enum CodingKeys: String, CodingKey {
        case license, name, holder, mineral
        case mineralClass = "mineral_class"
        case scale, method, status
        case area = "area_hm2"
        case landType = "land_type"
        case regionCode = "region_code"
        case methodDetail = "method_detail"
        case licensedOn = "licensed_on"
        case outputUnit = "output_unit"
        case capacity
        case createdAt = "created_at"
        case createdBy = "created_by"
        case updatedAt = "updated_at"
        case updatedBy = "updated_by"
    }

    /// Every key always present (`method_detail` as null until set).

    static let columns = """
        license, name, holder, mineral, mineral_class, scale, method, status, area_m2, land_type,
        region_code, method_detail, licensed_on, output_unit, capacity::text AS capacity, created_at, created_by,
        updated_at, updated_by
        """

    init(row: Row) throws {
        license = try row.decode("license")
        name = try row.decode("name")
        holder = try row.decode("holder")
        mineral = try row.decode("mineral")
        mineralClass = try row.decodeEnum("mineral_class")
        scale = try row.decodeEnum("scale")
        method = try row.decodeEnum("method")
        status = try row.decodeEnum("status")
        area = Area(squareMetres: try row.decode("area_m2"))
        landType = try row.decodeEnum("land_type")
        regionCode = try row.decode("region_code")
        methodDetail = try row.decode("method_detail", as: String?.self).flatMap(MethodDetail.init(rawValue:))
        licensedOn = try row.decode("licensed_on")
        outputUnit = try row.decode("output_unit")
        capacity = try row.decode("capacity", as: String?.self).flatMap(Capacity.init(decimalText:))
        createdAt = try row.decode("created_at")
        createdBy = try row.decode("created_by")
        updatedAt = try row.decode("updated_at")
        updatedBy = try row.decode("updated_by")
    }
}

/// One recorded change of one field of a mine.
public struct MineChange: Sendable, Equatable, Codable {
    public var field: String
    public var oldValue: String?
    public var newValue: String?
    public var changedAt: Date
    public var changedBy: String

    enum CodingKeys: String, CodingKey {
        case field
        case oldValue = "old_value"
        case newValue = "new_value"
        case changedAt = "changed_at"
        case changedBy = "changed_by"
    }
}

/// What a change of method, area, scale or mineral leaves the holder to do (plan §6.2).
public enum ObligationKind: String, Sendable, CaseIterable, Codable {
    /// 重新编制矿山地质环境保护与土地复垦方案
    case recompilePlan = "recompile-plan"
    /// 重新签订治理责任书
    case resignResponsibilityLetter = "resign-responsibility-letter"
    /// 重新核定基金
    case reassessFund = "reassess-fund"
}

public struct Obligation: Sendable, Equatable, Codable {
    public var id: Int64
    public var kind: ObligationKind
    public var reason: String
    public var openedAt: Date
    public var openedBy: String

    enum CodingKeys: String, CodingKey {
        case id, kind, reason
        case openedAt = "opened_at"
        case openedBy = "opened_by"
    }
}

/// A mine with its open obligations and its change history (`mine show`).
public struct MineDetail: Sendable, Codable {
    public var mine: Mine
    public var obligations: [Obligation]
    public var history: [MineChange]

    public func encode(to encoder: any Encoder) throws {
        try mine.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(obligations, forKey: .obligations)
        try c.encode(history, forKey: .history)
    }

    enum Keys: String, CodingKey { case obligations = "open_obligations", history }

    public init(from decoder: any Decoder) throws {
        mine = try Mine(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        obligations = try c.decode([Obligation].self, forKey: .obligations)
        history = try c.decode([MineChange].self, forKey: .history)
    }

    init(mine: Mine, obligations: [Obligation], history: [MineChange]) {
        self.mine = mine
        self.obligations = obligations
        self.history = history
    }
}
