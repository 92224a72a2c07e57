import ETLPluginKit
import Foundation

/// An extractor's catalog as `sync` reads it: the SDK's lenient
/// ``CatalogReading`` (the one catalog model), with the host's errors.
/// `plugins test` and the pipeline's sync steps read catalogs through here
/// too, so they hold a plugin to what `sync` does with its catalog.
///
/// ```swift
/// let reading = try CatalogReading(discovered: #"{"streams":[{"name":"t"}]}"#, plugin: "csv")
/// reading.catalog.streams[0].name  // "t"
/// ```
extension CatalogReading {
    /// Reads `json`, the catalog `plugin`'s discover returned.
    ///
    /// - Throws: `.pluginFailed` when it is no catalog (`discover returned
    ///   no valid catalog`) or a stream has no name.
    package init(discovered json: String, plugin: String) throws {
        do {
            try self.init(json: json)
        } catch .notACatalog {
            throw HostError(.pluginFailed, "plugin '\(plugin)': discover returned no valid catalog (expected {\"streams\": [...]})")
        } catch .streamWithoutName {
            throw HostError(.pluginFailed, "plugin '\(plugin)': a catalog stream has no name")
        }
    }
}

extension CatalogStream {
    /// Type hints by source field name, as column types (fields without a
    /// hint left out; a field listed twice keeps its last hint).
    package var hints: [String: ColumnType] {
        var hints: [String: ColumnType] = [:]
        for field in fields ?? [] {
            if let type = field.type { hints[field.name] = ColumnType(hint: type) }
        }
        return hints
    }

    /// The stream's entry as JSON text with sorted keys, as the extractor
    /// wrote it (kept in snapshots); the strict encoding for a stream made
    /// in code.
    package var entryJSON: String {
        if let entry { return entry.jsonText }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
