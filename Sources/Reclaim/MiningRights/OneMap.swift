public import Foundation
public import PQKit

/// "One map" (一张图, master plan ch. 7 §5): the banner's outline, the mines'
/// boundaries in force, legacy sites and the polygons of annual works, as
/// the dashboard draws them and the region's database takes them. Shapes are
/// PostGIS's: GeoJSON in CGCS2000 longitude/latitude for export, SVG paths
/// in the 3-degree Gauss–Krüger projection (CM 111°E, EPSG:4546) for
/// drawing, so that the map keeps its shape without arithmetic of ours.
public struct MapLayers: Sendable {
    public struct Feature: Sendable {
        /// `outline`, `mine`, `legacy-site` or `annual-works`.
        public var layer: String
        public var properties: [(String, JSONValue)]
        /// GeoJSON geometry text as PostGIS wrote it (carried, not re-parsed).
        public var geometry: String
        /// The SVG path data in metres (y downwards), for drawing.
        public var path: String
    }

    public var outline: Feature?
    public var mines: [Feature]
    public var legacySites: [Feature]
    public var works: [Feature]
    /// The drawing's extent in the SVG's coordinates: x, y, width, height.
    public var viewBox: (Int64, Int64, Int64, Int64)

    public var all: [Feature] { (outline.map { [$0] } ?? []) + mines + legacySites + works }
}

public struct MapFilter: Sendable, Equatable {
    public var status: MineStatus?
    public var mineralClass: MineralClass?
    /// The annual works' year (default: this year).
    public var year: Int?

    public init(status: MineStatus? = nil, mineralClass: MineralClass? = nil, year: Int? = nil) {
        (self.status, self.mineralClass, self.year) = (status, mineralClass, year)
    }
}

public enum OneMap {
    /// What a map shows: a reader may see every mine; an operator their own
    /// (and then neither legacy sites, which are the banner's, nor others' works).
    public static let read = Policy("read the map") { _ in true }

