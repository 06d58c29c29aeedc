import Foundation

/// Text made safe for HTML element content and attribute values.
public enum HTML {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}

extension DisclosureReport {
    /// The page's own words; item names come from `ReportHeadings`.
    static let words: [String: (en: String, zh: String)] = [
        "title": ("Restoration fund and annual plan: public disclosure", "矿山地质环境治理恢复基金及年度治理计划执行情况公示"),
        "fund": ("The fund", "基金计提、使用及余额"),
        "plan": ("The annual plan's execution", "年度治理计划执行情况"),
        "noplan": ("No annual plan was filed for this year.", "本年度未提交年度治理计划。"),
        "green": ("Green mine", "绿色矿山"), "green_status": ("On the list", "名录状态"), "green_standard": ("Standard", "评价标准"),
        "green_score": ("Self-assessed score", "自评分"), "green_check": ("Spot check", "抽查结果"), "green_finding": ("Finding", "检查发现"),
        "green_missing": ("not disclosed", "未公示"), "green_listed": ("listed", "在册"),
        "unit": ("Money in %@; areas in hm².", "金额单位：%@；面积单位：公顷。"),
        "yuan": ("yuan", "元"), "wan": ("10,000 yuan", "万元"),
        "work": ("Work", "工程"), "planned": ("Planned", "计划工程量"), "done": ("Done", "完成情况"),
    ]

    static func word(_ key: String, _ lang: ReportLanguage) -> String {
        guard let w = words[key] else { return key }
        return lang == .zh ? w.zh : w.en
    }

    /// A printable page, self-contained (no scripts, fonts or links to fetch):
    /// what a company posts for the public each year. Amounts as people read
    /// them (`1,500.00`; 万元 rounded to two decimals); the CSV and JSON keep
    /// the exact figures.
    public func html(lang: ReportLanguage, unit: Money.Unit) -> String {
        func h(_ key: String, _ kind: ReportColumnKind = .text) -> String {
            HTML.escape(lang == .zh ? ReportHeadings.heading(key, kind: kind, lang: .zh, unit: unit) : key.replacingOccurrences(of: "_", with: " "))
        }
        let e = HTML.escape
        var b = """
            <!DOCTYPE html>
            <html lang="\(lang == .zh ? "zh-CN" : "en")">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(e(Self.word("title", lang))) — \(e(license)) — \(year)</title>
            <style>
            body { font-family: sans-serif; color: #111; background: #fff; max-width: 56rem; margin: 2rem auto; padding: 0 1rem; }
            table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
            th, td { border: 1px solid #555; padding: .3rem .5rem; text-align: left; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            @media print { body { margin: 0; max-width: none; } }
            </style>
            </head>
            <body>
            <h1>\(e(Self.word("title", lang)))</h1>
            <table>
            <tr><th scope="row">\(h("license"))</th><td>\(e(license))</td></tr>
            <tr><th scope="row">\(h("name"))</th><td>\(e(name))</td></tr>
            <tr><th scope="row">\(h("holder"))</th><td>\(e(holder))</td></tr>
            <tr><th scope="row">\(h("mineral"))</th><td>\(e(mineral))</td></tr>
            <tr><th scope="row">\(h("year"))</th><td>\(year)</td></tr>
            </table>
            <p>\(e(Self.word("unit", lang).replacingOccurrences(of: "%@", with: Self.word(unit == .wan ? "wan" : "yuan", lang))))</p>
            <h2>\(e(Self.word("fund", lang)))</h2>
            <table>

            """
        for (key, money) in fundItems {
            b += "<tr><th scope=\"row\">\(h(key, .money))</th><td class=\"n\">\(e(money.display(unit)))</td></tr>\n"
        }
        b += "</table>\n<h2>\(e(Self.word("plan", lang)))</h2>\n"
        if let p = annualPlan {
            b += "<table>\n"
            let items: [(String, ReportColumnKind, String)] = [
                ("state", .text, p.state.label(lang)), ("budget", .money, p.budget.display(unit)),
                ("withdrawn", .money, p.withdrawn.display(unit)), ("planned_hm2", .area, ExactDecimal.grouped(p.planned.hectares)),
                ("reported_hm2", .area, ExactDecimal.grouped(p.reported.hectares)), ("reported_spent", .money, p.reportedSpent.display(unit)),
            ]
            for (key, kind, value) in items {
                b += "<tr><th scope=\"row\">\(h(key, kind))</th><td class=\"n\">\(e(value))</td></tr>\n"
            }
            b += "</table>\n<table>\n<tr><th scope=\"col\">\(e(Self.word("work", lang)))</th><th scope=\"col\">\(h("type"))</th>"
                + "<th scope=\"col\">\(h("location"))</th><th scope=\"col\">\(e(Self.word("planned", lang)))</th>"
                + "<th scope=\"col\">\(h("budget", .money))</th><th scope=\"col\">\(e(Self.word("done", lang)))</th>"
                + "<th scope=\"col\">\(h("spent", .money))</th></tr>\n"
            for w in p.works {
                b += "<tr><td>\(w.work)</td><td>\(e(w.type.label(lang)))</td><td>\(e(w.location))</td><td class=\"n\">\(e(w.planned))</td>"
                    + "<td class=\"n\">\(e(w.budget.display(unit)))</td><td class=\"n\">\(e(w.done ?? ""))</td>"
                    + "<td class=\"n\">\(e(w.spent?.display(unit) ?? ""))</td></tr>\n"
            }
            b += "</table>\n"
        } else {
            b += "<p>\(e(Self.word("noplan", lang)))</p>\n"
        }
        if let g = green {
            let status = g.status == "listed" ? Self.word("green_listed", lang) : GreenRemovalCause(rawValue: g.status)?.label(lang) ?? g.status
            b += "<h2>\(e(Self.word("green", lang)))</h2>\n<table>\n"
            for (key, value) in [("green_status", status), ("green_standard", g.standard),
                                 ("green_score", g.score ?? Self.word("green_missing", lang)),
                                 ("green_check", g.checkResult?.label(lang) ?? "—"), ("green_finding", g.checkFinding ?? "—")] {
                b += "<tr><th scope=\"row\">\(e(Self.word(key, lang)))</th><td>\(e(value))</td></tr>\n"
            }
            b += "</table>\n"
        }
        return b + "</body>\n</html>\n"
    }
}
