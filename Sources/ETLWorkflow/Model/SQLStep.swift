/// A SQL step: a SELECT materialized as a table or a view in a warehouse.
public struct SQLStep: Sendable {
    /// Where the SELECT comes from.
    public enum Source: Sendable, Equatable {
        /// `sql: path/to/file.sql`, relative to the pipeline file's folder:
        /// the path as written and the path resolved.
        case file(written: String, resolved: String)
        /// `query: SELECT ...`, written in the step.
        case inline(String)
    }

    /// How the result is kept.
    public enum Materialization: String, Sendable, CaseIterable {
        /// A table, replaced atomically (default).
        case table
        /// A view.
        case view
    }

    /// The SELECT.
    public var source: Source
    /// Table or view (`materialize:`).
    public var materialize: Materialization
    /// The warehouse connection (`into:`).
    public var into: ConnectionReference
    /// The table or view name (`target:`, default the step's name).
    public var target: String

    /// A SQL step.
    public init(source: Source, materialize: Materialization, into: ConnectionReference, target: String) {
        self.source = source
        self.materialize = materialize
        self.into = into
        self.target = target
    }
}
