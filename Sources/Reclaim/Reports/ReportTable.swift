import Foundation
public import PQKit

/// The language of a report's column headings.
public enum ReportLanguage: String, Sendable, CaseIterable {
    case en, zh
}

/// What a column holds: money and areas carry their unit in a Chinese heading.
public enum ReportColumnKind: Sendable {
    case text, money, area, percent
}

/// A report as rows of text: the one rendering behind `--format table|csv`
/// on the CLI and `Accept: text/csv` on the API. English headings are the
/// JSON field names, so a CSV header and a JSON key never disagree; Chinese
/// headings come from `ReportHeadings`.
public struct ReportTable: Sendable, Equatable {
    public var columns: [(key: String, kind: ReportColumnKind)]
    public var rows: [[String]]
    /// How a column's codes read to a person (`solid-energy` → 能源矿产（固体）),
    /// by column key, from the one label table (`Labels.swift`).
    public var labelers: [String: ReportLabeler] = [:]

    public init(_ columns: [(String, ReportColumnKind)], rows: [[String]], labelers: [String: ReportLabeler] = [:]) {
        self.columns = columns.map { (key: $0.0, kind: $0.1) }
        self.rows = rows
        self.labelers = labelers
    }

    public func headings(_ lang: ReportLanguage, unit: Money.Unit) -> [String] {
        columns.map { ReportHeadings.heading($0.key, kind: $0.kind, lang: lang, unit: unit) }
    }

    /// The rows as a person reads them in `lang`: every code by its label.
    public func labelledRows(_ lang: ReportLanguage) -> [[String]] {
        guard !labelers.isEmpty else { return rows }
        let byIndex = columns.enumerated().compactMap { i, c in labelers[c.key].map { (i, $0) } }
        return rows.map { row in
            var row = row
            for (i, label) in byIndex where i < row.count { row[i] = label(row[i], lang) }
            return row
        }
    }

    /// RFC 4180 via `CSV.line`. Chinese headings start with a byte-order
    /// mark, which is what makes spreadsheet programs read the file as UTF-8;
    /// a Chinese file reads its codes by their labels, an English one keeps
    /// the codes (the machine shape scripts are written against).
    public func csv(_ lang: ReportLanguage, unit: Money.Unit) -> String {
        (lang == .zh ? "\u{FEFF}" : "") + ([headings(lang, unit: unit)] + (lang == .zh ? labelledRows(.zh) : rows))
            .map(CSV.line).joined(separator: "\n") + "\n"
    }

    public static func == (a: ReportTable, b: ReportTable) -> Bool {
        a.columns.map(\.key) == b.columns.map(\.key) && a.rows == b.rows
    }
}

/// A code's label in a language; the code itself when it has none.
public typealias ReportLabeler = @Sendable (String, ReportLanguage) -> String

/// A report that renders as a table in a money unit.
public protocol TabularReport: Codable, Sendable {
    func table(unit: Money.Unit) -> ReportTable
}

extension Money {
    /// In yuan (two decimals) or wan (six): exact either way.
    public func text(_ unit: Money.Unit) -> String { unit == .wan ? wan : description }
}

