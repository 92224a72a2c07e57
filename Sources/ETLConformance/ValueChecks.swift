import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

/// The checks that read every stream to its end and look at the values,
/// not only at the shape of the batches: `values` (the host's importer
/// and the audit's own decode agree, and utf8/binary offsets start where a
/// fresh array starts) and `declared-types` (the catalog's type hints fit
/// the stream's columns and every value, by the conversion `sync` uses).
///
/// A batch the ``ArrowAudit`` refuses is the `arrow` check's finding: these
/// checks stop reading that stream and say so in a note, so that one bug
/// fails one check.
enum ValueChecks {
    // MARK: values

    /// `values`: every batch the audit accepts is accepted by the host's
    /// importer too (``ImportedBatch``), reads back the same null count per
    /// column, and each utf8 or binary column of array offset 0 has
    /// `offsets[0] == 0` (an off-by-one shifts every value and stays
    /// "valid" Arrow; the contract is stricter than Arrow there, and the
    /// host's importer enforces the same rule, so `sync` agrees).
    static func values(_ environment: WorkerEnvironment) throws {
        let recorder = environment.recorder
        let walk = try StreamWalk.run(environment) { name, index, schema, array in
            var shifted = false
            for (column, field) in schema.fields.enumerated() {
                let label = "stream '\(name)', batch \(index), column \(column + 1) (\"\(field.name)\", \(field.type))"
                if let problem = firstOffsetProblem(array.pointee.children[column]!.pointee, type: field.type) {
                    recorder.fail("\(label): \(problem)")
                    shifted = true
                }
            }
            // The host's importer refuses it for the same reason: one finding, not two.
            guard !shifted else { return }
            let expectedNulls = schema.fields.indices.map { column in
                Self.nullCount(array.pointee.children[column]!.pointee)
            }
            let rowOffset = Int(array.pointee.offset)
            let batch: ImportedBatch
            do {
                batch = try ImportedBatch(taking: array, schema: schema)
            } catch {
                recorder.fail("stream '\(name)', batch \(index): the host's importer refuses a batch the audit "
                    + "accepts: \((error as? PluginError)?.message ?? "\(error)")")
                return
            }
            for (column, field) in schema.fields.enumerated() where rowOffset == 0 {
                let imported = batch.nullCount(column: column)
                if imported != expectedNulls[column] {
                    recorder.fail("stream '\(name)', batch \(index), column \(column + 1) (\"\(field.name)\"): the host's "
                        + "importer reads \(imported) nulls, the validity bitmap has \(expectedNulls[column])")
                }
            }
            for (column, field) in schema.fields.enumerated() where field.annotation == .member {
                if let problem = memberProblem(batch, column: column) {
                    recorder.fail("stream '\(name)', batch \(index), column \(column + 1) (\"\(field.name)\", etl.member): "
                        + problem)
                }
            }
        }
        recorder.passDetail = "\(walk.summary): the host's importer reads every batch as the audit does; "
            + "utf8 and binary offsets start at 0; member columns hold JSON text"
        recorder.note("not checked: a last offset one byte too far (the C Data Interface has no buffer sizes, so the "
            + "end of the data is unknown), and values that are wrong but well-formed")
    }

    /// The first value of a member column (`etl.member`) that is not one
    /// JSON value, as a problem naming its row (never its text), or `nil`.
    static func memberProblem(_ batch: ImportedBatch, column: Int) -> String? {
        let scanner = JSONObjectScanner()
        for row in 0 ..< batch.rowCount {
            guard let value = batch.utf8(row: row, column: column) else { continue }
            do {
                _ = try scanner.validate(value)
            } catch {
                return "row \(row + 1) is not the JSON text of a member (\(error.message), at byte \(error.offset + 1)); a "
                    + "member column's values are JSON text such as \"text\" with its quotes, 12.5, true or [1,2], and sync "
                    + "refuses the stream as the plugin's bug"
            }
        }
        return nil
    }

