/// Who may see and change which mine. An operator (采矿权人) sees and acts on
/// the mines bound to them only; everyone else reads every mine.
public enum MinePolicy {
    /// Registering and changing mines.
    public static let manage = Policy.roles("manage mines", .admin)

    /// Reading one mine (its record, balance, statement).
    public static func read(_ license: String) -> Policy {
        Policy("read mine \(license)") { ($0.role != .operator && $0.role != .expert) || $0.mines.contains(license) }
    }

    /// The mergers (整合重组) of every mine: the bureau's, not an operator's or an expert's.
    public static let readMergers = Policy("read the mergers of every mine") { $0.role != .operator && $0.role != .expert }

    /// The licences a list may show `p`: nil for every mine.
    public static func scope(for p: Principal) -> [String]? {
        p.role == .operator || p.role == .expert ? p.mines.sorted() : nil
    }
}
