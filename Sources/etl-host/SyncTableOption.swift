import ETLHost
import ETLPluginKit
import Foundation

/// `sync --table NAME`: the target table of a single-stream sync.
enum SyncTableOption {
    /// Names the table of the request's one stream (`--streams`, else the
    /// extractor's catalog, read with discover).
    ///
    /// - Throws: `.invalidArgument` (exit 64) when there is not exactly one stream.
    static func apply(table: String, to request: inout SyncRequest, setup: SyncSetup) throws {
        guard !table.isEmpty else { throw HostError(.invalidArgument, "--table needs a name") }
        let streams = try request.streams ?? streamNames(setup)
        guard streams.count == 1 else {
            throw HostError(.invalidArgument, "--table names one table, but the source has \(streams.count) streams"
                + (streams.isEmpty ? "" : " (\(streams.joined(separator: ", ")))") + "; pick one with --streams NAME, or leave --table out (each stream loads into a table of its own name)")
        }
        var shaping = request.shaping[streams[0]] ?? StreamShaping()
        shaping.table = table
        request.shaping[streams[0]] = shaping
    }

    private static func streamNames(_ setup: SyncSetup) throws -> [String] {
        let instance = try PluginInstance(plugin: setup.extractor, configJSON: try ConfigResolver.json(setup.sourceConfig))
        defer { instance.close() }
        return try CatalogReading(discovered: try instance.discover(), plugin: setup.extractorName).catalog.streams.map(\.name)
    }
}
