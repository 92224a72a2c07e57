#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What an extractor can read: its streams, as discover() returns them.
/// The one catalog model of plugins and host: a Swift plugin builds and
/// encodes it, the host reads any plugin's catalog into it
/// (``CatalogReading``).
///
/// Encodes to the JSON `etl_plugin.h` describes:
/// `{"streams": [{"name": "orders", "primary_key": ["id"],
/// "cursor_field": "updated_at", "fields": [{"name": "id", "type": "integer"}]}]}`.
///
/// ```swift
/// Catalog(streams: [
///     CatalogStream(name: "orders", primaryKey: ["id"],
///                   fields: [CatalogField(name: "id", type: .integer)]),
/// ])
/// ```
public struct Catalog: Sendable, Hashable, Codable {
    /// The streams.
    public var streams: [CatalogStream]

    /// Creates a catalog.
    public init(streams: [CatalogStream]) {
        self.streams = streams
    }

    /// The catalog as compact JSON text.
    public func jsonText() throws(PluginError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            throw PluginError.internalError("the catalog cannot be encoded: \(error)")
        }
    }

    /// Parses a catalog from JSON text strictly: exactly the members and
    /// hint names ``jsonText()`` writes (tests of a plugin's own catalog).
    /// A host reads what a plugin returns with ``CatalogReading``, which
    /// forgives what it can.
    ///
    /// - Throws: ``PluginError/Code/data`` naming what is wrong.
    public init(jsonText: String) throws(PluginError) {
        do {
            self = try JSONDecoder().decode(Catalog.self, from: Data(jsonText.utf8))
        } catch {
            throw PluginError.data("the catalog is not valid: \(JSONValue.describe(error))")
        }
    }
}
