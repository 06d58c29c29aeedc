import Foundation
import Hummingbird
import Reclaim

/// A mutation's JSON body, read strictly: it must be an object, every field
/// must be known and of the right type. All offending fields are reported
/// together in one 400 problem.
struct JSONBody {
    let bytes: Data
    private let object: [String: Any]
    private var errors: [Problem.FieldError] = []

    /// Collects the body (at most 1 MiB, else 413) and parses it. A body
    /// must be sent as `application/json` (or a `+json` type), else 415.
    static func read(_ request: Request, context: AppContext, allowed: Set<String>) async throws -> JSONBody {
        if let type = request.headers[.contentType] {
            let media = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            guard media == "application/json" || (media.hasPrefix("application/") && media.hasSuffix("+json")) else {
                throw Problem.unsupportedMediaType("send the body as application/json, not \(media)")
            }
        }
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        let data = Data(buffer.readableBytesView)
        if !data.isEmpty, request.headers[.contentType] == nil {
            throw Problem.unsupportedMediaType("send the body as application/json")
        }
        return try JSONBody(data: data, allowed: allowed)
    }

    init(data: Data, allowed: Set<String>) throws {
        bytes = data
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data.isEmpty ? Data("{}".utf8) : data)
        } catch {
            throw Problem.badRequest("the body is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw Problem.badRequest("the body must be a JSON object")
        }
        if let repeated = DuplicateKeys.first(in: [UInt8](data)) {
            throw Problem.badRequest("\(repeated) is given more than once",
                                     errors: [.init(field: repeated, detail: "is given more than once")])
        }
        self.object = object
        let unknown = object.keys.filter { !allowed.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw Problem.badRequest(
                "unknown fields: \(unknown.joined(separator: ", "))",
                errors: unknown.map { .init(field: $0, detail: "is not a field of this request") })
        }
    }

    /// A string field; nil when absent, or null where `nullable` (the
    /// document says which fields may be null; elsewhere null is refused).
    mutating func string(_ name: String, required: Bool = false, nullable: Bool = false) -> String? {
        switch object[name] {
        case nil:
            if required { errors.append(.init(field: name, detail: "is required")) }
            return nil
        case is NSNull:
            if required {
                errors.append(.init(field: name, detail: "is required"))
            } else if !nullable {
                errors.append(.init(field: name, detail: "must not be null"))
            }
            return nil
        case let s as String:
            return s
        default:
            errors.append(.init(field: name, detail: "must be a string"))
            return nil
        }
    }

    /// An array of strings; nil when absent.
    mutating func strings(_ name: String) -> [String]? {
        switch object[name] {
        case nil, is NSNull: return nil
        case let a as [Any]:
            let s = a.compactMap { $0 as? String }
            if s.count != a.count { errors.append(.init(field: name, detail: "must be an array of strings")) }
            return s
        default:
            errors.append(.init(field: name, detail: "must be an array of strings"))
            return nil
        }
    }

    /// Runs a domain parser on a field, recording its refusal as a field error.
    mutating func parse<T>(_ name: String, _ text: String?, _ parser: (String) throws -> T) -> T? {
        guard let text else { return nil }
        do {
            return try parser(text)
        } catch let e as ReclaimError {
            errors.append(.init(field: name, detail: e.message))
            return nil
        } catch {
            errors.append(.init(field: name, detail: "is not valid"))
            return nil
        }
    }

    /// Throws one 400 with every field error gathered so far.
    func finish() throws {
        guard errors.isEmpty else {
            throw Problem.badRequest(
                errors.map { "\($0.field) \($0.detail)" }.joined(separator: "; "), errors: errors)
        }
    }

    /// The whole body as a Decodable type (fields of several JSON types);
    /// a field of the wrong type is a 400 naming it.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try ReclaimJSON.decode(type, from: bytes.isEmpty ? Data("{}".utf8) : bytes)
        } catch let e as ReclaimError {
            throw e
        } catch let DecodingError.keyNotFound(key, _) {
            throw Problem.badRequest("\(key.stringValue) is required", errors: [.init(field: key.stringValue, detail: "is required")])
        } catch let DecodingError.typeMismatch(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw Problem.badRequest("\(field) has the wrong type", errors: [.init(field: field, detail: "has the wrong type")])
        } catch let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw Problem.badRequest("\(field) must not be null", errors: [.init(field: field, detail: "must not be null")])
        } catch let DecodingError.dataCorrupted(context) {
            var field = context.codingPath.map(\.stringValue).joined(separator: ".")
            if field.isEmpty {
                // a number too large for any whole-number type fails before a field is reached: name it
                field = object.filter { ($0.value as? NSNumber).map { Int64($0.stringValue) == nil } ?? false }
                    .keys.sorted().first ?? "body"
            }
            throw Problem.badRequest("\(field) is not valid", errors: [.init(field: field, detail: "is not valid")])
        } catch {
            throw Problem.badRequest("the body is not valid")
        }
    }

    /// The body in a canonical form (sorted keys), for idempotency digests.
    var canonical: Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? bytes
    }
}
