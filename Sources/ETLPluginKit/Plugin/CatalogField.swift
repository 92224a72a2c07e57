/// A column and its type hint in a ``CatalogStream``.
public struct CatalogField: Sendable, Hashable, Codable {
    /// The column name, as in the batches.
    public var name: String
    /// The type hint.
    public var type: FieldTypeHint

    /// Creates a field hint.
    public init(name: String, type: FieldTypeHint) {
        self.name = name
        self.type = type
    }
}
