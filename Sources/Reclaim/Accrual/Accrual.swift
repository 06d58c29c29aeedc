public import Foundation
public import PQKit

/// What the formula needs to know about a mine (or a mine that does not
/// exist yet, for a quote).
/// A mineral's bulk density (kg/m³) and the setting it came from: output
/// in m³ is weighed at it where the rate is per tonne.
public struct BulkDensity: Sendable, Equatable {
    public var kgPerM3: Int
    public var setting: String
}

public struct AccrualInputs: Sendable, Equatable {
    /// The assessment year; the output is that of the year before.
    public var year: Int
    public var mineralClass: MineralClass
    public var methodDetail: MethodDetail
    public var landType: LandType
    public var regionCode: String
    /// Coal mines carry the coal-price coefficient.
    public var coal: Bool
    public var output: Quantity
    /// The output's unit: `t`, or `m3` as the licences of sand, gravel and
    /// building stone (and mineral water, geothermal) state it.
    public var outputUnit: String
    /// Output in m³ under a rate per tonne converts at this bulk density
    /// (kg/m³, the mineral's setting), which the calculation states.
    public var conversion: BulkDensity?

    public init(year: Int, mineralClass: MineralClass, methodDetail: MethodDetail, landType: LandType,
                regionCode: String, coal: Bool, output: Quantity, outputUnit: String? = nil,
                conversion: BulkDensity? = nil)
    {
        self.outputUnit = outputUnit ?? (mineralClass == .nonSolidEnergy ? "m3" : "t")
        self.conversion = conversion
        self.year = year
        self.mineralClass = mineralClass
        self.methodDetail = methodDetail
        self.landType = landType
        self.regionCode = regionCode
        self.coal = coal
        self.output = output
    }

    /// Whether a mine's main mineral is coal (煤): the coal-price coefficient applies.
    public static func isCoal(mineralClass: MineralClass, mineral: String) -> Bool {
        let m = mineral.lowercased()
        return mineralClass == .solidEnergy && (m.contains("coal") || m.contains("煤"))
    }
}

/// The formula's factors and result, computed exactly (基金计提计算方法):
///
///     base rate × method × land × region × coal price (coal only) × output of the year before
///
/// rounded once, half up, to the fen. The one place the figure is computed;
/// assessments, explanations and quotes all come from here.
public struct AccrualCalculation: Sendable, Equatable, Codable {
    public struct Factor: Sendable, Equatable, Codable {
        /// base_rate, method, land, region, coal_price
        public var table: String
        public var key: String
        public var value: Coefficient
    }

    public var year: Int
    public var ruleSet: String
    public var factors: [Factor]
    public var output: Quantity
    public var outputUnit: String
    /// Every digit of the product, in yuan, before rounding.
    public var exactAmount: String
    public var formulaAmount: Money
    /// Output in m³ weighed at a bulk density because the rate is per tonne (absent otherwise).
    public var conversionKgPerM3: Int?
    public var conversionSetting: String?

    init(year: Int, ruleSet: String, factors: [Factor], output: Quantity, outputUnit: String, exactAmount: String,
         formulaAmount: Money, conversion: BulkDensity? = nil) {
        (self.year, self.ruleSet, self.factors, self.output, self.outputUnit) = (year, ruleSet, factors, output, outputUnit)
        (self.exactAmount, self.formulaAmount) = (exactAmount, formulaAmount)
        (conversionKgPerM3, conversionSetting) = (conversion?.kgPerM3, conversion?.setting)
    }

    enum CodingKeys: String, CodingKey {
        case year
        case ruleSet = "rule_set"
        case factors, output
        case outputUnit = "output_unit"
        case exactAmount = "exact_amount"
        case formulaAmount = "formula_amount"
        case conversionKgPerM3 = "conversion_kg_per_m3"
        case conversionSetting = "conversion_setting"
    }

