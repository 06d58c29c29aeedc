public import Foundation
public import PQKit

public struct User: Sendable, Equatable, Encodable {
    public var name: String
    public var role: Role
    public var mines: [String]
    /// An expert's organisation (the department or institute they come from).
    public var org: String?
    public var disabled: Bool
    public var createdAt: Date
    public var createdBy: String

    enum CodingKeys: String, CodingKey {
        case name, role, mines, org, disabled
        case createdAt = "created_at"
        case createdBy = "created_by"
    }
}

public struct IssuedToken: Sendable, Encodable {
    public var id: Int64
    public var user: String
    /// Shown once; only its hash is stored.
    public var token: String
    public var expiresAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, user, token
        case expiresAt = "expires_at"
    }
}

/// Users, their roles and mines, and their API tokens.
public enum Users {
    public static func add(_ name: String, role: Role, mines: [String], org: String? = nil, by actor: Actor,
                           on conn: Connection) throws -> User
    {
        let name = try Identifier.userName(name)
        let org = try Text.optional(org, field: "org", maxLength: 200)
        if role == .expert, org == nil {
            throw ReclaimError.invalid("org", "an expert is recorded with their organisation")
        }
        let mines = try mines.map { try Identifier.license($0, field: "mine") }
        if role == .operator, mines.isEmpty {
            throw ReclaimError.invalid("mine", "an operator is bound to at least one mine")
        }
        if role != .operator, !mines.isEmpty {
            throw ReclaimError.invalid("mine", "only operators are bound to mines")
        }
        return try conn.transactionally { conn in
            // a name taken, even by a second administrator at the same moment, is the primary key's refusal (users_pkey)
            _ = try DatabaseRefusal.mapping {
                try conn.execute("""
                    SELECT user_add(\(name), \(role.rawValue), \(org), \(Array(Set(mines)).sorted()), \(actor.name), \(actor.role),
                                    \(actor.requestID))
                    """)
            }
            return try find(name, on: conn)
        }
    }

    public static func list(on conn: Connection) throws -> [User] {
        try conn.query("""
            SELECT u.name, u.role, u.org, u.disabled_at IS NOT NULL AS disabled, u.created_at, u.created_by,
                   coalesce(array_agg(m.license ORDER BY m.license) FILTER (WHERE m.license IS NOT NULL), '{}') AS mines
            FROM users u LEFT JOIN user_mines um ON um.user_name = u.name LEFT JOIN mines m ON m.id = um.mine_id
            GROUP BY u.name ORDER BY u.name
            """).rows.map(User.init(row:))
    }

    public static func find(_ name: String, on conn: Connection) throws -> User {
        guard let row = try conn.queryFirst("""
            SELECT u.name, u.role, u.org, u.disabled_at IS NOT NULL AS disabled, u.created_at, u.created_by,
                   coalesce(array_agg(m.license ORDER BY m.license) FILTER (WHERE m.license IS NOT NULL), '{}') AS mines
            FROM users u LEFT JOIN user_mines um ON um.user_name = u.name LEFT JOIN mines m ON m.id = um.mine_id
            WHERE u.name = \(name) GROUP BY u.name
            """)
        else { throw ReclaimError(.notFound, field: "name", "no user \(name)") }
        return try User(row: row)
    }

    public static func disable(_ name: String, by actor: Actor, on conn: Connection) throws {
        try setDisabled(name, true, by: actor, on: conn)
    }

    /// Lets a disabled user sign in and use their tokens again.
    public static func enable(_ name: String, by actor: Actor, on conn: Connection) throws {
        try setDisabled(name, false, by: actor, on: conn)
    }

    private static func setDisabled(_ name: String, _ disabled: Bool, by actor: Actor, on conn: Connection) throws {
        _ = try DatabaseRefusal.mapping {
            try conn.execute("""
                SELECT user_set_disabled(\(name), \(disabled), \(actor.name), \(actor.role), \(actor.requestID))
                """)
        }
    }

    /// The PostgreSQL session user, and whether it owns the database (or is
    /// a superuser): the administrator of this installation.
    public static func session(on conn: Connection) throws -> (name: String, isOwner: Bool) {
        guard let row = try conn.queryFirst("""
            SELECT session_user::text AS name,
                   session_user = pg_get_userbyid(d.datdba) OR r.rolsuper AS owner
            FROM pg_database d, pg_roles r
            WHERE d.datname = current_database() AND r.rolname = session_user
            """)
        else { throw ReclaimError(.internal, "no session user") }
        return (try row.decode("name"), try row.decode("owner"))
    }

    /// The principal behind a known, enabled user name; nil for a name that is no user.
    public static func principal(named name: String, on conn: Connection) throws -> Principal? {
        let user: User
        do {
            user = try find(name, on: conn)
        } catch let e as ReclaimError where e.kind == .notFound {
            return nil
        }
        guard !user.disabled else { throw ReclaimError(.forbidden, "user \(name) is disabled") }
        return Principal(name: user.name, role: user.role, mines: Set(user.mines))
    }

    // MARK: - Tokens

    /// A token's life when none is asked for: a lost token stops working by itself.
    public static let defaultTokenDays = 90

