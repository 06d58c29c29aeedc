public import Foundation

/// A request body as the API takes it and `HTTPBackend` sends it: one
/// Codable type per shape, kept beside the feature's commands, its fields
/// named once (its `CodingKeys`). `openapi.yaml` is the only other copy, and
/// `ContractTests` holds the two equal.
///
/// Values travel as the API writes them (amounts and dates as strings); each
/// type turns itself into domain values with every field's refusal gathered
/// by `FieldCheck`, so a client hears of all its mistakes at once.
public protocol APIRequest: BodyShape, Codable, Sendable {
    associatedtype CodingKeys: CodingKey & CaseIterable
    /// Fields holding objects, or arrays of objects, of their own shape,
    /// checked for unknown keys as strictly as the body.
    static var nested: [String: any APIRequest.Type] { get }
}

extension APIRequest {
    public static var nested: [String: any APIRequest.Type] { [:] }
    public static var fields: [String] { CodingKeys.allCases.map(\.stringValue) }
}

/// What a request body may carry: its top-level fields, as the API spells
/// them, and which of them may be `null`. Request types and the documents
/// read by their own parsers (a plan, a works file, a rule set) both have
/// one, and `ContractTests` holds each to its schema in `openapi.yaml`.
public protocol BodyShape {
    static var fields: [String] { get }
    /// Fields that may be sent as `null` (and mean "none"); null anywhere
    /// else is refused, as the document says.
    static var nullable: Set<String> { get }
}

extension BodyShape {
    public static var nullable: Set<String> { [] }
}

/// A body with no fields (`{}`, or none at all).
public struct EmptyRequest: APIRequest {
    public enum CodingKeys: String, CodingKey, CaseIterable { case none = "" }
    public static var fields: [String] { [] }
    public init() {}
    public init(from decoder: any Decoder) throws {}
    public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: CodingKeys.self) }
}

/// Reads request bodies strictly: UTF-8 only, an object, no key given twice
/// (Foundation's parser would keep the last, so a reviewer reading the
/// first would be misled), no key the shape does not know, no `null` where
/// the shape does not allow one, and each wrong type named by its field.
public enum StrictJSON {
    public static func decode<T: APIRequest>(_ type: T.Type, from data: Data) throws -> T {
        let bytes = data.isEmpty ? Data("{}".utf8) : data
        let object = try self.object(bytes)
        var problems: [FieldMessage] = []
        check(object, as: T.self, path: "", into: &problems)
        guard problems.isEmpty else { throw ReclaimError.fields(problems) }
        do {
            return try ReclaimJSON.decode(type, from: bytes)
        } catch let e as ReclaimError {
            throw e
        } catch let DecodingError.keyNotFound(key, context) {
            throw ReclaimError.fields([.init(field: name(context.codingPath + [key]), message: "is required")])
        } catch let DecodingError.typeMismatch(_, context) {
            throw ReclaimError.fields([.init(field: name(context.codingPath), message: "has the wrong type")])
        } catch let DecodingError.valueNotFound(_, context) {
            throw ReclaimError.fields([.init(field: name(context.codingPath), message: "must not be null")])
        } catch let DecodingError.dataCorrupted(context) {
            var field = name(context.codingPath)
            if field.isEmpty {
                // a number too large for any whole-number type fails before a field is reached: name it
                field = object.filter { ($0.value as? NSNumber).map { Int64($0.stringValue) == nil } ?? false }
                    .keys.sorted().first ?? "body"
            }
            throw ReclaimError.fields([.init(field: field, message: "is not valid")])
        } catch {
            throw ReclaimError(.invalidInput, "the body is not valid")
        }
    }

