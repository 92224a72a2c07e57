/// What a `sql` step did, for its run record.
public struct SQLStepResult: Sendable, Equatable {
    /// The table or view built.
    public var target: String
    /// Table or view.
    public var materialize: SQLStep.Materialization
    /// Rows written into the table; `nil` for a view (it holds no rows).
    public var rows: Int64?
    /// The SELECT as it was run (the file's text as read at run time).
    public var sql: String
    /// SHA-256 of the UTF-8 bytes of ``sql``, 64 lowercase hex digits.
    public var sqlSHA256: String
    /// Wall-clock seconds the step took.
    public var seconds: Double
    /// Whether a view was left as it was because its definition had not
    /// changed (SQLite; nothing was dropped).
    public var viewUnchanged: Bool

    /// A result.
    public init(target: String, materialize: SQLStep.Materialization, rows: Int64?, sql: String, sqlSHA256: String,
                seconds: Double, viewUnchanged: Bool = false) {
        self.target = target
        self.materialize = materialize
        self.rows = rows
        self.sql = sql
        self.sqlSHA256 = sqlSHA256
        self.seconds = seconds
        self.viewUnchanged = viewUnchanged
    }
}
