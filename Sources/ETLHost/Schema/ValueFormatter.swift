import ETLPluginKit

/// Text forms of typed values, as the host spools and stores them: the
/// kit's ``DateText`` (shared with the SQLite warehouse).
public enum ValueFormatter {
    /// `YYYY-MM-DD` for days since 1970-01-01.
    public static func date(_ days: Int32) -> String { DateText.date(daysSinceEpoch: Int64(days)) }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ` for microseconds since the epoch, UTC.
    public static func timestamp(_ micros: Int64) -> String { DateText.timestamp(microsecondsSinceEpoch: micros) }
}