    public static func compute(_ inputs: AccrualInputs, rules: RuleSet) throws -> AccrualCalculation {
        try inputs.methodDetail.check(method: inputs.methodDetail.method, mineralClass: inputs.mineralClass)
        var factors = [
            Factor(table: RuleSet.Table.baseRate.rawValue, key: inputs.mineralClass.rawValue,
                   value: try rules.coefficient(.baseRate, inputs.mineralClass.rawValue)),
            Factor(table: RuleSet.Table.method.rawValue, key: inputs.methodDetail.rawValue,
                   value: try rules.coefficient(.method, inputs.methodDetail.rawValue)),
            Factor(table: RuleSet.Table.land.rawValue, key: inputs.landType.rawValue,
                   value: try rules.coefficient(.land, inputs.landType.rawValue)),
            Factor(table: RuleSet.Table.region.rawValue, key: inputs.regionCode,
                   value: try rules.coefficient(.region, inputs.regionCode)),
        ]
        if inputs.coal {
            factors.append(Factor(table: RuleSet.Table.coalPrice.rawValue, key: String(inputs.year),
                                  value: try rules.coefficient(.coalPrice, String(inputs.year))))
        }
        var product = ExactProduct()
        for f in factors { try product.multiply(by: f.value.units, scale: f.value.scale) }
        try product.multiply(by: inputs.output.thousandths, scale: 3)
        // the base rate is per tonne except for the non-solid class (per m³): output in m³ is weighed first
        let ratePerTonne = inputs.mineralClass != .nonSolidEnergy
        if ratePerTonne, inputs.outputUnit == "m3" {
            guard let c = inputs.conversion else {
                throw ReclaimError(.ruleViolation, field: "output",
                                   "output in m³ under a rate per tonne needs the mineral's bulk density (a conversion.kg_per_m3 setting)")
            }
            try product.multiply(by: Int64(c.kgPerM3), scale: 3)  // kg/m³ ÷ 1000 = t/m³
        }
        return AccrualCalculation(
            year: inputs.year, ruleSet: rules.name, factors: factors, output: inputs.output,
            outputUnit: inputs.outputUnit, exactAmount: product.exactText,
            formulaAmount: Money(fen: try product.roundedFen()),
            conversion: ratePerTonne && inputs.outputUnit == "m3" ? inputs.conversion : nil)
    }

    /// The factor of `table`, if the calculation has one.
    public func factor(_ table: RuleSet.Table) -> Coefficient? {
        factors.first { $0.table == table.rawValue }?.value
    }

    /// The arithmetic line by line, in the order of the formula.
    public var lines: [String] {
        var out = ["rule set \(ruleSet), in force on \(year)-01-01"]
        for (i, f) in factors.enumerated() {
            let noun = RuleSet.Table(rawValue: f.table)?.noun ?? f.table
            // the rate's unit: per tonne whenever output in m³ is weighed first
            let unit = f.table == RuleSet.Table.baseRate.rawValue ? " yuan/\(conversionKgPerM3 == nil ? outputUnit : "t")" : ""
            out.append("\(i == 0 ? "  " : "× ")\(noun) (\(f.key)): \(f.value)\(unit)")
        }
        out.append("× output of \(year - 1): \(output) \(outputUnit)")
        if let kg = conversionKgPerM3 {
            out.append("× bulk density \(ExactDecimal.format(Int64(kg), scale: 3)) t/m³ (\(conversionSetting ?? "setting")): "
                       + "the output is reported in m³, the rule set's rate is per tonne")
        }
        out.append("= \(exactAmount) yuan")
        out.append("= \(formulaAmount) yuan, rounded half up to the fen (formula amount)")
        return out
    }
}

/// A stored assessment (基金核定): one version of a mine's accrual for a
/// year, with every input, so it can be recomputed and audited.
public struct Assessment: Sendable, Equatable, Codable {
    public var id: Int64
    public var license: String
    public var year: Int
    public var version: Int
    public var ruleSet: String
    public var outputReportID: Int64
    public var output: Quantity
    public var mineralClass: MineralClass
    public var methodDetail: MethodDetail
    public var landType: LandType
    public var regionCode: String
    public var coal: Bool
    public var calculation: AccrualCalculation
    public var formulaAmount: Money
    /// The year's cost in the mine's approved plan; nil without one.
    public var floorAmount: Money?
    public var planVersion: Int?
    /// What counts: the larger of the two.
    public var amount: Money
    /// formula or floor: which of the two won.
    public var basis: String
    public var assessedAt: Date
    public var assessedBy: String

