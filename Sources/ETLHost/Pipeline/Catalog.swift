import Foundation

/// An extractor's catalog, read from the JSON its discover() returns.
struct SourceCatalog {
    struct Stream {
        var name: String
        var primaryKey: [String]
        var cursorField: String?
        /// Type hints by source field name.
        var hints: [String: ColumnType]
        /// Field names in the order the catalog lists them.
        var fieldOrder: [String]
        /// The stream's entry as the extractor wrote it (kept in snapshots).
        var entryJSON: String = "{}"
    }

    var streams: [Stream]

    init(json: String, plugin: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let streams = object["streams"] as? [[String: Any]]
        else {
            throw HostError(.pluginFailed, "plugin '\(plugin)': discover returned no valid catalog (expected {\"streams\": [...]})")
        }
        self.streams = try streams.map { stream in
            guard let name = stream["name"] as? String, !name.isEmpty else {
                throw HostError(.pluginFailed, "plugin '\(plugin)': a catalog stream has no name")
            }
            var hints: [String: ColumnType] = [:]
            var order: [String] = []
            for field in stream["fields"] as? [[String: Any]] ?? [] {
                guard let fieldName = field["name"] as? String else { continue }
                order.append(fieldName)
                if let type = field["type"] as? String, let hint = ColumnType(hint: type) { hints[fieldName] = hint }
            }
            let entry = (try? JSONSerialization.data(withJSONObject: stream, options: [.sortedKeys, .withoutEscapingSlashes]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return Stream(
                name: name, primaryKey: stream["primary_key"] as? [String] ?? [],
                cursorField: stream["cursor_field"] as? String, hints: hints, fieldOrder: order, entryJSON: entry
            )
        }
    }
}
