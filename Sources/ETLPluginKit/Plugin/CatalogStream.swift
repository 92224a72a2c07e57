/// One stream of a ``Catalog``.
public struct CatalogStream: Sendable, Hashable, Codable {
    /// The stream's name, passed back to read().
    public var name: String
    /// The columns that identify a record, if any.
    public var primaryKey: [String]?
    /// The column an incremental read advances on, if any.
    public var cursorField: String?
    /// Type hints for the columns; `nil` to let the host infer everything.
    public var fields: [CatalogField]?
    /// The stream's entry exactly as the catalog's JSON gave it (members
    /// this format does not know and fields skipped included), when the
    /// host read it with ``CatalogReading``; nil for a stream made in code.
    /// Never encoded: a plugin's catalog carries only the members above.
    public var entry: JSONValue? = nil

    /// Creates a stream description.
    public init(name: String, primaryKey: [String]? = nil, cursorField: String? = nil,
                fields: [CatalogField]? = nil) {
        self.name = name
        self.primaryKey = primaryKey
        self.cursorField = cursorField
        self.fields = fields
    }

    enum CodingKeys: String, CodingKey {
        case name
        case primaryKey = "primary_key"
        case cursorField = "cursor_field"
        case fields
    }
}