    enum CodingKeys: String, CodingKey {
        case id, license, year, version
        case ruleSet = "rule_set"
        case outputReportID = "output_report_id"
        case output
        case mineralClass = "mineral_class"
        case methodDetail = "method_detail"
        case landType = "land_type"
        case regionCode = "region_code"
        case coal, calculation
        case formulaAmount = "formula_amount"
        case floorAmount = "floor_amount"
        case planVersion = "plan_version"
        case amount, basis
        case assessedAt = "assessed_at"
        case assessedBy = "assessed_by"
        case explanation
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(license, forKey: .license)
        try c.encode(year, forKey: .year)
        try c.encode(version, forKey: .version)
        try c.encode(ruleSet, forKey: .ruleSet)
        try c.encode(outputReportID, forKey: .outputReportID)
        try c.encode(output, forKey: .output)
        try c.encode(mineralClass, forKey: .mineralClass)
        try c.encode(methodDetail, forKey: .methodDetail)
        try c.encode(landType, forKey: .landType)
        try c.encode(regionCode, forKey: .regionCode)
        try c.encode(coal, forKey: .coal)
        try c.encode(calculation, forKey: .calculation)
        try c.encode(formulaAmount, forKey: .formulaAmount)
        try c.encode(floorAmount, forKey: .floorAmount)
        try c.encode(planVersion, forKey: .planVersion)
        try c.encode(amount, forKey: .amount)
        try c.encode(basis, forKey: .basis)
        try c.encode(assessedAt, forKey: .assessedAt)
        try c.encode(assessedBy, forKey: .assessedBy)
        try c.encode(explanation, forKey: .explanation)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int64.self, forKey: .id)
        license = try c.decode(String.self, forKey: .license)
        year = try c.decode(Int.self, forKey: .year)
        version = try c.decode(Int.self, forKey: .version)
        ruleSet = try c.decode(String.self, forKey: .ruleSet)
        outputReportID = try c.decode(Int64.self, forKey: .outputReportID)
        output = try c.decode(Quantity.self, forKey: .output)
        mineralClass = try c.decode(MineralClass.self, forKey: .mineralClass)
        methodDetail = try c.decode(MethodDetail.self, forKey: .methodDetail)
        landType = try c.decode(LandType.self, forKey: .landType)
        regionCode = try c.decode(String.self, forKey: .regionCode)
        coal = try c.decode(Bool.self, forKey: .coal)
        calculation = try c.decode(AccrualCalculation.self, forKey: .calculation)
        formulaAmount = try c.decode(Money.self, forKey: .formulaAmount)
        floorAmount = try c.decodeIfPresent(Money.self, forKey: .floorAmount)
        planVersion = try c.decodeIfPresent(Int.self, forKey: .planVersion)
        amount = try c.decode(Money.self, forKey: .amount)
        basis = try c.decode(String.self, forKey: .basis)
        assessedAt = try c.decode(Date.self, forKey: .assessedAt)
        assessedBy = try c.decode(String.self, forKey: .assessedBy)
    }

    init(id: Int64, license: String, year: Int, version: Int, outputReportID: Int64, inputs: AccrualInputs,
         calculation: AccrualCalculation, floor: (version: Int, amount: Money)?, assessedAt: Date, assessedBy: String)
    {
        self.id = id
        self.license = license
        self.year = year
        self.version = version
        ruleSet = calculation.ruleSet
        self.outputReportID = outputReportID
        output = inputs.output
        mineralClass = inputs.mineralClass
        methodDetail = inputs.methodDetail
        landType = inputs.landType
        regionCode = inputs.regionCode
        coal = inputs.coal
        self.calculation = calculation
        formulaAmount = calculation.formulaAmount
        floorAmount = floor?.amount
        planVersion = floor?.version
        let floorWins = (floor?.amount ?? .zero) > calculation.formulaAmount
        amount = floorWins ? (floor?.amount ?? calculation.formulaAmount) : calculation.formulaAmount
        basis = floorWins ? "floor" : "formula"
        self.assessedAt = assessedAt
        self.assessedBy = assessedBy
    }

    /// The factors and the arithmetic, then the floor and what counts.
    public var explanation: [String] {
        var out = ["\(license), \(year), version \(version)"] + calculation.lines
        if let floorAmount, let planVersion {
            out.append("floor: \(floorAmount) yuan, the \(year) cost of plan version \(planVersion)")
        } else {
            out.append("floor: none (no approved plan with a cost for \(year))")
        }
        out.append("amount: \(amount) yuan (\(basis == "floor" ? "the plan's cost" : "the formula") counts)")
        return out
    }
}

