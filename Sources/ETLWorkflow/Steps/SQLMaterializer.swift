import ETLHost
import ETLPluginKit
import Foundation

/// Runs a `sql` step: its SELECT materialized in the warehouse as a table
/// or a view.
///
/// **Table**: the SELECT runs through the warehouse's `query` (an Arrow
/// stream, one snapshot) on one instance, and its rows are written by a
/// second instance's `begin(mode: replace)` writer, then committed: the
/// warehouse's own atomic replace (staging table swapped in at commit),
/// so readers see the old table or the new one, never an empty or
/// half-built one, views on the table keep working, and a failure at any
/// point leaves the old table as it was. The columns take the query's
/// types as the warehouse's replace declares them (timestamps, dates,
/// JSON, exact decimals: SQLite keeps their precision and scale,
/// PostgreSQL declares plain `numeric`; a column the warehouse returns as
/// text with `etl.source_type` becomes a text column).
///
/// **View**: see ``ViewMaterializer``.
///
/// ```swift
/// let result = try SQLMaterializer.run(step: step, name: "orders", warehouse: dwh)
/// print(result.rows!, result.sqlSHA256)
/// ```
public enum SQLMaterializer {
    /// Runs `step` (named `name`) in `warehouse`.
    ///
    /// - Parameters:
    ///   - runID: the run id the warehouse's bookkeeping records.
    ///   - runJSON: a run record (JSON object) the warehouse stores with a
    ///     table in the same commit, as a sync's (`nil`: none).
    ///   - log: the run's log (what the step did, at info level).
    ///   - cancellation: cancels the step's running statements (through
    ///     the plugins' cancel) and is checked between batches; a cancelled
    ///     step rolls back (the old table or view stays).
    /// - Returns: rows written, the SQL text and its SHA-256, seconds.
    /// - Throws: ``HostError`` naming the step and the SQL's place (file
    ///   or `query:`): the file cannot be read; the warehouse refused the
    ///   SELECT (its message, with the position it gives); a row the
    ///   warehouse refused to store; `.cancelled`.
    public static func run(step: SQLStep, name: String, warehouse: StepWarehouse, runID: String = "",
                           runJSON: String? = nil, log: RunLog? = nil,
                           cancellation: Cancellation? = nil) throws -> SQLStepResult {
        let started = Date()
        let place = StepPlace(step: name, source: step.source)
        let sql = try place.readSQL()
        var hasher = SHA256()
        hasher.update(Array(sql.utf8))
        let digest = hasher.finalizeHex()
        var result = SQLStepResult(target: step.target, materialize: step.materialize, rows: nil, sql: sql,
                                   sqlSHA256: digest, seconds: 0)
        switch step.materialize {
        case .table:
            result.rows = try materializeTable(sql: sql, target: step.target, place: place, warehouse: warehouse,
                                               runID: runID, runJSON: runJSON, cancellation: cancellation)
            log?.write(.info, plugin: nil, stream: nil, "step '\(name)': table \"\(step.target)\" replaced with "
                + "\(result.rows!) rows from \(place.source) (sha256 \(digest))")
        case .view:
            result.viewUnchanged = try ViewMaterializer.run(sql: sql, target: step.target, place: place,
                                                            warehouse: warehouse, log: log, cancellation: cancellation)
        }
        result.seconds = Date().timeIntervalSince(started)
        return result
    }

