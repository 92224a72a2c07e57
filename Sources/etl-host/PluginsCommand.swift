import ArgumentParser
import ETLHost
import Foundation

/// `etl-host plugins ...`: see, inspect, install and remove plugins.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List, inspect, install and remove plugins.",
        discussion: """
            Registries are searched in this order; for each plugin name the first \
            registry that lists it wins:
              1. --registry FILE
              2. $ETL_REGISTRY_PATH (one file, or several separated by ':')
              3. ./registry.json (the current project)
              4. the registry.json bundled with this etl-host build (etl-host --version
                 shows where; <prefix>/share/etl-host/bundled/ when installed)
              5. $XDG_DATA_HOME/etl-host/registry.json (default ~/.local/share/...)
              6. /etc/etl-host/registry.json
            install and remove change --registry, else the first $ETL_REGISTRY_PATH \
            file, else the user registry (5).

            search, install NAME[@VERSION], outdated and upgrade read plugin indexes \
            (--index URL, $ETL_PLUGIN_INDEX, ./etl-index.json, the user's \
            etl-index.json); publish writes one. See docs/PLUGIN_INDEX.md.
            """,
        subcommands: [List.self, Info.self, Install.self, Remove.self, Search.self, Outdated.self, Upgrade.self, Publish.self,
                      New.self, Probe.self, Test.self, TestWorker.self]
    )
}

/// The `--registry` option shared by the plugins subcommands.
struct RegistryOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Use this registry file first (and change it, for install and remove).", valueName: "file"))
    var registry: String?

    var searchPath: RegistrySearchPath { RegistrySearchPath(explicit: registry) }

    /// The registry, its "no plugin named" errors pointing to the plugin indexes when some are configured.
    func load() throws -> PluginRegistry {
        var registry = try PluginRegistry(searchPath: searchPath)
        registry.missingPluginAdvice = { PluginIndexSources.notFoundHint(name: $0) }
        return registry
    }
}

