import CETLPlugin
import ETLPluginKit
import Foundation

/// One stream's load, in two passes. Pass 1 writes every batch from the
/// extractor (or the snapshot being replayed) to a spool file (an Arrow
/// IPC file, the run's snapshot when one is kept) while inferring each
/// field's type; then the key listing (``DeletionSync``), the table schema
/// (``SchemaResolver``) and the empty-source rule (``EmptySourceRule``).
/// Pass 2 reads the spool back, casts the columns whose resolved type
/// differs from the one they arrived in (``BatchConverter``), writes the
/// batches, and commits data, state, run row and schema in one
/// transaction; the stream's rejects follow (``RejectStore``). Any failure
/// before the commit returned rolls the warehouse back and throws.
struct StreamLoad: @unchecked Sendable {
    let request: SyncRequest
    let source: SyncSource
    let warehouse: LoadedPlugin
    let runID: String
    /// The run's snapshot; nil when none is kept (or for a replay).
    let snapshot: SnapshotWriter?
    weak var observer: (any SyncObserver)?
    let cancellation: Cancellation
    let log: RunLog
    let clock: any RunClock
    /// Told when a stream's snapshot is complete, before its data commits.
    let recorder: RunRecorder

    /// The extractor's name (the plugin's, or the snapshot's).
    var extractorName: String { request.extractor }

    private var resolver: SchemaResolver {
        SchemaResolver(mode: request.mode, deletions: request.deletions, primaryKey: request.primaryKey)
    }

    private var deletionSync: DeletionSync {
        DeletionSync(primaryKey: request.primaryKey, cancellation: cancellation, observer: observer)
    }

    /// Opens the batches of `stream`: from the extractor, or from the snapshot.
    private func open(_ stream: CatalogStream, worker: StreamWorker, state: String?) throws -> BatchStream {
        switch source {
        case .plugin:
            return try worker.source!.read(stream: stream.name, stateJSON: state)
        case .snapshot(let snapshot):
            guard let manifest = snapshot.manifests.first(where: { $0.stream == stream.name }) else {
                throw HostError(.io, "the snapshot has no data for stream '\(stream.name)'")
            }
            return try snapshot.open(manifest)
        }
    }

