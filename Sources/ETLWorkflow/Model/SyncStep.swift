import ETLHost
import ETLPluginKit

/// A sync step: everything `etl-host sync` does, plus naming the target
/// tables, shaping the columns and a schema contract.
public struct SyncStep: Sendable {
    /// The source (`from:`): a connection name or an inline `{plugin: ...}`.
    public var from: ConnectionReference
    /// The warehouse connection (`to:`).
    public var to: ConnectionReference
    /// Streams to load (`streams:`); nil loads all.
    public var streams: [String]?
    /// How tables are loaded (`mode:`, default replace).
    public var mode: WriteMode
    /// Read only what changed since the last successful run (`incremental:`).
    public var incremental: Bool
    /// With upsert: rows whose key the source no longer has (`deletions:`).
    public var deletions: DeletionMode
    /// Upsert key columns (`primary_key:`); nil uses each stream's own.
    public var primaryKey: [String]?
    /// Malformed records set aside per stream (`max_bad_rows:`).
    public var maxBadRows: Int
    /// Let an empty source empty a table (`allow_empty:`).
    public var allowEmpty: Bool
    /// Keep a raw snapshot of what the extractor returned (`snapshot:`).
    public var snapshot: Bool
    /// Snapshots kept, this run's included (`keep_snapshots:`, as `--keep-snapshots`).
    public var keepSnapshots: Int
    /// Snapshots younger than this are kept too, whatever their number (`keep_for:`, as `--keep-for`).
    public var keepFor: PipelineDuration?
    /// A folder for the snapshots (`snapshot_dir:`, as `--snapshot-dir`; relative to the pipeline file's folder).
    public var snapshotDirectory: String?
    /// Streams loaded at once when both plugins allow it (`parallel:`, as `--parallel`).
    public var parallel: Int
    /// Target table names (`table:` or `tables:`).
    public var tables: TableNaming
    /// Column selection and renames per stream (`columns:`).
    public var columns: [String: ColumnShaping]
    /// The schema contract (`contract:`), with per-stream overrides.
    public var contract: SchemaContractSettings
    /// Add `_etl_run_id` and `_etl_loaded_at` to every row (`lineage:`, as `--lineage`).
    public var lineage = false
    /// SCD2 history (`history: scd2`, `history_table:`, as `--history` and
    /// `--history-table`).
    public var history: HistoryOptions

    /// A sync step with the defaults of `etl-host sync`.
    public init(from: ConnectionReference, to: ConnectionReference) {
        self.from = from
        self.to = to
        streams = nil
        mode = .replace
        incremental = false
        deletions = .keep
        primaryKey = nil
        maxBadRows = 0
        allowEmpty = false
        snapshot = true
        keepSnapshots = 10
        parallel = 1
        tables = TableNaming()
        columns = [:]
        contract = SchemaContractSettings()
        history = HistoryOptions()
    }
}

/// How a sync step names its tables. The default is the stream's name (as
/// `etl-host sync` normalizes it).
public struct TableNaming: Sendable, Equatable {
    /// Put before every table name (`tables.prefix`), e.g. `crm_`.
    public var prefix: String?
    /// Names for single streams (`tables.names`), used as written (the
    /// prefix is not added to them).
    public var names: [String: String] = [:]
    /// `table: NAME`: the one stream's table (the source must have one stream,
    /// or `streams:` must name exactly one).
    public var single: String?

    /// The default naming.
    public init(prefix: String? = nil, names: [String: String] = [:], single: String? = nil) {
        self.prefix = prefix
        self.names = names
        self.single = single
    }
}

/// Which columns of a stream are loaded, and under what names.
public struct ColumnShaping: Sendable, Equatable {
    /// Which source fields are kept.
    public enum Selection: Sendable, Equatable {
        /// Every field.
        case all
        /// Only these fields (`select:`).
        case only([String])
        /// Every field but these (`exclude:`).
        case allExcept([String])
    }

    /// The fields kept.
    public var selection: Selection = .all
    /// Source field -> column name (`rename:`).
    public var renames: [String: String] = [:]

    /// Every column, no renames.
    public init(selection: Selection = .all, renames: [String: String] = [:]) {
        self.selection = selection
        self.renames = renames
    }
}

/// What a load does when a stream's fields change (after dlt's schema
/// contracts).
public struct SchemaContract: Sendable, Equatable {
    /// A field the table does not have yet: evolve (add the column, what
    /// `etl-host sync` does), freeze (fail the stream, naming the column),
    /// discard (load without the field, warned and counted). The host's own
    /// type, so a step's contract reaches the load as written.
    public typealias NewColumns = StreamShaping.Contract.NewColumns

    /// A value that needs a wider type than its column has: widen (what
    /// `etl-host sync` does) or freeze (fail the stream, naming the column
    /// and both types).
    public typealias TypeChanges = StreamShaping.Contract.TypeChanges

    /// New columns (`columns:`, default evolve).
    public var columns: NewColumns = .evolve
    /// Type changes (`types:`, default widen).
    public var types: TypeChanges = .widen

    /// The contract `etl-host sync` follows: evolve, widen.
    public init(columns: NewColumns = .evolve, types: TypeChanges = .widen) {
        self.columns = columns
        self.types = types
    }
}

/// A step's schema contract and its per-stream overrides.
public struct SchemaContractSettings: Sendable, Equatable {
    /// For every stream not named in ``streams``.
    public var all = SchemaContract()
    /// Stream name -> its own contract (`contract.streams`).
    public var streams: [String: SchemaContract] = [:]

    /// evolve, widen for every stream.
    public init(all: SchemaContract = SchemaContract(), streams: [String: SchemaContract] = [:]) {
        self.all = all
        self.streams = streams
    }

    /// The contract that applies to `stream`.
    public func contract(for stream: String) -> SchemaContract { streams[stream] ?? all }
}
