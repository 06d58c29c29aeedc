import Foundation
import FoundationXML
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
@testable import ReclaimHTTP
import TestSupport
import Testing

/// Issue 32: "one map" in the browser and over the API, boundaries set over
/// HTTP, and a merger retried with its Idempotency-Key.
@Suite struct DashboardMapTests {
    /// The dashboard's service with boundaries for A and B (A's operator is opA).
    static func service() throws -> TestService {
        let s = try DashboardTests.service()
        let conn = try s.db.connect()
        defer { conn.close() }
        for (license, east) in [("A", 37_419_000), ("B", 37_430_000)] {
            _ = try MineBoundaries.set(license, try BoundaryInput.parse("""
                1,4463000.00,\(east).00
                2,4463000.00,\(east + 1000).00
                3,4461765.50,\(east + 1000).00
                4,4461765.50,\(east).00
                """), by: try Actor("boss", role: "admin"), on: conn)
        }
        return s
    }

    /// The SVG inside a page, parsed as XML: the number of elements of each class.
    final class SVGCounter: NSObject, XMLParserDelegate {
        var mines: [String] = []
        var svgs = 0
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if name == "svg" { svgs += 1 }
            if name == "a", attributes["class"] == "mine", let l = attributes["data-license"] { mines.append(l) }
        }
    }

    static func svg(_ html: String) throws -> SVGCounter {
        let start = try #require(html.range(of: #"<svg xmlns="http://www.w3.org/2000/svg" class="map""#))
        let end = try #require(html.range(of: "</svg>", range: start.lowerBound..<html.endIndex))
        let parser = XMLParser(data: Data(html[start.lowerBound..<end.upperBound].utf8))
        let counter = SVGCounter()
        parser.delegate = counter
        #expect(parser.parse(), "the map's SVG is not well-formed XML")
        return counter
    }

    @Test func theMapDrawsOneElementPerMineForWhoeverMaySeeIt() async throws {
        let s = try Self.service()
        try await s.application().test(.router) { client in
            let rev = try await DashboardTests.signIn("rev", client)
            let page = try await client.execute(uri: "/map", method: .get, headers: rev.header)
            #expect(page.status == .ok && DashboardTests.wellFormed(page.text))
            let drawn = try Self.svg(page.text)
            #expect(drawn.svgs == 1 && drawn.mines == ["A", "B"], "\(drawn.mines)")
            #expect(page.text.contains(#"href="/mines/A""#) && page.text.contains("<title>A · 王家塔露天煤矿 · 生产"))
            #expect(page.text.contains(#"id="outline-note""#))  // the shipped outline is labelled approximate
            // filtered: suspended mines only, none here; coloured by rate, its legend says so
            let none = try await client.execute(uri: "/map?status=suspended&colour=rate", method: .get, headers: rev.header)
            #expect(try Self.svg(none.text).mines.isEmpty && none.text.contains("复垦率低于60%"))
            // an operator sees their own mine only
            let op = try await DashboardTests.signIn("opA", client)
            #expect(try Self.svg(try await client.execute(uri: "/map", method: .get, headers: op.header).text).mines == ["A"])
        }
        try await s.pool.shutdown()
    }

    @Test func theGeoJSONExportCarriesTheRegionsPropertiesScopedToTheCaller() async throws {
        let s = try Self.service()
        try await s.application().test(.router) { client in
            func features(_ user: String, _ query: String = "") async throws -> [[String: Any]] {
                let r = try await client.execute(uri: "/v1/map.geojson\(query)", method: .get, headers: s.headers(user))
                #expect(r.status == .ok && r.headers[.contentType] == "application/geo+json", "\(r.status) \(r.text)")
                let json = try r.json()
                #expect(json["type"] as? String == "FeatureCollection")
                return json["features"] as? [[String: Any]] ?? []
            }
            let all = try await features("aud")
            let mines = all.compactMap { $0["properties"] as? [String: Any] }.filter { $0["layer"] as? String == "mine" }
            #expect(mines.compactMap { $0["license"] as? String } == ["A", "B"])
            let a = try #require(mines.first)
            for key in ["holder", "mineral", "status", "licensed_area_hm2", "reclamation_rate_percent", "fund_balance"] {
                #expect(a.keys.contains(key), "\(key) missing")
            }
            #expect(a["fund_balance"] as? String == "0.00" && a["status"] as? String == "producing")
            #expect(all.contains { ($0["properties"] as? [String: Any])?["layer"] as? String == "outline" })
            let geometry = try #require(all.first { ($0["properties"] as? [String: Any])?["license"] as? String == "A" }?["geometry"] as? [String: Any])
            #expect(geometry["type"] as? String == "MultiPolygon")
            let opA = try await features("opA")
            #expect(opA.compactMap { ($0["properties"] as? [String: Any])?["license"] as? String } == ["A"])
            // a malformed filter is a 400 naming it
            let bad = try await client.execute(uri: "/v1/map.geojson?status=open", method: .get, headers: s.headers("aud"))
            #expect(bad.status == .badRequest && bad.text.contains("status"))
        }
        try await s.pool.shutdown()
    }

    @Test func boundariesAndMergersOverTheAPI() async throws {
        let s = try Self.service()
        let conn = try s.db.connect()
        defer { conn.close() }
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("900.00")), by: try Actor("li", role: "finance"), on: conn)
        try await s.application().test(.router) { client in
            // an administrator sets a boundary; a ring that does not close is refused naming the field, nothing written
            let open = try await client.execute(uri: "/v1/mines/A/boundaries", method: .post, headers: s.headers("boss"), body: body(
                #"{"geometry":{"type":"Polygon","coordinates":[[[110,40.2],[110.01,40.2],[110.01,40.21],[110,40.21]]]}}"#))
            try open.problem(.unprocessableContent)
            #expect(open.text.contains("boundary") && open.text.contains("not closed"), "\(open.text)")
            let table = "1,4463000.00,37419000.00\n2,4463000.00,37420300.00\n3,4461765.50,37420300.00\n4,4461765.50,37419000.00\n"
            let set = try await client.execute(uri: "/v1/mines/A/boundaries", method: .post, headers: s.headers("boss"),
                                               body: body(#"{"turning_points":"\#(table.replacingOccurrences(of: "\n", with: "\\n"))"}"#))
            #expect(set.status == .created, "\(set.text)")
            let made = try set.json()
            #expect((made["warning"] as? String)?.contains("more than 1 %") == true && made["source_srid"] as? Int == 4525)
            let history = try await client.execute(uri: "/v1/mines/A/boundaries", method: .get, headers: s.headers("opA")).json()
            #expect((history["items"] as? [[String: Any]])?.count == 2)
            try await client.execute(uri: "/v1/mines/B/boundaries", method: .get, headers: s.headers("opA")).problem(.forbidden)
            try await client.execute(uri: "/v1/mines/A/boundaries", method: .post, headers: s.headers("opA"),
                                     body: body(#"{"turning_points":"x"}"#)).problem(.forbidden)

            // a merger sent twice with one Idempotency-Key: one merger, the money moved once, the same answer
            let merge = #"{"from_licenses":["A"],"into_license":"B","approved_on":"2025-06-30","document":"整合批复"}"#
            let first = try await client.execute(uri: "/v1/mergers", method: .post, headers: s.headers("boss", key: "merge-ab-1"), body: body(merge))
            let second = try await client.execute(uri: "/v1/mergers", method: .post, headers: s.headers("boss", key: "merge-ab-1"), body: body(merge))
            #expect(first.status == .created && second.status == .created && first.text == second.text, "\(first.text) / \(second.text)")
            // a new key is a new attempt, refused: A was merged away
            let third = try await client.execute(uri: "/v1/mergers", method: .post, headers: s.headers("boss", key: "merge-ab-2"), body: body(merge))
            try third.problem(.unprocessableContent)
            #expect(try s.count("SELECT count(*) FROM ledger_entries WHERE kind = 'transfer'") == 1)
            #expect(try FundLedger.balance("B", on: conn).balance == (try Money.parse("900.00")))
            // the cancelled licence leaves the map unless asked for
            let map = try await client.execute(uri: "/v1/map.geojson", method: .get, headers: s.headers("aud")).json()
            let licences = (map["features"] as? [[String: Any]] ?? []).compactMap { ($0["properties"] as? [String: Any])?["license"] as? String }
            #expect(licences == ["B"])
        }
        try await s.pool.shutdown()
    }
}
