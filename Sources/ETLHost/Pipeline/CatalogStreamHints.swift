import Foundation

/// One stream of an extractor's catalog as `sync` reads it
/// (``SourceCatalog``): what a check outside the host needs to hold a
/// plugin to what `sync` will do with its catalog.
///
/// ```swift
/// let streams = try CatalogStreamHints.read(json: #"{"streams":[{"name":"t"}]}"#, plugin: "csv")
/// streams[0].name  // "t"
/// ```
package struct CatalogStreamHints: Sendable, Equatable {
    /// The stream's name.
    package let name: String
    /// The field the stream's incremental reads follow, if any.
    package let cursorField: String?
    /// Type hints by source field name (fields without a known hint left out).
    package let hints: [String: ColumnType]

    /// The streams of `json`, the catalog `plugin`'s discover returned,
    /// read exactly as `sync` reads them; throws the error `sync` would
    /// when it is no catalog.
    package static func read(json: String, plugin: String) throws -> [CatalogStreamHints] {
        try SourceCatalog(json: json, plugin: plugin).streams.map {
            CatalogStreamHints(name: $0.name, cursorField: $0.cursorField, hints: $0.hints)
        }
    }
}