/// A what-if figure for a mine that does not exist yet (the calculator
/// companies ask for before they apply): the formula only, no floor.
public struct AccrualQuote: Sendable, Equatable, Codable {
    public var calculation: AccrualCalculation
    public var amount: Money
    public var explanation: [String]

    public init(_ calculation: AccrualCalculation) {
        self.calculation = calculation
        amount = calculation.formulaAmount
        explanation = calculation.lines
    }
}

/// One mine's assessed and deposited amounts for a year, and since its first assessment.
public struct Shortfall: Sendable, Equatable, Codable {
    public var license: String
    public var year: Int
    /// The latest assessment of the year; zero when the year is not assessed.
    public var assessed: Money
    /// Deposits with a value date in the year, net of their reversals.
    public var deposited: Money
    /// assessed − deposited where positive, else zero.
    public var shortfall: Money
    public var cumulativeAssessed: Money
    public var cumulativeDeposited: Money
    public var cumulativeShortfall: Money

    enum CodingKeys: String, CodingKey {
        case license, year, assessed, deposited, shortfall
        case cumulativeAssessed = "cumulative_assessed"
        case cumulativeDeposited = "cumulative_deposited"
        case cumulativeShortfall = "cumulative_shortfall"
    }
}

/// Assessments, quotes and shortfalls.
public enum Accruals {
    /// The bulk density (kg/m³) a mineral's output in m³ is weighed at when
    /// the rate is per tonne: its conversion setting (sand, gravel, building
    /// stone: `SandAndGravel.groups`). Refused for a mineral with none.
    public static func bulkDensity(of mineral: String, license: String, on conn: Connection) throws -> BulkDensity {
        let m = mineral.trimmingCharacters(in: .whitespaces).lowercased()
        guard let setting = SandAndGravel.groups.first(where: { $0.minerals.contains(m) })?.setting else {
            throw ReclaimError(.ruleViolation, field: "output",
                               "mine \(license) reports its output in m³, and no bulk-density setting converts \(mineral) to tonnes")
        }
        return BulkDensity(kgPerM3: try Settings.int(setting, on: conn), setting: setting)
    }

