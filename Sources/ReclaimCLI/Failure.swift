import ArgumentParser
import Foundation
import PQKit
import Reclaim

/// A CLI outcome that is not success, with its exit code.
enum CLIFailure: Error {
    /// 65 (EX_DATAERR): input refused or a rule broken.
    case rejected(String)
    /// 69 (EX_UNAVAILABLE): the database cannot be reached.
    case unavailable(String)

    var exitCode: Int32 {
        switch self {
        case .rejected: return 65
        case .unavailable: return 69
        }
    }

    var message: String {
        switch self {
        case .rejected(let m), .unavailable(let m): return m
        }
    }
}

/// Runs a command body and turns every failure into one `error:` line on
/// stderr and the documented exit code. Nothing of SQL or a stack reaches the user.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as CLIFailure {
        fail(failure)
    } catch let error as ReclaimError {
        fail(error.kind == .unavailable ? .unavailable(error.description) : .rejected(error.description))
    } catch let error as ExitCode {
        throw error
    } catch {
        let wrapped = ReclaimError.wrap(error)
        fail(wrapped.kind == .unavailable ? .unavailable(wrapped.description) : .rejected(wrapped.description))
    }
}

private func fail(_ failure: CLIFailure) -> Never {
    FileHandle.standardError.write(Data("error: \(failure.message)\n".utf8))
    exit(failure.exitCode)
}
