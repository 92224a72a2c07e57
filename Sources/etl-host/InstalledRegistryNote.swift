import ETLHost
import Foundation

/// What `plugins install` adds after installing into a registry that
/// commands do not search by themselves (`--registry FILE` outside the
/// default search path): a note on standard error naming the flag that
/// finds it, and the registry remembered so that a later "no plugin named"
/// error can name it too (see ``RememberedRegistries``).
enum InstalledRegistryNote {
    /// Remembers `location` and warns when the default search path misses it.
    static func after(installingInto location: RegistrySearchPath.Location, name: String) {
        guard location.scope == .explicit || location.scope == .environment else { return }
        try? RememberedRegistries().remember(location.path)
        let searched = RegistrySearchPath().locations.map(\.path)
        guard !searched.contains(location.path) else { return }
        FileHandle.standardError.write(Data(("etl-host: note: \(location.path) is not searched by default: "
            + "pass --registry \(location.path) to sync, run and the other commands (or set ETL_REGISTRY_PATH=\(location.path)) "
            + "to use '\(name)'\n").utf8))
    }
}
