/// A plugin version as indexes and descriptors write it, ordered the way
/// semantic versioning orders them: numeric parts as numbers
/// (`0.10.0 > 0.9.1`), a missing part as 0 (`1.2 == 1.2.0`), and a
/// pre-release (`1.0.0-rc.1`) before its release. Build metadata
/// (`+linux`) is ignored. Parts that are not numbers compare as text, so
/// any string has a place in the order.
///
/// ```swift
/// PluginVersion("0.10.0") > PluginVersion("0.9.1")       // true
/// PluginVersion("1.0.0-rc.1") < PluginVersion("1.0.0")   // true
/// ```
public struct PluginVersion: Comparable, Sendable, CustomStringConvertible {
    /// The version as written.
    public let text: String
    private let release: [Substring]
    private let prerelease: [Substring]

    /// Parses `text`; every string is accepted.
    public init(_ text: String) {
        self.text = text
        let withoutBuild = text.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let parts = withoutBuild.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        var release = (parts.first ?? "").split(separator: ".", omittingEmptySubsequences: false)
        if let first = release.first, first.hasPrefix("v") { release[0] = first.dropFirst() }  // v1.2.0
        self.release = release
        prerelease = parts.count > 1 ? parts[1].split(separator: ".", omittingEmptySubsequences: false) : []
    }

    public var description: String { text }

    public static func == (lhs: PluginVersion, rhs: PluginVersion) -> Bool {
        !(lhs < rhs) && !(rhs < lhs)
    }

    public static func < (lhs: PluginVersion, rhs: PluginVersion) -> Bool {
        for position in 0 ..< max(lhs.release.count, rhs.release.count) {
            let left = position < lhs.release.count ? lhs.release[position] : "0"
            let right = position < rhs.release.count ? rhs.release[position] : "0"
            if let order = compare(left, right) { return order }
        }
        // Equal releases: a pre-release comes before the release itself.
        switch (lhs.prerelease.isEmpty, rhs.prerelease.isEmpty) {
        case (true, true): return false
        case (false, true): return true
        case (true, false): return false
        case (false, false): break
        }
        for position in 0 ..< min(lhs.prerelease.count, rhs.prerelease.count) {
            if let order = compare(lhs.prerelease[position], rhs.prerelease[position]) { return order }
        }
        return lhs.prerelease.count < rhs.prerelease.count
    }

    /// `lhs < rhs` for one part, or nil when they are equal: numbers by
    /// value and before words, words as text.
    private static func compare(_ lhs: Substring, _ rhs: Substring) -> Bool? {
        switch (UInt64(lhs), UInt64(rhs)) {
        case let (left?, right?): return left == right ? nil : left < right
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return lhs == rhs ? nil : lhs < rhs
        }
    }
}
