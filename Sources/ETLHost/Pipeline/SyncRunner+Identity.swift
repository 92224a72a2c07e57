import ETLPluginKit
import Foundation

/// Run ids, timestamps and capability names.
extension SyncRunner {
    static func capabilityName(_ mode: WriteMode) -> String {
        switch mode {
        case .replace: "replace"
        case .append: "append"
        case .upsert: "upsert"
        }
    }

    /// A new run id: UTC time to the millisecond and a random suffix, so
    /// ids sort in start order, e.g. `20261122T101500123Z-0a1b2c3d`.
    public static func newRunID() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmssSSS'Z'"
        let suffix = String(UInt32.random(in: 0 ... .max), radix: 16)
        return formatter.string(from: Date()) + "-" + String(repeating: "0", count: 8 - suffix.count) + suffix
    }

    /// The current time, ISO 8601 UTC with milliseconds.
    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