    /// Assesses `license` for `year`: the rule set in force on 1 January,
    /// the output reported for the year before, the floor of the approved
    /// plan. A new version each time (the latest counts); closes the
    /// mine's open `reassess-fund` obligation. One transaction, audited.
    public static func assess(_ license: String, year: Int, by actor: Actor, on conn: Connection) throws -> Assessment {
        try Years.check(year - 1, field: "year")
        let license = try Identifier.license(license)
        return try conn.transactionally { conn in
            guard let row = try conn.queryFirst("""
                SELECT id, \(unescaped: Mine.columns) FROM mines WHERE license = \(license) FOR UPDATE
                """)
            else { throw MineRegistry.notFound(license) }
            let mineID: Int64 = try row.decode("id")
            let mine = try Mine(row: row)
            guard let detail = mine.methodDetail else {
                var e = ReclaimError(.ruleViolation, field: "method_detail",
                                     "mine \(license) has no method detail in the registry; set it first")
                e.remedy = Remedy(.updateMine, license: license, field: "method_detail")
                throw e
            }
            guard let report = try OutputReports.current(mineID: mineID, license: license, year: year - 1, on: conn) else {
                var e = ReclaimError(.ruleViolation, field: "output", "no output is reported for \(year - 1) for mine \(license)")
                e.remedy = Remedy(.reportOutput, license: license, year: year - 1)
                throw e
            }
            let inputs = AccrualInputs(
                year: year, mineralClass: mine.mineralClass, methodDetail: detail, landType: mine.landType,
                regionCode: mine.regionCode, coal: AccrualInputs.isCoal(mineralClass: mine.mineralClass, mineral: mine.mineral),
                output: report.quantity, outputUnit: report.unit,
                conversion: report.unit == "m3" && mine.mineralClass != .nonSolidEnergy
                    ? try bulkDensity(of: mine.mineral, license: license, on: conn) : nil)
            let rules = try RuleSets.inForce(year: year, region: mine.regionCode, on: conn)
            let calc = try AccrualCalculation.compute(inputs, rules: rules)
            let floor = try Plans.floor(mineID: mineID, year: year, on: conn)
            let version = Int(try conn.queryFirst("""
                SELECT coalesce(max(version), 0) + 1 AS v FROM accrual_assessments
                WHERE mine_id = \(mineID) AND year = \(Int64(year))
                """)?.decode("v", as: Int32.self) ?? 1)
            var assessment = Assessment(
                id: 0, license: license, year: year, version: version, outputReportID: report.id, inputs: inputs,
                calculation: calc, floor: floor.map { ($0.version, $0.amount) }, assessedAt: Date(),
                assessedBy: actor.name)
            guard let stored = try DatabaseRefusal.mapping({
                try conn.queryFirst("""
                    INSERT INTO accrual_assessments (
                        mine_id, year, version, rule_set, output_report_id, output, output_unit, conversion_kg_per_m3,
                        conversion_setting, mineral_class, method_detail,
                        land_type, region_code, coal, base_rate, method_coefficient, land_coefficient,
                        region_coefficient, coal_price_coefficient, formula_amount, plan_id, floor_amount, amount,
                        basis, assessed_by)
                    VALUES (\(mineID), \(Int64(year)), \(Int32(version)), \(rules.name), \(report.id),
                            \(report.quantity.description)::numeric, \(report.unit), \(calc.conversionKgPerM3.map(Int32.init)),
                            \(calc.conversionSetting), \(inputs.mineralClass.rawValue),
                            \(detail.rawValue), \(inputs.landType.rawValue), \(inputs.regionCode), \(inputs.coal),
                            \(calc.factor(.baseRate)?.description)::numeric,
                            \(calc.factor(.method)?.description)::numeric,
                            \(calc.factor(.land)?.description)::numeric,
                            \(calc.factor(.region)?.description)::numeric,
                            \(calc.factor(.coalPrice)?.description)::numeric,
                            \(calc.formulaAmount.fen), \(floor?.planID), \(floor?.amount.fen),
                            \(assessment.amount.fen), \(assessment.basis), \(actor.name))
                    RETURNING id, assessed_at
                    """)
            }) else { throw ReclaimError(.internal, "the assessment was not stored") }
            assessment.id = try stored.decode("id")
            assessment.assessedAt = try stored.decode("assessed_at")
            // the fund is re-assessed against the re-compiled plan: while the
            // re-plan is open, an assessment (on the old plan's floor) closes nothing
            try conn.execute("""
                UPDATE mine_obligations SET closed_at = now(), closed_by = \(actor.name),
                    closed_by_assessment = \(assessment.id)
                WHERE mine_id = \(mineID) AND kind = 'reassess-fund' AND closed_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM mine_obligations o WHERE o.mine_id = \(mineID)
                                  AND o.kind = 'recompile-plan' AND o.closed_at IS NULL)
                """)
            try AuditLog.record(action: "accrual.assess", target: "mine:\(license)",
                                input: assessment.explanation.joined(separator: "\n"), by: actor, on: conn)
            return assessment
        }
    }