    /// Writes the rows of `sql` as table `target` with a replace; returns
    /// the rows written.
    static func materializeTable(sql: String, target: String, place: StepPlace, warehouse: StepWarehouse,
                                 runID: String, runJSON: String?, cancellation: Cancellation?) throws -> Int64 {
        let cancel = StepCancellation(cancellation: cancellation, place: "\(place)")
        let unchanged = "while writing table \"\(target)\"; it is unchanged"
        try cancel.check(unchanged)
        let reader = try warehouse.open()
        defer { reader.close() }
        let writer = try warehouse.open()
        defer { writer.close() }
        return try cancel.guarding([reader, writer], unchanged) {
            let rows: QueryStream
            do {
                rows = try reader.query(sql: sql)
            } catch {
                throw place.refused(error, doing: "the warehouse refused the SELECT")
            }
            defer { rows.close() }
            let load: WarehouseWriter
            do {
                load = try writer.begin(table: target, schema: rows.schema, mode: .replace, runID: runID)
            } catch {
                throw place.refused(error, doing: "the warehouse cannot replace table \"\(target)\" with the "
                    + "SELECT's columns")
            }
            do {
                try copy(rows, into: load, place: place, cancel: cancel, unchanged)
                // The snapshot the rows came from is released before the
                // swap, which may need the old table's exclusive lock.
                rows.close()
                CrashPoint.reach("sql-written")
                do { try load.commit(runJSON: runJSON) } catch {
                    throw place.refused(error, doing: "committing table \"\(target)\" failed")
                }
                CrashPoint.reach("sql-committed")
                return load.rowsWritten
            } catch {
                load.rollback()
                throw error
            }
        }
    }

    /// Writes every batch of `rows` with `load`.
    private static func copy(_ rows: QueryStream, into load: WarehouseWriter, place: StepPlace,
                             cancel: StepCancellation, _ unchanged: String) throws {
        let builder = try ArrowBatchBuilder(schema: rows.schema)
        while true {
            try cancel.check(unchanged)
            let batch: ImportedBatch?
            do { batch = try rows.next() } catch {
                throw place.refused(error, doing: "reading the SELECT's rows failed")
            }
            guard let batch else { return }
            guard batch.rowCount > 0 else { continue }
            do { try BatchCopier.append(batch, to: builder) } catch {
                throw place.refused(error, doing: "copying the rows failed")
            }
            do { try load.write(builder) } catch {
                throw place.refused(error, doing: "writing table \"\(load.table)\" failed")
            }
        }
    }
}

/// Where a step's SQL comes from, for reading it and for messages:
/// `step 'orders' (sql/orders.sql)` or `step 'orders' (query:)`.
struct StepPlace: CustomStringConvertible {
    /// The step's name.
    var step: String
    /// Where the SQL is written.
    var source: String
    /// The file to read, if any.
    var file: String?

    init(step: String, source: SQLStep.Source) {
        self.step = step
        switch source {
        case .file(let written, let resolved):
            self.source = written
            file = resolved
        case .inline:
            self.source = "query:"
            file = nil
        }
        inline = if case .inline(let text) = source { text } else { nil }
    }

    private var inline: String?

    var description: String { "step '\(step)' (\(source))" }

    /// The SQL text: the file's, read now, or the inline query.
    func readSQL() throws -> String {
        if let inline { return inline }
        guard let file else { return "" }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            guard let text = String(data: data, encoding: .utf8) else {
                throw HostError(.invalidArgument, "\(self): \(file) is not UTF-8 text")
            }
            guard !text.allSatisfy({ $0.isWhitespace }) else {
                throw HostError(.invalidArgument, "\(self): \(file) is empty; write one SELECT in it")
            }
            return text
        } catch let error as HostError {
            throw error
        } catch {
            throw HostError(.io, "\(self): cannot read \(file): \((error as NSError).localizedDescription)")
        }
    }

    /// `error` with this place and what was being done in front of its
    /// message, and `advice` after it; kind, status and SQLSTATE kept.
    func refused(_ error: any Error, doing what: String, then advice: String = "") -> HostError {
        switch error {
        case let error as HostError:
            return error.replacingMessage(with: "\(self): \(what): \(error.message)\(advice)")
        case let error as PluginError:
            return HostError(.badData, "\(self): \(what): \(error.message)")
        default:
            return HostError(.operationFailed, "\(self): \(what): \(error)")
        }
    }
}
