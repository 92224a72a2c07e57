import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

/// The checks of a warehouse: errors, release, replace, append, upsert and
/// rollback (`read-back` is ``ReadBackCheck``).
///
/// A load is verified through what the contract allows: the table's
/// columns (table_schema), the state (state_get) and the schema document
/// (schema_get) committed with it, and, when the warehouse answers queries
/// (sql_query), its rows (``RowReadBack``). Every table the checks create
/// is named `<tag>_<check>` (e.g. `etl_conformance_1a2b3c4d_replace`) and
/// stays in the warehouse: the contract has no drop operation. Nothing
/// else is touched.
enum WarehouseChecks {
    // MARK: errors

    /// `errors`: begin with an invalid mode, upsert without keys and an
    /// undeclared mode, a write of a batch that does not match the table,
    /// and lookups of what does not exist all fail with a code and a
    /// message; the batch is released exactly once.
    static func errors(_ environment: WorkerEnvironment) throws {
        let session = try Session(environment)
        defer { session.close() }
        let recorder = environment.recorder
        let table = environment.options.tag + "_errors"
        let schema = WarehouseSample.first.schema
        var refused: [String] = []
        func expectFailure(_ what: String, _ result: Result<OpaquePointer, CallFailure>) {
            switch result {
            case .success(let writer):
                recorder.fail("\(what) succeeded; it must fail with ETL_ERR_INVALID_ARGUMENT (or "
                    + "ETL_ERR_NOT_IMPLEMENTED) and a message")
                recorder.phase("rollback after \(what)")
                session.driver.rollback(writer)
            case .failure(let failure):
                for problem in failure.problems(operation: what) { recorder.fail(problem) }
                refused.append(what)
            }
        }
        recorder.phase("begin of table '\(table)' with write mode 99")
        expectFailure("begin with write mode 99", session.driver.begin(table: table, schema: schema, rawMode: 99,
                                                                       runID: environment.options.tag))
        let capabilities = session.instance.plugin.descriptor.capabilities
        if capabilities.contains("upsert") {
            recorder.phase("begin upsert of table '\(table)' without key columns")
            expectFailure("begin upsert without key columns",
                          session.driver.begin(table: table, schema: schema, mode: .upsert, runID: environment.options.tag))
        }
        for mode in WriteMode.allCases where !capabilities.contains("\(mode)") {
            recorder.phase("begin \(mode) (not declared) of table '\(table)'")
            expectFailure("begin \(mode), a mode the warehouse does not declare",
                          session.driver.begin(table: table, schema: schema, mode: mode,
                                               keys: mode == .upsert ? ["id"] : [], runID: environment.options.tag))
        }
        // A batch whose columns are not the table's.
        let mode = session.anyMode
        recorder.phase("begin \(mode) of table '\(table)'")
        switch session.driver.begin(table: table, schema: schema, mode: mode, keys: mode == .upsert ? ["id"] : [],
                                    runID: environment.options.tag) {
        case .failure(let failure):
            recorder.fail("begin \(mode) of table '\(table)' failed: \(failure.summary)")
        case .success(let writer):
            let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
            defer { array.deallocate() }
            try WarehouseSample.second.batch(ids: [1, 2], into: array)
            let tokens = HandedBatches.shared.track(array, label: "the mismatched batch",
                                                    columnNames: WarehouseSample.second.schema.fields.map(\.name))
            recorder.phase("write of a batch whose columns do not match table '\(table)'",
                           crashHint: "write() must check a batch against the schema given to begin()")
            let outcome = session.driver.write(writer, array)
            if let failure = outcome.failure {
                for problem in failure.problems(operation: "write of a batch whose columns do not match the table") {
                    recorder.fail(problem)
                }
                refused.append("a mismatched batch")
            } else {
                recorder.fail("write of a batch with \(WarehouseSample.second.schema.fields.count) columns into a table begun with "
                    + "\(schema.fields.count) succeeded; it must fail "
                    + "with a message naming the mismatch")
            }
            if outcome.notTaken {
                recorder.fail("write of a mismatched batch failed without taking ownership of it (its release is "
                    + "still set); write() takes ownership whatever the outcome")
            }
            recorder.phase("rollback of table '\(table)'")
            session.driver.rollback(writer)
            for problem in HandedBatches.shared.problems(tokens, when: "after the failed write and rollback") {
                recorder.fail(problem)
            }
        }
        var memory = MemoryMap()
        var audit = ArrowAudit()
        let missing = environment.options.tag + "_missing"
        recorder.phase("state_get, table_schema and schema_get of what does not exist")
        expectNotFound("state_get of an unknown key", session.driver.stateGet(missing, memory: &memory), recorder, &refused)
        expectNotFound("table_schema of an unknown table",
                       session.driver.tableSchema(missing, audit: &audit, memory: &memory), recorder, &refused)
        expectNotFound("schema_get of an unknown table", session.driver.schemaGet(missing, memory: &memory), recorder, &refused)
        recorder.passDetail = "\(refused.count) failing calls answered with a code and a message: "
            + refused.joined(separator: "; ")
        recorder.note("not checked: that error.release frees the message (the host cannot see the plugin's heap)")
    }

