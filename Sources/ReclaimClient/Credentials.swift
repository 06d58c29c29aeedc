public import Foundation
import Reclaim
#if canImport(Glibc)
import Glibc
#endif

/// The tokens `reclaim login` keeps, one per service, in a file only its
/// owner can read — `$RECLAIM_CONFIG_DIR`, else `$XDG_CONFIG_HOME/reclaim`,
/// else `~/.config/reclaim`, as `gh` and `kubectl` keep theirs. A file that
/// others can read is refused rather than used: its token may be copied.
public struct Credentials: Codable, Sendable, Equatable {
    public struct Login: Codable, Sendable, Equatable {
        public var token: String
        public var user: String

        public init(token: String, user: String) {
            self.token = token
            self.user = user
        }
    }

    /// By normalised service URL.
    public var servers: [String: Login] = [:]
    /// The service used when none is named.
    public var current: String?

    public init() {}

    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let dir = environment["RECLAIM_CONFIG_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("reclaim")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".config/reclaim")
    }

    public static var file: URL { directory().appendingPathComponent("credentials.json") }

    /// The stored logins; none when there is no file.
    public static func load(from file: URL = Credentials.file) throws -> Credentials {
        var info = stat()
        guard stat(file.path, &info) == 0 else { return Credentials() }
        guard info.st_mode & 0o077 == 0 else {
            throw ReclaimError(.forbidden, field: "credentials",
                               "\(file.path) can be read by others; run: chmod 600 \(file.path)")
        }
        guard let data = FileManager.default.contents(atPath: file.path),
              let credentials = try? JSONDecoder().decode(Credentials.self, from: data)
        else {
            throw ReclaimError(.unreadableInput, field: "credentials",
                               "\(file.path) cannot be read; remove it and run `reclaim login` again")
        }
        return credentials
    }

    /// Writes the file readable and writable by its owner only (0600, in a
    /// 0700 folder), replacing it in one rename so it is never half-written.
    public func save(to file: URL = Credentials.file) throws {
        let dir = file.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw ReclaimError(.unreadableInput, field: "credentials", "cannot create \(dir.path)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data()
        let temporary = dir.appendingPathComponent(".credentials.\(getpid()).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw ReclaimError(.unreadableInput, field: "credentials", "cannot write \(temporary.path)")
        }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fchmod(fd, 0o600)  // whatever the umask
        let synced = fsync(fd)
        close(fd)
        guard written == data.count, synced == 0, rename(temporary.path, file.path) == 0 else {
            unlink(temporary.path)
            throw ReclaimError(.unreadableInput, field: "credentials", "cannot write \(file.path)")
        }
    }
}
