import ArgumentParser
import ETLHost
import ETLScaffold
import Foundation

extension PluginsCommand {
    /// `etl-host plugins new NAME --kind extractor|warehouse --lang c|swift|rust`:
    /// writes a plugin project that builds, loads and passes `plugins test`.
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a new plugin project, ready to build, test and install.",
            discussion: """
                Writes a new folder (./NAME, or --output DIR; it must not exist yet) holding \
                a working plugin to start from:
                  --kind extractor  one stream, "numbers", of `count` rows (config count,
                                    default 10): n, square, even, label
                  --kind warehouse  each table as JSON Lines in a directory (config dir),
                                    with atomic replace and append, state and schemas kept

                --lang c: NAME.c (a warehouse also json_text.h and atomic_files.h), a Makefile, \
                and include/ with copies of etl_plugin.h and its header-only helpers (etl_batch.h \
                builds batches, etl_config.h reads the config, etl_reader.h reads batches), so \
                that the project builds anywhere with make and a C compiler.
                --lang swift: a Swift package whose Package.swift depends on ETLPluginKit in \
                the etl-host checkout this etl-host was built from (or --sdk PATH); build it \
                with the same Swift toolchain as etl-host.
                --lang rust: src/lib.rs, the plugin with no FFI in it, over src/etl_ffi.rs \
                (etl_plugin.h as #[repr(C)] Rust, ABI 1.1) and a safe layer (errors, config by \
                key, panics caught; Arrow batches built by src/etl_batch.rs for an extractor, \
                read and checked by src/etl_reader.rs for a warehouse); make builds it with \
                plain rustc (no cargo, no crates).
                Every language writes both kinds. The C and Rust files come from the templates \
                in Sources/ETLScaffold/Templates (installed: <prefix>/share/etl-host/templates).
                In file names, '-' in NAME becomes '_'.

                Next steps (printed when it is done):
                  cd NAME && make                          (swift build -c release for Swift)
                  etl-host plugins test ./libetl_NAME.so   the conformance checks
                  etl-host plugins install ./libetl_NAME.so
                  etl-host sync NAME sqlite -s count=5     (a warehouse: sync csv NAME ...)
                Then make it yours: the TODOs in the source mark what to change. How the \
                contract works: docs/WRITING_PLUGINS.md.

                Example:
                  etl-host plugins new my-source --kind extractor --lang c
                """
        )

        @Argument(help: "The plugin's name: lowercase letters, digits, '_' and '-', starting with a letter.")
        var name: String
        @Option(help: ArgumentHelp("extractor or warehouse.", valueName: "kind")) var kind: String
        @Option(name: .customLong("lang"), help: ArgumentHelp("c, swift or rust.", valueName: "lang")) var language: String
        @Option(help: ArgumentHelp("The folder to create (default: ./NAME); it must not exist.", valueName: "dir"))
        var output: String?
        @Option(help: ArgumentHelp("An etl-host checkout, or a folder holding etl_plugin.h, etl_batch.h, etl_config.h and etl_reader.h, to build "
            + "against (default: the checkout this etl-host was built in).", valueName: "path"))
        var sdk: String?

        func run() throws {
            try reportingErrors {
                guard let pluginKind = PluginKind(rawValue: kind) else {
                    throw HostError(.invalidArgument, "unknown --kind '\(kind)'; use extractor or warehouse")
                }
                guard let lang = PluginScaffold.Language(rawValue: language) else {
                    throw HostError(.invalidArgument, "unknown --lang '\(language)'; use c, swift or rust")
                }
                let scaffold = try PluginScaffold(name: name, kind: pluginKind, language: lang)
                let location = try PluginSDK.locate(explicit: sdk, executableDirectory: HostEnvironment.executableDirectory)
                let folder = output ?? name
                let files = try scaffold.write(to: folder, sdk: location).filter { !$0.summary.isEmpty }
                let width = files.map(\.path.count).max() ?? 0
                say("Created the \(lang.displayName) \(pluginKind.rawValue) '\(scaffold.name)' in \(folder):")
                for file in files {
                    say("  " + file.path.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + file.summary)
                }
                say("\nNext:")
                for step in scaffold.nextSteps(folder: folder) { say("  " + step) }
            }
        }
    }
}
