import ETLHost

/// A check step: assertions on one table of a warehouse. Each assertion
/// that fails is a failed check; ``severity`` decides whether that fails
/// the step.
public struct CheckStep: Sendable {
    /// The table checked (`table:`).
    public var table: String
    /// The warehouse connection (`warehouse:`).
    public var warehouse: ConnectionReference
    /// The assertions, in the order written.
    public var assertions: [CheckAssertion]
    /// What a failure does (`severity:`).
    public var severity: CheckSeverity

    /// A check step.
    public init(table: String, warehouse: ConnectionReference, assertions: [CheckAssertion], severity: CheckSeverity) {
        self.table = table
        self.warehouse = warehouse
        self.assertions = assertions
        self.severity = severity
    }
}

/// One assertion of a check step.
public enum CheckAssertion: Sendable, Equatable {
    /// `not_null: [columns]`: no NULL in any of them.
    case notNull([String])
    /// `unique: [columns]`: no two rows share the combination of their values.
    case unique([String])
    /// `accepted_values: {column: [values]}`: every non-NULL value is one of these.
    case acceptedValues(column: String, values: [String])
    /// `row_count: ">0"`: the table's row count satisfies the rule.
    case rowCount(RowCountRule)
    /// `freshness: {column, max_age}`: the newest value of the column is at
    /// most `maxAge` old.
    case freshness(column: String, maxAge: PipelineDuration)
    /// `sql: SELECT ...`: a query that must return no rows (each row it
    /// returns is a failure).
    case customSQL(String)
}

/// What a failed check does.
public enum CheckSeverity: String, Sendable, CaseIterable {
    /// The step fails (and what needs it does not run).
    case error
    /// The step succeeds with a warning.
    case warn
}
