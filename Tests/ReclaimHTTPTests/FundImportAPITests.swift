import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
import TestSupport
import Testing

/// POST /v1/fund/imports: the bank file over the API, for `fund import --server`.
@Suite struct FundImportAPITests {
    @Test func aBankFileIsBookedWholeOrRefusedLineByLine() async throws {
        let s = try TestService.make()
        let header = "license,kind,amount,value_date,reference,idempotency_key,memo\n"
        try await s.application().test(.router) { client in
            func send(_ csv: String, as user: String, query: String = "", type: String = "text/csv") async throws -> TestResponse {
                var h = s.headers(user)
                h[.contentType] = type
                return try await client.execute(uri: "/v1/fund/imports" + query, method: .post, headers: h, body: body(csv))
            }
            let file = header + "A,deposit,100.00,2025-03-01,B-1,bank-1,\nB,deposit,250.50,2025-03-02,B-2,bank-2,\n"
            let dry = try await send(file, as: "li", query: "?dry_run=true")
            let checked = try dry.json()
            #expect(dry.status == .ok && checked["booked"] as? Int == 2 && checked["dry_run"] as? Bool == true)
            #expect(try s.count("SELECT count(*) FROM ledger_entries") == 0)
            let booked = try await send(file, as: "li")
            let first = try booked.json()
            #expect(booked.status == .created && first["booked"] as? Int == 2, "\(booked.text)")
            // sent again (the answer was lost): every row is known by its key, nothing is booked twice
            let again = try await send(file, as: "li")
            let second = try again.json()
            #expect(second["skipped"] as? Int == 2 && second["booked"] as? Int == 0)
            let refused = try await send(header + "A,deposit,1.00,2025-03-01,B-3,bank-3,\nZ,deposit,x,2025-03-01,B-4,bank-4,\n", as: "li")
            let problem = try refused.problem(.unprocessableContent)
            let report = try #require(problem["report"] as? [String: Any])
            #expect((report["problems"] as? [[String: Any]])?.map { $0["line"] as? Int } == [3] && report["rows"] as? Int == 2)
            try await send(file, as: "opA").problem(.forbidden)
            try await send(file, as: "li", query: "?dry_run=maybe").problem(.badRequest)
            try await send("{}", as: "li", type: "application/json").problem(.unsupportedMediaType)
        }
        #expect(try s.count("SELECT count(*) FROM ledger_entries") == 2)
        try await s.pool.shutdown()
    }
}
