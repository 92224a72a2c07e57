/// The severity of a log message (`enum etl_log_level`).
public enum LogLevel: Int32, Sendable, Hashable, CaseIterable {
    /// `ETL_LOG_TRACE`: very detailed tracing.
    case trace = 0
    /// `ETL_LOG_DEBUG`: details for debugging.
    case debug = 1
    /// `ETL_LOG_INFO`: normal progress.
    case info = 2
    /// `ETL_LOG_WARN`: something unexpected that did not stop the run.
    case warn = 3
    /// `ETL_LOG_ERROR`: a failure.
    case error = 4
}
