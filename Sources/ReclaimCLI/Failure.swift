import ArgumentParser
import Foundation
import PQKit
import Reclaim

/// A CLI outcome that is not success, with its exit code (sysexits.h).
enum CLIFailure: Error {
    /// 65 (EX_DATAERR): input refused or a rule broken.
    case rejected(String)
    /// 66 (EX_NOINPUT): a file named by the user cannot be read.
    case noInput(String)
    /// 69 (EX_UNAVAILABLE): the database cannot be reached.
    case unavailable(String)
    /// 70 (EX_SOFTWARE): an internal error, a bug; not the user's doing.
    case `internal`(String)

    init(_ error: ReclaimError) {
        switch error.kind {
        case .unavailable: self = .unavailable(error.description)
        case .unreadableInput: self = .noInput(error.description)
        case .internal: self = .internal(error.description)
        default: self = .rejected(error.description + (error.remedy.map { " (\(Self.command(for: $0)))" } ?? ""))
        }
    }

    /// The command that clears a refusal, in the CLI's words.
    static func command(for remedy: Remedy) -> String {
        switch remedy.action {
        case .updateMine:
            "reclaim mine update \(remedy.license) --\((remedy.field ?? "name").replacingOccurrences(of: "_", with: "-")) …"
        case .reportOutput:
            "reclaim output report \(remedy.license) \(remedy.year.map(String.init) ?? "YEAR") QUANTITY"
        }
    }

    var exitCode: ExitCode {
        switch self {
        case .rejected: return ExitCode(65)
        case .noInput: return ExitCode(66)
        case .unavailable: return ExitCode(69)
        case .internal: return ExitCode(70)
        }
    }

    var message: String {
        switch self {
        case .rejected(let m), .noInput(let m), .unavailable(let m), .internal(let m): return m
        }
    }
}

/// Runs a command body and turns every failure into one `error:` line on
/// stderr and the documented exit code, thrown as ArgumentParser's
/// `ExitCode` (never `exit()`, so commands can run in-process in tests).
/// Nothing of SQL or a stack reaches the user.
@discardableResult
func reportingFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw report(error)
    }
}

/// `reportingFailures`, for commands that run through a backend.
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        throw report(error)
    }
}

/// Prints a failure's one line and returns its exit code.
private func report(_ error: any Error) -> ExitCode {
    if let code = error as? ExitCode { return code }  // printed already
    let failure = error as? CLIFailure ?? CLIFailure(ReclaimError.wrap(error))
    FileHandle.standardError.write(Data("error: \(failure.message)\n".utf8))
    return failure.exitCode
}
