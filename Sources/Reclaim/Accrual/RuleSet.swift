public import Foundation
public import PQKit

/// A coefficient rule set (计提系数): the tables of the accrual formula, as
/// data. Immutable once loaded; a change is a new set with a later
/// effective date. The JSON shape is that of `sql/data/ordos-2025.json`.
public struct RuleSet: Sendable, Equatable, Codable {
    /// The formula's tables, by the name the file and the database use.
    public enum Table: String, Sendable, CaseIterable, Codable {
        case baseRate = "base_rate"
        case method
        case land
        case region
        case coalPrice = "coal_price"

        /// For messages: "region coefficient".
        public var noun: String {
            switch self {
            case .baseRate: return "base rate"
            case .method: return "method coefficient"
            case .land: return "land coefficient"
            case .region: return "region coefficient"
            case .coalPrice: return "coal-price coefficient"
            }
        }
    }

    public var name: String
    /// The administrative division it applies under (150600: Ordos).
    public var jurisdiction: String
    public var effectiveFrom: CalendarDate
    public var baseRate: [String: Coefficient]
    public var method: [String: Coefficient]
    public var land: [String: Coefficient]
    public var region: [String: Coefficient]
    /// By assessment year, as the bureau sets it each year.
    public var coalPrice: [String: Coefficient]
    /// Who loaded it and when (nil in a file not yet loaded).
    public var loadedBy: String?
    public var loadedAt: Date?
    /// A correction: the mistyped set of the same jurisdiction and date it
    /// replaces, and why (both or neither).
    public var supersedes: String?
    public var correctionReason: String?
    /// The set that replaced this one, when it was corrected (read back only).
    public var supersededBy: String?

    enum CodingKeys: String, CodingKey {
        case name, jurisdiction
        case effectiveFrom = "effective_from"
        case baseRate = "base_rate"
        case method, land, region
        case coalPrice = "coal_price"
        case loadedBy = "loaded_by"
        case loadedAt = "loaded_at"
        case supersedes
        case correctionReason = "correction_reason"
        case supersededBy = "superseded_by"
    }

    public init(name: String, jurisdiction: String, effectiveFrom: CalendarDate, baseRate: [String: Coefficient],
                method: [String: Coefficient], land: [String: Coefficient], region: [String: Coefficient] = [:],
                coalPrice: [String: Coefficient] = [:])
    {
        self.name = name
        self.jurisdiction = jurisdiction
        self.effectiveFrom = effectiveFrom
        self.baseRate = baseRate
        self.method = method
        self.land = land
        self.region = region
        self.coalPrice = coalPrice
    }

    public subscript(table: Table) -> [String: Coefficient] {
        switch table {
        case .baseRate: return baseRate
        case .method: return method
        case .land: return land
        case .region: return region
        case .coalPrice: return coalPrice
        }
    }

    /// The coefficient, or a refusal naming the table, the key and the set:
    /// `region coefficient for 150621 is not in rule set ordos-2025`.
    public func coefficient(_ table: Table, _ key: String) throws -> Coefficient {
        guard let value = self[table][key] else {
            // the sentence names the table itself: no field prefix
            throw ReclaimError(.ruleViolation, "\(table.noun) for \(key) is not in rule set \(name)")
        }
        return value
    }

    /// Whether the set applies to a mine of `regionCode`: 150600 covers
    /// 1506xx, 150000 all of Inner Mongolia, 000000 everywhere.
    public func covers(region regionCode: String) -> Bool {
        var prefix = Substring(jurisdiction)
        while prefix.hasSuffix("00") { prefix = prefix.dropLast(2) }
        return regionCode.hasPrefix(prefix)
    }

