/// Reclaim's version, as `reclaim --version` prints it and a published
/// checkpoint records it.
public enum ReclaimVersion {
    public static let current = "0.29.0"
}
