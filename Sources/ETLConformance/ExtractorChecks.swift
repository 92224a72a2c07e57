import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

/// The checks of an extractor: errors, discover, arrow, release, cancel
/// (in CancelCheck.swift) and checkpoint. Each drives the raw C interface
/// (see ``RawStream``).
enum ExtractorChecks {
    /// The name of a stream no catalog lists.
    static let unknownStream = "_etl_conformance_no_such_stream"
    /// The most problems one check lists before it stops looking.
    static let problemLimit = 20

    // MARK: errors

    /// `errors`: read of a stream the catalog does not list fails with a
    /// status, a code, a message, and an error that is released.
    static func errors(_ environment: WorkerEnvironment) throws {
        let recorder = environment.recorder
        let instance = try environment.openInstance()
        defer { instance.close() }
        recorder.phase("read of the unknown stream '\(unknownStream)'")
        switch RawStream.read(instance, stream: unknownStream) {
        case .success(let stream):
            recorder.fail("read of the unknown stream '\(unknownStream)' returned ETL_OK; it must fail (e.g. with "
                + "ETL_ERR_INVALID_ARGUMENT or ETL_ERR_NOT_FOUND) and a message naming the stream")
            recorder.phase("release of the stream of '\(unknownStream)'")
            stream.release()
        case .failure(let failure):
            for problem in failure.problems(operation: "read of the unknown stream '\(unknownStream)'") {
                recorder.fail(problem)
            }
            recorder.passDetail = "read of an unknown stream fails with \(failure.summary); its error was released"
        }
        recorder.note("not checked: that error.release frees the message (the host cannot see the plugin's heap)")
    }

    // MARK: discover

    /// `discover`: the catalog is a valid buffer of valid catalog JSON.
    static func discover(_ environment: WorkerEnvironment) throws {
        let recorder = environment.recorder
        let instance = try environment.openInstance()
        defer { instance.close() }
        var memory = MemoryMap()
        let audit = try catalog(instance, recorder, memory: &memory, strict: true)
        for note in audit.notes { recorder.note(note) }
        let described = audit.streams.prefix(8).map { name in
            audit.primaryKeys[name].map { "\(name) (key \($0.joined(separator: ", ")))" } ?? name
        }
        recorder.passDetail = "\(audit.streams.count) stream\(audit.streams.count == 1 ? "" : "s")"
            + (described.isEmpty ? "" : ": \(described.joined(separator: ", "))\(audit.streams.count > 8 ? ", ..." : "")")
    }

    /// Calls discover and audits the catalog; records its problems when
    /// `strict` (the discover check), and stops when there is no catalog.
    static func catalog(_ instance: OpenedInstance, _ recorder: CheckRecorder, memory: inout MemoryMap,
                        strict: Bool, releaseProblems: ((String) -> Void)? = nil) throws -> CatalogAudit {
        recorder.phase("discover")
        let discover = instance.extractor.discover!
        let handle = instance.live
        let answer = BufferAnswer.call("discover", memory: &memory) { buffer, error in discover(handle, buffer, error) }
        if let failure = answer.failure {
            recorder.fail("discover failed: \(failure.summary)")
            throw StopCheck()
        }
        if answer.releaseMissing {
            releaseProblems?("discover's catalog buffer has no release callback: the host cannot free it")
        }
        guard let text = answer.text else {
            for problem in answer.problems { recorder.fail(problem) }
            throw StopCheck()
        }
        let audit = CatalogAudit(text)
        if strict {
            for problem in answer.problems + audit.problems { recorder.fail(problem) }
        } else if audit.streams.isEmpty, !audit.problems.isEmpty {
            recorder.fail("discover returned no valid catalog: \(audit.problems[0])")
            throw StopCheck()
        }
        return audit
    }

    /// The streams to read: the catalog's, or those of `--streams`.
    static func streams(_ environment: WorkerEnvironment, _ instance: OpenedInstance, memory: inout MemoryMap,
                        releaseProblems: ((String) -> Void)? = nil) throws -> [String] {
        let audit = try catalog(instance, environment.recorder, memory: &memory, strict: false,
                                releaseProblems: releaseProblems)
        var names = audit.streams
        if let wanted = environment.options.streams {
            for name in wanted where !names.contains(name) {
                environment.recorder.fail("stream '\(name)' (from --streams) is not in the catalog; it lists "
                    + "\(names.isEmpty ? "none" : names.joined(separator: ", "))")
            }
            names = wanted.filter(names.contains)
        }
        guard !names.isEmpty else { throw SkipCheck("the catalog lists no stream to read") }
        return names
    }

