import ETLHost
/// One check of the conformance suite (`etl-host plugins test`): a rule of
/// `etl_plugin.h` that a plugin is tested against.
///
/// Each check has a stable name that the report prints and that tests
/// match on, e.g. `arrow` or `release`. Checks run in the order of
/// ``sequence(for:)``; each one runs in its own child process, so a plugin
/// that crashes or hangs fails that check and the suite goes on.
///
/// ```swift
/// ConformanceCheck.sequence(for: .extractor).map(\.rawValue)
/// // ["load", "abi-negotiation", "struct-size", "config-schema", ...]
/// ```
public enum ConformanceCheck: String, CaseIterable, Codable, Sendable {
    /// The library loads, init returns ETL_OK and the descriptor is valid.
    case load
    /// init refuses a host of another major ABI version with
    /// ETL_ERR_ABI_MISMATCH and its own abi_version.
    case abiNegotiation = "abi-negotiation"
    /// The plugin honours the struct_size of what the host allocates: it
    /// writes no byte past the descriptor, and reads no field past a 1.0
    /// request (guard pages turn a stray access into a crash).
    case structSize = "struct-size"
    /// init writes nothing past a descriptor smaller than the plugin's
    /// own `etl_plugin` (guard page), which `struct-size` cannot see while
    /// ABI 1.0's descriptor is the whole struct.
    /// config_schema is a valid JSON Schema of an object.
    case configSchema = "config-schema"
    /// open succeeds with the given config (and check(), if any, too).
    case open
    /// open fails cleanly on configs derived from the schema to be wrong.
    case openBadConfig = "open-bad-config"
    /// Failing operations return a status with a message, and their error
    /// is released.
    case errors
    /// discover returns a valid catalog.
    case discover
    /// read returns a valid stream of well-formed Arrow batches.
    case arrow
    /// Every stream read to its end decodes the same through the host's
    /// importer and the audit; utf8/binary offsets start at 0.
    case values
    /// The catalog's type hints fit the stream's columns and values.
    case declaredTypes = "declared-types"
    /// Every release callback is called exactly once, never twice, and a
    /// parent's release releases its children.
    case release
    /// cancel() from another thread ends a read within a bound.
    case cancel
    /// checkpoint returns valid JSON that read() accepts as a state.
    case checkpoint
    /// replace loads, then a second replace swaps the table's columns;
    /// another connection reads the old rows until it commits.
    case replace
    /// append creates the table, then adds to it.
    case append
    /// upsert on a key column, twice.
    case upsert
    /// rollback leaves nothing behind: no new table, no state, no schema.
    case rollback
    /// The rows written (every v1 type, nulls, edge values) read back
    /// equal through the warehouse's query (warehouses with sql_query).
    case readBack = "read-back"

    /// The checks for a kind of plugin, in the order they run.
    public static func sequence(for kind: PluginKind) -> [ConformanceCheck] {
        let common: [ConformanceCheck] = [.load, .abiNegotiation, .structSize, .configSchema, .open, .openBadConfig, .errors]
        switch kind {
        case .extractor: return common + [.discover, .arrow, .values, .declaredTypes, .release, .cancel, .checkpoint]
        case .warehouse: return common + [.release, .readBack, .replace, .append, .upsert, .rollback]
        }
    }

    /// What the check verifies, in one line (for `--help` and the docs).
    public var summary: String {
        switch self {
        case .load: "loads; init returns ETL_OK; the descriptor is valid"
        case .abiNegotiation: "a host of ABI 2.0 is refused with ETL_ERR_ABI_MISMATCH"
        case .structSize: "no write past a 1.0 descriptor, no read past a 1.0 request"
        case .configSchema: "config_schema is a valid JSON Schema of an object"
        case .open: "open (and check) succeed with the given config"
        case .openBadConfig: "open refuses configs that break the schema, cleanly"
        case .errors: "failures carry their code and a UTF-8 message, released"
        case .discover: "discover returns a valid catalog"
        case .arrow: "well-formed Arrow: lengths, offsets, validity, UTF-8, types"
        case .values: "each stream read fully decodes alike in the host and the audit"
        case .declaredTypes: "catalog type hints fit the columns and every value"
        case .release: "each release called exactly once; parents release children"
        case .cancel: "cancel() from another thread ends a read within the bound"
        case .checkpoint: "checkpoint returns JSON that read() accepts as a state"
        case .replace: "two replaces: columns, state, schema; old rows until commit"
        case .append: "append creates, then adds to, the table; state and schema"
        case .upsert: "two upserts on a key column; state and schema as sent"
        case .rollback: "rollback leaves no table, state or schema; old ones intact"
        case .readBack: "rows written read back equal through query (sql_query)"
        }
    }

    /// Whether the check needs an instance opened with the user's config.
    var needsInstance: Bool {
        switch self {
        case .load, .abiNegotiation, .structSize, .configSchema, .openBadConfig: false
        default: true
        }
    }

    /// Whether the check reads streams, and so needs a valid catalog.
    var needsCatalog: Bool {
        switch self {
        case .arrow, .values, .declaredTypes, .cancel, .checkpoint: true
        default: false
        }
    }
}