/// The Chinese column headings of every report, in one table so that no
/// report mixes languages and a new column without a heading is caught by a test.
public enum ReportHeadings {
    public static let zh: [String: String] = [
        "license": "采矿许可证号", "name": "名称", "holder": "采矿权人", "mineral": "矿种", "mineral_class": "矿种类别",
        "output_unit": "计量单位", "capacity": "生产规模（万/年）", "minimum_capacity": "最低开采规模（万/年）",
        "applies_in": "适用范围", "below_minimum": "低于最低开采规模",
        "region_code": "行政区划代码", "year": "年度", "group": "分组",
        "opening": "期初余额", "deposits": "存入", "conversions": "保证金转入", "withdrawals": "使用",
        "transfers_in": "转入", "transfers_out": "转出", "releases": "闭坑返还", "closing": "期末余额",
        "assessed": "核定计提额", "shortfall": "欠提额",
        "planned_hm2": "计划治理面积", "treated_hm2": "治理面积", "cumulative_treated_hm2": "累计治理面积",
        "to_reclaim_hm2": "应复垦面积", "reclaimed_hm2": "已复垦面积", "reclamation_rate_percent": "复垦率",
        "target_rate_percent": "目标复垦率", "without_plan": "无批准方案矿山数",
        "state": "状态", "count": "数量", "budget_approved": "批准预算", "withdrawn": "已使用", "reported_spent": "报告支出",
        "reported_hm2": "报告治理面积", "id": "编号", "filed_on": "申请日期", "due_date": "验收期限",
        "working_days_left": "剩余工作日", "overdue": "是否超期", "value": "数值", "target": "目标", "met": "是否达标",
        "baseline_2020": "2020年基数", "as_of": "截至日期", "binding": "指标属性（预期性/约束性）", "note": "说明", "code": "图斑编号", "township": "乡镇", "area_hm2": "面积",
        "notice_state": "公示状态", "project": "治理项目", "source": "资金来源", "planned": "计划资金",
        "committed": "已拨付", "spent": "已支出", "item": "项目", "type": "工程类型", "location": "位置", "budget": "预算",
        "kind": "类型", "value_date": "起息日", "amount": "金额", "balance_after": "余额", "reference": "参考号",
        "memo": "摘要", "annual_plan_year": "年度治理计划", "user": "用户", "role": "角色", "link": "链接",
        "listed_year": "列入年度", "standard": "评价标准", "status": "名录状态", "score": "自评分", "late": "是否逾期公示",
        "drawn": "是否抽中", "inspectors": "检查人员", "result": "检查结果", "finding": "检查发现",
        "hazard": "监测对象", "mines_monitored": "监测矿山数", "thresholds_crossed": "超过预警值矿山数", "events": "应急事件数",
        "events_open": "未处置完毕事件数",
    ]

    public static func heading(_ key: String, kind: ReportColumnKind, lang: ReportLanguage, unit: Money.Unit) -> String {
        guard lang == .zh else { return key }
        let name = zh[key] ?? key
        switch kind {
        case .text: return name
        case .money: return name + (unit == .wan ? "（万元）" : "（元）")
        case .area: return name + "（公顷）"
        case .percent: return name + "（%）"
        }
    }
}

extension Reports {
    /// Runs `body` in one REPEATABLE READ, read-only snapshot, so a report
    /// taken while bookings arrive still adds up. Inside a transaction that
    /// is already open, `body` simply joins it.
    static func snapshot<T>(on conn: Connection, _ body: (Connection) throws -> T) throws -> T {
        if conn.inTransaction { return try body(conn) }
        return try conn.transactionally { conn in
            try conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            // A report is tens of thousands of index probes that the planner
            // costs high enough to compile: at 40,000 mines JIT spent 0.4 s
            // (fund report) and 0.6 s (restoration) compiling and saved nothing.
            try conn.execute("SET LOCAL jit = off")
            return try body(conn)
        }
    }

    /// `part / whole` in hundredths of a percent, rounded half up; nil when `whole` is zero.
    static func basisPoints(_ part: Int64, of whole: Int64) -> Int64? {
        guard whole > 0, part >= 0 else { return nil }
        return Int64((Int128(part) * 20_000 + Int128(whole)) / (2 * Int128(whole)))
    }

    /// `part / whole` in percent with two decimals, rounded half up; nil when `whole` is zero.
    static func percent(_ part: Int64, of whole: Int64) -> String? {
        basisPoints(part, of: whole).map { ExactDecimal.format($0, scale: 2) }
    }
}

/// Who reads which report. Per-mine reports (fund, restoration, annual
/// plans, closure, disclosure) show an operator their own mines only
/// (`MinePolicy.scope`); the banner-wide ones are the bureau's.
public enum ReportPolicy {
    /// The master plan's targets: everyone but operators.
    public static let targets = Policy("read the master plan's targets") { $0.role != .operator }
    /// A mine's disclosure: whoever may read the mine.
    public static func disclosure(_ license: String) -> Policy { MinePolicy.read(license) }
}
