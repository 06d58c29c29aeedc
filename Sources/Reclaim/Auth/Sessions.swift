import Crypto
public import Foundation
public import PQKit
import _CryptoExtras

/// Dashboard passwords: PBKDF2-SHA256 from swift-crypto (BoringSSL), 600,000
/// iterations (OWASP's 2023 figure), a 16-byte random salt, a 32-byte key,
/// stored as `pbkdf2-sha256$600000$SALT$KEY` (base64). Never stored plain.
public enum Passwords {
    public static let iterations = 600_000
    public static let minimumLength = 10
    public static let maximumLength = 200

    /// Refuses a password that is too short or too long, or that holds
    /// control characters (a terminal's stray escape, say).
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

    public static func hash(_ password: String, iterations: Int = iterations) throws -> String {
        var random = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
        return "pbkdf2-sha256$\(iterations)$\(Data(salt).base64EncodedString())$"
            + (try derive(password, salt: salt, iterations: iterations)).base64EncodedString()
    }

    static func derive(_ password: String, salt: [UInt8], iterations: Int) throws -> Data {
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha256,
                                                      outputByteCount: 32, rounds: iterations)
        return key.withUnsafeBytes { Data($0) }
    }

    /// Whether `password` matches `stored`, compared in constant time.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let n = Int(parts[1]), n >= iterations,
              let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3])),
              password.utf8.count <= maximumLength,
              let derived = try? derive(password, salt: Array(salt), iterations: n), derived.count == expected.count
        else { return false }
        return zip(derived, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Sets (or replaces) a user's password: a new row, audited (the hash is not).
    public static func set(_ name: String, password: String, by actor: Actor, on conn: Connection) throws {
        try check(password)
        let hash = try hash(password)
        try conn.transactionally { conn in
            let user = try Users.find(name, on: conn)
            guard !user.disabled else { throw ReclaimError(.ruleViolation, field: "name", "user \(user.name) is disabled") }
            try conn.execute("INSERT INTO user_passwords (user_name, hash, set_by) VALUES (\(user.name), \(hash), \(actor.name))")
            try AuditLog.record(action: "user.password", target: "user:\(user.name)", input: "password set", by: actor, on: conn)
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

    /// A dummy hash to check against for names without a password, so that
    /// they take as long as the others.
    static let dummy = (try? Passwords.hash("reclaim-dummy-password")) ?? ""

    /// Checks the password, records the attempt and, when it succeeds, opens
    /// a session, all in one transaction. Attempts for one name are
    /// serialised, so that concurrent guesses lock it after the fifth failure.
    public static func signIn(name: String, password: String, on conn: Connection) throws -> Outcome {
        let typed = name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(typed.count), !typed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return .wrongNameOrPassword }
        let name = (try? Identifier.userName(typed)) ?? typed
        return try conn.transactionally { conn in
            try conn.execute("SELECT pg_advisory_xact_lock(hashtext(\("reclaim-sign-in:" + name)))")
            if let until = try conn.queryFirst("SELECT sign_in_locked_until(\(name)) AS u")?.decode("u", as: Date?.self) {
                return .locked(until: until)
            }
            let stored = try conn.queryFirst("""
                SELECT p.hash FROM user_passwords p JOIN users u ON u.name = p.user_name AND u.disabled_at IS NULL
                WHERE p.user_name = \(name) ORDER BY p.id DESC LIMIT 1
                """)?.decode("hash", as: String.self)
            let ok = Passwords.verify(password, against: stored ?? dummy) && stored != nil
            try DatabaseRefusal.mapping {
                try conn.execute("INSERT INTO sign_in_attempts (user_name, ok) VALUES (\(name), \(ok))")
            }
            guard ok, let principal = try Users.principal(named: name, on: conn) else {
                return .wrongNameOrPassword
            }
            let cookie = randomToken()
            let csrf = randomToken()
            try DatabaseRefusal.mapping {
                try conn.execute("""
                    INSERT INTO dashboard_sessions (token_hash, user_name, csrf)
                    VALUES (sha256(convert_to(\(cookie), 'UTF8')), \(name), \(csrf))
                    """)
            }
            try AuditLog.record(action: "session.open", target: "user:\(name)", input: "dashboard",
                                by: try principal.actor(), on: conn)
            return .signedIn(cookie: cookie, session: DashboardSession(principal: principal, csrf: csrf))
        }
    }

    /// The live session behind a cookie, touched as used; nil when unknown,
    /// ended, idle too long, or its user disabled.
    public static func find(cookie: String, on conn: Connection) throws -> DashboardSession? {
        guard cookie.count == 64, cookie.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        guard let row = try conn.queryFirst("""
            UPDATE dashboard_sessions s SET last_seen_at = clock_timestamp()
            FROM users u
            WHERE s.token_hash = sha256(convert_to(\(cookie), 'UTF8')) AND s.ended_at IS NULL
              AND s.last_seen_at > clock_timestamp() - make_interval(mins => setting_int('dashboard.idle_minutes'))
              AND u.name = s.user_name AND u.disabled_at IS NULL
            RETURNING s.user_name, s.csrf
            """) else { return nil }
        guard let principal = try Users.principal(named: try row.decode("user_name"), on: conn) else { return nil }
        return DashboardSession(principal: principal, csrf: try row.decode("csrf"))
    }

    /// Signs out: the row is ended, so the cookie opens nothing any more.
    public static func end(cookie: String, on conn: Connection) throws {
        guard cookie.count == 64 else { return }
        try conn.execute("""
            UPDATE dashboard_sessions SET ended_at = clock_timestamp()
            WHERE token_hash = sha256(convert_to(\(cookie), 'UTF8')) AND ended_at IS NULL
            """)
    }

    /// Constant-time comparison of a form's CSRF token with the session's.
    public static func csrfMatches(_ sent: String?, _ session: DashboardSession) -> Bool {
        guard let sent, sent.utf8.count == session.csrf.utf8.count else { return false }
        return zip(sent.utf8, session.csrf.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
