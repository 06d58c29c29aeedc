public import Foundation
public import PQKit

/// A licence's mining area (矿区范围) as one version of its boundary: the
/// polygon in CGCS2000 longitude/latitude, its area on the ellipsoid, and
/// the licensed area the registry had when it was set. The latest version
/// is in force; the earlier ones are its history.
public struct MineBoundary: Sendable, Equatable, Codable {
    public var license: String
    public var version: Int64
    /// How it came: `geojson`, or `turning-points` from the licence's table.
    public var source: String
    /// EPSG:4490 for GeoJSON, the Gauss–Krüger zone's code for turning points.
    public var sourceSRID: Int32
    public var area: Area
    public var licensedArea: Area
    /// (measured − licensed) / licensed, in per cent with two decimals.
    public var differencePercent: String?
    /// Set when the measured area differs from the licensed by more than 1 %.
    public var warning: String?
    public var geometry: JSONValue
    public var recordedBy: String
    public var recordedAt: Date

    enum CodingKeys: String, CodingKey {
        case license, version, source
        case sourceSRID = "source_srid"
        case area = "area_hm2"
        case licensedArea = "licensed_area_hm2"
        case differencePercent = "difference_percent"
        case warning, geometry
        case recordedBy = "recorded_by"
        case recordedAt = "recorded_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(license, forKey: .license)
        try c.encode(version, forKey: .version)
        try c.encode(source, forKey: .source)
        try c.encode(sourceSRID, forKey: .sourceSRID)
        try c.encode(area.hectares, forKey: .area)
        try c.encode(licensedArea.hectares, forKey: .licensedArea)
        try c.encode(differencePercent, forKey: .differencePercent)
        try c.encode(warning, forKey: .warning)
        try c.encode(geometry, forKey: .geometry)
        try c.encode(recordedBy, forKey: .recordedBy)
        try c.encode(recordedAt, forKey: .recordedAt)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        license = try c.decode(String.self, forKey: .license)
        version = try c.decode(Int64.self, forKey: .version)
        source = try c.decode(String.self, forKey: .source)
        sourceSRID = try c.decode(Int32.self, forKey: .sourceSRID)
        area = try Area.parseHectares(try c.decode(String.self, forKey: .area))
        licensedArea = try Area.parseHectares(try c.decode(String.self, forKey: .licensedArea))
        differencePercent = try c.decodeIfPresent(String.self, forKey: .differencePercent)
        warning = try c.decodeIfPresent(String.self, forKey: .warning)
        geometry = try c.decode(JSONValue.self, forKey: .geometry)
        recordedBy = try c.decode(String.self, forKey: .recordedBy)
        recordedAt = try c.decode(Date.self, forKey: .recordedAt)
    }

    init(license: String, version: Int64, source: String, sourceSRID: Int32, area: Area, licensedArea: Area,
         geometry: JSONValue, recordedBy: String, recordedAt: Date) {
        (self.license, self.version, self.source, self.sourceSRID) = (license, version, source, sourceSRID)
        (self.area, self.licensedArea, self.geometry) = (area, licensedArea, geometry)
        (self.recordedBy, self.recordedAt) = (recordedBy, recordedAt)
        let (percent, over) = BoundaryRules.difference(measured: area, licensed: licensedArea)
        differencePercent = percent
        warning = over ? "the boundary's area (\(area.hectares) hm²) differs from the licensed area "
            + "(\(licensedArea.hectares) hm²) by \(percent ?? "?") %, more than 1 %" : nil
    }
}

/// The rules a boundary is held to that are about numbers, not shapes (the
/// shapes are PostGIS's, in sql/functions/spatial.sql).
public enum BoundaryRules {
    /// The measured area's difference from the licensed one, in per cent
    /// with two decimals (rounded half away from zero), and whether it is
    /// more than 1 %: exact integer arithmetic on square metres.
    public static func difference(measured: Area, licensed: Area) -> (percent: String?, overOnePercent: Bool) {
        let l = licensed.squareMetres
        guard l > 0 else { return (nil, measured.squareMetres > 0) }
        let d = measured.squareMetres - l
        let basisPoints = (abs(d) * 10_000 * 2 + l) / (2 * l)  // |d| / l in 0.01 %, rounded
        let fraction = basisPoints % 100
        let text = (d < 0 && basisPoints > 0 ? "-" : "") + "\(basisPoints / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
        return (text, abs(d) * 100 > l)
    }
}

/// A boundary as it comes from a file: GeoJSON, or a licence's turning-point
/// table (拐点坐标表) in a CGCS2000 3-degree Gauss–Krüger zone.
public enum BoundaryInput: Sendable, Equatable {
    /// A GeoJSON geometry object's text (from a geometry, a Feature, or a
    /// FeatureCollection of one Feature).
    case geoJSON(String)
    /// Well-known text in the zone's projected coordinates, and the zone's EPSG code.
    case turningPoints(wkt: String, srid: Int32)

