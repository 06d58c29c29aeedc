/// SQL text plus its bound parameters.
///
/// Written with string interpolation, every interpolated value becomes a
/// parameter (`"... WHERE id = \(id)"` is sent as `WHERE id = $1`), so values
/// are never spliced into SQL. The escape hatch for trusted SQL fragments
/// (identifiers chosen by code, never by users) is `\(unescaped: ...)`.
public struct Query: Sendable, ExpressibleByStringInterpolation {
    public internal(set) var sql: String
    public internal(set) var parameters: [String?]
    public internal(set) var types: [UInt32]

    public init(_ sql: String, parameters: [any PGEncodable] = []) {
        self.sql = sql
        self.parameters = parameters.map(\.pgText)
        self.types = parameters.map { type(of: $0).pgTypeOID }
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    public init(stringInterpolation: Interpolation) {
        sql = stringInterpolation.sql
        parameters = stringInterpolation.parameters
        types = stringInterpolation.types
    }

    public struct Interpolation: StringInterpolationProtocol {
        var sql = ""
        var parameters: [String?] = []
        var types: [UInt32] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        public mutating func appendInterpolation<T: PGEncodable>(_ value: T) {
            parameters.append(value.pgText)
            types.append(T.pgTypeOID)
            sql += "$\(parameters.count)"
        }

        /// An optional value: nil is bound as SQL NULL.
        public mutating func appendInterpolation<T: PGEncodable>(_ value: T?) {
            parameters.append(value?.pgText ?? nil)
            types.append(T.pgTypeOID)
            sql += "$\(parameters.count)"
        }

        /// Trusted SQL text, inserted as is. Never pass user input here.
        public mutating func appendInterpolation(unescaped sql: String) {
            self.sql += sql
        }
    }
}
