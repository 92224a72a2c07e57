import ArgumentParser
import ETLHost

/// `--kind extractor|warehouse`: which plugin a name means when it is both
/// (`postgres` reads and loads PostgreSQL).
extension PluginKind: NamedChoice {
    static let option = "--kind"
    static let listing = "extractor or warehouse"
    var name: String { rawValue }
}

/// The help of `--kind` on the commands that take a plugin name.
let pluginKindHelp = ArgumentHelp(
    "Which plugin the name means when it is both an extractor and a warehouse (postgres).",
    valueName: "extractor|warehouse")
