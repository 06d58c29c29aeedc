import Reclaim
import Testing

@Suite struct MoneyTests {
    @Test(arguments: [
        ("1500", Int64(150_000)), ("1500.5", 150_050), ("1500.50", 150_050), ("12.30", 1230), ("0.01", 1),
        ("10000000000000", 1_000_000_000_000_000),
    ])
    func acceptsExactYuan(text: String, fen: Int64) throws {
        #expect(try Money.parse(text).fen == fen)
    }

    @Test(arguments: [
        "12.345", "1e3", "-5", "+5", "NaN", "", " 12", "12 ", "1,500", "1.", ".5", "0", "0.00", "10000000000000.01",
        "99999999999999999999999", "１２", "12.3.4", "inf",
    ])
    func refusesEverythingElse(text: String) {
        let error = #expect(throws: ReclaimError.self) { try Money.parse(text) }
        #expect(error?.kind == .invalidInput)
        #expect(error?.field == "amount")
    }

    /// What a clerk types into a form: separators where they belong and
    /// full-width digits are read; anything else says what is wrong.
    @Test(arguments: [
        ("1,500.00", Int64(150_000)), ("1,234,567.89", 123_456_789), (" 1500 ", 150_000), ("１５００．５０", 150_050),
        ("１，５００", 150_000), ("999,999", 99_999_900), ("12.30", 1230),
    ])
    func typedAmountsAreRead(text: String, fen: Int64) throws {
        #expect(try Money.parse(typed: text).fen == fen)
    }

    @Test(arguments: ["1,50", "15,00.00", ",500", "1,500,0", "1500.0,0", "1,,500", "1,5000", "1,500.001", "-1,500", "1 500"])
    func typedAmountsThatAreWrongSaySo(text: String) {
        let error = #expect(throws: ReclaimError.self) { try Money.parse(typed: text) }
        #expect(error?.field == "amount" && error?.kind == .invalidInput)
        if text.contains(",") && !text.hasPrefix("-") && !text.hasSuffix("001") {
            #expect(error?.message.contains("groups of three digits") == true, "\(text): \(error?.message ?? "")")
        }
    }

    @Test func displayedAsAClerkReadsIt() {
        #expect(Money(fen: 103_357_154_240).display(.yuan) == "1,033,571,542.40")
        #expect(Money(fen: 103_357_154_240).display(.wan) == "103,357.15")
        #expect(Money(fen: 5_000).display(.wan) == "0.01" && Money(fen: 4_999).display(.wan) == "0.00")
        #expect(Money(fen: -150_000).display(.yuan) == "-1,500.00" && Money(fen: 99_999).display(.yuan) == "999.99")
        #expect(Money(fen: 0).display(.yuan) == "0.00")
    }

    @Test func wanHasSixDecimals() throws {
        #expect(try Money.parse("1", unit: .wan).fen == 1_000_000)
        #expect(try Money.parse("31541.96", unit: .wan).fen == 31_541_960_000)
        #expect(try Money.parse("0.000001", unit: .wan).fen == 1)
        #expect(throws: ReclaimError.self) { try Money.parse("0.0000001", unit: .wan) }
        #expect(throws: ReclaimError.self) { try Money.parse("1000000001", unit: .wan) }
    }

    @Test func formatsWithTwoDecimals() {
        #expect(Money(fen: 123_450).description == "1234.50")
        #expect(Money(fen: -5).description == "-0.05")
        #expect(Money(fen: 0).description == "0.00")
        #expect(Money(fen: Int64.min).description == "-92233720368547758.08")
    }

    @Test func areasAreExactSquareMetres() throws {
        #expect(try Area.parseHectares("123.45").squareMetres == 1_234_500)
        #expect(try Area.parseHectares("0.0001").squareMetres == 1)
        #expect(try Area.parseHectares("2650.90").hectares == "2650.9000")
        for bad in ["-1", "abc", "1.00001", "", "1e2"] {
            #expect(throws: ReclaimError.self) { try Area.parseHectares(bad) }
        }
    }
}