    private static func expectNotFound<Value>(_ what: String, _ lookup: WarehouseDriver.Lookup<Value>,
                                              _ recorder: CheckRecorder, _ refused: inout [String]) {
        switch lookup {
        case .unsupported: break
        case .found: recorder.fail("\(what) answered ETL_OK; it must answer ETL_ERR_NOT_FOUND")
        case .failed(let text): recorder.fail("\(what) must answer ETL_ERR_NOT_FOUND: \(text)")
        case .notFound(let failure):
            for problem in failure.problems(operation: what) { recorder.fail(problem) }
            refused.append(what)
        }
    }

    // MARK: release

    /// `release`: batches handed to write() are released exactly once, by
    /// commit or rollback; table_schema's fields through their schema;
    /// state and schema buffers have a release.
    static func release(_ environment: WorkerEnvironment) throws {
        let session = try Session(environment)
        let recorder = environment.recorder
        let table = environment.options.tag + "_release"
        let sample = WarehouseSample.first
        let mode = session.anyMode
        let keys = mode == .upsert ? ["id"] : []
        var committedTokens: [UInt] = []
        var rolledBackTokens: [UInt] = []
        var heldAfterEnd: [UInt] = []
        for (round, ending) in ["commit", "rollback"].enumerated() {
            recorder.phase("begin \(mode) of table '\(table)' (to \(ending))")
            let writer: OpaquePointer
            switch session.driver.begin(table: table, schema: sample.schema, mode: mode, keys: keys, runID: environment.options.tag) {
            case .success(let opened): writer = opened
            case .failure(let failure):
                recorder.fail("begin \(mode) of table '\(table)' failed: \(failure.summary)")
                session.close()
                throw StopCheck()
            }
            var tokens: [UInt] = []
            for batch in 0 ..< 3 {
                let ids = (0 ..< 2).map { Int64(round * 10 + batch * 2 + $0 + 1) }
                let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
                defer { array.deallocate() }
                try sample.batch(ids: ids, into: array)
                let label = "batch \(batch + 1) written before \(ending)"
                tokens += HandedBatches.shared.track(array, label: label, columnNames: sample.schema.fields.map(\.name))
                recorder.phase("write of \(label) to table '\(table)'")
                let outcome = session.driver.write(writer, array)
                if outcome.notTaken {
                    recorder.fail("write of \(label) returned without taking ownership (the batch's release is still "
                        + "set); write() must move the batch out and set batch->release to NULL")
                }
                if let failure = outcome.failure {
                    recorder.fail("write of \(label) to table '\(table)' failed: \(failure.summary)")
                }
            }
            if ending == "commit" {
                recorder.phase("commit of table '\(table)'")
                if let failure = session.driver.commit(writer, stateKey: nil, stateJSON: nil, runJSON: nil, schemaJSON: nil) {
                    recorder.fail("commit of table '\(table)' failed: \(failure.summary)")
                    recorder.phase("rollback of table '\(table)' after a failed commit")
                    session.driver.rollback(writer)
                }
                committedTokens = tokens
            } else {
                recorder.phase("rollback of table '\(table)'")
                session.driver.rollback(writer)
                rolledBackTokens = tokens
            }
            heldAfterEnd += tokens.filter { HandedBatches.shared.calls($0) == 0 }
        }
        var memory = MemoryMap()
        var audit = ArrowAudit()
        recorder.phase("table_schema of '\(table)' (counting its fields' releases)")
        _ = session.driver.tableSchema(table, audit: &audit, memory: &memory) { recorder.fail($0) }
        recorder.phase("close")
        session.close()
        for token in heldAfterEnd where HandedBatches.shared.calls(token) == 1 {
            recorder.note("\(HandedBatches.shared.label(token)) was released only when the instance was closed, "
                + "not by the end of its writer")
        }
        for problem in HandedBatches.shared.problems(committedTokens + rolledBackTokens, when: "even after close()") {
            recorder.fail(problem)
        }
        let count = (committedTokens + rolledBackTokens).count
        recorder.passDetail = "6 batches handed to write() (\(count) arrays: batches and their columns), each released "
            + "exactly once by commit or rollback"
        environment.recorder.note("left table '\(table)' in the warehouse (the contract has no drop)")
    }

    // MARK: Round trips

