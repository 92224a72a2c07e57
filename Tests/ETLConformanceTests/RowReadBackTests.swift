@testable import ETLConformance
import ETLHost
import ETLPluginKit
import Foundation
import Testing

/// How `read-back` lines up the rows a query returned with the rows
/// written, and what it says about a difference.
@Suite struct RowReadBackTests {
    private let readBack = RowReadBack(table: "t", sample: .first)

    /// The rows `ids` of the sample as a query would return them.
    private func rows(_ ids: [Int64], id: (Int64) -> SampleValue = { .int($0) }) -> RowReadBack.Rows {
        let fields = WarehouseSample.first.schema.fields
        return RowReadBack.Rows(fields: fields, rows: ids.map { rowID in
            fields.map { $0.name == "id" ? id(rowID) : WarehouseSample.value(of: $0, id: rowID) }
        })
    }

    @Test func theQueryQuotesEveryIdentifier() {
        #expect(RowReadBack(table: #"we"ird"#, sample: .second).sql
            == #"SELECT "id", "name", "score" FROM "we""ird" ORDER BY "id""#)
    }

    @Test func equalRowsHaveNoProblemEvenWithTheKeyAsText() {
        #expect(readBack.problems(rows([1, 2, 3, 4, 5]), ids: [1, 2, 3, 4, 5], when: "now") == [])
        #expect(readBack.problems(rows([1, 2, 3]) { .text(String($0)) }, ids: [3, 1, 2], when: "now") == [])
    }

    @Test func aDifferenceNamesTableRowColumnAndBothValues() {
        var read = rows([1, 2, 3])
        read.rows[1][3] = .double(2.5000001)  // amount of id 2, written as 2.5
        read.rows[2][5] = .timestamp(1_700_000_003_000_000)  // seen_at of id 3, its microseconds dropped
        #expect(readBack.problems(read, ids: [1, 2, 3], when: "after the commit") == [
            "table 't' after the commit, row 2 (id 2), column 'amount' (float64): wrote 2.5, read back 2.5000001 (float64)",
            "table 't' after the commit, row 3 (id 3), column 'seen_at' (timestamp[us, UTC]): wrote "
                + "2023-11-14T22:13:23.000003Z, read back 2023-11-14T22:13:23.000000Z (timestamp)",
        ])
    }

    @Test func missingAndUnexpectedRowsAreNamedByID() {
        #expect(readBack.problems(rows([1, 3, 9]), ids: [1, 2, 3], when: "now")
            == ["table 't' now: the query returned 3 rows; 3 were expected; missing ids 2; ids never written (or not of "
                + "this load) 9"])
        let read = RowReadBack.Rows(fields: [ArrowField("id", .int64)], rows: [])
        #expect(readBack.problems(read, ids: [1], when: "now")
            == [#"table 't' now: `SELECT "id", "name", "active", "amount", "day", "seen_at", "payload" FROM "t" ORDER BY "id"` "#
                + "returned the columns id; asked for id, name, active, amount, day, seen_at, payload"])
    }
}
