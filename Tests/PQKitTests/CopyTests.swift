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
}
