/// How begin() treats the existing table (`enum etl_write_mode`).
public enum WriteMode: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Load a staging table and swap it in at commit, atomically.
    case replace = 1
    /// Add the rows to the table (created if missing).
    case append = 2
    /// Insert new rows and update existing ones, matched on the key columns.
    case upsert = 3

    /// The capability a warehouse must declare to accept this mode.
    public var capability: PluginCapabilities {
        switch self {
        case .replace: .modeReplace
        case .append: .modeAppend
        case .upsert: .modeUpsert
        }
    }

    /// `"replace"`, `"append"` or `"upsert"`.
    public var description: String {
        switch self {
        case .replace: "replace"
        case .append: "append"
        case .upsert: "upsert"
        }
    }
}
