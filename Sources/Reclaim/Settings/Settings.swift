public import Foundation
public import PQKit

/// One setting the bureau may change (`reclaim settings`), with the value in
/// force. Keys, defaults, floors and ceilings are the database's catalogue
/// (`setting_catalogue()` in sql/functions/settings.sql), the one place they
/// are written; the database's rules read the same values.
public struct Setting: Sendable, Equatable, Codable {
    public var key: String
    public var value: Int
    public var defaultValue: Int
    public var floor: Int
    public var ceiling: Int
    public var unit: String
    public var meaning: String
    /// Who set the value in force, and when; nil while the default holds.
    @Nullable public var setBy: String?
    @Nullable public var setAt: Date?

    enum CodingKeys: String, CodingKey {
        case key, value
        case defaultValue = "default"
        case floor, ceiling, unit, meaning
        case setBy = "set_by"
        case setAt = "set_at"
    }
}

public enum Settings {
    public static func list(on conn: Connection) throws -> [Setting] {
        try conn.query("""
            SELECT c.key, setting_int(c.key) AS value, c.default_value, c.floor_value, c.ceiling_value, c.unit, c.meaning,
                   s.set_by, s.set_at
            FROM setting_catalogue() c
            LEFT JOIN LATERAL (SELECT set_by, set_at FROM settings WHERE key = c.key ORDER BY id DESC LIMIT 1) s ON true
            ORDER BY c.key
            """).rows.map { r in
            Setting(key: try r.decode("key"), value: Int(try r.decode("value", as: Int32.self)),
                    defaultValue: Int(try r.decode("default_value", as: Int32.self)),
                    floor: Int(try r.decode("floor_value", as: Int32.self)),
                    ceiling: Int(try r.decode("ceiling_value", as: Int32.self)),
                    unit: try r.decode("unit"), meaning: try r.decode("meaning"),
                    setBy: try r.decode("set_by"), setAt: try r.decode("set_at"))
        }
    }

    /// The value in force.
    public static func int(_ key: String, on conn: Connection) throws -> Int {
        guard let v = try conn.queryFirst("SELECT setting_int(\(key)) AS v")?.decode("v", as: Int32?.self) else {
            throw ReclaimError(.notFound, field: "key", "no setting \(key)")
        }
        return Int(v)
    }

    /// Sets a value (an administrator's, audited): refused below its floor or above its ceiling.
    public static func set(_ key: String, _ value: String, by actor: Actor, on conn: Connection) throws -> Setting {
        let key = key.trimmingCharacters(in: .whitespaces)
        let value = value.trimmingCharacters(in: .whitespaces)
        return try conn.transactionally { conn in
            guard let known = try list(on: conn).first(where: { $0.key == key }) else {
                throw ReclaimError(.notFound, field: "key", "no setting \(key)")
            }
            guard (1...9).contains(value.utf8.count), value.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }, let n = Int(value) else {
                throw ReclaimError.invalid("value", "\(key) must be a whole number (\(known.unit))")
            }
            // below its floor or above its ceiling: a rule refuses it
            guard (known.floor...known.ceiling).contains(n) else {
                throw ReclaimError(.ruleViolation, field: "value",
                                   "\(key) must be a whole number from \(known.floor) to \(known.ceiling) (\(known.unit))")
            }
            _ = try DatabaseRefusal.mapping {
                try conn.execute("INSERT INTO settings (key, value, set_by) VALUES (\(key), \(String(n)), \(actor.name))")
            }
            try AuditLog.record(action: "setting.set", target: "setting:\(key)", input: "\(known.value) -> \(n)",
                                by: actor, on: conn)
            return try list(on: conn).first { $0.key == key } ?? known
        }
    }
}

/// Settings are the administrator's; everyone signed in may read them.
public enum SettingsPolicy {
    public static let manage = Policy.roles("change settings", .admin)
}

extension Settings {
    /// PUT /settings/{key} (admin).
    public struct SetRequest: APIRequest {
        public var value: String
        public enum CodingKeys: String, CodingKey, CaseIterable { case value }
        public init(value: String) { self.value = value }
    }
}

extension Settings {
    public enum Commands {
        public static func set(_ key: String, _ value: String) -> Command<Setting> {
            Command(SettingsPolicy.manage) { actor, conn in try Settings.set(key, value, by: actor, on: conn) }
        }
    }
}