    /// The problem of a utf8 or binary column whose first offset is not 0
    /// though the array has offset 0, or `nil`.
    static func firstOffsetProblem(_ child: ArrowArray, type: ArrowColumnType) -> String? {
        guard type == .utf8 || type == .binary, child.offset == 0, child.length > 0,
              let offsets = child.buffers?[1]?.assumingMemoryBound(to: Int32.self)
        else { return nil }
        let first = offsets[0]
        guard first != 0 else { return nil }
        return "offset[0]=\(first), not 0: a fresh array's first value starts at byte 0 of its data, so every "
            + "value is shifted by \(first) byte\(first == 1 ? "" : "s") (an off-by-one in the offsets; "
            + "the first value reads as bytes \(first)..<\(offsets[1])); a slice of a larger array must say so with the "
            + "array's offset, not with offsets that start past 0"
    }

    /// The clear bits of a column's validity bitmap (0 without one).
    private static func nullCount(_ child: ArrowArray) -> Int {
        if child.n_buffers == 0 { return Int(child.length) }  // the null type
        guard let bitmap = child.buffers?[0]?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        return ArrowAudit.countClear(bitmap, offset: Int(child.offset), length: Int(child.length))
    }

    // MARK: declared-types

    /// `declared-types`: each field the catalog gives a type hint is a
    /// column whose Arrow type fits the hint, and every value of it
    /// converts to the hinted type by the host's own conversion
    /// (``DeclaredValueConversion``): what `sync` does, so a wrong hint fails here
    /// instead of failing every sync with exit 65.
    static func declaredTypes(_ environment: WorkerEnvironment) throws {
        let recorder = environment.recorder
        var hints: [String: [String: ColumnType]] = [:]
        var declaredCount = 0
        var reported = Set<String>()
        var conversion = DeclaredValueConversion()
        var builders: [ColumnType: ArrowBatchBuilder] = [:]
        let walk = try StreamWalk.run(environment, catalog: { text in
            guard let streams = try? CatalogReading(discovered: text, plugin: environment.request.library).catalog.streams else { return }
            for stream in streams {
                hints[stream.name] = stream.hints
                declaredCount += stream.hints.count
            }
        }) { name, index, schema, array in
            let declared = hints[name] ?? [:]
            let batch: ImportedBatch
            do {
                batch = try ImportedBatch(taking: array, schema: schema)
            } catch {
                recorder.note("stream '\(name)', batch \(index): the host's importer refuses it (see the values check)")
                return
            }
            for (column, field) in schema.fields.enumerated() {
                guard let hint = declared[field.name], field.annotation != .record else { continue }
                let key = "\(name)\u{0}\(field.name)"
                guard !reported.contains(key) else { continue }
                let label = "stream '\(name)', field '\(field.name)'"
                let carried = ColumnType(arrow: field.type, annotation: field.annotation)
                guard field.type == .utf8, field.annotation != .json, !isDecimal(field.annotation) else {
                    if !fits(carried, into: hint) {
                        reported.insert(key)
                        recorder.fail("\(label): the catalog declares \(hint.rawValue), but the stream's schema says "
                            + "\(field.type) (\(carried.rawValue)), which sync cannot load as \(hint.rawValue)")
                    }
                    continue
                }
                if hint == .text || hint == .null { continue }
                let kind: CellKind = field.annotation == .untyped ? .untyped : .string
                let builder: ArrowBatchBuilder
                if let existing = builders[hint] {
                    builder = existing
                } else {
                    let (type, annotation) = hint.arrowField
                    builder = try ArrowBatchBuilder(fields: [ArrowField("value", type, annotation: annotation)], capacity: 1)
                    builders[hint] = builder
                }
                for row in 0 ..< batch.rowCount {
                    guard let value = batch.utf8(row: row, column: column) else { continue }
                    let converted = conversion.append(kind, value, as: hint, to: builder)
                    builder.discardRow()
                    if !converted {
                        reported.insert(key)
                        recorder.fail("\(label): the catalog declares \(hint.rawValue), but batch \(index), row \(row + 1) "
                            + "carries a \(field.type) value that is not a valid \(hint.rawValue); sync would fail this "
                            + "stream with exit 65 (bad data) for every such value")
                        break
                    }
                }
            }
        }
        guard declaredCount > 0 else { throw SkipCheck("the catalog declares no field types") }
        recorder.passDetail = "\(walk.summary): \(declaredCount) declared field type\(declaredCount == 1 ? "" : "s") "
            + "fit the columns and every value"
    }

