import CETLPlugin
import ETLPluginKit
import Foundation

/// Records set aside (`--max-bad-rows`), stored in the warehouse's
/// `_etl_rejects` (append) after the stream's data committed.
struct RejectStore {
    /// The columns of `_etl_rejects`: one row per record an extractor set
    /// aside, with its text (`raw`, invalid UTF-8 replaced by U+FFFD, and
    /// `raw_bytes`, exactly as read) and the reason.
    static let schema = ArrowBatchSchema([
        ArrowField("run_id", .utf8), ArrowField("stream", .utf8), ArrowField("table_name", .utf8),
        ArrowField("location", .utf8), ArrowField("reason", .utf8), ArrowField("raw", .utf8),
        ArrowField("raw_bytes", .binary), ArrowField("rejected_at", .utf8),
    ])

    /// The run the rejects belong to.
    var runID: String
    /// Gives `rejected_at`.
    var clock: any RunClock

    /// Appends `rejects` of the stream loaded into `table` to `_etl_rejects`,
    /// in one transaction of their own (the caller reports a failure as a
    /// committed stream's).
    func store(_ rejects: [PluginContext.Reject], table: String, destination: PluginInstance) throws {
        let builder = try ArrowBatchBuilder(schema: Self.schema, capacity: rejects.count)
        let now = clock.timestamp()
        for reject in rejects {
            builder.appendText(runID)
            builder.appendText(reject.stream)
            builder.appendText(table)
            builder.appendText(reject.location)
            builder.appendText(reject.reason)
            builder.appendText(String(decoding: reject.raw, as: UTF8.self))
            builder.appendBinary(reject.raw)
            builder.appendText(now)
            try builder.endRow()
        }
        let writer = try destination.begin(table: "_etl_rejects", schema: Self.schema, mode: .append, runID: runID)
        do {
            try writer.write(builder)
            try writer.commit()
        } catch {
            writer.rollback()
            throw error
        }
    }
}