    // MARK: arrow

    /// `arrow`: every stream's schema and batches are well-formed Arrow of
    /// ABI v1 (see ``ArrowAudit``).
    static func arrow(_ environment: WorkerEnvironment) throws {
        let recorder = environment.recorder
        let instance = try environment.openInstance()
        defer { instance.close() }
        var audit = ArrowAudit()
        var memory = MemoryMap()
        let names = try streams(environment, instance, memory: &memory)
        var batches = 0
        var rows: Int64 = 0
        var problems = 0
        for name in names {
            recorder.phase("read of stream '\(name)'")
            let stream: RawStream
            switch RawStream.read(instance, stream: name) {
            case .success(let opened): stream = opened
            case .failure(let failure):
                recorder.fail("read of stream '\(name)' failed: \(failure.summary)")
                problems += 1
                continue
            }
            if let problem = stream.structureProblem {
                recorder.fail(problem)
                problems += 1
                continue
            }
            recorder.phase("get_schema of stream '\(name)'")
            let cSchema = UnsafeMutablePointer<ArrowSchema>.allocate(capacity: 1)
            defer { cSchema.deallocate() }
            cSchema.initialize(to: ArrowSchema())
            let status = stream.getSchema(cSchema)
            guard status == 0 else {
                recorder.fail("stream '\(name)': get_schema failed with \(stream.failure(status))")
                problems += 1
                stream.release()
                continue
            }
            let schemaResult = audit.schema(cSchema)
            recorder.phase("release of the schema of stream '\(name)'")
            if let release = cSchema.pointee.release { release(cSchema) }
            guard case .success(let schema) = schemaResult else {
                if case .failure(let problem) = schemaResult {
                    recorder.fail("stream '\(name)': get_schema returned an invalid schema: \(problem)")
                }
                problems += 1
                stream.release()
                continue
            }
            var badBatches = 0
            var index = 0
            while index < environment.options.maxBatches {
                index += 1
                recorder.phase("read of stream '\(name)': get_next for batch \(index)")
                let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
                defer { array.deallocate() }
                array.initialize(to: ArrowArray())
                let status = stream.getNext(array)
                guard status == 0 else {
                    recorder.fail("stream '\(name)', batch \(index): get_next failed with \(stream.failure(status))")
                    problems += 1
                    break
                }
                guard array.pointee.release != nil else { break }  // end of stream
                recorder.phase("audit of stream '\(name)', batch \(index)")
                let found = audit.batch(array, schema: schema)
                for problem in found.prefix(problemLimit) { recorder.fail("stream '\(name)', batch \(index), \(problem)") }
                problems += found.count
                batches += 1
                rows += array.pointee.length
                recorder.phase("release of stream '\(name)', batch \(index)")
                array.pointee.release(array)
                if !found.isEmpty {
                    badBatches += 1
                    if badBatches >= 3 || problems >= problemLimit { break }
                }
            }
            if index >= environment.options.maxBatches {
                recorder.note("stream '\(name)': stopped after \(environment.options.maxBatches) batches (--max-batches)")
            }
            recorder.phase("release of the stream of '\(name)'")
            stream.release()
            if problems >= problemLimit { break }
        }
        let setAside = instance.context.takeRejects()
        recorder.passDetail = "\(names.count) stream\(names.count == 1 ? "" : "s"), \(batches) batch\(batches == 1 ? "" : "es"), "
            + "\(rows) row\(rows == 1 ? "" : "s"): schemas and batches well-formed"
            + (setAside.isEmpty ? "" : "; \(setAside.count) record\(setAside.count == 1 ? "" : "s") set aside through "
                + "reject() (--max-bad-rows): \(setAside.prefix(3).map { "\($0.location): \($0.reason)" }.joined(separator: "; "))")
        recorder.note("not checked: that a buffer is as long as its lengths and offsets say (the C Data Interface "
            + "has no buffer sizes); an offset past its data is caught only when it leaves readable memory")
    }