    /// The latest assessment of the year (or version `version`).
    public static func assessment(_ license: String, year: Int, version: Int? = nil, on conn: Connection) throws
        -> Assessment
    {
        let license = try Identifier.license(license)
        guard let row = try conn.queryFirst("""
            SELECT a.*, a.output::text AS output_text, a.base_rate::text AS base_text,
                   a.method_coefficient::text AS method_text, a.land_coefficient::text AS land_text,
                   a.region_coefficient::text AS region_text, a.coal_price_coefficient::text AS coal_text,
                   p.version AS plan_version
            FROM accrual_assessments a JOIN mines m ON m.id = a.mine_id LEFT JOIN plans p ON p.id = a.plan_id
            WHERE m.license = \(license) AND a.year = \(Int64(year))
              AND (\(version.map { Int32($0) }) IS NULL OR a.version = \(version.map { Int32($0) }))
            ORDER BY a.version DESC LIMIT 1
            """)
        else {
            _ = try MineRegistry.find(license, on: conn)
            throw ReclaimError(.notFound, field: "year",
                               "mine \(license) has no assessment for \(year)\(version.map { " version \($0)" } ?? "")")
        }
        let inputs = AccrualInputs(
            year: year, mineralClass: try row.decodeEnum("mineral_class"), methodDetail: try row.decodeEnum("method_detail"),
            landType: try row.decodeEnum("land_type"), regionCode: try row.decode("region_code"),
            coal: try row.decode("coal"), output: try Quantity.parse(try row.decode("output_text")),
            outputUnit: try row.decode("output_unit"),
            // the setting's name, recovered from the mine's mineral; the density is the one recorded
            conversion: try row.decode("conversion_kg_per_m3", as: Int32?.self).map {
                BulkDensity(kgPerM3: Int($0), setting: try row.decode("conversion_setting", as: String?.self) ?? "conversion.kg_per_m3")
            })
        // The stored coefficients, recomputed by the one formula: what is shown is what was checked.
        var rules = RuleSet(name: try row.decode("rule_set"), jurisdiction: "000000",
                            effectiveFrom: CalendarDate(year: 1990, month: 1, day: 1) ?? CalendarDate.today(),
                            baseRate: [inputs.mineralClass.rawValue: try Coefficient.parse(try row.decode("base_text"), field: "base_rate")],
                            method: [inputs.methodDetail.rawValue: try Coefficient.parse(try row.decode("method_text"), field: "method")],
                            land: [inputs.landType.rawValue: try Coefficient.parse(try row.decode("land_text"), field: "land")],
                            region: [inputs.regionCode: try Coefficient.parse(try row.decode("region_text"), field: "region")])
        if let coal: String = try row.decode("coal_text") {
            rules.coalPrice[String(year)] = try Coefficient.parse(coal, field: "coal_price")
        }
        let calc = try AccrualCalculation.compute(inputs, rules: rules)
        let floorFen: Int64? = try row.decode("floor_amount")
        let planVersion: Int32? = try row.decode("plan_version")
        let floor = zip2(planVersion.map(Int.init), floorFen.map(Money.init(fen:)))
        let a = Assessment(
            id: try row.decode("id"), license: license, year: year, version: Int(try row.decode("version", as: Int32.self)),
            outputReportID: try row.decode("output_report_id"), inputs: inputs, calculation: calc, floor: floor,
            assessedAt: try row.decode("assessed_at"), assessedBy: try row.decode("assessed_by"))
        guard a.amount.fen == (try row.decode("amount", as: Int64.self)) else {
            throw ReclaimError(.internal, "assessment \(a.id) does not recompute to its stored amount")
        }
        return a
    }

