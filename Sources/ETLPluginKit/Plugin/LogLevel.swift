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

extension LogLevel: Comparable {
    /// Orders levels by severity: trace < debug < info < warn < error.
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The lowercase name, as printed in logs: "trace", ..., "error".
    public var name: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .warn: "warn"
        case .error: "error"
        }
    }
}