    /// Reads a rule set file, checking every name, key and figure; the
    /// first problem is refused naming its place (`method.open-pit-x`).
    public static func parse(_ data: Data) throws -> RuleSet {
        guard let object = try? JSONSerialization.jsonObject(with: data), let doc = object as? [String: Any] else {
            throw ReclaimError.invalid("rule_set", "is not a JSON object")
        }
        if let unknown = doc.keys.sorted().first(where: { !RuleSetFile.fields.contains($0) }) {
            throw ReclaimError.invalid(unknown, "is not a field of a rule set")
        }
        if let source = doc["source"], !((source as? String).map { $0.count <= 500 } ?? false) {
            throw ReclaimError.invalid("source", "must be text of at most 500 characters")
        }
        guard let name = doc["name"] as? String, name.range(of: #"^[a-z0-9][a-z0-9._-]{0,63}$"#, options: .regularExpression) != nil
        else { throw ReclaimError.invalid("name", "must be lower-case letters, digits, . _ - (like ordos-2026)") }
        guard let jurisdiction = doc["jurisdiction"] as? String, jurisdiction.utf8.count == 6,
              jurisdiction.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 })
        else { throw ReclaimError.invalid("jurisdiction", "must be a six-digit administrative code, like 150600") }
        guard let from = (doc["effective_from"] as? String).flatMap(CalendarDate.init(iso:)),
              from >= CalendarDate(year: 1990, month: 1, day: 1) ?? from
        else { throw ReclaimError.invalid("effective_from", "must be a date like 2025-01-01") }