    private static func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
        guard let a, let b else { return nil }
        return (a, b)
    }

    /// The what-if figure: the rule set in force for `inputs.year` and region.
    public static func quote(_ inputs: AccrualInputs, on conn: Connection) throws -> AccrualQuote {
        try Years.check(inputs.year - 1, field: "year")
        guard inputs.regionCode.utf8.count == 6, inputs.regionCode.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw ReclaimError.invalid("region", "must be a six-digit administrative code, like 150621")
        }
        let rules = try RuleSets.inForce(year: inputs.year, region: inputs.regionCode, on: conn)
        return AccrualQuote(try AccrualCalculation.compute(inputs, rules: rules))
    }

    /// Per mine with an assessment up to `year`: the year's figures and the
    /// cumulative ones since its first assessed year. `only`: an operator's mines.
    public static func shortfalls(year: Int, only: [String]? = nil, on conn: Connection) throws -> [Shortfall] {
        try Years.check(year)
        guard let jan1 = CalendarDate(year: year, month: 1, day: 1),
              let dec31 = CalendarDate(year: year, month: 12, day: 31) else { return [] }
        return try conn.query("""
            WITH latest AS (
                SELECT DISTINCT ON (mine_id, year) mine_id, year, amount
                FROM accrual_assessments WHERE year <= \(Int64(year))
                ORDER BY mine_id, year, version DESC
            ), per_mine AS (
                SELECT l.mine_id, min(l.year) AS first_year,
                       coalesce(sum(l.amount) FILTER (WHERE l.year = \(Int64(year))), 0) AS assessed,
                       sum(l.amount) AS cumulative_assessed
                FROM latest l JOIN mines m ON m.id = l.mine_id
                WHERE \(only) IS NULL OR m.license = ANY (\(only))
                GROUP BY l.mine_id
            ), deposited AS (
                -- fund postings of deposits and of the reversals of deposits, from the mine's first
                -- assessed year to the end of this one, in one pass per mine (the home page counts
                -- these for every mine: no per-mine subquery over every deposit)
                SELECT pm.mine_id,
                       coalesce(sum(p.amount) FILTER (WHERE p.value_date >= \(jan1)), 0) AS deposited,
                       coalesce(sum(p.amount), 0) AS cumulative_deposited
                FROM per_mine pm
                JOIN fund_accounts a ON a.mine_id = pm.mine_id AND a.kind = 'fund'
                JOIN ledger_postings p ON p.account_id = a.id
                 AND p.value_date >= make_date(pm.first_year, 1, 1) AND p.value_date <= \(dec31)
                JOIN ledger_entries e ON e.id = p.entry_id
                LEFT JOIN ledger_entries o ON o.id = e.reverses
                WHERE e.kind = 'deposit' OR (e.kind = 'reversal' AND o.kind = 'deposit')
                GROUP BY pm.mine_id
            )
            SELECT m.license, pm.assessed, pm.cumulative_assessed,
                   coalesce(d.deposited, 0)::bigint AS deposited, coalesce(d.cumulative_deposited, 0)::bigint AS cumulative_deposited
            FROM per_mine pm JOIN mines m ON m.id = pm.mine_id
            LEFT JOIN deposited d ON d.mine_id = pm.mine_id
            ORDER BY m.license
            """).rows.map { r in
            let assessed = Money(fen: try r.decode("assessed", as: Int64.self))
            let deposited = Money(fen: try r.decode("deposited", as: Int64.self))
            let cumAssessed = Money(fen: try r.decode("cumulative_assessed", as: Int64.self))
            let cumDeposited = Money(fen: try r.decode("cumulative_deposited", as: Int64.self))
            return Shortfall(
                license: try r.decode("license"), year: year, assessed: assessed, deposited: deposited,
                shortfall: Money(fen: max(0, assessed.fen - deposited.fen)), cumulativeAssessed: cumAssessed,
                cumulativeDeposited: cumDeposited,
                cumulativeShortfall: Money(fen: max(0, cumAssessed.fen - cumDeposited.fen)))
        }
    }
}
