import Foundation

/// The hint `plugins list` gives for a pinned plugin whose source file was
/// rebuilt after `plugins install` copied it: the registry keeps loading the
/// pinned copy (that is what pinning means), so the user is told how to
/// take the new build.
extension PluginRegistry {
    /// The source file of `plugin` when it differs from the pinned copy: an
    /// entry installed from a local file (`source` recorded, not an index
    /// install, not `--link`) whose file still exists and whose sha256 is
    /// no longer the pinned one. Nil otherwise (also when the file is gone).
    public func changedSource(of plugin: Plugin) -> String? {
        let entry = plugin.entry
        guard !entry.link, entry.index == nil, let pinned = entry.sha256, let source = entry.source,
              source.hasPrefix("/"), source != plugin.libraryPath
        else { return nil }
        var status = stat()
        guard stat(source, &status) == 0, status.st_mode & S_IFMT == S_IFREG,
              let actual = try? LibraryFile.sha256(ofLibraryAt: source)
        else { return nil }
        return actual == pinned.lowercased() ? nil : source
    }

    /// One line for `plugins list` about a changed source (see
    /// ``changedSource(of:)``), naming both ways to take the new build.
    public func sourceChangeHint(for plugin: Plugin) -> String? {
        guard let source = changedSource(of: plugin) else { return nil }
        let name = plugin.entry.name
        return "hint: '\(name)' was installed from \(source), which changed since (the registry still loads its pinned copy \(plugin.libraryPath)); "
            + "run `etl-host plugins install \(source) --name \(name)` to pin the new build, or `etl-host plugins install --link \(source) --name \(name)` to use every rebuild in place"
    }
}
