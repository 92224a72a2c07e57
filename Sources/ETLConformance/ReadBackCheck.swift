import ETLHost
import ETLPluginKit
import Foundation

/// `read-back`: the rows a load writes read back equal through the
/// warehouse's own `query` (warehouses that declare sql_query; others are
/// skipped with the reason).
///
/// The load goes into a fresh table `<tag>_read_back` in the first mode the
/// warehouse declares: ``WarehouseSample/readBack`` (every v1 type,
/// decimal and JSON) in two batches, ordinary rows (one all null) and one
/// row per edge value of ``SampleEdges``. After the commit,
/// `SELECT "id", ... FROM "<table>" ORDER BY "id"` must return exactly
/// those rows, each value equal by ``ReadBackEquality``; a difference
/// names the table, row, column, the value written and the value read.
enum ReadBackCheck {
    /// Runs the check.
    static func run(_ environment: WorkerEnvironment) throws {
        let plugin = try environment.plugin()
        guard plugin.descriptor.capabilities.contains("sql_query") else {
            throw SkipCheck("the warehouse does not declare the sql_query capability: the rows written cannot be read back")
        }
        let session = try WarehouseChecks.Session(environment)
        defer { session.close() }
        let recorder = environment.recorder
        let table = environment.options.tag + "_read_back"
        let sample = WarehouseSample.readBack
        let mode = session.anyMode
        try session.expectAbsent(table)
        try session.load(table, sample, batches: WarehouseSample.readBackBatches, mode: mode, step: 1)
        let readBack = RowReadBack(table: table, sample: sample)
        recorder.phase("\(readBack.sql) after the \(mode) was committed")
        let ids = WarehouseSample.readBackBatches.flatMap { $0 }
        let problems = readBack.problems(session.driver, ids: ids, when: "after the \(mode) was committed")
        problems.forEach(recorder.fail)
        recorder.passDetail = "\(ids.count) rows of \(sample.schema.fields.count) columns (every v1 type, decimal, JSON, "
            + "nulls, edge values) written to '\(table)' by a \(mode) read back equal through query"
        session.noteRows(table)
    }
}
