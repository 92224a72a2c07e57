import ETLHost

/// A `sync` step's `table`/`tables`, `columns` and `contract` keys as the
/// host's ``ETLHost/SyncRequest`` takes them: a table prefix and one
/// ``ETLHost/StreamShaping`` per stream they concern.
enum SyncStepShaping {
    /// Sets `request.tablePrefix` and `request.shaping` from `sync`.
    /// `streamNames` lists the source's streams; it is called only when
    /// the step's keys need them (`table:` without a one-stream `streams:`,
    /// a `contract:` for every stream).
    ///
    /// - Throws: `.invalidArgument` when `table:` names one table for a
    ///   source of several streams.
    static func apply(_ sync: SyncStep, step: String, to request: inout SyncRequest, streamNames: () throws -> [String]) throws {
        request.tablePrefix = sync.tables.prefix
        var tables = sync.tables.names
        var every: [String]?
        func all() throws -> [String] {
            if let every { return every }
            let names = try sync.streams ?? streamNames()
            every = names
            return names
        }
        if let single = sync.tables.single {
            let streams = try request.streams ?? all()
            guard streams.count == 1 else {
                throw HostError(.invalidArgument, "step '\(step)': table: names one table, but the source has \(streams.count) streams "
                    + "(\(streams.joined(separator: ", "))); name each with tables: {names: {STREAM: TABLE}} or pick one with streams:")
            }
            tables[streams[0]] = single
        }
        var concerned = Set(tables.keys).union(sync.columns.keys).union(sync.contract.streams.keys)
        if sync.contract.all != SchemaContract() { concerned.formUnion(try all()) }
        for stream in concerned {
            let columns = sync.columns[stream] ?? ColumnShaping()
            let contract = sync.contract.contract(for: stream)
            request.shaping[stream] = StreamShaping(
                table: tables[stream], columns: selection(columns.selection), renames: columns.renames,
                contract: StreamShaping.Contract(newColumns: contract.columns, typeChanges: contract.types))
        }
    }

    private static func selection(_ selection: ColumnShaping.Selection) -> StreamShaping.Columns {
        switch selection {
        case .all: .all
        case .only(let fields): .only(fields)
        case .allExcept(let fields): .allExcept(fields)
        }
    }
}