    private static func isDecimal(_ annotation: ArrowFieldAnnotation?) -> Bool {
        if case .decimal? = annotation { return true }
        return false
    }

    /// Whether a typed column of type `carried` loads into a column of
    /// the declared `hint` (the conversions of ``DeclaredValueConversion``).
    static func fits(_ carried: ColumnType, into hint: ColumnType) -> Bool {
        if carried == hint || carried == .null { return true }
        switch hint {
        case .text, .json, .null: return true
        case .integer: return carried == .boolean
        case .number, .decimal: return carried == .boolean || carried == .integer || carried == .number
        default: return false
        }
    }
}

/// Reads every stream of the catalog (or `--streams`) to its end, at most
/// `--max-batches` batches each, and hands each batch the ``ArrowAudit``
/// accepts to a visitor (which may take it; the walk releases it
/// otherwise). A stream whose batch the audit refuses is abandoned with a
/// note: that is the `arrow` check's finding.
struct StreamWalk {
    /// Streams read.
    var streams = 0
    /// Batches handed to the visitor.
    var batches = 0
    /// Their rows.
    var rows: Int64 = 0

    /// "2 streams, 5 batches, 6 rows".
    var summary: String {
        "\(streams) stream\(streams == 1 ? "" : "s"), \(batches) batch\(batches == 1 ? "" : "es"), "
            + "\(rows) row\(rows == 1 ? "" : "s")"
    }

    /// Runs the walk; `catalog` sees discover's JSON first.
    static func run(
        _ environment: WorkerEnvironment, catalog: (String) -> Void = { _ in },
        visit: (_ stream: String, _ batch: Int, _ schema: ArrowBatchSchema, _ array: UnsafeMutablePointer<ArrowArray>) throws -> Void
    ) throws -> StreamWalk {
        let recorder = environment.recorder
        let instance = try environment.openInstance()
        defer { instance.close() }
        var memory = MemoryMap()
        var audit = ArrowAudit()
        let names = try ExtractorChecks.streams(environment, instance, memory: &memory)
        let handle = instance.live
        let discover = instance.extractor.discover!
        if let text = BufferAnswer.call("discover", memory: &memory, { buffer, error in discover(handle, buffer, error) }).text {
            catalog(text)
        }
        var walk = StreamWalk()
        for name in names {
            recorder.phase("read of stream '\(name)'")
            guard case .success(let stream) = RawStream.read(instance, stream: name), stream.structureProblem == nil else {
                recorder.note("stream '\(name)' could not be read (see the arrow check)")
                continue
            }
            defer { stream.release() }
            recorder.phase("get_schema of stream '\(name)'")
            var cSchema = ArrowSchema()
            guard stream.getSchema(&cSchema) == 0 else {
                recorder.note("stream '\(name)': get_schema failed (see the arrow check)")
                continue
            }
            let schemaResult = audit.schema(&cSchema)
            if let release = cSchema.release { release(&cSchema) }
            guard case .success(let schema) = schemaResult else {
                recorder.note("stream '\(name)': its schema is invalid (see the arrow check)")
                continue
            }
            walk.streams += 1
            var index = 0
            while index < environment.options.maxBatches {
                index += 1
                recorder.phase("read of stream '\(name)': get_next for batch \(index)")
                let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
                defer { array.deallocate() }
                array.initialize(to: ArrowArray())
                guard stream.getNext(array) == 0 else {
                    recorder.note("stream '\(name)', batch \(index): get_next failed (see the arrow check)")
                    break
                }
                guard array.pointee.release != nil else { break }
                if !audit.batch(array, schema: schema).isEmpty {
                    recorder.note("stream '\(name)', batch \(index) is not well-formed Arrow (see the arrow check): "
                        + "the rest of the stream was not read")
                    array.pointee.release(array)
                    break
                }
                walk.batches += 1
                walk.rows += array.pointee.length
                recorder.phase("decode of stream '\(name)', batch \(index)")
                try visit(name, index, schema, array)
                if let release = array.pointee.release { release(array) }
            }
        }
        return walk
    }
}