    /// Loads `stream` into `table` with `worker`'s instances (one attempt),
    /// keeping its SCD2 history in `history` when given.
    func sync(_ stream: CatalogStream, into table: String, history: String? = nil, worker: StreamWorker) throws -> StreamReport {
        let startedAt = clock.timestamp()
        let destination = worker.destination
        let stateKey = "\(extractorName)/\(stream.name)"
        let previousState = request.incremental ? try destination.stateGet(key: stateKey) : nil
        // Without schema_get (optional) nothing is carried over: infer afresh.
        let stored = destination.plugin.descriptor.implements(.schemaGet)
            ? try destination.schemaGet(table: table).map(TableSchema.decode) : nil

        // Pass 1: extract into the spool, inferring types. The spool is an
        // Arrow IPC file of the batches as they came: the run's snapshot
        // when one is kept, else a file of the run's spool folder.
        var flattener = BatchFlattener(stream: stream.name, plugin: extractorName)
        worker.source?.context.allowRejects(request.maxBadRows)
        _ = worker.source?.context.takeRejects()
        let reader = try open(stream, worker: worker, state: previousState)
        try flattener.register(reader.schema)
        let streamSnapshot = try snapshot?.begin(stream: stream.name, schema: reader.schema, catalogEntry: stream.entryJSON)
        let spoolFile = streamSnapshot == nil
            ? try ArrowIPCFileWriter(path: (request.workDirectory as NSString).appendingPathComponent("\(table).arrow"), schema: reader.schema,
                                     compression: SnapshotWriter.configuredCompression())
            : nil
        let spoolPath = streamSnapshot?.path ?? spoolFile!.path
        var committed = false
        defer { if !committed { streamSnapshot?.discard() } }
        // The spool's compression and hashing run on a thread of their own, beside inference.
        let spoolWrites = WriteBehind<ImportedBatch>(depth: 1) { batch in
            if let streamSnapshot { try streamSnapshot.append(batch) } else { try spoolFile!.append(batch) }
        }
        defer { spoolWrites.close() }
        // A record column's flattened cells are kept for pass 2 (the cell
        // spool), which then does not scan the JSON text again.
        let cellSpoolPath = reader.schema.fields.contains { $0.annotation == .record }
            ? (request.workDirectory as NSString).appendingPathComponent("\(table).cells") : nil
        let cellSpool = try cellSpoolPath.map { try CellSpoolWriter(path: $0) }
        let cellWrites = cellSpool.map { cellSpool in
            WriteBehind<(cells: [CellColumn], rows: Int)>(depth: 1) { try cellSpool.append($0.cells, rows: $0.rows) }
        }
        defer { cellWrites?.close() }
        while let batch = try reader.next() {
            CrashPoint.reach("batch-read")
            try spoolWrites.submit(batch)
            let cells = try flattener.infer(batch)
            try cellWrites?.submit((cells, batch.rowCount))
            observer?.streamProgress(stream.name, phase: "reading", rows: flattener.rowCount)
            try cancellation.check("reading stream '\(stream.name)'")
        }
        try spoolWrites.finish()
        _ = try spoolFile?.finish()
        try cellWrites?.finish()
        try cellSpool?.finish()
        let state: String?
        let rejects: [PluginContext.Reject]
        switch source {
        case .plugin:
            state = try worker.source!.checkpoint(stream: stream.name)
            rejects = worker.source!.context.takeRejects()
            worker.source!.context.allowRejects(0)
        case .snapshot(let snapshot):
            state = snapshot.manifests.first(where: { $0.stream == stream.name })?.state
            rejects = []
        }
        try streamSnapshot?.finish(state: state)
        CrashPoint.reach("spooled")

        // Deletions after an incremental read: every key still at the source.
        let keySpoolPath = (request.workDirectory as NSString).appendingPathComponent("\(table).keys.arrow")
        let listsKeys = request.deletions != .keep && request.incremental
        var keysListed: Int?
        if listsKeys {
            guard let extractorInstance = worker.source else {
                throw HostError(.invalidArgument, "--deletions with --incremental needs the source's key listing, which a snapshot does not hold; replay with --deletions keep")
            }
            keysListed = try deletionSync.spoolKeys(of: stream, from: extractorInstance, into: keySpoolPath)
        }

        // Resolve the table schema.
        let shaping = request.shaping[stream.name] ?? StreamShaping()
        try resolver.checkRenames(shaping.renames, stored: stored, stream: stream.name)
        var resolution = resolver.resolve(stream: stream.name, table: table, hints: stream.hints,
                                          fields: try shaping.select(flattener.observedFields, stream: stream.name), stored: stored,
                                          renames: shaping.renames)
        let discarded = try resolver.enforce(shaping.contract, on: &resolution, stored: stored, stream: stream.name)
        for column in discarded {
            log.write(.warn, plugin: nil, stream: stream.name, "table '\(table)' has no column '\(column)': the schema contract discards new columns, so it is not loaded")
        }
        var skipReason: String? = resolution.schema.columns.isEmpty ? "the stream has no fields; no table was created" : nil
        if let loss = EmptySourceRule.loss(mode: request.mode, deletions: request.deletions, rowsRead: flattener.rowCount, keysListed: keysListed) {
            switch try EmptySourceRule.decide(stream: stream.name, table: table, loss: loss, resolved: resolution.schema, stored: stored,
                                              tableExists: destination.tableExists(table), rejected: rejects.count,
                                              allowEmpty: request.allowEmpty) {
            case .load(let schema): (resolution.schema, skipReason) = (schema, nil)
            case .skip(let reason): skipReason = reason
            }
        }
        if let skipReason {
            committed = true
            return StreamReport(stream: stream.name, table: table, status: .skipped, rowsRead: flattener.rowCount, rowsWritten: 0,
                                rowsRejected: 0, newColumns: [], widenedColumns: [], seconds: 0,
                                error: skipReason, committed: false)
        }
        let keys = try resolver.upsertKeys(stream: stream.name, streamKey: stream.primaryKey ?? [], schema: resolution.schema)
            .orHistoryKeys(history, request: request, stream: stream, schema: resolution.schema)

        // Pass 2: convert and load, then commit everything at once.
        try cancellation.check("loading stream '\(stream.name)'")
        let lineage = try recorder.current.lineage.map { try LineageColumns($0, adding: resolution.schema, stream: stream.name) }
        let writer = try destination.begin(table: table, schema: lineage?.schema ?? resolution.schema.arrowSchema, mode: request.mode, keyColumns: keys, runID: runID, deletions: request.deletions,
                                        historyTable: history)
        CrashPoint.reach("begun")
        var written = 0
        // What --max-bad-rows leaves after the extractor's rejects goes to
        // rows whose value does not fit the source's declared type, and to
        // rows the warehouse cannot store (SQLite: NaN; offered through
        // `reject`).
        var refusedRows: [PluginContext.Reject] = []
        _ = destination.context.takeRejects()
        defer { destination.context.allowRejects(0) }
        do {
            let converter = try BatchConverter(schema: resolution.schema, stream: stream.name, declared: stream.hints)
            converter.rejectAllowance = max(0, request.maxBadRows - rejects.count)
            // Read and converted on a thread of their own, one batch ahead of the writes.
            let batches = ConvertedSpoolBatches(spool: try SpoolBatchReader(path: spoolPath, stream: stream.name, cells: cellSpoolPath), converter: converter)
            defer { batches.close() }
            while let batch = try batches.next() {
                try cancellation.check("loading stream '\(stream.name)'")
                destination.context.allowRejects(batches.rejectAllowance)
                lineage?.append(to: batch.array)
                try writer.write(batch.array)
                let refused = destination.context.takeRejects().map { PluginContext.Reject(stream: stream.name, location: $0.location, reason: $0.reason, raw: $0.raw) }
                batches.spendAllowance(refused.count)
                refusedRows += refused
                written += batch.rows - refused.count
                CrashPoint.reach("batch-written")
                observer?.streamProgress(stream.name, phase: "loading", rows: written)
            }
            batches.close()
            refusedRows = converter.rejected + refusedRows
            if request.deletions != .keep {
                try deletionSync.writePresentKeys(listsKeys ? keySpoolPath : nil, keys: keys, schema: resolution.schema, stream: stream.name, writer: writer)
                CrashPoint.reach("keys-written")
            }
            let run: [String: Any] = [
                "run_id": runID, "stream": stream.name, "table_name": table, "mode": request.mode.description,
                "status": StreamStatus.succeeded.rawValue, "rows_read": flattener.rowCount + rejects.count, "rows_written": written,
                "rows_rejected": rejects.count + refusedRows.count,
                "started_at": startedAt, "finished_at": clock.timestamp(), "extractor": extractorName,
                "warehouse": warehouse.descriptor.name,
            ]
            if streamSnapshot != nil {
                // The snapshot was finished with pass 1; it is complete before the data commits.
                recorder.snapshotKept()
                CrashPoint.reach("snapshot-written")
            }
            CrashPoint.reach("committing")
            try cancellation.check("committing stream '\(stream.name)'")
            try writer.commit(stateKey: state == nil ? nil : stateKey, stateJSON: state, runJSON: ConfigResolver.json(run),
                              schemaJSON: resolution.schema.json(), loadInstant: history == nil ? nil : clock.timestamp())
            committed = true
            CrashPoint.reach("committed")
        } catch {
            writer.rollback()
            throw error
        }
        // The commit returned: from here on the stream is committed, and is
        // never rolled back, retried (append would load it twice) or
        // reported as cancelled.
        let setAside = rejects + refusedRows
        if !setAside.isEmpty {
            do {
                try RejectStore(runID: runID, clock: clock).store(setAside, table: table, destination: destination)
            } catch {
                let message = "the \(written) rows of '\(table)' were committed, but its \(setAside.count) rejected records could not be stored in _etl_rejects: \(error)"
                return StreamReport(
                    stream: stream.name, table: table, status: .failed, rowsRead: flattener.rowCount + rejects.count,
                    rowsWritten: written, rowsRejected: setAside.count, newColumns: resolution.newColumns,
                    widenedColumns: resolution.widened, seconds: 0, error: message, committed: true)
            }
        }
        log.write(.info, plugin: nil, stream: stream.name, "loaded \(written) rows into '\(table)' (\(request.mode))")
        var report = StreamReport(
            stream: stream.name, table: table, status: .succeeded, rowsRead: flattener.rowCount + rejects.count,
            rowsWritten: written, rowsRejected: setAside.count, newColumns: resolution.newColumns,
            widenedColumns: resolution.widened, seconds: 0, error: nil, committed: true
        )
        report.discardedColumns = discarded.isEmpty ? nil : discarded
        return report
    }
}
