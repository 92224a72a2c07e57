import ArgumentParser
import ETLHost
import ETLPluginKit
import ETLWorkflow
import Foundation

/// The `etl-host` command: moves data from sources into warehouses through
/// extractor and warehouse plugins.
@main
struct ETLHostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "etl-host",
        abstract: "Move data from sources into a warehouse through extractor and warehouse plugins.",
        discussion: """
            Plugins are shared libraries written against one C header (etl_plugin.h) \
            and found through registry files (registry.json).

            Examples:
              etl-host sync csv sqlite -s path=a.csv   a CSV file into ./warehouse.db
              etl-host sync airtable sqlite -s base=app...
                                            a whole Airtable base ($AIRTABLE_TOKEN)
              etl-host sync csv:///data/*.csv sqlite:///srv/dwh.db
                                            the same with connection URIs
              etl-host show orders          the first rows of a loaded table
              etl-host init                 a project folder: etl.yaml, .env.example, ...
              etl-host runs                 past runs; `runs show ID` for one
              etl-host replay ID            rebuild a run's load from its snapshot
              etl-host rebuild --as-of 2026-12-01T09:00:00Z sqlite -d path=then.db
                                            every table as it was then, from snapshots
              etl-host diff RUN_A RUN_B     rows added, removed and changed between runs
              etl-host query sqlite -d path=warehouse.db "SELECT ..."
                                            SQL in a warehouse; --as-of TIME over history
              etl-host plugins list         what is installed, and whether it loads
              etl-host --version            the version and where plugins are looked up
              etl-host plugins info csv     its description and config schema
              etl-host plugins search WORD  connectors in the plugin indexes;
                                            `plugins install NAME` adds one
              etl-host plugins install ./libmy.so
                                            add your own plugin
              etl-host validate             check the pipeline file etl.yaml
              etl-host plan                 its steps, in the order they run
              etl-host run                  run them, under one run id
              etl-host serve                their schedules and a web UI at http://127.0.0.1:8080/
              etl-host schedule list        when serve runs them; also pause,
                                            resume, export --crontab|--systemd|--k8s

            \(ExitStatus.documentation)
            """,
        version: VersionText.current,
        subcommands: [SyncCommand.self, RunCommand.self, RunsCommand.self, ReplayCommand.self, RebuildCommand.self, DiffCommand.self, QueryCommand.self, ShowCommand.self, InitCommand.self,
                      PluginsCommand.self, ValidateCommand.self, PlanCommand.self, ServeCommand.self, ScheduleCommand.self]
    )

    /// Takes the host settings the current folder's `.env` gives and the
    /// environment does not (``ETLWorkflow/HostSettings``), then runs the
    /// command line.
    static func main() {
        HostSettings.applyDotEnv()
        main(nil)
    }
}

/// Prints a host error to standard error and exits with its code.
func fail(_ error: HostError) -> ExitCode {
    FileHandle.standardError.write(Data("etl-host: error: \(error.message)\n".utf8))
    return ExitCode(error.exitStatus.rawValue)
}

/// Runs `body`, turning a ``HostError`` into a message and its exit code.
func reportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let error as HostError { throw fail(error) }
}

/// Writes a line to standard output.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// A JSON value encoded for output, keys sorted, slashes unescaped.
func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// A JSON value on one line (JSON Lines), keys sorted, slashes unescaped.
func jsonLine(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Left-aligned text columns separated by two spaces.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}
