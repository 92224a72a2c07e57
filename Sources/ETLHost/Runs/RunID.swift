import Foundation

/// Run ids: UTC time to the millisecond and a random 32-bit suffix in
/// hex, so ids sort in start order, e.g. `20261122T101500123Z-0a1b2c3d`.
public enum RunID {
    /// A new id for a run starting now.
    public static func make() -> String {
        make(at: Date(), suffix: UInt32.random(in: 0 ... .max))
    }

    /// The id of a run started at `date` with random part `suffix`.
    public static func make(at date: Date, suffix: UInt32) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmssSSS'Z'"
        let hex = String(suffix, radix: 16)
        return formatter.string(from: date) + "-" + String(repeating: "0", count: 8 - hex.count) + hex
    }
}
