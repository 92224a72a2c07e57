/// What a plugin does.
public enum PluginKind: String, Codable, Sendable, CaseIterable {
    /// Reads streams from a source.
    case extractor
    /// Writes tables into a destination.
    case warehouse
}
