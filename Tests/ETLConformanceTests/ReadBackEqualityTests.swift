@testable import ETLConformance
import ETLHost
import ETLPluginKit
import Foundation
import Testing

/// The rules `read-back` compares a value read back with the value written
/// by (docs/WRITING_PLUGINS.md, "Test"): a warehouse's documented type
/// mappings are equal, anything that changes the value is not.
@Suite struct ReadBackEqualityTests {
    private func same(_ written: SampleValue?, _ field: ArrowField, _ read: SampleValue?) -> Bool {
        ReadBackEquality.matches(written: written, field: field, read: read)
    }

    @Test func mappedTypesReadBackEqual() {
        #expect(same(.bool(true), ArrowField("b", .bool), .int(1)))
        #expect(same(.bool(false), ArrowField("b", .bool), .int(0)))
        #expect(!same(.bool(true), ArrowField("b", .bool), .int(2)))
        #expect(same(.int(.min), ArrowField("i", .int64), .text("-9223372036854775808")))
        #expect(same(.double(-0.0), ArrowField("x", .float64), .double(0.0)))
        #expect(same(.double(-.infinity), ArrowField("x", .float64), .text("-Infinity")))
        #expect(!same(.double(0.1), ArrowField("x", .float64), .double(0.1000000001)))
        #expect(same(.date(-719_162), ArrowField("d", .date32), .text("0001-01-01")))
        #expect(same(.date(1), ArrowField("d", .date32), .timestamp(86_400_000_000)))
        #expect(same(.timestamp(-1), ArrowField("t", .timestampMicrosecondsUTC), .text("1969-12-31 23:59:59.999999+00")))
        #expect(same(.timestamp(1_000_000), ArrowField("t", .timestampMicrosecondsUTC), .text("1970-01-01T00:00:01Z")))
        #expect(!same(.timestamp(1_000_001), ArrowField("t", .timestampMicrosecondsUTC), .text("1970-01-01T00:00:01Z")))
    }

    @Test func decimalsAreEqualByNumberAndJSONByValue() {
        let price = ArrowField("p", .utf8, annotation: .decimal(precision: 38, scale: 9))
        #expect(same(.text("-12.5"), price, .text("-12.500000000")))
        #expect(same(.text("0"), price, .text("-0.000")))
        #expect(same(.text("1e3"), price, .text("1000")))
        #expect(same(.text("1"), price, .int(1)))
        #expect(!same(.text("0.1"), price, .text("0.10000000001")))
        #expect(!same(.text("0.1"), price, .double(0.1)))
        let doc = ArrowField("j", .utf8, annotation: .json)
        #expect(same(.text(#"{"a":[1,2.5],"b":"x"}"#), doc, .text(#"{"b": "x", "a": [1, 2.50]}"#)))
        #expect(!same(.text(#"{"a":1}"#), doc, .text(#"{"a":"1"}"#)))
    }

    @Test func textAndBytesMustBeTheSameBytes() {
        let name = ArrowField("s", .utf8)
        #expect(!same(.text("e\u{301}"), name, .text("\u{e9}")))  // equal as Swift Strings, not as bytes
        #expect(!same(.text(" a "), name, .text("a")))
        #expect(same(.bytes([0, 255]), ArrowField("b", .binary), .bytes([0, 255])))
        #expect(!same(.bytes([0, 255]), ArrowField("b", .binary), .text("\\x00ff")))
        #expect(same(nil, name, nil))
        #expect(!same(.text(""), name, nil))
        #expect(!same(nil, name, .text("")))
    }
}
