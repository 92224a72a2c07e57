import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

extension WarehouseChecks {
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

        /// A second instance (another connection), opened with the same
        /// config; nil (noted) when it cannot be opened.
        func openSecondInstance(for what: String) -> OpenedInstance? {
            recorder.phase("open of a second instance for \(what)")
            switch OpenedInstance.open(instance.plugin, configJSON: environment.options.configJSON ?? "{}") {
            case .success(let opened): return opened
            case .failure(let failure):
                recorder.note("a second instance could not be opened for \(what) (\(failure.summary)): what other "
                    + "connections see before commit was not verified")
                return nil
            }
        }

        /// What `second` (another connection) sees of `table` while this
        /// instance holds a load open: the committed table, with
        /// `expected`'s columns. Returns a phrase for the pass detail; a
        /// warehouse without table_schema, or whose second instance cannot
        /// open or answer meanwhile (a lock), is noted, not failed.
        func observeFromSecondInstance(_ second: OpenedInstance?, _ table: String, expected: WarehouseSample,
                                       during what: String) -> String {
            guard instance.plugin.raw.warehouse?.pointee.table_schema != nil else {
                noteUnsupported("table_schema")
                return ""
            }
            guard let second else { return "" }
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

        /// Reads the rows `ids` of `sample` back from `table` through
        /// `reader`'s query and fails on every difference (``RowReadBack``).
        /// Returns `phrase` for the pass detail when they are equal; a
        /// warehouse without sql_query is noted.
        func readRows(_ reader: OpenedInstance?, _ table: String, _ sample: WarehouseSample, ids: [Int64],
                      when: String, passing phrase: String) -> String {
            guard instance.plugin.descriptor.capabilities.contains("sql_query") else {
                noteUnsupported("query (sql_query)")
                return ""
            }
            guard let reader else { return "" }
            let readBack = RowReadBack(table: table, sample: sample)
            recorder.phase("\(readBack.sql) \(when)")
            let problems = readBack.problems(WarehouseDriver(reader), ids: ids, when: when)
            problems.forEach(recorder.fail)
            return problems.isEmpty ? "; \(phrase)" : ""
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

        /// The note every round trip carries: the table left behind.
        func noteRows(_ table: String) {
            recorder.note("left table '\(table)' in the warehouse (the contract has no drop)")
        }
    }
}