    /// Reads a file's text: JSON if it starts with `{`, else a turning-point table.
    public static func parse(_ text: String, field: String = "boundary") throws -> BoundaryInput {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "\u{FEFF}")))
        if trimmed.hasPrefix("{") { return .geoJSON(try geometry(json: trimmed, field: field)) }
        return try turningPoints(trimmed, field: field)
    }

    /// The geometry object of a GeoJSON text, re-serialised.
    public static func geometry(json text: String, field: String) throws -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw ReclaimError.invalid(field, "is not a JSON object")
        }
        var geometry = object
        switch object["type"] as? String {
        case "FeatureCollection":
            guard let features = object["features"] as? [[String: Any]], features.count == 1,
                  let g = features[0]["geometry"] as? [String: Any]
            else { throw ReclaimError(.ruleViolation, field: field, "a FeatureCollection here holds exactly one Feature with a geometry") }
            geometry = g
        case "Feature":
            guard let g = object["geometry"] as? [String: Any] else {
                throw ReclaimError(.ruleViolation, field: field, "the Feature has no geometry")
            }
            geometry = g
        default: break
        }
        if let crs = object["crs"], geometry["crs"] == nil { geometry["crs"] = crs }
        let data = try JSONSerialization.data(withJSONObject: geometry, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// A licence's table: one point a line, `number, X, Y` (commas, tabs or
    /// spaces between), X the northing in metres, Y the easting with its
    /// 3-degree zone number in front (37412300.00 is zone 37, 412300.00 m).
    /// Comment lines start with `#`; a first line of headings is skipped.
    /// The ring is closed here when the table does not repeat its first
    /// point, as licences do not; every number is carried as written. A
    /// table that cannot be read is refused by the rule (422), as a shape is.
    static func turningPoints(_ text: String, field: String) throws -> BoundaryInput {
        let separators = CharacterSet(charactersIn: ",，\t ")
        var points: [(x: String, y: String)] = []
        var zone: Int?
        for (n, raw) in text.split(whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cells = line.components(separatedBy: separators).filter { !$0.isEmpty }
            if points.isEmpty, cells.contains(where: { $0.contains(where: { !"0123456789.-+".contains($0) }) }) {
                continue  // the table's headings (点号 X Y)
            }
            guard cells.count == 3, cells[0].allSatisfy(\.isNumber) else {
                throw ReclaimError(.ruleViolation, field: field, "line \(n + 1): a turning point is `number, X, Y`")
            }
            let (x, y) = (cells[1], cells[2])
            guard x.wholeMatch(of: /[0-9]{6,7}(\.[0-9]{1,4})?/) != nil else {
                throw ReclaimError(.ruleViolation, field: field, "line \(n + 1): X '\(x)' is not a northing in metres like 4432100.00")
            }
            guard y.wholeMatch(of: /[0-9]{8}(\.[0-9]{1,4})?/) != nil, let z = Int(y.prefix(2)) else {
                throw ReclaimError(.ruleViolation, field: field, "line \(n + 1): Y '\(y)' is not a zone-prefixed easting like 37412300.00")
            }
            guard (25...45).contains(z) else {
                throw ReclaimError(.ruleViolation, field: field, "line \(n + 1): zone \(z) is no 3-degree Gauss–Krüger zone of China (25–45)")
            }
            if let zone, zone != z {
                throw ReclaimError(.ruleViolation, field: field, "line \(n + 1): every point is in one zone (\(zone)), not \(z)")
            }
            zone = z
            points.append((x, y))
        }
        guard let zone, points.count >= 3 else {
            throw ReclaimError(.ruleViolation, field: field, "a mining area has three or more turning points")
        }
        if points.first.map({ $0.x != points[points.count - 1].x || $0.y != points[points.count - 1].y }) ?? false {
            points.append(points[0])
        }
        let ring = points.map { "\($0.y) \($0.x)" }.joined(separator: ", ")
        return .turningPoints(wkt: "POLYGON((\(ring)))", srid: Int32(4513 + zone - 25))
    }
}