    /// The layers, `only` restricting mines and works to those licences.
    public static func layers(_ filter: MapFilter = MapFilter(), only: [String]? = nil, on conn: Connection) throws -> MapLayers {
        let year = filter.year ?? Bureau.today.year
        try Years.check(year)
        return try Reports.snapshot(on: conn) { conn in
            let balances = Dictionary(try FundLedger.balances(only: only, on: conn).map { ($0.license, $0.balance) },
                                      uniquingKeysWith: { a, _ in a })
            let rates = Dictionary(try Reports.restoration(year: year, only: only, on: conn).mines
                .map { ($0.license, $0.reclamationRatePercent) }, uniquingKeysWith: { a, _ in a })
            let status = filter.status?.rawValue
            let mineralClass = filter.mineralClass?.rawValue
            let rows = try conn.query("""
                WITH o AS (SELECT * FROM banner_outlines ORDER BY id DESC LIMIT 1),
                box AS (SELECT ST_Transform(o.outline, 4546) AS g FROM o),
                current AS (
                    SELECT DISTINCT ON (b.mine_id) b.mine_id, b.boundary FROM mine_boundaries b ORDER BY b.mine_id, b.id DESC
                )
                SELECT 'outline' AS layer, o.id::text AS key, o.label AS name, NULL AS holder, NULL AS mineral,
                       NULL AS mineral_class, o.official::text AS status, NULL::bigint AS area_m2, NULL::integer AS year,
                       ST_AsGeoJSON(o.outline, 6, 0) AS geojson, ST_AsSVG(ST_Transform(o.outline, 4546), 0, 0) AS path,
                       floor(ST_XMin(box.g))::bigint AS x0, floor(ST_YMin(box.g))::bigint AS y0,
                       ceil(ST_XMax(box.g))::bigint AS x1, ceil(ST_YMax(box.g))::bigint AS y1
                FROM o, box
                UNION ALL
                SELECT 'mine', m.license, m.name, m.holder, m.mineral, m.mineral_class, m.status, m.area_m2, NULL,
                       ST_AsGeoJSON(c.boundary, 8, 0), ST_AsSVG(ST_Transform(c.boundary, 4546), 0, 0), NULL, NULL, NULL, NULL
                FROM mines m JOIN current c ON c.mine_id = m.id
                WHERE (\(only) IS NULL OR m.license = ANY (\(only)))
                  -- a cancelled licence (merged away) is history: shown when asked for only
                  AND CASE WHEN \(status)::text IS NULL THEN m.status <> 'cancelled' ELSE m.status = \(status) END
                  AND (\(mineralClass)::text IS NULL OR m.mineral_class = \(mineralClass))
                UNION ALL
                SELECT 'legacy-site', s.code, s.township, NULL, s.former_mine, NULL, NULL, s.area_m2, NULL,
                       ST_AsGeoJSON(s.shape, 8, 0), ST_AsSVG(ST_Transform(s.shape, 4546), 0, 0), NULL, NULL, NULL, NULL
                FROM legacy_sites s WHERE s.shape IS NOT NULL AND \(only) IS NULL
                UNION ALL
                SELECT 'annual-works', m.license || ':' || a.year || ':' || w.n, w.location, NULL, w.type, NULL, NULL,
                       w.area_m2, a.year, ST_AsGeoJSON(w.shape, 8, 0), ST_AsSVG(ST_Transform(w.shape, 4546), 0, 0),
                       NULL, NULL, NULL, NULL
                FROM annual_plans a JOIN mines m ON m.id = a.mine_id
                JOIN annual_plan_works w ON w.version_id = (SELECT max(v.id) FROM annual_plan_versions v WHERE v.annual_plan_id = a.id)
                WHERE a.year = \(Int32(year)) AND w.shape IS NOT NULL AND (\(only) IS NULL OR m.license = ANY (\(only)))
                ORDER BY 1, 2
                """).rows
            var layers = MapLayers(outline: nil, mines: [], legacySites: [], works: [], viewBox: (0, 0, 1, 1))
            for r in rows {
                let layer: String = try r.decode("layer")
                let key: String = try r.decode("key")
                func s(_ c: String) throws -> JSONValue { (try r.decode(c, as: String?.self)).map(JSONValue.string) ?? .null }
                let area = try r.decode("area_m2", as: Int64?.self).map { JSONValue.string(Area(squareMetres: $0).hectares) } ?? .null
                var f = MapLayers.Feature(layer: layer, properties: [("layer", .string(layer))], geometry: try r.decode("geojson"),
                                          path: try r.decode("path"))
                switch layer {
                case "outline":
                    f.properties += [("label", try s("name")), ("official", .bool(try r.decode("status") == "true"))]
                    let (x0, y0, x1, y1): (Int64, Int64, Int64, Int64) = (try r.decode("x0"), try r.decode("y0"),
                                                                          try r.decode("x1"), try r.decode("y1"))
                    // ST_AsSVG turns y downwards; a margin of 2 % around the outline
                    let margin = max(x1 - x0, y1 - y0) / 50
                    layers.viewBox = (x0 - margin, -y1 - margin, x1 - x0 + 2 * margin, y1 - y0 + 2 * margin)
                    layers.outline = f
                case "mine":
                    f.properties += [
                        ("license", .string(key)), ("name", try s("name")), ("holder", try s("holder")), ("mineral", try s("mineral")),
                        ("mineral_class", try s("mineral_class")), ("status", try s("status")), ("licensed_area_hm2", area),
                        ("reclamation_rate_percent", (rates[key] ?? nil).map(JSONValue.string) ?? .null),
                        ("fund_balance", balances[key].map { JSONValue.string($0.description) } ?? .null),
                    ]
                    layers.mines.append(f)
                case "legacy-site":
                    f.properties += [("code", .string(key)), ("township", try s("name")), ("former_mine", try s("mineral")),
                                     ("area_hm2", area)]
                    layers.legacySites.append(f)
                default:
                    let parts = key.split(separator: ":").map(String.init)
                    f.properties += [("license", .string(parts.first ?? key)), ("year", .number(Double(year))),
                                     ("location", try s("name")), ("type", try s("mineral")), ("area_hm2", area)]
                    layers.works.append(f)
                }
            }
            return layers
        }
    }

    /// The layers as one GeoJSON FeatureCollection (RFC 7946: longitude,
    /// latitude; CGCS2000 is named, as the region's database expects).
    public static func featureCollection(_ layers: MapLayers) -> String {
        let features = layers.all.map { f in
            let properties = JSONValue.object(Dictionary(f.properties, uniquingKeysWith: { a, _ in a })).canonicalText ?? "{}"
            return #"{"type":"Feature","geometry":"# + f.geometry + #","properties":"# + properties + "}"
        }
        return #"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4490"}},"features":["#
            + features.joined(separator: ",\n") + "]}\n"
    }
}
