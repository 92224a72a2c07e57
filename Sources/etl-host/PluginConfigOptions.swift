import ArgumentParser
import ETLHost
import Foundation

/// One plugin's config on a command that tests or opens a single plugin
/// (`plugins test`), in the vocabulary of `sync`: `-s KEY=VALUE` for an
/// extractor, `-d KEY=VALUE` for a warehouse, `@file:PATH` for a whole
/// config. The spellings before (`-c/--set KEY=VALUE`, `--config FILE`)
/// stay as hidden aliases, so existing scripts keep working.
struct PluginConfigOptions: ParsableArguments {
    @Option(name: [.customShort("s"), .customLong("source")],
            help: ArgumentHelp("An extractor's config, KEY=VALUE or @file:PATH (repeatable; @env:NAME works).", valueName: "key=value"))
    var source: [String] = []
    @Option(name: [.customShort("d"), .customLong("dest")],
            help: ArgumentHelp("A warehouse's config, KEY=VALUE or @file:PATH (repeatable; @env:NAME works).", valueName: "key=value"))
    var dest: [String] = []
    /// The old spelling of `-s`/`-d`, for either kind.
    @Option(name: [.customShort("c"), .customLong("set")], help: .hidden)
    var set: [String] = []
    /// The old spelling of `-s @file:PATH`: a file holding the config object.
    @Option(help: .hidden)
    var config: String?

    /// The settings for a plugin of `kind` (nil: a library given by path,
    /// whose kind is not known yet), the hidden `-c` ones first.
    ///
    /// - Throws: `.invalidArgument` (exit 64) for `-s` on a warehouse or
    ///   `-d` on an extractor, or both given.
    func settings(for kind: PluginKind?) throws -> [String] {
        if kind == .warehouse, !source.isEmpty {
            throw HostError(.invalidArgument, "-s sets an extractor's config, and this plugin is a warehouse: use -d KEY=VALUE")
        }
        if kind == .extractor, !dest.isEmpty {
            throw HostError(.invalidArgument, "-d sets a warehouse's config, and this plugin is an extractor: use -s KEY=VALUE")
        }
        if !source.isEmpty, !dest.isEmpty {
            throw HostError(.invalidArgument, "give the plugin's config with -s (an extractor) or -d (a warehouse), not both")
        }
        return set + source + dest
    }
}