    /// A body's JSON object, read strictly but for its fields (a document's
    /// parser checks those): UTF-8, an object, no key given twice.
    public static func object(_ data: Data) throws -> [String: Any] {
        let bytes = data.isEmpty ? Data("{}".utf8) : data
        // UTF-8 only, as RFC 8259 says. Foundation's parser guesses UTF-16 and
        // UTF-32 from NUL bytes and a byte-order mark; text in those is valid
        // UTF-8 byte by byte (NUL included), so both are refused outright: no
        // JSON text holds a raw NUL, and a BOM is not JSON.
        guard !bytes.contains(0), !bytes.starts(with: [0xEF, 0xBB, 0xBF]), !bytes.starts(with: [0xFE, 0xFF]),
              !bytes.starts(with: [0xFF, 0xFE]), String(validating: bytes, as: UTF8.self) != nil
        else {
            throw ReclaimError(.invalidInput, "the body must be JSON in UTF-8 (no byte-order mark)")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: bytes)
        } catch {
            throw ReclaimError(.invalidInput, "the body is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw ReclaimError(.invalidInput, "the body must be a JSON object")
        }
        if let repeated = DuplicateKeys.first(in: [UInt8](bytes)) {
            throw ReclaimError.fields([.init(field: repeated, message: "is given more than once")])
        }
        return object
    }

    /// Unknown keys and unwanted nulls, at every level the shape names.
    private static func check(_ object: [String: Any], as type: any APIRequest.Type, path: String,
                              into problems: inout [FieldMessage]) {
        let known = Set(type.fields)
        for key in object.keys.sorted() {
            let field = path.isEmpty ? key : "\(path).\(key)"
            guard known.contains(key) else {
                problems.append(.init(field: field, message: "is not a field of this request"))
                continue
            }
            let value = object[key]
            if value is NSNull, !type.nullable.contains(key) {
                problems.append(.init(field: field, message: "must not be null"))
            }
            guard let inner = type.nested[key] else { continue }
            if let o = value as? [String: Any] {
                check(o, as: inner, path: field, into: &problems)
            } else if let items = value as? [Any] {
                for (i, item) in items.enumerated() {
                    if let o = item as? [String: Any] { check(o, as: inner, path: "\(field)[\(i + 1)]", into: &problems) }
                }
            }
        }
    }

    private static func name(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let i = key.intValue { text += "[\(i + 1)]" } else { text += text.isEmpty ? key.stringValue : "." + key.stringValue }
        }
        return text
    }

    /// The bytes of a request body as the client sends it: sorted keys,
    /// absent optionals left out.
    public static func encode<T: APIRequest>(_ body: T) throws -> Data {
        try ReclaimJSON.encode(body)
    }
}

/// One field's refusal.
public struct FieldMessage: Sendable, Equatable, Codable {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// Gathers the refusals of a request's fields as it turns them into domain
/// values, then throws them together.
public struct FieldCheck {
    private var problems: [FieldMessage] = []

    public init() {}

    /// Runs a domain parser on a field's text; nil (and the refusal noted)
    /// when it refuses, nil when the field was not given.
    public mutating func parse<T>(_ field: String, _ text: String?, _ parser: (String) throws -> T) -> T? {
        guard let text else { return nil }
        do {
            return try parser(text)
        } catch let e as ReclaimError {
            problems.append(.init(field: e.field ?? field, message: e.message))
        } catch {
            problems.append(.init(field: field, message: "is not valid"))
        }
        return nil
    }

    /// Notes a refusal the caller found itself.
    public mutating func refuse(_ field: String, _ message: String) {
        problems.append(.init(field: field, message: message))
    }

    /// Throws every refusal noted, as one error; returns when there are none.
    public func finish() throws {
        guard problems.isEmpty else { throw ReclaimError.fields(problems) }
    }
}

extension ReclaimError {
    /// Several fields refused at once: the first names the error, all are listed.
    public static func fields(_ problems: [FieldMessage]) -> ReclaimError {
        var e = problems.count == 1 ? ReclaimError(.invalidInput, field: problems[0].field, problems[0].message)
            : ReclaimError(.invalidInput, problems.map { "\($0.field) \($0.message)" }.joined(separator: "; "))
        e.fieldErrors = problems
        return e
    }
}
