public import Foundation
public import PQKit

extension MineRegistry {
    /// The registry's changes as commands, each with its policy (`MinePolicy`).
    public enum Commands {
        public static func add(_ new: NewMine) -> Command<Mine> {
            Command(MinePolicy.manage) { actor, conn in try MineRegistry.add(new, by: actor, on: conn) }
        }

        public static func update(_ license: String, _ change: MineUpdate) -> Command<MineUpdateResult> {
            Command(MinePolicy.manage) { actor, conn in try MineRegistry.update(license, change, by: actor, on: conn) }
        }

        /// A merger (整合重组) of the `from` licences' rights into `into`'s.
        public static func merge(from: [String], into: String, approvedOn: CalendarDate, document: String) -> Command<Merger> {
            Command(MinePolicy.manage) { actor, conn in
                try Mergers.record(from: from, into: into, approvedOn: approvedOn, document: document, by: actor, on: conn)
            }
        }
    }
}

/// The registry's request bodies, as the API takes them and `HTTPBackend` sends them.
extension MineRegistry {
    /// A mine registered (admin): POST /mines.
    public struct AddRequest: APIRequest {
        public var license: String
        public var name: String
        public var holder: String
        public var mineral: String
        public var mineralClass: String
        public var scale: String
        public var method: String
        public var status: String
        public var areaHm2: String
        public var landType: String
        public var regionCode: String?
        public var methodDetail: String?
        public var licensedOn: String?
        public var capacity: String?

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case license, name, holder, mineral, mineralClass = "mineral_class", scale, method, status
            case areaHm2 = "area_hm2", landType = "land_type", regionCode = "region_code"
            case methodDetail = "method_detail", licensedOn = "licensed_on", capacity
        }
        public static var nullable: Set<String> { ["region_code", "method_detail", "licensed_on", "capacity"] }

        public init(_ m: NewMine) {
            (license, name, holder, mineral) = (m.license, m.name, m.holder, m.mineral)
            (mineralClass, scale, method, status) = (m.mineralClass.rawValue, m.scale.rawValue, m.method.rawValue, m.status.rawValue)
            (areaHm2, landType, regionCode) = (m.area.hectares, m.landType.rawValue, m.regionCode)
            (methodDetail, licensedOn, capacity) = (m.methodDetail?.rawValue, m.licensedOn?.description, m.capacity?.description)
        }

        /// The mine it describes, every malformed field named at once.
        public func mine() throws -> NewMine {
            var check = FieldCheck()
            let mineralClass = check.parse("mineral_class", mineralClass, MineralClass.parse)
            let scale = check.parse("scale", scale, MineScale.parse)
            let method = check.parse("method", method, MiningMethod.parse)
            let status = check.parse("status", status, MineStatus.parseSettable)
            let area = check.parse("area_hm2", areaHm2) { try Area.parseHectares($0) }
            let landType = check.parse("land_type", landType, LandType.parse)
            let detail = check.parse("method_detail", methodDetail, MethodDetail.parse)
            let since = check.parse("licensed_on", licensedOn) { try FundLedger.parseDate($0, field: "licensed_on") }
            let capacity = check.parse("capacity", capacity) { try Capacity.parse($0) }
            try check.finish()
            guard let mineralClass, let scale, let method, let status, let area, let landType else {
                throw ReclaimError(.invalidInput, "the mine's fields are incomplete")
            }
            return NewMine(license: license, name: name, holder: holder, mineral: mineral, mineralClass: mineralClass,
                           scale: scale, method: method, status: status, area: area, landType: landType,
                           regionCode: regionCode ?? MineRegistry.defaultRegion, methodDetail: detail, licensedOn: since,
                           capacity: capacity)
        }
    }

    /// A correction of a mine's record (admin): PATCH /mines/{license}. Only
    /// the fields given change; the licence and region do not.
    public struct UpdateRequest: APIRequest {
        public var name: String?
        public var holder: String?
        public var mineral: String?
        public var mineralClass: String?
        public var scale: String?
        public var method: String?
        public var status: String?
        public var areaHm2: String?
        public var landType: String?
        public var methodDetail: String?
        public var licensedOn: String?
        public var capacity: String?

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case name, holder, mineral, mineralClass = "mineral_class", scale, method, status
            case areaHm2 = "area_hm2", landType = "land_type", methodDetail = "method_detail", licensedOn = "licensed_on"
            case capacity
        }

        public init(_ c: MineUpdate) {
            (name, holder, mineral) = (c.name, c.holder, c.mineral)
            (mineralClass, scale, method, status) = (c.mineralClass?.rawValue, c.scale?.rawValue, c.method?.rawValue, c.status?.rawValue)
            (areaHm2, landType, methodDetail) = (c.area?.hectares, c.landType?.rawValue, c.methodDetail?.rawValue)
            licensedOn = c.licensedOn?.description
            capacity = c.capacity?.description
        }

        public func change() throws -> MineUpdate {
            var check = FieldCheck()
            let change = MineUpdate(
                name: name, holder: holder, mineral: mineral,
                mineralClass: check.parse("mineral_class", mineralClass, MineralClass.parse),
                scale: check.parse("scale", scale, MineScale.parse),
                method: check.parse("method", method, MiningMethod.parse),
                status: check.parse("status", status, MineStatus.parseSettable),
                area: check.parse("area_hm2", areaHm2) { try Area.parseHectares($0) },
                landType: check.parse("land_type", landType, LandType.parse),
                methodDetail: check.parse("method_detail", methodDetail, MethodDetail.parse),
                licensedOn: check.parse("licensed_on", licensedOn) { try FundLedger.parseDate($0, field: "licensed_on") },
                capacity: check.parse("capacity", capacity) { try Capacity.parse($0) })
            try check.finish()
            return change
        }
    }
}

extension Mergers {
    /// A merger (整合重组) recorded (admin): POST /mergers.
    public struct RecordRequest: APIRequest {
        public var fromLicenses: [String]
        public var intoLicense: String
        public var approvedOn: String
        public var document: String

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case fromLicenses = "from_licenses", intoLicense = "into_license", approvedOn = "approved_on", document
        }

        public init(from: [String], into: String, approvedOn: CalendarDate, document: String) {
            (fromLicenses, intoLicense, self.approvedOn, self.document) = (from, into, approvedOn.description, document)
        }

        public func approvalDate() throws -> CalendarDate { try FundLedger.parseDate(approvedOn, field: "approved_on") }
    }
}