    /// `replace`: a load, then a second with other columns; the table has
    /// exactly the columns of each, and the state and schema committed.
    /// A second instance (another connection) sees the old table, and
    /// reads its old rows, until the second replace commits, then the new
    /// rows.
    static func replace(_ environment: WorkerEnvironment) throws {
        let session = try Session(environment, needs: .replace)
        defer { session.close() }
        let table = environment.options.tag + "_replace"
        try session.expectAbsent(table)
        try session.load(table, .first, batches: [[1, 2, 3], [4, 5]], mode: .replace, step: 1)
        try session.verify(table, .first, previous: nil, step: 1)
        let observer = session.openSecondInstance(for: "the second replace of '\(table)'")
        defer { observer?.close() }
        var seen = ""
        try session.load(table, .second, batches: [[1, 2, 3, 4]], mode: .replace, step: 2) {
            seen = session.observeFromSecondInstance(observer, table, expected: .first, during: "the second replace")
            seen += session.readRows(observer, table, .first, ids: [1, 2, 3, 4, 5],
                                     when: "during the second replace (begun, batches written, not yet committed), "
                                         + "read from a second instance, which must see the old rows until the commit",
                                     passing: "its query read the 5 old rows then")
        }
        try session.verify(table, .second, previous: .first, step: 2)
        seen += session.readRows(observer, table, .second, ids: [1, 2, 3, 4],
                                 when: "after the second replace was committed, read from the second instance",
                                 passing: "and the 4 new rows after the commit")
        environment.recorder.passDetail = "two replaces of '\(table)': its columns, state and schema are those of each commit"
            + seen
        session.noteRows(table)
    }

    /// `append`: creates the table, then adds to it (with sql_query: the
    /// rows of both read back).
    static func append(_ environment: WorkerEnvironment) throws {
        let session = try Session(environment, needs: .append)
        defer { session.close() }
        let table = environment.options.tag + "_append"
        try session.expectAbsent(table)
        try session.load(table, .first, batches: [[1, 2, 3]], mode: .append, step: 1)
        try session.verify(table, .first, previous: nil, step: 1)
        try session.load(table, .first, batches: [[4, 5], [6]], mode: .append, step: 2)
        try session.verify(table, .first, previous: nil, step: 2)
        let rows = session.readRows(session.instance, table, .first, ids: [1, 2, 3, 4, 5, 6],
                                    when: "after the second append was committed", passing: "its query read the 6 rows")
        environment.recorder.passDetail = "two appends to '\(table)' (created by the first): columns, state and schema as committed"
            + rows
        session.noteRows(table)
    }

    /// `upsert`: twice on the key column `id`, with overlapping keys (with
    /// sql_query: one row per key read back).
    static func upsert(_ environment: WorkerEnvironment) throws {
        let session = try Session(environment, needs: .upsert)
        defer { session.close() }
        let table = environment.options.tag + "_upsert"
        try session.expectAbsent(table)
        try session.load(table, .first, batches: [[1, 2, 3]], mode: .upsert, step: 1)
        try session.verify(table, .first, previous: nil, step: 1)
        try session.load(table, .first, batches: [[2, 3, 4]], mode: .upsert, step: 2)
        try session.verify(table, .first, previous: nil, step: 2)
        let rows = session.readRows(session.instance, table, .first, ids: [1, 2, 3, 4],
                                    when: "after the second upsert was committed (ids 1, 2, 3, then 2, 3, 4)",
                                    passing: "its query read 4 rows, one per key")
        environment.recorder.passDetail = "two upserts on key id into '\(table)': columns, state and schema as committed"
            + rows
        session.noteRows(table)
    }

    /// `rollback`: a rolled back load of a new table leaves no table, state
    /// or schema; of an existing table, leaves its columns, state and schema.
    static func rollback(_ environment: WorkerEnvironment) throws {
        let session = try Session(environment)
        defer { session.close() }
        let recorder = environment.recorder
        let fresh = environment.options.tag + "_rollback"
        let mode = session.anyMode
        try session.expectAbsent(fresh)
        try session.load(fresh, .first, batches: [[1, 2], [3]], mode: mode, step: 1, rollBack: true)
        var memory = MemoryMap()
        var audit = ArrowAudit()
        recorder.phase("table_schema, state_get and schema_get of '\(fresh)' after rollback")
        switch session.driver.tableSchema(fresh, audit: &audit, memory: &memory) {
        case .found: recorder.fail("after rollback of a load into the new table '\(fresh)', the table exists")
        case .failed(let text): recorder.fail("table_schema after a rollback: \(text)")
        case .notFound, .unsupported: break
        }
        if case .found = session.driver.stateGet(session.stateKey(fresh), memory: &memory) {
            recorder.fail("after rollback, state_get('\(session.stateKey(fresh))') returns the state that was never committed")
        }
        if case .found = session.driver.schemaGet(fresh, memory: &memory) {
            recorder.fail("after rollback, schema_get('\(fresh)') returns the schema that was never committed")
        }
        let kept = environment.options.tag + "_rollback_kept"
        try session.load(kept, .first, batches: [[1, 2, 3]], mode: mode, step: 1)
        let second: WarehouseSample = mode == .replace ? .second : .first
        try session.load(kept, second, batches: [[7, 8]], mode: mode, step: 2, rollBack: true)
        try session.verify(kept, .first, previous: second == .second ? .second : nil, step: 1)
        recorder.passDetail = "a rolled back \(mode) leaves no table '\(fresh)', state or schema; '\(kept)' keeps "
            + "its columns, state and schema"
    }
}
