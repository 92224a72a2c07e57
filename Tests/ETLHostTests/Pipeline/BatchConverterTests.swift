import CETLPlugin
@testable import ETLHost
import ETLPluginKit
import ETLTestSupport
import Testing

/// Pass 2's conversion: exact or refused, and a refusal blames the party
/// whose type the value did not fit.
@Suite struct BatchConverterTests {
    /// Converts one column of `cells` (kind, text) typed `type`; the
    /// converted values as the Arrow batch holds them, as text.
    private func convert(_ cells: [(CellKind, String)], as type: ColumnType, declared: ColumnType? = nil) throws -> [String?] {
        var column = CellColumn(name: "Value")
        for (kind, text) in cells { kind == .null ? column.appendNull() : column.append(kind, text) }
        let pinned = PinnedCellBatch([column], rows: cells.count, firstRow: 0)  // the batch's cells live in it
        let batch = pinned.batch
        let schema = TableSchema(table: "t", stream: "s", columns: [TableSchema.Column(name: "value", source: "Value", type: type)])
        let converter = try BatchConverter(schema: schema, stream: "s", declared: declared.map { ["Value": $0] } ?? [:])
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        array.initialize(to: ArrowArray())
        _ = try withExtendedLifetime(pinned) { try converter.convert(batch, into: array) }
        let imported = try ImportedBatch(taking: array, schema: schema.arrowSchema)
        return (0 ..< imported.rowCount).map { row in
            if imported.isNull(row: row, column: 0) { return nil }
            switch type.arrowField.type {
            case .int64: return String(imported.int64(row: row, column: 0)!)
            case .float64: return DoubleExactness.text(of: imported.double(row: row, column: 0)!)
            default: return imported.utf8(row: row, column: 0).map { String(decoding: $0, as: UTF8.self) }
            }
        }
    }

    private func failure(_ cells: [(CellKind, String)], as type: ColumnType, declared: ColumnType? = nil) -> String? {
        do {
            _ = try convert(cells, as: type, declared: declared)
            return nil
        } catch {
            return (error as? HostError)?.message ?? "\(error)"
        }
    }

    @Test("CSV true/false convert to 1 / 0 in integer, number and decimal columns, as JSON booleans do")
    func booleansAsNumbers() throws {
        #expect(try convert([(.untyped, "true"), (.untyped, "FALSE"), (.boolean, "true"), (.untyped, "5")], as: .integer)
            == ["1", "0", "1", "5"])
        #expect(try convert([(.untyped, "true"), (.boolean, "false"), (.untyped, "1.5"), (.untyped, "")], as: .number)
            == ["1.0", "0.0", "1.5", nil])
        #expect(try convert([(.untyped, "true"), (.boolean, "false"), (.number, "1e309"), (.double, "Infinity")], as: .decimal)
            == ["1", "0", "1e309", "Infinity"])
    }

    @Test("doubles convert exactly: typed ones as they are, literals only when a double holds them, -0 as 0")
    func numbers() throws {
        #expect(try convert([(.double, "Infinity"), (.double, "-Infinity"), (.number, "-0.0"), (.number, "1e-320")], as: .number)
            == ["Infinity", "-Infinity", "0.0", "1e-320"])
        #expect(try convert([(.double, "NaN")], as: .number) == ["NaN"])
    }

    @Test("JSON columns: strings, dates and timestamps quoted, numbers as written, NaN refused")
    func json() throws {
        #expect(try convert([(.timestamp, "2024-03-10T06:30:00.000000Z"), (.number, "-0"), (.double, "1e-320"), (.boolean, "true"),
                             (.decimal, "1.50")], as: .json)
            == [#""2024-03-10T06:30:00.000000Z""#, "-0", "1e-320", "true", "1.50"])
        #expect(failure([(.double, "NaN")], as: .json) == "stream 's' row 1, column 'value' (source field 'Value'): the value is a "
            + "NaN or infinite double, which a JSON column cannot hold (the column is json because of other values or the "
            + "stored table); load NaN and infinities into a number column")
    }

    @Test("a value that does not fit a declared type blames the source's hint; the host's own types never fail")
    func messagesBlameTheRightParty() {
        #expect(failure([(.untyped, "1"), (.untyped, "abc")], as: .integer, declared: .integer)
            == "stream 's' row 2, column 'value' (source field 'Value'): the value is not a valid integer, and the source "
            + "declared integer for this field; the source's type hint is wrong")
        #expect(failure([(.number, "9007199254740993")], as: .number, declared: .number)
            == "stream 's' row 1, column 'value' (source field 'Value'): the value is a number that a double cannot hold "
            + "exactly (it would be stored as a nearby number), and the source declared number for this field; the "
            + "source's type hint is wrong")
        #expect(failure([(.untyped, "abc")], as: .date)
            == "stream 's' row 1, column 'value' (source field 'Value'): the value is not a valid date, though the host "
            + "inferred date from every value of the stream and the stored table: a bug in etl-host, please report it")
    }
}
