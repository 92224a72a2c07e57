import ArgumentParser
import ETLHost
import ETLPluginKit
import Foundation

/// `etl-host diff RUN_A RUN_B [STREAM]`: rows added, removed and changed
/// between the tables as two runs left them.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show the rows added, removed and changed between the tables as two runs left them.",
        discussion: """
            Rebuilds the tables as they were when each run ended, from snapshots \
            alone (as `etl-host rebuild --as-of RUN`), in a scratch SQLite \
            database in the state folder, and compares them by key (the runs' \
            --primary-key, else the key the source declares for the stream): keys added, keys removed, keys whose values changed (on the \
            columns both moments have). Without a key whole rows are compared, so a \
            changed row shows as one removed and one added. No warehouse and no \
            source is touched; nothing is recorded.

            Examples:
              etl-host diff 20261201T0900 20261202T0900
              etl-host diff 20261201T0900 20261202T0900 orders --json

            Exit codes: 0 compared (with or without differences); 64 an unknown \
            run or stream, or a snapshot the comparison needs is gone (named).
            """
    )

    @Argument(help: "The earlier run (an id or a unique beginning of one).") var first: String
    @Argument(help: "The later run.") var second: String
    @Argument(help: "Only this stream's table (default: every table of the runs' pipeline).") var stream: String?
    @Flag(help: "Print the differences as JSON: one object per table (table, key, added, removed, changed).") var json = false
    @OptionGroup var registryOptions: RegistryOptions

    func run() throws {
        try RunDriver.guarded(try RunOptions.parse(json ? ["--json"] : [])) {
            let store = RunStore()
            var runs = [try store.load(first), try store.load(second)]
            runs.sort { ($0.finishedAt ?? "", $0.id) < ($1.finishedAt ?? "", $1.id) }
            let sqlite = try registryOptions.load().load(named: "sqlite", kind: .warehouse)
            let diff = try SnapshotDiff(first: runs[0], second: runs[1], stream: stream, runs: store.list(), store: store, sqlite: sqlite,
                                        scratch: SpoolDirectory.forThisRun() + "-diff")
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                say(String(decoding: try encoder.encode(diff.tables), as: UTF8.self))
                return
            }
            var lines = ["\(diff.first.id) -> \(diff.second.id)"]
            for table in diff.tables {
                let by = table.key.isEmpty ? "whole rows" : "key " + table.key.joined(separator: ", ")
                lines.append("\(table.table) (\(by)): \(table.added.count) added, \(table.removed.count) removed, \(table.changed.count) changed")
                lines += table.added.map { "  + \($0)" } + table.removed.map { "  - \($0)" } + table.changed.map { "  ~ \($0)" }
            }
            say(lines.joined(separator: "\n"))
        }
    }
}
