import PQKit
import TestSupport
import Testing

@Suite struct CopyTests {
    @Test func copiesOneHundredThousandRows() throws {
        let conn = try TestDatabase.make(migrated: false).connect()
        try conn.execute("CREATE TABLE bulk (n bigint NOT NULL, label text)")
        let loaded = try conn.copyIn("COPY bulk (n, label) FROM STDIN") { w in
            for n in 1...100_000 {
                try w.writeRow([String(n), n % 10 == 0 ? nil : "row\t\(n)\n\\"])
            }
        }
        #expect(loaded == 100_000)
        let row = try #require(try conn.queryFirst("""
            SELECT count(*) AS c, sum(n) AS s, count(label) AS l,
                   bool_and(label IS NULL OR label = 'row' || chr(9) || n || chr(10) || '\\') AS exact
            FROM bulk
            """))
        #expect(try row.decode("c", as: Int64.self) == 100_000)
        #expect(try row.decode("s", as: Int64.self) == 5_000_050_000)
        #expect(try row.decode("l", as: Int64.self) == 90_000)
        #expect(try row.decode("exact", as: Bool.self))
    }

    @Test func aThrowAbortsTheCopy() throws {
        let conn = try TestDatabase.make(migrated: false).connect()
        try conn.execute("CREATE TABLE bulk (n bigint NOT NULL)")
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try conn.copyIn("COPY bulk (n) FROM STDIN") { w in
                for n in 1...1000 { try w.writeRow([String(n)]) }
                throw Stop()
            }
        }
        #expect(try conn.queryFirst("SELECT count(*) FROM bulk")?.decode(0, as: Int64.self) == 0)
        // and bad data is the server's error, with nothing loaded
        let error = #expect(throws: PQError.self) {
            try conn.copyIn("COPY bulk (n) FROM STDIN") { w in
                try w.writeRow(["1"])
                try w.writeRow(["not a number"])
            }
        }
        #expect(error?.sqlState == .invalidTextRepresentation)
        #expect(try conn.queryFirst("SELECT count(*) FROM bulk")?.decode(0, as: Int64.self) == 0)
    }

    @Test func copyOutStreamsRowsWithEscapedLiterals() throws {
        let conn = try TestDatabase.make(migrated: false).connect()
        try conn.execute("CREATE TABLE t (n int, label text)")
        let hostile = "it's'); DROP TABLE t; --"
        try conn.execute("INSERT INTO t VALUES (1, \(hostile)), (2, 'plain')")
        var out = [UInt8]()
        let rows = try conn.copyOut("COPY (SELECT n, label FROM t WHERE label = \(hostile)::text OR n = \(Int32(2))::int ORDER BY n) TO STDOUT WITH (FORMAT csv)") {
            out.append(contentsOf: $0)
        }
        #expect(rows == 2)
        #expect(String(decoding: out, as: UTF8.self) == "1,it's'); DROP TABLE t; --\n2,plain\n")
        #expect(try conn.queryFirst("SELECT count(*) FROM t")?.decode(0, as: Int64.self) == 2)
    }

    /// A value holding `$2` (or `$1`) is inserted once and never read again
    /// as a placeholder: the substitution is one pass over the original text.
    @Test func copyOutSubstitutesInOnePass() throws {
        let conn = try TestDatabase.make(migrated: false).connect()
        var out = [UInt8]()
        let first = "a $2 b $1 c"
        let second = "x'y $1"
        try conn.copyOut("COPY (SELECT \(first)::text AS a, \(second)::text AS b, '$9' AS c) TO STDOUT WITH (FORMAT csv)") {
            out.append(contentsOf: $0)
        }
        #expect(String(decoding: out, as: UTF8.self) == "a $2 b $1 c,x'y $1,$9\n")
    }

    /// A NUL would be cut off by libpq; it is refused instead, by query and copyOut alike.
    @Test func aParameterWithNULIsRefused() throws {
        let conn = try TestDatabase.make(migrated: false).connect()
        let hidden = "visible\u{0}hidden"
        let e = #expect(throws: PQError.self) { try conn.query("SELECT \(hidden)::text AS t") }
        #expect(e?.message.contains("NUL") == true)
        #expect(e?.sqlState?.code == "22021")
        #expect(throws: PQError.self) {
            try conn.copyOut("COPY (SELECT \(hidden)::text) TO STDOUT") { _ in }
        }
        // the connection is still usable
        #expect(try conn.queryFirst("SELECT 1 AS one")?.decode("one", as: Int32.self) == 1)
    }

    /// One SQL text bound with other parameter types is another prepared statement.
    @Test func preparedStatementsAreKeyedByTextAndTypes() throws {
        let conn = try TestDatabase.make(migrated: false).connect()
        let asText: Query = Query("SELECT pg_typeof($1)::text AS t", parameters: ["12"])
        let asInt: Query = Query("SELECT pg_typeof($1)::text AS t", parameters: [Int64(12)])
        #expect(try conn.queryFirst(asText)?.decode("t", as: String.self) == "text")
        #expect(try conn.queryFirst(asInt)?.decode("t", as: String.self) == "bigint")
        #expect(try conn.queryFirst(asText)?.decode("t", as: String.self) == "text")
    }
}
