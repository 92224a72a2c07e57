import ETLHost
import Testing

@Suite struct ValueParserTests {
    private func with<T>(_ text: String, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        var text = text
        return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    @Test func integersKeepLeadingZerosAndHugeValuesAsText() {
        #expect(with("1") { ValueParser.integer($0) } == .value(1))
        #expect(with("-42") { ValueParser.integer($0) } == .value(-42))
        #expect(with("0") { ValueParser.integer($0) } == .value(0))
        #expect(with("9223372036854775807") { ValueParser.integer($0) } == .value(Int64.max))
        #expect(with("-9223372036854775808") { ValueParser.integer($0) } == .value(Int64.min))
        #expect(with("9223372036854775808") { ValueParser.integer($0) } == .outOfRange)
        #expect(with("123456789012345678901234567890") { ValueParser.integer($0) } == .outOfRange)
        for text in ["007", "+5", "", "-", "1.0", "1e3", " 1", "1 ", "0x10", "-01"] {
            #expect(with(text) { ValueParser.integer($0) } == .notInteger, "\(text)")
        }
    }

    @Test func numbersNeedAFractionOrExponent() {
        #expect(with("1.0") { ValueParser.number($0) } == 1.0)
        #expect(with("1e3") { ValueParser.number($0) } == 1000)
        #expect(with("-0.5E-2") { ValueParser.number($0) } == -0.005)
        #expect(with("3.14") { ValueParser.number($0) } == 3.14)
        for text in ["1", ".5", "1.", "NaN", "inf", "1e", "1e400", "1e-400", "0.1000000000000000055511151231257827", "01.5", "1,5", "--1.0"] {
            #expect(with(text) { ValueParser.number($0) } == nil, "\(text)")
        }
    }

    @Test func booleansAreTrueAndFalseOnly() {
        #expect(with("true") { ValueParser.bool($0) } == true)
        #expect(with("FALSE") { ValueParser.bool($0) } == false)
        #expect(with("True") { ValueParser.bool($0) } == true)
        for text in ["1", "0", "yes", "t", "truee", ""] { #expect(with(text) { ValueParser.bool($0) } == nil, "\(text)") }
    }

    @Test func datesAreValidCalendarDays() {
        #expect(with("1970-01-01") { ValueParser.date($0) } == 0)
        #expect(with("2000-02-29") { ValueParser.date($0) } == 11016)
        #expect(with("1969-12-31") { ValueParser.date($0) } == -1)
        for text in ["2001-02-29", "2024-13-01", "2024-1-01", "2024/01/01", "0000-01-01", "2024-01-01T00:00:00"] {
            #expect(with(text) { ValueParser.date($0) } == nil, "\(text)")
        }
        #expect(ValueFormatter.date(11016) == "2000-02-29")
        #expect(ValueFormatter.date(-1) == "1969-12-31")
    }

    @Test func timestampsAreUTCWithMicrosecondsAndNothingTruncated() {
        #expect(with("1970-01-01T00:00:00Z") { ValueParser.timestamp($0) } == 0)
        #expect(with("2024-03-10 12:34:56.789") { ValueParser.timestamp($0) } == 1_710_074_096_789_000)
        #expect(with("2024-03-10T12:34:56.789123+02:00") { ValueParser.timestamp($0) } == 1_710_066_896_789_123)
        #expect(with("2024-03-10T12:34") { ValueParser.timestamp($0) } == 1_710_074_040_000_000)
        #expect(with("2024-03-10T12:34:56.123456000Z") { ValueParser.timestamp($0) } == 1_710_074_096_123_456)
        for text in ["2024-03-10T12:34:56.1234567Z", "2024-03-10T25:00", "2024-03-10", "2024-03-10T12:34:56+2", "2024-03-10T12:34:56 UTC"] {
            #expect(with(text) { ValueParser.timestamp($0) } == nil, "\(text)")
        }
        #expect(ValueFormatter.timestamp(1_710_066_896_789_123) == "2024-03-10T10:34:56.789123Z")
        #expect(ValueFormatter.timestamp(-1) == "1969-12-31T23:59:59.999999Z")
    }
}
