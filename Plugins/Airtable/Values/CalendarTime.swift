import ETLPluginKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Dates and times as Airtable writes them (ISO 8601), parsed by the kit's
/// ``DateText`` into the Arrow units (days since 1970-01-01, microseconds
/// since the epoch, UTC), and Airtable's millisecond format for cursors.
enum CalendarTime {
    /// `YYYY-MM-DD` as days since the epoch; `nil` unless exactly that
    /// form and a real calendar date (the kit's ``DateText``).
    static func date(_ text: UnsafeRawBufferPointer) -> Int32? { DateText.parseDate(text) }

    /// An ISO 8601 timestamp as microseconds since the epoch, UTC (the
    /// kit's ``DateText``; no zone means UTC, nothing below a microsecond
    /// is silently cut).
    static func timestamp(_ text: UnsafeRawBufferPointer) -> Int64? { DateText.parseTimestamp(text) }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` for microseconds since the epoch
    /// (milliseconds, as Airtable writes times).
    static func format(microseconds: Int64) -> String {
        var seconds = microseconds / 1_000_000
        var micros = microseconds % 1_000_000
        if micros < 0 {
            micros += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year64, month64, day64) = DateText.civil(daysSinceEpoch: days)
        let (year, month, day) = (Int(year64), Int(month64), Int(day64))
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(Int(secondOfDay / 3600), 2)):"
            + "\(pad(Int(secondOfDay % 3600 / 60), 2)):\(pad(Int(secondOfDay % 60), 2)).\(pad(Int(micros / 1000), 3))Z"
    }

    /// The current time as microseconds since the epoch (the system clock).
    static func nowMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }
}
