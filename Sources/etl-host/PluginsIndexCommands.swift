import ArgumentParser
import ETLHost
import Foundation

/// The `--index` option of the commands that read plugin indexes.
struct IndexOptions: ParsableArguments {
    @Option(name: .customLong("index"), help: ArgumentHelp(
        "Read this plugin index first (an http(s):// or file:// URL, or a path); repeatable.", valueName: "url"))
    var indexes: [String] = []

    /// The configured indexes, these first.
    func catalog() throws -> PluginIndexCatalog {
        try PluginIndexCatalog(sources: PluginIndexSources(explicit: indexes))
    }
}

/// The order of indexes, for the help of each command that reads them.
let indexOrderHelp = """
    Plugin indexes are read in this order; for each plugin name the first \
    index that lists it wins:
      1. --index URL (repeatable)
      2. $ETL_PLUGIN_INDEX (URLs or paths separated by spaces)
      3. ./etl-index.json (the current project): {"indexes": ["URL", ...]}
      4. $XDG_CONFIG_HOME/etl-host/etl-index.json (default ~/.config/...)
    An index is a JSON file at an http(s):// or file:// URL or a path \
    (docs/PLUGIN_INDEX.md). A build fits this host when its ABI major, \
    platform (\(HostPlatform.current)) and, for Swift plugins, toolchain match.
    """

