import Foundation

/// Index references and download locations: `http://`, `https://` and
/// `file://` URLs, or absolute paths.
enum IndexURL {
    /// Whether `reference` is a URL this host fetches (not a path).
    static func isURL(_ reference: String) -> Bool {
        let lower = reference.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("file://")
    }

    /// Whether `reference` is fetched over the network.
    static func isHTTP(_ reference: String) -> Bool {
        let lower = reference.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    /// Where a build's `url` points, resolved against the index it is
    /// listed in: an absolute URL as it is; otherwise relative to the
    /// index's URL (RFC 3986) or to the index file's folder.
    static func resolve(_ url: String, againstIndex index: String) -> String {
        if isURL(url) { return url }
        if isURL(index) {
            return URL(string: url, relativeTo: URL(string: index))?.absoluteString ?? url
        }
        if url.hasPrefix("/") { return url }
        return (((index as NSString).deletingLastPathComponent as NSString).appendingPathComponent(url) as NSString).standardizingPath
    }

    /// The local path of a `file://` URL or a path; nil for HTTP.
    static func localPath(_ reference: String) -> String? {
        if isHTTP(reference) { return nil }
        if reference.lowercased().hasPrefix("file://") { return URL(string: reference)?.path }
        return reference
    }
}
