import Foundation
import Reclaim

/// The home page's yearly bar chart, drawn on the server as inline SVG (no
/// script, no image to fetch): deposits and withdrawals in 万元 side by side,
/// and the treated area in hm² below, each scaled to its own largest value.
enum Chart {
    static func yearly(_ years: [YearFigures], _ t: [String: String]) -> String {
        let width = 640, panel = 150, left = 70, top = 20
        let slot = (width - left - 10) / max(1, years.count)
        let moneyMax = max(1, years.map { max($0.deposits.fen, $0.withdrawals.fen) }.max() ?? 1)
        let areaMax = max(1, years.map(\.treated.squareMetres).max() ?? 1)
        func h(_ v: Int64, _ maxV: Int64) -> Int { Int(Int128(v) * Int128(panel) / Int128(maxV)) }
        let title = HTML.escape(t["chart_title"] ?? "")
        var svg = """
            <svg class="chart" role="img" aria-labelledby="chart-title" viewBox="0 0 \(width) \(2 * panel + 3 * top + 40)" xmlns="http://www.w3.org/2000/svg">
            <title id="chart-title">\(title)</title>
            <text x="0" y="14" font-size="13">\(HTML.escape(t["chart_money"] ?? ""))</text>
            <text x="0" y="\(panel + 2 * top + 14)" font-size="13">\(HTML.escape(t["treated_area"] ?? ""))</text>

            """
        for (i, y) in years.enumerated() {
            let x = left + i * slot
            let base1 = top + panel + 4, base2 = 2 * top + 2 * panel + 24
            let d = h(y.deposits.fen, moneyMax), w = h(y.withdrawals.fen, moneyMax), a = h(y.treated.squareMetres, areaMax)
            let bar = max(4, slot / 3 - 4)
            svg += """
                <rect x="\(x)" y="\(base1 - d)" width="\(bar)" height="\(d)" fill="#0b4f8a"><title>\(y.year) \(HTML.escape(t["deposits_year"] ?? "")) \(y.deposits.wan)</title></rect>
                <rect x="\(x + bar + 2)" y="\(base1 - w)" width="\(bar)" height="\(w)" fill="#b35900"><title>\(y.year) \(HTML.escape(t["withdrawals_year"] ?? "")) \(y.withdrawals.wan)</title></rect>
                <rect x="\(x)" y="\(base2 - a)" width="\(2 * bar + 2)" height="\(a)" fill="#1d6b2a"><title>\(y.year) \(y.treated.hectares) hm²</title></rect>
                <text x="\(x)" y="\(base2 + 16)" font-size="12">\(y.year)</text>

                """
        }
        return svg + "</svg>"
    }
}
