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
        #expect(untyped("1", "99999999999999999999") == .text)
        #expect(untyped("true", "1") == .integer)
        #expect(untyped("2024-01-01", "2024-02-29") == .date)
        #expect(untyped("2024-01-01", "2024-01-01T10:00:00Z") == .timestamp)
        #expect(untyped("2024-01-01", "5") == .text)
        #expect(untyped("1.5", "abc") == .text)
    }

    @Test func jsonKindsKeepTheirMeaning() {
        #expect(infer([(.number, "1"), (.number, "2")]) == .integer)
        #expect(infer([(.number, "1"), (.number, "2.5")]) == .number)
        #expect(infer([(.number, "18446744073709551616")]) == .text)
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
        #expect(ColumnType.decimal.joined(with: .number) == .text)
    }
}
