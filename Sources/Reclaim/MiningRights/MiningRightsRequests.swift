public import Foundation
public import PQKit

/// Who may change mining-right data: the bureau's administrators; whoever
/// may read a mine reads its boundaries.
public enum MiningRightsPolicy {
    public static let manage = Policy.roles("manage mining-right data", .admin)
}

extension MineBoundaries {
    public enum Commands {
        /// A new version of a licence's boundary (administrator).
        public static func set(_ license: String, _ input: BoundaryInput) -> Command<MineBoundary> {
            Command(MiningRightsPolicy.manage) { actor, conn in try MineBoundaries.set(license, input, by: actor, on: conn) }
        }

        /// The banner's outline replaced by the bureau's (administrator).
        public static func loadOutline(_ geoJSON: String, label: String) -> Command<BannerOutline> {
            Command(MiningRightsPolicy.manage) { actor, conn in try BannerOutline.load(geoJSON, label: label, by: actor, on: conn) }
        }
    }

    /// POST /mines/{license}/boundaries: a GeoJSON geometry, or the
    /// licence's turning-point table as its text; one of the two.
    public struct SetRequest: APIRequest {
        public var geometry: JSONValue?
        public var turningPoints: String?

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case geometry, turningPoints = "turning_points"
        }
        public static var nullable: Set<String> { ["geometry", "turning_points"] }

        public init(_ input: BoundaryInput) {
            switch input {
            case .geoJSON(let text):
                geometry = (try? JSONSerialization.jsonObject(with: Data(text.utf8))).map(JSONValue.init)
            case .turningPoints(let wkt, let srid):
                turningPoints = BoundaryInput.table(wkt: wkt, srid: srid)
            }
        }

        public func input() throws -> BoundaryInput {
            switch (geometry, turningPoints) {
            case (.some(let g), nil) where g != .null:
                guard let text = g.canonicalText else { throw ReclaimError.invalid("geometry", "is not JSON") }
                return try BoundaryInput.parse(text, field: "geometry")
            case (nil, .some(let table)), (.some(.null), .some(let table)):
                return try BoundaryInput.turningPoints(table, field: "turning_points")
            default:
                throw ReclaimError(.ruleViolation, field: "geometry", "give the boundary as geometry or as turning_points, one of the two")
            }
        }
    }
}

extension BoundaryInput {
    /// A turning-point table's text again, from its WKT (for sending it on).
    static func table(wkt: String, srid: Int32) -> String {
        let inner = wkt.dropFirst("POLYGON((".count).dropLast(2)
        return inner.split(separator: ",").enumerated().map { i, p in
            let xy = p.split(separator: " ")
            return "\(i + 1),\(xy.count == 2 ? xy[1] : ""),\(xy.first ?? "")"
        }.joined(separator: "\n") + "\n"
    }
}

extension BannerOutline {
    /// POST /map/outline: the bureau's official outline.
    public struct LoadRequest: APIRequest {
        public var label: String
        public var geometry: JSONValue

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case label, geometry
        }

        public init(label: String, geoJSON: String) {
            self.label = label
            geometry = (try? JSONSerialization.jsonObject(with: Data(geoJSON.utf8))).map(JSONValue.init) ?? .null
        }

        public func geoJSON() throws -> String {
            guard geometry != .null, let text = geometry.canonicalText else {
                throw ReclaimError.invalid("geometry", "must be a GeoJSON Polygon or MultiPolygon")
            }
            return text
        }
    }
}
