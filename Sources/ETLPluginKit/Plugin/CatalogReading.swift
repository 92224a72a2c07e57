/// A catalog read the way the host reads what discover() returns: leniently.
///
/// ``Catalog`` encodes strictly (what a Swift plugin writes) and its
/// `Decodable` conformance refuses anything else; a host must take the
/// catalogs of C, Rust and older plugins as they are. This reading keeps
/// the JSON shape of `etl_plugin.h` and forgives what it can, saying so:
///
/// - a type hint may be an alias (``FieldTypeHint/aliases``: `text`,
///   `date-time`, `object`, `array`);
/// - a field without a name (or that is not an object) is skipped, an
///   unknown or non-string `type` is left out (the host infers the
///   column), a `primary_key` that is not an array of strings, a
///   `cursor_field` that is not a string and a `fields` that is not an
///   array are ignored: each with a ``CatalogWarning`` naming the stream;
/// - members the format does not know are kept in ``CatalogStream/entry``
///   with everything else the extractor wrote.
///
/// Only what leaves nothing to read is an error
/// (``CatalogReadingError``): text that is not JSON, no `streams` array of
/// objects, a stream without a name.
///
/// ```swift
/// let reading = try CatalogReading(json: #"""
///     {"streams": [{"name": "t", "fields": [{"name": "at", "type": "date-time"}, {"type": "string"}]}]}
///     """#)
/// reading.catalog.streams[0].fields   // [CatalogField(name: "at", type: .timestamp)]
/// reading.warnings[0].description    // "catalog stream 't': field 2 has no name; it is skipped"
/// ```
public struct CatalogReading: Sendable, Hashable {
    /// The streams, in the order the catalog lists them, each with its
    /// ``CatalogStream/entry``.
    public var catalog: Catalog
    /// What was forgiven, in the order it was found.
    public var warnings: [CatalogWarning]

    /// Reads a catalog's JSON text leniently.
    ///
    /// - Throws: ``CatalogReadingError`` when nothing can be read.
    public init(json text: String) throws(CatalogReadingError) {
        guard let document = try? JSONValue(jsonText: text), case .array(let list)? = document["streams"] else {
            throw .notACatalog
        }
        var warnings: [CatalogWarning] = []
        var streams: [CatalogStream] = []
        for (index, item) in list.enumerated() {
            guard case .object(let members) = item else { throw .notACatalog }
            guard case .string(let name)? = members["name"], !name.isEmpty else { throw .streamWithoutName(position: index + 1) }
            var stream = CatalogStream(name: name)
            stream.entry = item
            var forgiven = Forgiven(stream: name)
            stream.primaryKey = Self.primaryKey(members["primary_key"], &forgiven)
            stream.cursorField = Self.cursorField(members["cursor_field"], &forgiven)
            stream.fields = Self.fields(members["fields"], &forgiven)
            warnings += forgiven.warnings
            streams.append(stream)
        }
        catalog = Catalog(streams: streams)
        self.warnings = warnings
    }

    /// Collects one stream's warnings.
    private struct Forgiven {
        let stream: String
        var warnings: [CatalogWarning] = []

        mutating func add(_ message: String) {
            warnings.append(CatalogWarning(stream: stream, message: message))
        }
    }

    private static func primaryKey(_ value: JSONValue?, _ forgiven: inout Forgiven) -> [String]? {
        guard let value else { return nil }
        if case .array(let items) = value {
            let names = items.compactMap { item -> String? in
                if case .string(let name) = item { return name }
                return nil
            }
            if names.count == items.count { return names }
        }
        forgiven.add("primary_key is not an array of column names; it is ignored")
        return nil
    }

    private static func cursorField(_ value: JSONValue?, _ forgiven: inout Forgiven) -> String? {
        switch value {
        case nil: return nil
        case .string(let name)?: return name
        default:
            forgiven.add("cursor_field is not a string; it is ignored")
            return nil
        }
    }

    private static func fields(_ value: JSONValue?, _ forgiven: inout Forgiven) -> [CatalogField]? {
        guard let value else { return nil }
        guard case .array(let entries) = value else {
            forgiven.add("fields is not an array; it is ignored")
            return nil
        }
        var fields: [CatalogField] = []
        for (index, entry) in entries.enumerated() {
            guard case .string(let name)? = entry["name"] else {
                forgiven.add("field \(index + 1) has no name; it is skipped")
                continue
            }
            var field = CatalogField(name: name)
            switch entry["type"] {
            case nil:
                break
            case .string(let type)?:
                field.type = FieldTypeHint(named: type)
                if field.type == nil {
                    forgiven.add("field \"\(name)\": type \"\(type)\" is not a type hint; it is ignored")
                }
            default:
                forgiven.add("field \"\(name)\": type is not a string; it is ignored")
            }
            fields.append(field)
        }
        return fields
    }
}

/// Something a lenient ``CatalogReading`` forgave, and the stream it was in.
public struct CatalogWarning: Sendable, Hashable, CustomStringConvertible {
    /// The stream's name.
    public var stream: String
    /// What was wrong and what the reading did about it, without the stream.
    public var message: String

    /// Creates a warning.
    public init(stream: String, message: String) {
        self.stream = stream
        self.message = message
    }

    /// `catalog stream 'orders': field 2 has no name; it is skipped`.
    public var description: String { "catalog stream '\(stream)': \(message)" }
}

/// Why a ``CatalogReading`` read nothing.
public enum CatalogReadingError: Error, Sendable, Hashable {
    /// Not JSON, or not an object with a `streams` array of objects.
    case notACatalog
    /// The stream at this position (from 1) has no name (a non-empty string).
    case streamWithoutName(position: Int)
}