extension PluginsCommand {
    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find plugins in the plugin indexes by name or description.",
            discussion: """
                Lists every plugin whose name or description contains WORD (any case); \
                without WORD, every plugin. NEWEST is the newest version that fits this \
                host ("none fits" when no build does: wrong ABI, platform or toolchain).

                Example:
                  etl-host plugins search csv --index https://example.org/etl/index.json
                  etl-host plugins install csvdir --index https://example.org/etl/index.json

                \(indexOrderHelp)

                Exit codes: 0 (also when nothing matches), 1 an index cannot be fetched \
                or read, 64 no index is configured.
                """
        )

        @OptionGroup var indexOptions: IndexOptions
        @Argument(help: "The word to look for.") var word: String = ""
        @Flag(help: "Print a JSON array instead of a table.") var json = false

        struct Row: Encodable {
            var name, kind, description, index: String
            var newest: String?
            var versions: [String]
        }

        func run() throws {
            try reportingErrors {
                let catalog = try indexOptions.catalog()
                let rows = catalog.search(word).map { listing in
                    Row(name: listing.plugin.name, kind: listing.plugin.kind.rawValue, description: listing.plugin.description,
                        index: listing.index, newest: listing.newestFitting(catalog.host)?.version,
                        versions: Set(listing.plugin.versions.map(\.version)).sorted { PluginVersion($0) < PluginVersion($1) })
                }
                if json {
                    say(try jsonText(rows))
                } else if rows.isEmpty {
                    say("No plugin matches '\(word)' in \(catalog.indexesDescription).")
                } else {
                    say(table(["NAME", "KIND", "NEWEST", "DESCRIPTION"],
                              rows.map { [$0.name, $0.kind, $0.newest ?? "none fits", $0.description] }))
                }
            }
        }
    }

    struct Outdated: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List installed plugins that have a newer version in their index.",
            discussion: """
                Compares the plugins installed by name from an index (`plugins install \
                NAME`) into the registry install changes with the newest version of each \
                that fits this host. Plugins installed from a file, linked (--link) or \
                bundled are not compared: an index's plugin of the same name may be \
                another plugin. `plugins upgrade` installs the newer versions.

                \(indexOrderHelp)

                Exit codes: 0 (also when everything is up to date), 1 an index or the \
                registry cannot be read, 64 no index is configured.
                """
        )

        @OptionGroup var options: RegistryOptions
        @OptionGroup var indexOptions: IndexOptions
        @Flag(help: "Print a JSON array of every compared plugin instead of a table.") var json = false

        struct Row: Encodable {
            var name, kind, installed: String
            var newest, index: String?
            var outdated: Bool
        }

        func run() throws {
            try reportingErrors {
                let location = options.searchPath.writableLocation
                let installer = IndexInstaller(catalog: try indexOptions.catalog(),
                                               installer: PluginInstaller(registry: RegistryFile(path: location.path)))
                let rows = try installer.comparisons().map { comparison in
                    Row(name: comparison.entry.name, kind: comparison.entry.kind.rawValue, installed: comparison.entry.version,
                        newest: comparison.newest?.version, index: comparison.index, outdated: comparison.isOutdated)
                }
                if json {
                    say(try jsonText(rows))
                    return
                }
                let outdated = rows.filter(\.outdated)
                if outdated.isEmpty {
                    say("All \(rows.count) plugin\(rows.count == 1 ? "" : "s") installed from an index into \(location.path) are up to date.")
                } else {
                    say(table(["NAME", "KIND", "INSTALLED", "NEWEST", "INDEX"],
                              outdated.map { [$0.name, $0.kind, $0.installed, $0.newest ?? "", $0.index ?? ""] }))
                }
            }
        }
    }

    struct Upgrade: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install the newest fitting version of plugins installed from an index.",
            discussion: """
                For NAME, or every plugin installed by name from an index into the \
                registry install changes, installs the newest version that fits this \
                host when it is newer, through the same checks as `plugins install NAME` \
                (sha256 from the index, probe in a child process), and prints \
                "NAME OLD -> NEW", or "NAME VERSION is up to date".

                Example:
                  etl-host plugins outdated
                  etl-host plugins upgrade csvdir

                \(indexOrderHelp)

                Exit codes: 0 upgraded or up to date, 1 an index, a download or the \
                registry failed, 2 a download refused (checksum, probe, not the plugin \
                the index lists; the plugin stays as it was), 64 no index is configured.
                """
        )

        @OptionGroup var options: RegistryOptions
        @OptionGroup var indexOptions: IndexOptions
        @Argument(help: "Only this plugin.") var name: String?

        func run() throws {
            try reportingErrors {
                let location = options.searchPath.writableLocation
                let installer = IndexInstaller(catalog: try indexOptions.catalog(),
                                               installer: PluginInstaller(registry: RegistryFile(path: location.path)))
                let upgrades = try installer.upgrade(named: name)
                if upgrades.isEmpty {
                    say("No plugin installed from an index in \(location.path); `etl-host plugins install NAME` installs one.")
                }
                for upgrade in upgrades {
                    if let to = upgrade.to {
                        say("\(upgrade.name) \(upgrade.from) -> \(to)")
                    } else if !upgrade.listed {
                        say("\(upgrade.name) \(upgrade.from) is in none of the indexes read (\(installer.catalog.indexesDescription)); left as it is")
                    } else {
                        say("\(upgrade.name) \(upgrade.from) is up to date")
                    }
                }
            }
        }
    }

    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add plugin libraries to a plugin index folder (index.json + the files).",
            discussion: """
                Probes each library in a child process for what it declares, copies it \
                into FOLDER as NAME-KIND-VERSION-PLATFORM.so and lists it in FOLDER/index.json \
                with its sha256 and a URL relative to the index. An existing index is \
                extended (a build of the same version, platform and toolchain is \
                replaced). Serve the folder over HTTP, or use it as file://FOLDER/index.json.

                Example:
                  etl-host plugins publish --to dist/index libmy_extractor.so
                  etl-host plugins install my_extractor --index file://$PWD/dist/index/index.json

                scripts/make-plugin-index publishes this repository's bundled and example plugins.

                Exit codes: 0 published, 1 a file cannot be written, 2 a library refused \
                (nothing is written then), 64 bad arguments.
                """
        )

        @Option(help: ArgumentHelp("The index folder.", valueName: "folder")) var to: String
        @Argument(help: "The plugin libraries (.so).") var libraries: [String]

        func run() throws {
            try reportingErrors {
                let publisher = IndexPublisher(folder: to)
                for published in try publisher.publish(libraries: libraries) {
                    say("Published \(published.name) \(published.build.version) (\(published.kind.rawValue), \(published.build.platform)) -> \(published.build.url)")
                }
                say("Index: \(publisher.indexPath)")
            }
        }
    }
}