    /// Issues a bearer token, valid for `expiresInDays` (default 90). Only its SHA-256 is stored.
    public static func issueToken(for name: String, expiresInDays: Int? = nil, by actor: Actor, on conn: Connection)
        throws -> IssuedToken
    {
        let expiresInDays = expiresInDays ?? defaultTokenDays
        guard (1...3650).contains(expiresInDays) else {
            throw ReclaimError.invalid("expires-in-days", "must be between 1 and 3650")
        }
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        let token = "rcl_" + ByteA(bytes).hex
        return try conn.transactionally { conn in
            let user = try find(name, on: conn)
            guard !user.disabled else { throw ReclaimError(.ruleViolation, field: "name", "user \(name) is disabled") }
            guard let row = try DatabaseRefusal.mapping({
                try conn.queryFirst("""
                    SELECT id, expires_at FROM api_token_issue(\(name), sha256(convert_to(\(token), 'UTF8')), \(Int32(expiresInDays)),
                                                               \(actor.name), \(actor.role), \(actor.requestID))
                    """)
            }) else { throw ReclaimError(.internal, "token not stored") }
            return IssuedToken(id: try row.decode("id"), user: name, token: token, expiresAt: try row.decode("expires_at"))
        }
    }

    public static func revokeToken(_ id: Int64, by actor: Actor, on conn: Connection) throws {
        do {
            _ = try DatabaseRefusal.mapping {
                try conn.execute("SELECT api_token_revoke(\(id), \(actor.name), \(actor.role), \(actor.requestID))")
            }
        } catch let e as ReclaimError where e.kind == .notFound {
            throw ReclaimError(.notFound, field: "token_id", "no active token \(id)")
        }
    }

    /// The principal a bearer token stands for, or nil if the token is
    /// unknown, expired or revoked, or its user disabled.
    public static func authenticate(token: String, on conn: Connection) throws -> Principal? {
        guard token.hasPrefix("rcl_"), token.count < 200 else { return nil }
        guard let row = try conn.queryFirst("SELECT name, role, mines FROM api_principal(\(token))") else { return nil }
        return Principal(name: try row.decode("name"), role: try row.decodeEnum("role"),
                         mines: Set(try row.decode("mines", as: [String].self)))
    }
}

extension User {
    init(row: Row) throws {
        name = try row.decode("name")
        role = try row.decodeEnum("role")
        mines = try row.decode("mines")
        org = try row.decode("org")
        disabled = try row.decode("disabled")
        createdAt = try row.decode("created_at")
        createdBy = try row.decode("created_by")
    }
}

/// An API token as an administrator sees it: never the token, only its life.
public struct TokenInfo: Sendable, Equatable {
    public var id: Int64
    public var createdAt: Date
    public var createdBy: String
    public var expiresAt: Date?
    public var revokedAt: Date?
}

extension Users {
    /// A user's tokens, newest first.
    public static func tokens(of name: String, on conn: Connection) throws -> [TokenInfo] {
        try conn.query("""
            SELECT id, created_at, created_by, expires_at, revoked_at FROM api_tokens WHERE user_name = \(name) ORDER BY id DESC
            """).rows.map { r in
            TokenInfo(id: try r.decode("id"), createdAt: try r.decode("created_at"), createdBy: try r.decode("created_by"),
                      expiresAt: try r.decode("expires_at"), revokedAt: try r.decode("revoked_at"))
        }
    }

    /// Replaces the mines an operator acts for (a mine sold, a new one
    /// opened); the database checks the rest (`user_set_mines`).
    public static func setMines(_ name: String, _ mines: [String], by actor: Actor, on conn: Connection) throws -> User {
        let mines = try mines.map { try Identifier.license($0, field: "mines") }
        guard !mines.isEmpty else { throw ReclaimError.invalid("mines", "an operator is bound to at least one mine (disable the user instead)") }
        return try conn.transactionally { conn in
            _ = try DatabaseRefusal.mapping {
                try conn.execute("""
                    SELECT user_set_mines(\(name), \(Array(Set(mines)).sorted()), \(actor.name), \(actor.role), \(actor.requestID))
                    """)
            }
            return try find(name, on: conn)
        }
    }

    /// An administrator's user actions as commands (`UserPolicy.manage`); the
    /// database holds the same rule (sql/functions/users.sql).
    public enum Commands {
        public static func add(_ name: String, role: Role, mines: [String], org: String?) -> Command<User> {
            Command(UserPolicy.manage) { actor, conn in try Users.add(name, role: role, mines: mines, org: org, by: actor, on: conn) }
        }

        public static func setMines(_ name: String, _ mines: [String]) -> Command<User> {
            Command(UserPolicy.manage) { actor, conn in try Users.setMines(name, mines, by: actor, on: conn) }
        }

        public static func disable(_ name: String) -> Command<Void> {
            Command(UserPolicy.manage) { actor, conn in try Users.disable(name, by: actor, on: conn) }
        }

        public static func enable(_ name: String) -> Command<Void> {
            Command(UserPolicy.manage) { actor, conn in try Users.enable(name, by: actor, on: conn) }
        }

        public static func setPassword(_ name: String, _ password: String) -> Command<Void> {
            Command(UserPolicy.manage) { actor, conn in try Passwords.set(name, password: password, by: actor, on: conn) }
        }

        public static func issueToken(for name: String, expiresInDays: Int?) -> Command<IssuedToken> {
            Command(UserPolicy.manage) { actor, conn in
                try Users.issueToken(for: name, expiresInDays: expiresInDays, by: actor, on: conn)
            }
        }

        public static func revokeToken(_ id: Int64) -> Command<Void> {
            Command(UserPolicy.manage) { actor, conn in try Users.revokeToken(id, by: actor, on: conn) }
        }
    }
}
