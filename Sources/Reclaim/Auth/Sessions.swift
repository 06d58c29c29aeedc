public import Foundation
public import PQKit

/// Dashboard passwords, hashed and checked by the database only
/// (sql/functions/sessions.sql: bcrypt, cost 12, of the password's SHA-256,
/// with pgcrypto), so that nobody holding the service's role signs in
/// without one. Never stored plain; the service never sees a hash.
public enum Passwords {
    public static let minimumLength = 10
    public static let maximumLength = 200

    /// Refuses a password that is too short or too long, or that holds
    /// control characters (a terminal's stray escape, say). The database
    /// refuses the same.
    public static func check(_ password: String) throws {
        guard password.count >= minimumLength else {
            throw ReclaimError.invalid("password", "must be at least \(minimumLength) characters")
        }
        guard password.utf8.count <= maximumLength else {
            throw ReclaimError.invalid("password", "must be at most \(maximumLength) bytes")
        }
        guard !password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ReclaimError.invalid("password", "must not hold control characters")
        }
    }

    /// Sets (or replaces) a user's password: a new row, audited (the hash is not).
    public static func set(_ name: String, password: String, by actor: Actor, on conn: Connection) throws {
        try check(password)
        try conn.transactionally { conn in
            let user = try Users.find(name, on: conn)
            guard !user.disabled else { throw ReclaimError(.ruleViolation, field: "name", "user \(user.name) is disabled") }
            _ = try DatabaseRefusal.mapping {
                try conn.execute("""
                    SELECT user_password_set(\(user.name), \(password), \(actor.name), \(actor.role), \(actor.requestID))
                    """)
            }
        }
    }
}

/// A signed-in dashboard session: who, and the token its forms carry.
public struct DashboardSession: Sendable {
    public var principal: Principal
    /// Every form of the session carries it; a POST without it is refused.
    public var csrf: String
}

/// Dashboard sessions (会话): server-side rows behind an opaque cookie. Only
/// the cookie's SHA-256 is stored. A session ends after the setting
/// `dashboard.idle_minutes` (default 30) without use, or when its user signs
/// out or is disabled; five failures in a row lock a name for
/// `dashboard.lock_minutes` (default 15), both read by the database.
public enum Sessions {
    public static let failuresBeforeLock = 5

    /// What a sign-in came to.
    public enum Outcome: Sendable {
        /// The cookie's value (shown once) and the session.
        case signedIn(cookie: String, session: DashboardSession)
        case wrongNameOrPassword
        /// Five failures in a row; no attempt counts until then.
        case locked(until: Date)
    }

    static func randomToken() -> String {
        var random = SystemRandomNumberGenerator()
        return ByteA((0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }).hex
    }

    /// Signs in, in one call to the database (`dashboard_sign_in`), which
    /// checks the password, records the attempt and, when it succeeds, opens
    /// the session; attempts for one name are serialised there, so that
    /// concurrent guesses lock it after the fifth failure.
    public static func signIn(name: String, password: String, on conn: Connection) throws -> Outcome {
        let typed = name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(typed.count), !typed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }),
              password.utf8.count <= Passwords.maximumLength
        else { return .wrongNameOrPassword }
        let name = (try? Identifier.userName(typed)) ?? typed
        let cookie = randomToken()
        let csrf = randomToken()
        return try conn.transactionally { conn in
            guard let row = try DatabaseRefusal.mapping({
                try conn.queryFirst("""
                    SELECT outcome, locked_until FROM dashboard_sign_in(\(name), \(password),
                        sha256(convert_to(\(cookie), 'UTF8')), \(csrf), NULL)
                    """)
            }) else { throw ReclaimError(.internal, "the sign-in was not answered") }
            switch try row.decode("outcome", as: String.self) {
            case "locked":
                return .locked(until: try row.decode("locked_until", as: Date?.self) ?? Date())
            case "ok":
                guard let principal = try Users.principal(named: name, on: conn) else { return .wrongNameOrPassword }
                return .signedIn(cookie: cookie, session: DashboardSession(principal: principal, csrf: csrf))
            default:
                return .wrongNameOrPassword
            }
        }
    }

    /// The live session behind a cookie, touched as used; nil when unknown,
    /// ended, idle too long, or its user disabled.
    public static func find(cookie: String, on conn: Connection) throws -> DashboardSession? {
        guard cookie.count == 64, cookie.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        guard let row = try conn.queryFirst("""
            SELECT user_name, csrf FROM dashboard_session_touch(sha256(convert_to(\(cookie), 'UTF8')))
            """) else { return nil }
        guard let principal = try Users.principal(named: try row.decode("user_name"), on: conn) else { return nil }
        return DashboardSession(principal: principal, csrf: try row.decode("csrf"))
    }

    /// Signs out: the row is ended, so the cookie opens nothing any more.
    public static func end(cookie: String, on conn: Connection) throws {
        guard cookie.count == 64 else { return }
        try conn.execute("SELECT dashboard_session_end(sha256(convert_to(\(cookie), 'UTF8')))")
    }

    /// Constant-time comparison of a form's CSRF token with the session's.
    public static func csrfMatches(_ sent: String?, _ session: DashboardSession) -> Bool {
        guard let sent, sent.utf8.count == session.csrf.utf8.count else { return false }
        return zip(sent.utf8, session.csrf.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