    // MARK: release

    /// `release`: the schema's fields and every batch's columns are
    /// released exactly once, by their parent's release; streams, schemas,
    /// batches and buffers mark themselves released and have a release.
    static func release(_ environment: WorkerEnvironment) throws {
        let recorder = environment.recorder
        let instance = try environment.openInstance()
        defer { instance.close() }
        var memory = MemoryMap()
        var audit = ArrowAudit()
        let names = try streams(environment, instance, memory: &memory) { recorder.fail($0) }
        let ledger = ReleaseLedger.shared
        var batches = 0
        var columns = 0
        for name in names {
            if recorder.problems.count >= problemLimit { break }
            recorder.phase("read of stream '\(name)'")
            guard case .success(let stream) = RawStream.read(instance, stream: name) else {
                recorder.fail("read of stream '\(name)' failed (see the arrow check)")
                continue
            }
            if let problem = stream.structureProblem {
                recorder.fail(problem)
                continue
            }
            let cSchema = UnsafeMutablePointer<ArrowSchema>.allocate(capacity: 1)
            defer { cSchema.deallocate() }
            cSchema.initialize(to: ArrowSchema())
            recorder.phase("get_schema of stream '\(name)'")
            guard stream.getSchema(cSchema) == 0 else {
                recorder.fail("stream '\(name)': get_schema failed (see the arrow check)")
                stream.release()
                continue
            }
            var columnNames: [String] = []
            if case .success(let schema) = audit.schema(cSchema) { columnNames = schema.fields.map(\.name) }
            if cSchema.pointee.release == nil {
                recorder.fail("stream '\(name)': get_schema returned 0 but a schema with no release callback")
            } else {
                let keys = ledger.interposeChildren(of: cSchema, label: "stream '\(name)', schema", memory: &memory)
                recorder.phase("release of the schema of stream '\(name)'",
                               crashHint: "a schema field's release was probably called twice, or freed memory used")
                cSchema.pointee.release(cSchema)
                if cSchema.pointee.release != nil {
                    recorder.fail("stream '\(name)': the schema's release did not mark it released (set release to NULL)")
                }
                for problem in ledger.settle(keys) { recorder.fail(problem) }
            }
            var index = 0
            while index < environment.options.maxBatches, recorder.problems.count < problemLimit {
                index += 1
                recorder.phase("read of stream '\(name)': get_next for batch \(index)")
                let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
                defer { array.deallocate() }
                array.initialize(to: ArrowArray())
                guard stream.getNext(array) == 0 else {
                    recorder.note("stream '\(name)': get_next failed at batch \(index) (see the arrow check)")
                    break
                }
                guard array.pointee.release != nil else { break }
                let label = "stream '\(name)', batch \(index)"
                let keys = ledger.interposeChildren(of: array, label: label, columnNames: columnNames, memory: &memory)
                batches += 1
                columns += keys.count
                recorder.phase("release of \(label)",
                               crashHint: "a column's release was probably called twice, or freed memory used")
                array.pointee.release(array)
                if array.pointee.release != nil {
                    recorder.fail("\(label): the batch's release did not mark it released (set release to NULL)")
                }
                for problem in ledger.settle(keys) { recorder.fail(problem) }
            }
            recorder.phase("release of the stream of '\(name)'")
            if !stream.release() {
                recorder.fail("stream '\(name)': the stream's release did not mark it released (set release to NULL)")
            }
        }
        if let checkpoint = instance.extractor.checkpoint, let name = names.first {
            recorder.phase("checkpoint of stream '\(name)'")
            let handle = instance.live
            let answer = name.withCString { cName in
                BufferAnswer.call("checkpoint of '\(name)'", memory: &memory) { checkpoint(handle, cName, $0, $1) }
            }
            if answer.failure == nil, answer.releaseMissing {
                recorder.fail("checkpoint's buffer has no release callback: the host cannot free it")
            }
        }
        recorder.passDetail = "\(batches) batch\(batches == 1 ? "" : "es") of \(names.count) stream\(names.count == 1 ? "" : "s"): "
            + "\(columns) column arrays each released exactly once by their batch; schemas, streams and buffers released"
    }

    // MARK: checkpoint