public enum MineBoundaries {
    /// A new version of `license`'s boundary (administrator), checked in
    /// the database: one transaction, audited.
    public static func set(_ license: String, _ input: BoundaryInput, by actor: Actor, on conn: Connection) throws -> MineBoundary {
        let license = try Identifier.license(license)
        let (geojson, wkt, srid): (String?, String?, Int32?) = switch input {
        case .geoJSON(let g): (g, nil, nil)
        case .turningPoints(let w, let s): (nil, w, s)
        }
        return try conn.transactionally { conn in
            guard let row = try DatabaseRefusal.mapping({
                try conn.queryFirst("""
                    SELECT (mine_boundary_set(\(license), \(geojson), \(wkt), \(srid), \(actor.name), \(actor.role),
                                              \(actor.requestID))).id AS id
                    """)
            }) else { throw ReclaimError(.internal, "the boundary was not stored") }
            let id: Int64 = try row.decode("id")
            guard let set = try history(license, version: id, on: conn).first else {
                throw ReclaimError(.internal, "the boundary was not stored")
            }
            return set
        }
    }

    /// A licence's boundaries, newest first (the first is in force).
    public static func history(_ license: String, version: Int64? = nil, on conn: Connection) throws -> [MineBoundary] {
        let license = try Identifier.license(license)
        guard try conn.queryFirst("SELECT 1 AS one FROM mines WHERE license = \(license)") != nil else {
            throw MineRegistry.notFound(license)
        }
        return try conn.query("""
            SELECT m.license, b.id, b.source, b.source_srid, b.area_m2, b.licensed_area_m2,
                   ST_AsGeoJSON(b.boundary, 8, 0) AS geometry, b.recorded_by, b.recorded_at
            FROM mine_boundaries b JOIN mines m ON m.id = b.mine_id
            WHERE m.license = \(license) AND (\(version)::bigint IS NULL OR b.id = \(version))
            ORDER BY b.id DESC
            """).rows.map(boundary)
    }

    static func boundary(_ r: Row) throws -> MineBoundary {
        let text: String = try r.decode("geometry")
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else {
            throw ReclaimError(.internal, "a stored boundary is not GeoJSON")
        }
        return MineBoundary(license: try r.decode("license"), version: try r.decode("id"), source: try r.decode("source"),
                            sourceSRID: try r.decode("source_srid"),
                            area: Area(squareMetres: try r.decode("area_m2")),
                            licensedArea: Area(squareMetres: try r.decode("licensed_area_m2")),
                            geometry: JSONValue(object), recordedBy: try r.decode("recorded_by"),
                            recordedAt: try r.decode("recorded_at"))
    }
}

/// The banner's outline (旗界): the approximate one shipped with Reclaim,
/// until the bureau loads its official one.
public struct BannerOutline: Sendable, Equatable, Codable {
    public var version: Int64
    public var label: String
    public var official: Bool
    public var area: String
    public var loadedBy: String
    public var loadedAt: Date
    /// Mines whose boundary in force is not inside this outline (a reload can leave some out).
    public var minesOutside: [String]

    enum CodingKeys: String, CodingKey {
        case version, label, official
        case area = "area_km2"
        case loadedBy = "loaded_by"
        case loadedAt = "loaded_at"
        case minesOutside = "mines_outside"
    }

    /// Replaces the outline with the bureau's (administrator): a GeoJSON polygon.
    public static func load(_ text: String, label: String, by actor: Actor, on conn: Connection) throws -> BannerOutline {
        let label = try Text.required(label, field: "label", maxLength: 200)
        let geometry = try BoundaryInput.geometry(json: text, field: "outline")
        return try conn.transactionally { conn in
            _ = try DatabaseRefusal.mapping {
                try conn.queryFirst("""
                    SELECT (banner_outline_load(\(geometry), \(label), \(actor.name), \(actor.role), \(actor.requestID))).id AS id
                    """)
            }
            return try current(on: conn)
        }
    }

    /// The outline in force.
    public static func current(on conn: Connection) throws -> BannerOutline {
        guard let r = try conn.queryFirst("""
            WITH o AS (SELECT * FROM banner_outlines ORDER BY id DESC LIMIT 1)
            SELECT o.id, o.label, o.official, round((ST_Area(o.outline::geography) / 1e6)::numeric, 1)::text AS area,
                   o.loaded_by, o.loaded_at,
                   coalesce((SELECT array_agg(m.license ORDER BY m.license)
                             FROM mines m JOIN LATERAL (SELECT b.boundary FROM mine_boundaries b WHERE b.mine_id = m.id
                                                        ORDER BY b.id DESC LIMIT 1) b ON true
                             WHERE m.status <> 'cancelled' AND NOT ST_CoveredBy(b.boundary, o.outline)), '{}') AS outside
            FROM o
            """) else { throw ReclaimError(.notFound, field: "outline", "no outline is loaded") }
        return BannerOutline(version: try r.decode("id"), label: try r.decode("label"), official: try r.decode("official"),
                             area: try r.decode("area"), loadedBy: try r.decode("loaded_by"), loadedAt: try r.decode("loaded_at"),
                             minesOutside: try r.decode("outside"))
    }
}
