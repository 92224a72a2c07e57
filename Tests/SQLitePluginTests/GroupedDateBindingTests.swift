import ETLHost
import ETLPluginKit
import ETLTestSupport
import Testing

/// Dates and timestamps are formatted into a scratch slot of their own per
/// parameter of the multi-row INSERT and bound without a copy
/// (`SQLITE_STATIC`): every row of a group keeps its own values.
@Suite("SQLite warehouse: dates and timestamps of a multi-row INSERT")
struct GroupedDateBindingTests {
    @Test("every row of every 32-row group stores its own date, date-as-timestamp and timestamp, nulls included")
    func eachRowKeepsItsOwnText() throws {
        let fields = [ArrowField("id", .int64), ArrowField("day", .date32), ArrowField("at", .timestampMicrosecondsUTC),
                      ArrowField("other_day", .date32)]
        // 100 rows: three full groups of 32 and four rows one by one.
        let rows: [[Cell]] = (0 ..< 100).map { index in
            let day = Int32(19_000 + index)
            return [.int(Int64(index)), index % 7 == 3 ? .null : .date(day),
                    .timestamp(Int64(index) * 3_723_000_001), .date(-day)]
        }
        let warehouse = try TestWarehouse()
        try warehouse.load("times", fields, [rows])
        let stored = try warehouse.database().rows("SELECT id, day, at, other_day FROM times ORDER BY id")
        let expected: [[Stored]] = (0 ..< 100).map { index in
            let day = Int64(19_000 + index)
            return [.integer(Int64(index)),
                    index % 7 == 3 ? .null : .text(DateText.date(daysSinceEpoch: day)),
                    .text(DateText.timestamp(microsecondsSinceEpoch: Int64(index) * 3_723_000_001)),
                    .text(DateText.date(daysSinceEpoch: -day))]
        }
        #expect(stored == expected)
        #expect(stored[1] == [.integer(1), .text("2022-01-09"), .text("1970-01-01T01:02:03.000001Z"), .text("1917-12-24")])
    }
}