    /// `checkpoint`: mid-stream and after it, checkpoint returns JSON, and
    /// read() with that state succeeds with well-formed batches.
    static func checkpoint(_ environment: WorkerEnvironment) throws {
        let recorder = environment.recorder
        let plugin = try environment.plugin()
        let incremental = plugin.descriptor.capabilities.contains("incremental")
        guard let checkpoint = plugin.extractorOps?.checkpoint else {
            if incremental {
                recorder.fail("the plugin declares the incremental capability but its checkpoint is NULL")
                return
            }
            throw SkipCheck("not incremental (checkpoint is NULL)")
        }
        if !incremental { recorder.note("checkpoint is set but the incremental capability is not declared") }
        let instance = try environment.openInstance()
        defer { instance.close() }
        var memory = MemoryMap()
        var audit = ArrowAudit()
        let names = try streams(environment, instance, memory: &memory)
        let cursors = cursorFields(instance, memory: &memory)
        var states: [String] = []
        func takeCheckpoint(_ name: String, _ moment: String) -> String? {
            recorder.phase("checkpoint of stream '\(name)' \(moment)")
            let handle = instance.live
            let answer = name.withCString { cName in
                BufferAnswer.call("checkpoint of '\(name)'", memory: &memory) { checkpoint(handle, cName, $0, $1) }
            }
            if let failure = answer.failure {
                recorder.fail("checkpoint of stream '\(name)' \(moment) failed: \(failure.summary)")
                return nil
            }
            for problem in answer.problems { recorder.fail(problem) }
            guard let text = answer.text else { return nil }
            guard (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil else {
                let shown = text.count > 80 ? String(text.prefix(80)) + "..." : text
                recorder.fail("checkpoint of stream '\(name)' \(moment) is not valid JSON: \(shown)")
                return nil
            }
            return text
        }
        for name in names {
            recorder.phase("read of stream '\(name)'")
            let stream: RawStream
            switch RawStream.read(instance, stream: name) {
            case .success(let opened): stream = opened
            case .failure(let failure):
                recorder.fail("read of stream '\(name)' failed: \(failure.summary)")
                continue
            }
            if let problem = stream.structureProblem {
                recorder.fail(problem)
                continue
            }
            var index = 0
            var readToTheEnd = false
            while index < environment.options.maxBatches {
                index += 1
                recorder.phase("read of stream '\(name)': get_next for batch \(index)")
                var array = ArrowArray()
                let status = stream.getNext(&array)
                guard status == 0, let release = array.release else {
                    readToTheEnd = status == 0
                    break
                }
                release(&array)
                if index == 1 { _ = takeCheckpoint(name, "after its first batch") }
            }
            recorder.phase("release of the stream of '\(name)'")
            stream.release()
            guard let state = takeCheckpoint(name, "at the end of the stream") else { continue }
            states.append(state)
            recorder.phase("read of stream '\(name)' with the state from checkpoint")
            switch RawStream.read(instance, stream: name, state: state) {
            case .failure(let failure):
                recorder.fail("read of stream '\(name)' with the state \(state) from checkpoint failed: \(failure.summary)")
            case .success(let resumed):
                if let problem = resumed.structureProblem {
                    recorder.fail(problem)
                    continue
                }
                var cSchema = ArrowSchema()
                guard resumed.getSchema(&cSchema) == 0 else {
                    recorder.fail("stream '\(name)' resumed from a checkpoint: get_schema failed")
                    continue
                }
                let schema = audit.schema(&cSchema)
                if let release = cSchema.release { release(&cSchema) }
                var rows: Int64 = 0
                var cursorValues = Set<String>()
                let cursor = cursors[name].flatMap { field -> (index: Int, type: ArrowColumnType)? in
                    guard case .success(let schema) = schema,
                          let index = schema.fields.firstIndex(where: { $0.name == field }) else { return nil }
                    return (index, schema.fields[index].type)
                }
                var batch = 0
                while batch < environment.options.maxBatches {
                    batch += 1
                    recorder.phase("read of stream '\(name)' resumed from a checkpoint: get_next for batch \(batch)")
                    var array = ArrowArray()
                    let status = resumed.getNext(&array)
                    guard status == 0 else {
                        recorder.fail("stream '\(name)' resumed from the checkpoint \(state): get_next failed with "
                            + resumed.failure(status))
                        break
                    }
                    guard let release = array.release else { break }
                    if case .success(let schema) = schema {
                        let problems = audit.batch(&array, schema: schema)
                        for problem in problems.prefix(3) {
                            recorder.fail("stream '\(name)' resumed from a checkpoint, batch \(batch), \(problem)")
                        }
                        if problems.isEmpty, let cursor, let child = array.children?[cursor.index] {
                            for row in 0 ..< Int(array.length) {
                                cursorValues.insert(Self.text(of: child.pointee, type: cursor.type, row: Int(array.offset) + row))
                            }
                        }
                    }
                    rows += array.length
                    release(&array)
                }
                resumed.release()
                guard incremental, readToTheEnd, rows > 0 else {
                    recorder.note("stream '\(name)' read again from its checkpoint gave \(rows) row(s)"
                        + (readToTheEnd ? "" : " (its first read did not reach the end: not compared)"))
                    continue
                }
                // A checkpoint of JSON null is no state: the stream is read whole each time (an
                // incremental plugin's stream without a cursor, such as a postgres table without `cursor`).
                guard state.trimmingCharacters(in: .whitespacesAndNewlines) != "null" else {
                    recorder.note("stream '\(name)' keeps no state (its checkpoint is null): it is read whole each time")
                    continue
                }
                // Nothing changed at the source: only rows at the cursor boundary may come again.
                if let field = cursors[name], cursor != nil {
                    if cursorValues.count > 1 {
                        recorder.fail("stream '\(name)': read with the state \(state) from the checkpoint taken after the "
                            + "whole stream returned \(rows) row\(rows == 1 ? "" : "s") with \(cursorValues.count) values of "
                            + "its cursor field '\(field)'; with no change at the source only rows at the cursor boundary "
                            + "(one value) may come again: read() ignores its state and re-reads the stream")
                    }
                } else {
                    recorder.fail("stream '\(name)': read with the state \(state) from the checkpoint taken after the whole "
                        + "stream returned \(rows) row\(rows == 1 ? "" : "s"); with no change at the source it must return "
                        + "none: read() ignores its state and re-reads the stream")
                }
            }
        }
        recorder.passDetail = "checkpoints are JSON (\(states.prefix(3).joined(separator: ", "))) and read() resumes from them"
    }

    /// Each stream's cursor field, from the catalog.
    private static func cursorFields(_ instance: OpenedInstance, memory: inout MemoryMap) -> [String: String] {
        let discover = instance.extractor.discover!
        let handle = instance.live
        guard let text = BufferAnswer.call("discover", memory: &memory, { buffer, error in discover(handle, buffer, error) }).text,
              let streams = try? CatalogReading(discovered: text, plugin: "").catalog.streams
        else { return [:] }
        var fields: [String: String] = [:]
        for stream in streams { fields[stream.name] = stream.cursorField }
        return fields
    }

    /// A value of a column the audit accepted, as text to compare (`NULL`
    /// for a null; utf8 and binary as hex).
    static func text(of child: ArrowArray, type: ArrowColumnType, row index: Int) -> String {
        if let validity = child.buffers?[0]?.assumingMemoryBound(to: UInt8.self),
           (validity[index >> 3] >> UInt8(index & 7)) & 1 == 0 { return "NULL" }
        guard let values = child.buffers?[1] else { return "NULL" }
        switch type {
        case .int64, .timestampMicrosecondsUTC: return String(values.load(fromByteOffset: index * 8, as: Int64.self))
        case .float64: return String(values.load(fromByteOffset: index * 8, as: Double.self))
        case .date32: return String(values.load(fromByteOffset: index * 4, as: Int32.self))
        case .bool: return String((values.load(fromByteOffset: index >> 3, as: UInt8.self) >> UInt8(index & 7)) & 1)
        case .utf8, .binary:
            let offsets = values.assumingMemoryBound(to: Int32.self)
            guard let data = child.buffers?[2] else { return "" }
            let bytes = UnsafeRawBufferPointer(start: data + Int(offsets[index]), count: Int(offsets[index + 1] - offsets[index]))
            return bytes.map { String(format: "%02x", $0) }.joined()
        default: return "NULL"
        }
    }

    /// Seconds since `start`.
    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    static func format(_ seconds: Double) -> String { String(format: "%.2f", seconds) }
}
