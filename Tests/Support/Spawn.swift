import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to completion with posix_spawn and waitpid. (Foundation's
/// `Process.waitUntilExit` can hang when called from Swift concurrency's
/// threads on Linux.) Output goes to files, which cannot fill up and block
/// the child the way an unread pipe can.
enum Spawn {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String],
        stdin: String? = nil, stdout: String = "/dev/null", stderr: String = "/dev/null"
    ) throws -> Int32 {
        var inputPath = "/dev/null"
        if let stdin {
            inputPath = NSTemporaryDirectory() + "reclaim-stdin-\(UUID().uuidString)"
            _ = FileManager.default.createFile(atPath: inputPath, contents: Data(stdin.utf8))
        }
        defer { if stdin != nil { try? FileManager.default.removeItem(atPath: inputPath) } }
        let pid = try start(executable, arguments, environment: environment, stdin: inputPath, stdout: stdout,
                            stderr: stderr)
        return try wait(pid)
    }

    /// Starts a program and returns at once; `wait` (or a signal) ends it.
    static func start(
        _ executable: String, _ arguments: [String], environment: [String: String],
        stdin: String = "/dev/null", stdout: String = "/dev/null", stderr: String = "/dev/null"
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard rc == 0 else { throw Failure(description: "cannot start \(executable): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// Waits for `pid` to end; its exit status, or 128 + the signal that ended it.
    static func wait(_ pid: pid_t) throws -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw Failure(description: "waitpid failed") }
        }
        // WIFEXITED / WEXITSTATUS, spelled out (they are macros)
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }
}
