/// Who reads the audit trail.
public enum AuditPolicy {
    public static let read = Policy.roles("read the audit trail", .admin, .auditor)
}
