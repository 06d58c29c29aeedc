import Foundation

/// A user's one role.
public enum Role: String, Sendable, CaseIterable, Codable {
    /// 管理员: users, roles, mines
    case admin
    /// 财务人员: fund bookings and reversals
    case finance
    /// 采矿权人 / 矿山企业: their own mines only
    case `operator`
    /// 审查人员: approvals
    case reviewer
    /// 审计 / 社会公众: reads everything, writes nothing
    case auditor
    /// 专家: sits on closure panels; sees and votes on those applications only
    case expert
}

/// Who is asking, as far as rights go.
public struct Principal: Sendable, Equatable {
    public var name: String
    public var role: Role
    /// For operators: the licences they act for.
    public var mines: Set<String>

    public init(name: String, role: Role, mines: Set<String> = []) {
        self.name = name
        self.role = role
        self.mines = mines
    }

    /// The actor recorded for this principal's mutations.
    public func actor(requestID: String? = nil) throws -> Actor {
        try Actor(name, role: role.rawValue, requestID: requestID)
    }
}

/// A rule of who may do something, named by what it allows. Each feature
/// keeps its policies beside it (`MinePolicy`, `FundPolicy`, ...), and the
/// CLI, the API and the dashboard all ask the same ones.
public struct Policy: Sendable {
    /// What it allows, for the refusal: "book fund entries".
    public let verb: String
    let allows: @Sendable (Principal) -> Bool

    public init(_ verb: String, allows: @escaping @Sendable (Principal) -> Bool) {
        self.verb = verb
        self.allows = allows
    }

    /// Only these roles.
    public static func roles(_ verb: String, _ roles: Role...) -> Policy {
        Policy(verb) { roles.contains($0.role) }
    }

    /// Whether `p` may: for showing or hiding a page's links and forms.
    public func permits(_ p: Principal) -> Bool { allows(p) }

    public func check(_ p: Principal) throws {
        guard allows(p) else {
            throw ReclaimError(.forbidden, "\(p.name) (\(p.role.rawValue)) may not \(verb)")
        }
    }
}

/// Who manages users and their tokens.
public enum UserPolicy {
    public static let manage = Policy.roles("manage users", .admin)
}

/// Who a caller acts as, as the CLI and the API report it (`reclaim whoami`,
/// `GET /v1/me`). `role` is nil for a database session that is no
/// registered user (the installation's owner, in direct mode).
public struct Identity: Sendable, Equatable, Codable {
    public var name: String
    public var role: Role?
    public var mines: [String]

    public init(name: String, role: Role?, mines: [String] = []) {
        self.name = name
        self.role = role
        self.mines = mines
    }

    public init(_ principal: Principal) {
        self.init(name: principal.name, role: principal.role, mines: principal.mines.sorted())
    }

    enum CodingKeys: String, CodingKey { case name, role, mines }

    /// Every key always present, `role` as null for the owner.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(role, forKey: .role)
        try c.encode(mines, forKey: .mines)
    }
}
