@testable import ETLHost
import Foundation
import Testing

/// A stream's status is an enum whose JSON is the same text run records
/// and `--json` output always had.
@Suite struct StreamReportTests {
    @Test func statusesEncodeAsTheirNames() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for status in StreamStatus.allCases {
            let report = StreamReport(stream: "s", table: "t", status: status, rowsRead: 1, rowsWritten: 1, rowsRejected: 0,
                                      newColumns: [], widenedColumns: [], seconds: 0, error: nil, committed: status == .succeeded)
            let text = String(decoding: try encoder.encode(report), as: UTF8.self)
            #expect(text == #"{"committed":\#(status == .succeeded),"new_columns":[],"rows_read":1,"rows_rejected":0,"rows_written":1,"seconds":0,"status":"\#(status.rawValue)","stream":"s","table":"t","widened_columns":[]}"#)
            #expect(try JSONDecoder().decode(StreamReport.self, from: Data(text.utf8)) == report)
        }
        #expect(StreamStatus.allCases.map(\.rawValue) == ["succeeded", "failed", "cancelled", "skipped"])
    }

    @Test func anUnknownStatusIsRefused() {
        let text = #"{"new_columns":[],"rows_read":1,"rows_rejected":0,"rows_written":1,"seconds":0,"status":"done","stream":"s","table":"t","widened_columns":[]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(StreamReport.self, from: Data(text.utf8)) }
    }

    @Test func olderRecordsWithoutCommittedCountSucceededAsCommitted() throws {
        let text = #"{"new_columns":[],"rows_read":1,"rows_rejected":0,"rows_written":1,"seconds":0,"status":"succeeded","stream":"s","table":"t","widened_columns":[]}"#
        let report = try JSONDecoder().decode(StreamReport.self, from: Data(text.utf8))
        #expect(report.isCommitted)
        #expect([report].commitSummary == "committed: s (1 rows); not committed: none")
    }

    @Test func theRunsStatusFollowsItsStreams() {
        func stream(_ status: StreamStatus) -> StreamReport {
            StreamReport(stream: "s", table: "t", status: status, rowsRead: 0, rowsWritten: 0, rowsRejected: 0,
                         newColumns: [], widenedColumns: [], seconds: 0, error: nil, committed: nil)
        }
        #expect(RunRecord.Status(streams: [stream(.succeeded), stream(.skipped)]) == .succeeded)
        #expect(RunRecord.Status(streams: [stream(.succeeded), stream(.failed)]) == .failed)
        #expect(RunRecord.Status(streams: [stream(.failed), stream(.cancelled)]) == .cancelled)
    }
}
