/// One source field as pass 1 saw it: its source name, the name to
/// normalize into a column name, and the inference over its values.
public struct ObservedField: Sendable {
    /// The field's source name (`name#2` for a repeated name).
    public var source: String
    /// What ``NameNormalizer`` turns into the column's name.
    public var columnBase: String
    /// The type inference over every value the stream had.
    public var inference: ColumnInference

    /// A field seen by pass 1.
    public init(source: String, columnBase: String, inference: ColumnInference) {
        self.source = source
        self.columnBase = columnBase
        self.inference = inference
    }
}
