import CETLPlugin
import ETLPluginKit
import Foundation

/// The checks of a warehouse: errors, release, replace, append, upsert and
/// rollback.
///
/// The contract has no read operation, so rows are not read back: a load
/// is verified through what the contract allows, the table's columns
/// (table_schema), the state (state_get) and the schema document
/// (schema_get) committed with it. Every table the checks create is named
/// `<tag>_<check>` (e.g. `etl_conformance_1a2b3c4d_replace`) and stays in
/// the warehouse: the contract has no drop operation. Nothing else is
/// touched.
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
                recorder.fail("write of a batch with 3 columns into a table begun with 7 succeeded; it must fail "
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
    static func replace(_ environment: WorkerEnvironment) throws {
        let session = try Session(environment, needs: .replace)
        defer { session.close() }
        let table = environment.options.tag + "_replace"
        try session.expectAbsent(table)
        try session.load(table, .first, batches: [[1, 2, 3], [4, 5]], mode: .replace, step: 1)
        try session.verify(table, .first, previous: nil, step: 1)
        var seen = ""
        try session.load(table, .second, batches: [[1, 2, 3, 4]], mode: .replace, step: 2) {
            seen = try session.observeFromSecondInstance(table, expected: .first, during: "the second replace")
        }
        try session.verify(table, .second, previous: .first, step: 2)
        environment.recorder.passDetail = "two replaces of '\(table)': its columns, state and schema are those of each commit"
            + seen
        session.noteRows(table)
    }

    /// `append`: creates the table, then adds to it.
    static func append(_ environment: WorkerEnvironment) throws {
        let session = try Session(environment, needs: .append)
        defer { session.close() }
        let table = environment.options.tag + "_append"
        try session.expectAbsent(table)
        try session.load(table, .first, batches: [[1, 2, 3]], mode: .append, step: 1)
        try session.verify(table, .first, previous: nil, step: 1)
        try session.load(table, .first, batches: [[4, 5], [6]], mode: .append, step: 2)
        try session.verify(table, .first, previous: nil, step: 2)
        environment.recorder.passDetail = "two appends to '\(table)' (created by the first): columns, state and schema as committed"
        session.noteRows(table)
    }

    /// `upsert`: twice on the key column `id`, with overlapping keys.
    static func upsert(_ environment: WorkerEnvironment) throws {
        let session = try Session(environment, needs: .upsert)
        defer { session.close() }
        let table = environment.options.tag + "_upsert"
        try session.expectAbsent(table)
        try session.load(table, .first, batches: [[1, 2, 3]], mode: .upsert, step: 1)
        try session.verify(table, .first, previous: nil, step: 1)
        try session.load(table, .first, batches: [[2, 3, 4]], mode: .upsert, step: 2)
        try session.verify(table, .first, previous: nil, step: 2)
        environment.recorder.passDetail = "two upserts on key id into '\(table)': columns, state and schema as committed"
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

    // MARK: Session

    /// An open warehouse instance and the round-trip helpers of the checks.
    final class Session {
        let environment: WorkerEnvironment
        let instance: OpenedInstance
        let driver: WarehouseDriver
        private var recorder: CheckRecorder { environment.recorder }
        private var tag: String { environment.options.tag }
        private var memory = MemoryMap()
        private var audit = ArrowAudit()
        private var notedUnsupported = Set<String>()

        init(_ environment: WorkerEnvironment, needs mode: WriteMode? = nil) throws {
            self.environment = environment
            let plugin = try environment.plugin()
            if let mode, !plugin.descriptor.capabilities.contains("\(mode)") {
                throw SkipCheck("the warehouse does not declare the \(mode) capability")
            }
            instance = try environment.openInstance()
            driver = WarehouseDriver(instance)
        }

        func close() { instance.close() }

        /// A mode the warehouse declares: replace, else append, else upsert.
        var anyMode: WriteMode {
            let capabilities = instance.plugin.descriptor.capabilities
            return capabilities.contains("replace") ? .replace : capabilities.contains("append") ? .append : .upsert
        }

        func stateKey(_ table: String) -> String { "\(tag)/\(table)" }

        /// Fails unless table_schema says `table` does not exist.
        func expectAbsent(_ table: String) throws {
            recorder.phase("table_schema of the new table '\(table)'")
            switch driver.tableSchema(table, audit: &audit, memory: &memory) {
            case .found: recorder.fail("table_schema of '\(table)', a table that was never created, answered ETL_OK; "
                + "it must answer ETL_ERR_NOT_FOUND")
            case .failed(let text): recorder.fail("table_schema of a table that does not exist must answer ETL_ERR_NOT_FOUND: \(text)")
            case .unsupported: noteUnsupported("table_schema")
            case .notFound: break
            }
        }

        /// begin, write `batches` (lists of ids), then commit with this
        /// step's state, run and schema (or roll back).
        ///
        /// - Parameter beforeCommit: runs after the writes, while the
        ///   load is still open (not for `rollBack`).
        func load(_ table: String, _ sample: WarehouseSample, batches: [[Int64]], mode: WriteMode, step: Int,
                  rollBack: Bool = false, beforeCommit: () throws -> Void = {}) throws {
            let keys = mode == .upsert ? ["id"] : []
            recorder.phase("begin \(mode) of table '\(table)' (step \(step))")
            let writer: OpaquePointer
            switch driver.begin(table: table, schema: sample.schema, mode: mode, keys: keys, runID: "\(tag)-\(step)") {
            case .success(let opened): writer = opened
            case .failure(let failure):
                recorder.fail("begin \(mode) of table '\(table)' failed: \(failure.summary)")
                throw StopCheck()
            }
            var rows = 0
            for (index, ids) in batches.enumerated() {
                let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
                defer { array.deallocate() }
                try sample.batch(ids: ids, into: array)
                recorder.phase("write of batch \(index + 1) to table '\(table)' (step \(step))")
                let outcome = driver.write(writer, array)
                if let failure = outcome.failure {
                    recorder.fail("write of batch \(index + 1) (\(ids.count) rows) to table '\(table)' failed: \(failure.summary)")
                    recorder.phase("rollback of table '\(table)'")
                    driver.rollback(writer)
                    throw StopCheck()
                }
                rows += ids.count
            }
            if rollBack {
                recorder.phase("rollback of table '\(table)' (step \(step))")
                driver.rollback(writer)
                return
            }
            do { try beforeCommit() } catch {
                recorder.phase("rollback of table '\(table)' (step \(step))")
                driver.rollback(writer)
                throw error
            }
            recorder.phase("commit of table '\(table)' (step \(step))")
            if let failure = driver.commit(writer, stateKey: stateKey(table), stateJSON: WarehouseSample.stateJSON(tag: tag, step: step),
                                           runJSON: WarehouseSample.runJSON(tag: tag, table: table, mode: mode, step: step, rows: rows),
                                           schemaJSON: sample.schemaJSON(tag: tag, table: table, step: step)) {
                recorder.fail("commit of table '\(table)' (step \(step)) failed: \(failure.summary)")
                recorder.phase("rollback of table '\(table)' after a failed commit")
                driver.rollback(writer)
                throw StopCheck()
            }
        }

        /// What a second instance (another connection) sees of `table`
        /// while this one holds a load open: the committed table, with
        /// `expected`'s columns. Returns a phrase for the pass detail; a
        /// warehouse without table_schema, or whose second instance cannot
        /// open or answer meanwhile (a lock), is noted, not failed.
        func observeFromSecondInstance(_ table: String, expected: WarehouseSample, during what: String) throws -> String {
            guard instance.plugin.raw.warehouse?.pointee.table_schema != nil else {
                noteUnsupported("table_schema")
                return ""
            }
            recorder.phase("open of a second instance during \(what) of '\(table)'")
            let second: OpenedInstance
            switch OpenedInstance.open(instance.plugin, configJSON: environment.options.configJSON ?? "{}") {
            case .success(let opened): second = opened
            case .failure(let failure):
                recorder.note("a second instance could not be opened during \(what) (\(failure.summary)): what other "
                    + "connections see before commit was not verified")
                return ""
            }
            defer { second.close() }
            recorder.phase("table_schema of '\(table)' from a second instance during \(what) (begun, written, not committed)")
            var secondMemory = MemoryMap()
            var secondAudit = ArrowAudit()
            let during = "during \(what) of '\(table)' (begun, batches written, not yet committed)"
            switch WarehouseDriver(second).tableSchema(table, audit: &secondAudit, memory: &secondMemory) {
            case .unsupported: return ""
            case .failed(let text):
                recorder.note("table_schema from a second instance \(during) failed (\(text)): what other connections "
                    + "see before commit was not verified")
                return ""
            case .notFound:
                recorder.fail("\(during), a second instance's table_schema says the table does not exist: the replace "
                    + "removed or emptied the live table before commit; other connections must see the old table until "
                    + "the commit swaps the new one in")
            case .found(let got):
                let names = got.fields.map(\.name)
                if names != expected.schema.fields.map(\.name) {
                    recorder.fail("\(during), a second instance's table_schema lists \(names.joined(separator: ", ")); "
                        + "other connections must see the committed table (\(expected.schema.fields.map(\.name).joined(separator: ", "))) "
                        + "until the commit")
                }
            }
            return "; a second instance saw the old table during \(what)"
        }

        /// Checks the table's columns against `sample` (and that none of
        /// `previous`'s that `sample` lacks survived), and the state and
        /// schema committed at `step`.
        func verify(_ table: String, _ sample: WarehouseSample, previous: WarehouseSample?, step: Int) throws {
            recorder.phase("table_schema of '\(table)' after step \(step)")
            switch driver.tableSchema(table, audit: &audit, memory: &memory) {
            case .unsupported: noteUnsupported("table_schema")
            case .notFound: recorder.fail("after step \(step) was committed, table_schema says '\(table)' does not exist")
            case .failed(let text): recorder.fail(text)
            case .found(let got): compare(table, sent: sample.schema, got: got, previous: previous?.schema, step: step)
            }
            recorder.phase("state_get('\(stateKey(table))') after step \(step)")
            let state = WarehouseSample.stateJSON(tag: tag, step: step)
            check("state_get('\(stateKey(table))')", driver.stateGet(stateKey(table), memory: &memory), expected: state, step: step)
            recorder.phase("schema_get('\(table)') after step \(step)")
            check("schema_get('\(table)')", driver.schemaGet(table, memory: &memory),
                  expected: sample.schemaJSON(tag: tag, table: table, step: step), step: step)
        }

        private func check(_ what: String, _ lookup: WarehouseDriver.Lookup<String>, expected: String, step: Int) {
            switch lookup {
            case .unsupported: noteUnsupported(String(what.prefix { $0 != "(" }))
            case .notFound: recorder.fail("\(what) after step \(step) was committed answers ETL_ERR_NOT_FOUND; "
                + "it must return what the commit stored")
            case .failed(let text): recorder.fail(text)
            case .found(let text):
                if !WarehouseSample.sameJSON(text, expected) {
                    recorder.fail("\(what) after step \(step) returns \(text.prefix(120)); the commit stored \(expected)")
                }
            }
        }

        private func compare(_ table: String, sent: ArrowBatchSchema, got: ArrowBatchSchema, previous: ArrowBatchSchema?, step: Int) {
            for field in sent.fields {
                guard let found = got.fields.first(where: { $0.name == field.name }) else {
                    recorder.fail("after step \(step), table '\(table)' has no column '\(field.name)' (written as \(field.type)); "
                        + "table_schema lists \(got.fields.map(\.name).joined(separator: ", "))")
                    continue
                }
                if found.type != field.type {
                    recorder.fail("after step \(step), column '\(field.name)' of table '\(table)' was written as "
                        + "\(field.type) but table_schema says \(found.type)")
                }
            }
            let sentNames = Set(sent.fields.map(\.name))
            for field in got.fields where !sentNames.contains(field.name) {
                if previous?.fields.contains(where: { $0.name == field.name }) == true {
                    recorder.fail("after step \(step), table '\(table)' still has column '\(field.name)' of the table it "
                        + "replaced (or of the load rolled back); it must have exactly the columns written")
                } else {
                    recorder.note("table '\(table)' has column '\(field.name)', which was not written (the warehouse's own?)")
                }
            }
            let order = got.fields.map(\.name).filter(sentNames.contains)
            if order != sent.fields.map(\.name), Set(order) == sentNames {
                recorder.note("table '\(table)' lists its columns in another order than written")
            }
        }

        private func noteUnsupported(_ operation: String) {
            guard notedUnsupported.insert(operation).inserted else { return }
            recorder.note("the warehouse has no \(operation): what it would show was not verified")
        }

        /// The note every round trip carries: rows are not read back.
        func noteRows(_ table: String) {
            recorder.note("rows are not read back (the contract has no read operation); left table '\(table)' in the "
                + "warehouse (the contract has no drop)")
        }
    }
}