        func table(_ t: Table, keys allowed: [String]?, pattern: String? = nil) throws -> [String: Coefficient] {
            guard let raw = doc[t.rawValue] else {
                throw ReclaimError.invalid(t.rawValue, "is missing (an empty table is {})")
            }
            guard let entries = raw as? [String: Any] else {
                throw ReclaimError.invalid(t.rawValue, "must be an object of decimal strings")
            }
            var out: [String: Coefficient] = [:]
            for key in entries.keys.sorted() {
                let place = "\(t.rawValue).\(key)"
                if let allowed, !allowed.contains(key) {
                    throw ReclaimError.invalid(place, "is not one of \(allowed.joined(separator: ", "))")
                }
                if let pattern, key.range(of: pattern, options: .regularExpression) == nil {
                    throw ReclaimError.invalid(place, "is not a valid key")
                }
                guard let text = entries[key] as? String else {
                    throw ReclaimError.invalid(place, "must be a decimal string, like \"1.2\"")
                }
                out[key] = try Coefficient.parse(text, field: place)
            }
            return out
        }
        let supersedes = try doc["supersedes"].map { value -> String in
            guard let s = value as? String, s.range(of: #"^[a-z0-9][a-z0-9._-]{0,63}$"#, options: .regularExpression) != nil else {
                throw ReclaimError.invalid("supersedes", "must name the rule set this one corrects, like ordos-2026")
            }
            return s
        }
        let reason = try doc["correction_reason"].map { value -> String in
            guard let s = value as? String else { throw ReclaimError.invalid("correction_reason", "must be text") }
            return try Text.required(s, field: "correction_reason", maxLength: 500)
        }
        guard (supersedes == nil) == (reason == nil) else {
            // well-formed fields that do not go together: refused by the rule (HTTP 422), as a work's are
            throw ReclaimError(.ruleViolation, field: supersedes == nil ? "supersedes" : "correction_reason",
                               "a correction names the set it supersedes and gives its correction_reason")
        }
        var set = RuleSet(
            name: name, jurisdiction: jurisdiction, effectiveFrom: from,
            baseRate: try table(.baseRate, keys: MineralClass.allCases.map(\.rawValue)),
            method: try table(.method, keys: MethodDetail.allCases.map(\.rawValue)),
            land: try table(.land, keys: LandType.allCases.map(\.rawValue)),
            region: try table(.region, keys: nil, pattern: #"^[0-9]{6}$"#),
            coalPrice: try table(.coalPrice, keys: nil, pattern: #"^(199[1-9]|2[01][0-9][0-9]|2200)$"#))
        set.supersedes = supersedes
        set.correctionReason = reason
        return set
    }
}

/// The rule sets in the database.
public enum RuleSets {
    /// Loads a new set: the set and every coefficient in one transaction,
    /// audited. A name or (jurisdiction, date) already loaded is a conflict.
    public static func load(_ set: RuleSet, by actor: Actor, on conn: Connection) throws -> RuleSet {
        try conn.transactionally { conn in
            let inserted = try DatabaseRefusal.mapping {
                try conn.execute("""
                    INSERT INTO accrual_rule_sets (name, jurisdiction, effective_from, loaded_by, supersedes, correction_reason)
                    VALUES (\(set.name), \(set.jurisdiction), \(set.effectiveFrom), \(actor.name), \(set.supersedes),
                            \(set.correctionReason))
                    ON CONFLICT DO NOTHING
                    """)
            }
            guard inserted == 1 else {
                throw ReclaimError(.conflict, field: "name",
                                   "rule set \(set.name), or one for \(set.jurisdiction) from \(set.effectiveFrom), is loaded already; a set mistyped is corrected by a new set that names it in supersedes, with a correction_reason")
            }
            for table in RuleSet.Table.allCases {
                for (key, value) in set[table] {
                    _ = try DatabaseRefusal.mapping {
                        try conn.execute("""
                            INSERT INTO accrual_coefficients (rule_set, table_name, key, value)
                            VALUES (\(set.name), \(table.rawValue), \(key), \(value.description)::numeric)
                            """)
                    }
                }
            }
            let input = (try? ReclaimJSON.encode(set)).map { String(decoding: $0, as: UTF8.self) } ?? set.name
            try AuditLog.record(action: "accrual.rules.load", target: "rule-set:\(set.name)", input: input, by: actor,
                                on: conn)
            return try find(set.name, on: conn)
        }
    }

    /// Every set, newest effective date first.
    public static func list(on conn: Connection) throws -> [RuleSet] {
        let names: [String] = try conn.query("""
            SELECT name FROM accrual_rule_sets ORDER BY effective_from DESC, name
            """).rows.map { try $0.decode("name") }
        return try names.map { try find($0, on: conn) }
    }

    public static func find(_ name: String, on conn: Connection) throws -> RuleSet {
        guard let row = try conn.queryFirst("""
            SELECT s.name, s.jurisdiction, s.effective_from, s.loaded_by, s.loaded_at, s.supersedes, s.correction_reason,
                   (SELECT c.name FROM accrual_rule_sets c WHERE c.supersedes = s.name) AS superseded_by
            FROM accrual_rule_sets s WHERE s.name = \(name)
            """)
        else { throw ReclaimError(.notFound, field: "name", "no rule set \(name)") }
        var set = RuleSet(name: try row.decode("name"), jurisdiction: try row.decode("jurisdiction"),
                          effectiveFrom: try row.decode("effective_from"), baseRate: [:], method: [:], land: [:])
        set.loadedBy = try row.decode("loaded_by")
        set.loadedAt = try row.decode("loaded_at")
        set.supersedes = try row.decode("supersedes", as: String?.self)
        set.correctionReason = try row.decode("correction_reason", as: String?.self)
        set.supersededBy = try row.decode("superseded_by", as: String?.self)
        for r in try conn.query("""
            SELECT table_name, key, value::text AS value FROM accrual_coefficients WHERE rule_set = \(name)
            """).rows {
            let table: RuleSet.Table = try r.decodeEnum("table_name")
            let value = try Coefficient.parse(try r.decode("value"), field: "value")
            let key: String = try r.decode("key")
            switch table {
            case .baseRate: set.baseRate[key] = value
            case .method: set.method[key] = value
            case .land: set.land[key] = value
            case .region: set.region[key] = value
            case .coalPrice: set.coalPrice[key] = value
            }
        }
        return set
    }

    /// The set in force on 1 January of `year` for a mine of `regionCode`:
    /// the latest effective date on or before it; of two, the narrower
    /// jurisdiction.
    public static func inForce(year: Int, region regionCode: String, on conn: Connection) throws -> RuleSet {
        guard let jan1 = CalendarDate(year: year, month: 1, day: 1) else {
            throw ReclaimError.invalid("year", "must be a year like 2026")
        }
        let candidates = try conn.query("""
            SELECT name, jurisdiction FROM accrual_rule_sets WHERE effective_from <= \(jan1)
            ORDER BY effective_from DESC, length(rtrim(jurisdiction, '0')) DESC, generation DESC
            """).rows
        for r in candidates {
            let name: String = try r.decode("name")
            let jurisdiction: String = try r.decode("jurisdiction")
            let probe = RuleSet(name: name, jurisdiction: jurisdiction, effectiveFrom: jan1, baseRate: [:],
                                method: [:], land: [:])
            if probe.covers(region: regionCode) { return try find(name, on: conn) }
        }
        throw ReclaimError(.ruleViolation, field: "rule_set",
                           "no accrual rule set is in force on \(jan1) for region \(regionCode)")
    }
}

/// A rule set's file (计提规则): what `accrual rules load` reads and POST /accrual/rule-sets sends.
public enum RuleSetFile: BodyShape {
    public static var fields: [String] {
        ["name", "jurisdiction", "effective_from", "source", "base_rate", "method", "land", "region", "coal_price", "supersedes",
         "correction_reason"]
    }
}
