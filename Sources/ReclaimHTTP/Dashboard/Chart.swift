import Foundation
import Reclaim

/// The home page's yearly bar chart, drawn on the server as inline SVG (no
/// script, no image to fetch): deposits and withdrawals in 万元 side by side,
/// and the treated area in hm² below, each scaled to its own largest value.
/// A legend names the colours, each panel's axis shows 0 and its largest
/// value, and every bar carries its figure above it, so the chart can be
/// read without hovering.
enum Chart {
    static func yearly(_ years: [YearFigures], _ t: [String: String]) -> String {
        let width = 680, panel = 150, left = 84, top = 44
        let slot = (width - left - 10) / max(1, years.count)
        let moneyMax = max(1, years.map { max($0.deposits.fen, $0.withdrawals.fen) }.max() ?? 1)
        let areaMax = max(1, years.map(\.treated.squareMetres).max() ?? 1)
        func h(_ v: Int64, _ maxV: Int64) -> Int { Int(Int128(v) * Int128(panel) / Int128(maxV)) }
        let e = { (key: String) in HTML.escape(t[key] ?? "") }
        let base1 = top + panel + 4, base2 = 2 * top + 2 * panel + 24
        let height = base2 + 28
        var svg = """
            <svg class="chart" role="img" aria-labelledby="chart-title" viewBox="0 0 \(width) \(height)" xmlns="http://www.w3.org/2000/svg">
            <title id="chart-title">\(e("chart_title"))</title>
            <rect x="\(left)" y="4" width="10" height="10" fill="#0b4f8a" /><text x="\(left + 14)" y="13" font-size="12">\(e("deposits_year"))</text>
            <rect x="\(left + 120)" y="4" width="10" height="10" fill="#b35900" /><text x="\(left + 134)" y="13" font-size="12">\(e("withdrawals_year"))</text>
            <rect x="\(left + 240)" y="4" width="10" height="10" fill="#1d6b2a" /><text x="\(left + 254)" y="13" font-size="12">\(e("treated_area"))</text>
            <text x="0" y="\(top - 8)" font-size="12">\(e("chart_money"))</text>
            <text x="0" y="\(base1 - panel + 4)" font-size="11" class="axis">\(Money(fen: moneyMax).display(.wan))</text>
            <text x="0" y="\(base1)" font-size="11" class="axis">0</text>
            <line x1="\(left - 4)" y1="\(base1)" x2="\(width - 10)" y2="\(base1)" stroke="#767676" />
            <text x="0" y="\(base1 + top - 8)" font-size="12">\(e("treated_area")) (hm²)</text>
            <text x="0" y="\(base2 - panel + 4)" font-size="11" class="axis">\(Area(squareMetres: areaMax).hectares)</text>
            <text x="0" y="\(base2)" font-size="11" class="axis">0</text>
            <line x1="\(left - 4)" y1="\(base2)" x2="\(width - 10)" y2="\(base2)" stroke="#767676" />

            """
        for (i, y) in years.enumerated() {
            let x = left + i * slot
            let d = h(y.deposits.fen, moneyMax), w = h(y.withdrawals.fen, moneyMax), a = h(y.treated.squareMetres, areaMax)
            let bar = max(4, slot / 3 - 4)
            let depositText = y.deposits.display(.wan), withdrawalText = y.withdrawals.display(.wan)
            svg += """
                <rect x="\(x)" y="\(base1 - d)" width="\(bar)" height="\(d)" fill="#0b4f8a"><title>\(y.year) \(e("deposits_year")) \(depositText)</title></rect>
                <text x="\(x)" y="\(base1 - d - 3)" font-size="9">\(depositText)</text>
                <rect x="\(x + bar + 2)" y="\(base1 - w)" width="\(bar)" height="\(w)" fill="#b35900"><title>\(y.year) \(e("withdrawals_year")) \(withdrawalText)</title></rect>
                <text x="\(x + bar + 2)" y="\(base1 - w - 14)" font-size="9">\(withdrawalText)</text>
                <rect x="\(x)" y="\(base2 - a)" width="\(2 * bar + 2)" height="\(a)" fill="#1d6b2a"><title>\(y.year) \(y.treated.hectares) hm²</title></rect>
                <text x="\(x)" y="\(base2 - a - 3)" font-size="9">\(y.treated.hectares)</text>
                <text x="\(x)" y="\(base2 + 16)" font-size="12">\(y.year)</text>

                """
        }
        return svg + "</svg>"
    }
}
