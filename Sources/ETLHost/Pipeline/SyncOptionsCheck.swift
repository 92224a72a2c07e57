import ETLPluginKit

/// Whether a sync's options fit its plugins' capabilities (incremental,
/// the write mode, deletions), judged from their descriptors before
/// anything is read. Shared by ``SyncRunner`` and `etl-host validate`, so
/// both refuse the same things with the same words.
public enum SyncOptionsCheck {
    /// Throws the first option the plugins cannot honour.
    ///
    /// - Parameters:
    ///   - extractor: the extractor's descriptor; nil for a replay (the
    ///     snapshot stands in for the extractor).
    /// - Throws: `.invalidArgument` naming the option and the way out.
    public static func check(mode: WriteMode, incremental: Bool, deletions: DeletionMode,
                             extractor: PluginDescriptor?, warehouse: PluginDescriptor) throws {
        if let extractor {
            if incremental {
                guard extractor.has(.incremental), extractor.implements(.checkpoint) else {
                    throw HostError(.invalidArgument, "extractor '\(extractor.name)' is not incremental: drop --incremental to read everything")
                }
            }
            if deletions != .keep, incremental, !extractor.has(.keyListing) {
                throw HostError(.invalidArgument, "extractor '\(extractor.name)' cannot list the keys of its records, so --incremental cannot see deletions; drop --incremental (a full upsert sees them) or --deletions")
            }
        }
        if incremental, !warehouse.implements(.stateGet) {
            throw HostError(.invalidArgument, "warehouse '\(warehouse.name)' cannot read back a stored state (it does not implement state_get), so --incremental cannot continue where the last run stopped; drop --incremental")
        }
        if incremental, mode == .replace {
            throw HostError(.invalidArgument, "--incremental reads only what changed, so it needs --mode upsert (or append); --mode replace would drop every row not read again")
        }
        guard warehouse.has(Capability(mode)) else {
            throw HostError(.invalidArgument, "warehouse '\(warehouse.name)' does not support --mode \(mode) (it supports: \(Capability.writeModes.filter(warehouse.has).map(\.rawValue).joined(separator: ", ")))")
        }
        if deletions != .keep {
            guard mode == .upsert else {
                throw HostError(.invalidArgument, "--deletions \(deletions) needs --mode upsert: replace already drops what the source no longer has, and append never changes existing rows")
            }
            guard warehouse.has(.deletions) else {
                throw HostError(.invalidArgument, "warehouse '\(warehouse.name)' cannot detect deleted rows (no deletions capability); drop --deletions")
            }
        }
    }
}
