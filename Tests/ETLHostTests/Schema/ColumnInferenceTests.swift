import ETLHost
import Testing

@Suite struct ColumnInferenceTests {
    private func infer(_ cells: [(CellKind, String)]) -> ColumnType {
        var inference = ColumnInference()
        for (kind, text) in cells {
            var text = text
            text.withUTF8 { inference.observe(kind, UnsafeRawBufferPointer($0)) }
        }
        return inference.type
    }

    private func untyped(_ values: String...) -> ColumnType { infer(values.map { (.untyped, $0) }) }

    @Test func untypedTextClimbsTheLattice() {
        #expect(untyped() == .null)
        #expect(untyped("", "") == .null)
        #expect(untyped("true", "FALSE") == .boolean)
        #expect(untyped("1", "", "-3") == .integer)
        #expect(untyped("1", "1.5") == .number)
        #expect(untyped("1", "1e3") == .number)
        #expect(untyped("1", "007") == .text)
        #expect(untyped("1", "99999999999999999999") == .decimal)  // beyond Int64: exact digits
        #expect(untyped("true", "false", "5") == .integer)  // one lattice for CSV and JSON
        #expect(untyped("true", "1") == .integer)
        #expect(untyped("2024-01-01", "2024-02-29") == .date)
        #expect(untyped("2024-01-01", "2024-01-01T10:00:00Z") == .timestamp)
        #expect(untyped("2024-01-01", "5") == .text)
        #expect(untyped("1.5", "abc") == .text)
    }

    @Test func jsonKindsKeepTheirMeaning() {
        #expect(infer([(.number, "1"), (.number, "2")]) == .integer)
        #expect(infer([(.number, "1"), (.number, "2.5")]) == .number)
        #expect(infer([(.number, "18446744073709551616")]) == .decimal)
        #expect(infer([(.string, "123")]) == .text)  // the source said string
        #expect(infer([(.string, "2024-05-01")]) == .date)
        #expect(infer([(.boolean, "true"), (.null, "")]) == .boolean)
        #expect(infer([(.json, "[1]"), (.string, "x")]) == .json)
        #expect(infer([(.string, "x"), (.json, "{}")]) == .json)
    }

    @Test func joinIsCommutativeAndWidening() {
        for a in ColumnType.allCases {
            for b in ColumnType.allCases {
                #expect(a.joined(with: b) == b.joined(with: a), "\(a) ⊔ \(b)")
                #expect(a.joined(with: b).joined(with: a) == a.joined(with: b))
            }
            #expect(a.joined(with: .null) == a)
        }
        #expect(ColumnType.integer.joined(with: .number) == .number)
        #expect(ColumnType.date.joined(with: .integer) == .text)
        #expect(ColumnType.decimal.joined(with: .number) == .decimal)
        #expect(ColumnType.boolean.joined(with: .decimal) == .decimal)
        #expect(ColumnType.decimal.joined(with: .date) == .text)
    }

    @Test("numbers: a column is number only when a double holds every value exactly, else decimal")
    func numbersFollowTheDoubleRule() {
        #expect(untyped("1.5", "9007199254740992") == .number)  // 2^53 is a double
        #expect(untyped("1.5", "9007199254740993") == .decimal)  // 2^53 + 1 is not
        #expect(untyped("9007199254740993", "1") == .integer)  // integers alone stay integers
        #expect(untyped("9223372036854775807", "0.5") == .decimal)
        #expect(untyped("1e-400") == .decimal)  // underflows to 0
        #expect(untyped("2e-324") == .decimal)
        #expect(untyped("1e309") == .decimal)  // overflows
        #expect(untyped("0.1000000000000000055511151231257827") == .decimal)  // more digits than a double keeps
        #expect(untyped("0.1", "1e-320", "0.30000000000000004", "-0.0") == .number)
        #expect(infer([(.number, "1.5"), (.number, "9007199254740993")]) == .decimal)
        #expect(infer([(.number, "1e-400")]) == .decimal)
        #expect(infer([(.double, "Infinity"), (.double, "NaN")]) == .number)
        #expect(infer([(.integer, "9007199254740993"), (.double, "0.5")]) == .decimal)
    }

    @Test("a stored number column that meets an integer no double holds becomes decimal; a declared number stays")
    func joiningWithTheStoredType() {
        var inference = ColumnInference()
        var text = "9007199254740993"
        text.withUTF8 { inference.observe(.number, UnsafeRawBufferPointer($0)) }
        #expect(inference.type == .integer)
        #expect(inference.joined(withStored: .number) == .decimal)
        #expect(inference.joined(withStored: .integer) == .integer)
        #expect(inference.joined(withStored: .text) == .text)
        #expect(inference.joined(withStored: .number, declared: .integer) == .decimal)
        #expect(inference.joined(withStored: .null, declared: .number) == .number)  // the source's word; refused at conversion
    }
}