extension PluginsCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every visible plugin and whether it can be loaded.",
            discussion: """
                STATUS is checked without running the plugin:
                  ok                   the library exists and matches its entry (@host/
                                       plugins are built with this etl-host)
                  ok (probed DATE)     ... and a child process loaded it on DATE
                  not probed yet       pinned and matching, but never loaded here: it is
                                       probed in a child process before its first load
                  probe failed: WHY    the probe child crashed (SIGSEGV, ...) or refused
                                       it: refused
                  unpinned: refused    not @host/ and no sha256 pins it (install it with
                                       `etl-host plugins install`)
                  not a file: refused  the library is a FIFO, a device or a folder
                  missing              the library file does not exist
                  checksum-mismatch    the library changed since it was installed
                  abi-mismatch         built for another major ABI version
                  toolchain-mismatch   a Swift plugin built with another Swift toolchain
                  dev                  installed with --link: used where it is, hashed at
                                       every load, a new build probed before its first load
                FROM names the registry; "shadows bundled" (or user, system) says the \
                plugin hides an entry of the same name in a registry searched later.
                A plugin installed from a file that has changed since (a rebuild) gets a \
                hint below the table: its pinned copy is still the one loaded.
                Temporary copies left in plugins/ folders by killed installs are removed.
                """
        )

        @OptionGroup var options: RegistryOptions
        @Flag(help: "Print a JSON array instead of a table.") var json = false

        /// One registry entry another one hides.
        struct Shadowed: Encodable {
            var scope, registry, library: String
        }

        struct Row: Encodable {
            var name, kind, version, abi, language, status, statusText, scope, registry, library, description: String
            var sha256, toolchain: String?
            var capabilities: [String]
            var probe: ProbeRecord?
            var shadows: [Shadowed]
            /// `plugins install --link`: used in place, hashed at each load.
            var dev = false
            /// The source file of a pinned copy, when it changed since install.
            var changedSource: String?

            private enum CodingKeys: String, CodingKey {
                case name, kind, version, abi, language, status, scope, registry, library, description, sha256, toolchain
                case capabilities, probe, shadows, dev
                case statusText = "status_text"
                case changedSource = "changed_source"
            }

            /// The FROM column: the scope, and what it shadows.
            var from: String {
                shadows.isEmpty ? scope : "\(scope), shadows \(shadows.map(\.scope).joined(separator: ", "))"
            }
        }

        func run() throws {
            try reportingErrors {
                let registry = try options.load()
                for location in registry.searchPath.locations {
                    IncomingFiles.removeStale(in: RegistryFile(path: location.path).pluginsDirectory)
                }
                let rows = registry.plugins.map { plugin in
                    let entry = plugin.entry
                    let verdict = registry.verdict(on: plugin)
                    return Row(
                        name: entry.name, kind: entry.kind.rawValue, version: entry.version, abi: entry.abi,
                        language: entry.language, status: verdict.status.rawValue, statusText: verdict.summary,
                        scope: plugin.scope.rawValue, registry: plugin.registry.path, library: plugin.libraryPath,
                        description: entry.description, sha256: entry.sha256, toolchain: entry.toolchain,
                        capabilities: entry.capabilities, probe: verdict.probe,
                        shadows: registry.entriesShadowed(by: plugin).map {
                            Shadowed(scope: $0.scope.rawValue, registry: $0.registry.path, library: $0.libraryPath)
                        },
                        dev: entry.link, changedSource: registry.changedSource(of: plugin)
                    )
                }
                let hints = registry.plugins.compactMap { registry.sourceChangeHint(for: $0) }
                if json {
                    say(try jsonText(rows))
                } else if rows.isEmpty {
                    say("No plugins found in \(registry.searchedDescription).")
                } else {
                    say(table(
                        ["NAME", "KIND", "VERSION", "ABI", "LANGUAGE", "STATUS", "FROM"],
                        rows.map { [$0.name, $0.kind, $0.version, $0.abi, $0.language, $0.statusText, $0.from] }
                    ))
                    if !hints.isEmpty { say("\n" + hints.joined(separator: "\n")) }
                }
            }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a plugin's descriptor and the JSON Schema of its config.",
            discussion: "The plugin is loaded in a child process after its registry entry is verified (regular file, pinned, checksum, ABI); for a library that is not @host/, that load counts as its probe (see `plugins list`)."
        )

        @OptionGroup var options: RegistryOptions
        @Argument(help: "The plugin's name, as in `plugins list`.") var name: String
        @Option(help: pluginKindHelp) var kind: Choice<PluginKind>?
        @Flag(help: "Print the descriptor as JSON.") var json = false

        func run() throws {
            try reportingErrors {
                let registry = try options.load()
                let plugin = try registry.plugin(named: name, kind: try kind?.value())
                let descriptor = try registry.describe(plugin)
                if json {
                    say(try jsonText(descriptor))
                    return
                }
                say("""
                    \(descriptor.name) \(descriptor.version): \(descriptor.description)
                      kind:          \(descriptor.kind.rawValue)
                      language:      \(descriptor.language)\(descriptor.toolchain.map { " (\($0))" } ?? "")
                      abi:           \(descriptor.abi) (negotiated \(descriptor.negotiatedABI))
                      capabilities:  \(descriptor.capabilities.isEmpty ? "none" : descriptor.capabilities.joined(separator: ", "))
                      optional ops:  \(descriptor.optionalOperations.isEmpty ? "none" : descriptor.optionalOperations.joined(separator: ", "))
                      library:       \(plugin.libraryPath)
                      registry:      \(plugin.registry.path) (\(plugin.scope.rawValue))
                    config schema:
                    \(prettyJSON(descriptor.configSchema))
                    """)
            }
        }

        private func prettyJSON(_ text: String) -> String {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
                  let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            else { return text }
            return String(decoding: data, as: UTF8.self)
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install a plugin library, or a plugin from an index, and register it.",
            discussion: """
                Copies the library into the registry's plugins/ folder, records its sha256, \
                and loads it in a child process to check it (a plugin that crashes in init \
                cannot harm the registry). A refused plugin leaves the registry unchanged.

                NAME[@VERSION] (no '/', not ending in .so) installs from the plugin \
                indexes: the newest version that fits this host, or VERSION. The download \
                must have the sha256 the index lists, then goes through the same copy, \
                pin and probe. --kind picks the extractor or the warehouse of a name that \
                is both.

                --link registers a library where it is, for plugin development: it is not \
                copied or pinned; every load hashes it again and probes a content it has \
                not seen in a child process, so a rebuilt plugin is used at once. \
                `plugins list` shows it as "dev".

                Examples:
                  cc -shared -fPIC -I Sources/CETLPlugin/include -o libmy.so my.c
                  etl-host plugins install ./libmy.so
                  etl-host plugins install --link ./libmy.so
                  etl-host plugins install csvdir --index https://example.org/etl/index.json
                  etl-host plugins install csvdir@0.1.0

                \(indexOrderHelp)

                Exit codes: 0 installed, 1 a download, an index or the registry failed, \
                2 refused (the probe, a checksum that is not the index's, no build for \
                this ABI or platform; nothing installed), 64 bad arguments or no index.
                """
        )

        @OptionGroup var options: RegistryOptions
        @OptionGroup var indexOptions: IndexOptions
        @Argument(help: ArgumentHelp("A library (.so) or a folder holding one (a path: it has a '/' or ends in .so), or NAME[@VERSION] from a plugin index.",
                                     valueName: "path-or-name"))
        var path: String
        @Option(help: "Register it under this name instead of the one it declares.") var name: String?
        @Option(help: "The entry symbol, if not etl_plugin_init.") var entry = "etl_plugin_init"
        @Flag(help: "Register the library where it is, unpinned: every load hashes it again, so a rebuild is used at once (shown as dev).")
        var link = false
        @Option(help: pluginKindHelp) var kind: Choice<PluginKind>?

        /// Whether the argument names a file rather than an index plugin.
        private var isPath: Bool { path.contains("/") || path.hasSuffix(".so") }

        func run() throws {
            try reportingErrors {
                let location = options.searchPath.writableLocation
                let installer = PluginInstaller(registry: RegistryFile(path: location.path))
                let result: PluginInstaller.Result
                if link {
                    guard isPath else { throw HostError(.invalidArgument, "--link takes the path of a library file (./\(path) for one in this folder), not a plugin name") }
                    result = try installer.link(libraryAt: path, name: name, entrySymbol: entry)
                } else if isPath {
                    result = try installer.install(from: path, name: name, entrySymbol: entry)
                } else {
                    if name != nil { throw HostError(.invalidArgument, "--name is for a library file; a plugin from an index keeps the index's name") }
                    let parts = path.split(separator: "@", maxSplits: 1).map(String.init)
                    let fromIndex = IndexInstaller(catalog: try indexOptions.catalog(), installer: installer)
                    result = try fromIndex.install(name: parts[0], version: parts.count > 1 ? parts[1] : nil, kind: try kind?.value())
                }
                let entry = result.entry
                say("""
                    \(result.replaced == nil ? "Installed" : "Replaced") \(entry.name) \(entry.version) (\(entry.kind.rawValue), \(entry.language), ABI \(entry.abi))\(result.replaced.map { " (was \($0.version))" } ?? "")\(entry.index.map { " from the index \($0)" } ?? "")
                      registry: \(location.path)
                      library:  \(result.libraryPath)\(entry.link ? " (linked in place: every load hashes it again)" : "")
                      sha256:   \(entry.link ? "not pinned (dev)" : entry.sha256 ?? "")
                    """)
                InstalledRegistryNote.after(installingInto: location, name: entry.name)
                if let winner = try? options.load().plugin(named: entry.name), winner.registry.path != location.path {
                    FileHandle.standardError.write(Data("etl-host: warning: '\(entry.name)' is also defined in \(winner.registry.path), which is searched first; that one will be used\n".utf8))
                }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an installed plugin from the registry and delete its copy.",
            discussion: """
                The plugin is removed from the registry this command changes (--registry, else \
                the first $ETL_REGISTRY_PATH file, else the user registry), and its copy in that \
                registry's plugins/ folder is deleted. \
                A name that registry lists as both an extractor and a warehouse needs --kind.

                Examples:
                  etl-host plugins remove my_source
                  etl-host plugins remove postgres --kind warehouse --registry ./registry.json

                Exit codes: 0 removed; 64 a name of both kinds without --kind, or a bad \
                --kind; 1 no such plugin (of that kind) in that registry (the message names the \
                registry that has it, if any).
                """
        )

        @OptionGroup var options: RegistryOptions
        @Argument(help: "The plugin's name.") var name: String
        @Option(help: pluginKindHelp) var kind: Choice<PluginKind>?

        func run() throws {
            try reportingErrors {
                let location = options.searchPath.writableLocation
                let installer = PluginInstaller(registry: RegistryFile(path: location.path))
                let removed = try installer.remove(named: name, kind: try kind?.value(), searchPath: options.searchPath)
                say("Removed \(removed.name) \(removed.version) from \(location.path)")
            }
        }
    }

    /// Loads a library in this (child) process and prints what it declares.
    struct Probe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a library and print its descriptor as JSON (used by install and info, in a child process).",
            shouldDisplay: false
        )

        @Argument var path: String
        @Option var entry = "etl_plugin_init"

        func run() throws {
            SignalTrap.unblockInChild()  // the parent blocks them for its sigwait thread
            let report = PluginProbe.Report.loading(libraryAt: path, entrySymbol: entry)
            say(report.json())
            if report.descriptor == nil { throw ExitCode(ExitStatus.pluginRefused.rawValue) }
        }
    }
}
