import Foundation
import Hummingbird
import PQKit
import Reclaim

/// "One map" (一张图) in the browser: the banner's outline, every mine's
/// boundary (coloured by status or by reclamation rate), legacy sites and
/// the year's annual works, drawn as inline SVG on the server from PostGIS's
/// paths: no tiles, no script. Each mine is a link to its page with a title
/// to hover; filters by status, mineral class and year. An operator sees
/// their own mines.
extension DashboardController {
    @Sendable func map(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        try OneMap.read.check(session.principal)
        let q = request.uri.queryParameters
        func chosen(_ name: String) -> String { q[Substring(name)].map(String.init) ?? "" }
        // a filter that is no value of its list is simply not applied (a form the user edited by hand)
        let status = MineStatus(rawValue: chosen("status"))
        let mineralClass = MineralClass(rawValue: chosen("mineral_class"))
        let year = Int(chosen("year")).flatMap { (1990...2200).contains($0) ? $0 : nil } ?? Bureau.today.year
        let byRate = chosen("colour") == "rate"
        let only = MinePolicy.scope(for: session.principal)
        let filter = MapFilter(status: status, mineralClass: mineralClass, year: year)
        let layers = try await read(context) { conn in try OneMap.layers(filter, only: only, on: conn) }
        let t = t(context), lang = context.language.report
        func options<E: RawRepresentable & CaseIterable & Labelled>(_ type: E.Type, _ current: E?) -> [[String: Any]]
            where E.RawValue == String {
            [["value": "", "label": t["all"] ?? "", "selected": current == nil]]
                + E.allCases.map { ["value": $0.rawValue, "label": $0.label(lang), "selected": $0.rawValue == current?.rawValue] }
        }
        let outline = layers.outline.flatMap { f in f.properties.first { $0.0 == "label" }?.1 }
        let official = layers.outline.flatMap { f in f.properties.first { $0.0 == "official" }?.1 } == .bool(true)
        return pages.render("map", title: t["map"] ?? "", request, context, [
            "svg": MapDrawing.svg(layers, t: t, lang: lang, byRate: byRate),
            "legend": MapDrawing.legend(t: t, lang: lang, byRate: byRate),
            "statuses": options(MineStatus.self, status), "classes": options(MineralClass.self, mineralClass),
            "year": year, "by_rate": byRate, "mine_count": layers.mines.count,
            "outline_note": official ? false : (t["map_outline_approximate"] ?? ""),
            // the bureau's own label of its official outline (the shipped one's note says what it is)
            "outline_label": { if official, case .string(let s) = outline { return s } else { return "" } }(),
        ])
    }
}

/// The map drawn: SVG in the Gauss–Krüger plane (metres, y downwards, as
/// ST_AsSVG gives it), scaled to the page by its viewBox.
enum MapDrawing {
    static let statusColours: [MineStatus: String] = [
        .producing: "#1d6b2a", .underConstruction: "#0b4f8a", .suspended: "#b35900", .closed: "#595959", .cancelled: "#b3b3b3",
    ]
    /// Reclamation rate bands (复垦率), lowest first: below 60 %, 60–90 %, 90–100 %, 100 % and more; grey without a plan.
    static let rateBands: [(from: Int, colour: String, key: String)] = [
        (0, "#b30000", "map_rate_below_60"), (6000, "#b35900", "map_rate_60_90"), (9000, "#8a6d00", "map_rate_90_100"),
        (10000, "#1d6b2a", "map_rate_100"),
    ]
    static let noRate = "#b3b3b3"

    static func rateColour(_ percent: String?) -> String {
        // two decimals always ("85.50"): the digits are basis points
        guard let p = percent, let bp = Int(p.replacingOccurrences(of: ".", with: "")) else { return noRate }
        return rateBands.last { bp >= $0.from }?.colour ?? noRate
    }

    static func svg(_ layers: MapLayers, t: [String: String], lang: ReportLanguage, byRate: Bool) -> String {
        let (x, y, w, h) = layers.viewBox
        let e = HTML.escape
        func property(_ f: MapLayers.Feature, _ key: String) -> String? {
            if case .string(let s)? = f.properties.first(where: { $0.0 == key })?.1 { return s }
            return nil
        }
        // ST_AsSVG writes a point as cx/cy attributes, anything else as path data
        func shape(_ f: MapLayers.Feature, _ attributes: String, title: String) -> String {
            if f.path.hasPrefix("cx=") {
                return "<circle \(f.path) r=\"\(max(w, h) / 250)\" \(attributes)><title>\(e(title))</title></circle>"
            }
            return "<path d=\"\(f.path)\" \(attributes)><title>\(e(title))</title></path>"
        }
        let stroke = max(w, h) / 1500
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" class="map" role="img" aria-labelledby="map-title" viewBox="\(x) \(y) \(w) \(h)" \
            preserveAspectRatio="xMidYMid meet">
            <title id="map-title">\(e(t["map"] ?? ""))</title>

            """
        if let o = layers.outline {
            out += "<g class=\"outline\">" + shape(o, "fill=\"#f4f1e8\" stroke=\"#333333\" stroke-width=\"\(stroke * 2)\"",
                                                   title: property(o, "label") ?? "") + "</g>\n"
        }
        out += "<g class=\"works\">\n"
        for f in layers.works {
            out += shape(f, "fill=\"#6a3d9a\" fill-opacity=\"0.6\"",
                         title: "\(t["map_works"] ?? "") \(property(f, "license") ?? "") · \(property(f, "location") ?? "")") + "\n"
        }
        out += "</g>\n<g class=\"legacy-sites\">\n"
        for f in layers.legacySites {
            out += shape(f, "fill=\"#8c2d04\" fill-opacity=\"0.7\"",
                         title: "\(t["map_legacy_site"] ?? "") \(property(f, "code") ?? "") · \(property(f, "township") ?? "")") + "\n"
        }
        out += "</g>\n<g class=\"mines\">\n"
        for f in layers.mines {
            let license = property(f, "license") ?? ""
            let status = property(f, "status").flatMap(MineStatus.init(rawValue:))
            let rate = property(f, "reclamation_rate_percent")
            let colour = byRate ? rateColour(rate) : status.flatMap { statusColours[$0] } ?? "#595959"
            let title = [license, property(f, "name") ?? "", status?.label(lang) ?? "",
                         "\(t["reclamation_rate"] ?? "") \(rate.map { $0 + " %" } ?? "—")",
                         "\(t["balance"] ?? "") \(property(f, "fund_balance") ?? "—")"].joined(separator: " · ")
            out += "<a href=\"/mines/\(e(Show.segment(license)))\" class=\"mine\" data-license=\"\(e(license))\">"
                + shape(f, "fill=\"\(colour)\" stroke=\"#000000\" stroke-width=\"\(stroke)\"", title: title) + "</a>\n"
        }
        return out + "</g>\n</svg>"
    }

    static func legend(t: [String: String], lang: ReportLanguage, byRate: Bool) -> [[String: String]] {
        let mines: [[String: String]] = byRate
            ? rateBands.map { ["colour": $0.colour, "label": t[$0.key] ?? ""] } + [["colour": noRate, "label": t["map_rate_none"] ?? ""]]
            : MineStatus.allCases.map { ["colour": statusColours[$0] ?? "#595959", "label": $0.label(lang)] }
        return mines + [["colour": "#8c2d04", "label": t["map_legacy_site"] ?? ""], ["colour": "#6a3d9a", "label": t["map_works"] ?? ""],
                        ["colour": "#f4f1e8", "label": t["map_outline"] ?? ""]]
    }
}
