/// A column and its type hint in a ``CatalogStream``.
///
/// A hint wins over the host's inference, so give one only when the source
/// knows the type; a schemaless source (CSV) lists its fields without one.
public struct CatalogField: Sendable, Hashable, Codable {
    /// The column name, as in the batches.
    public var name: String
    /// The type hint, or nil when the source does not know the type (the
    /// host infers it from the values).
    public var type: FieldTypeHint?

    /// Creates a field, with a type hint or without one.
    public init(name: String, type: FieldTypeHint? = nil) {
        self.name = name
        self.type = type
    }

    private enum CodingKeys: String, CodingKey { case name, type }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(type, forKey: .type)
    }
}
