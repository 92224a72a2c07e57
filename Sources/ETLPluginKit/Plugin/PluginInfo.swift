/// The static identity of a plugin: what its descriptor (`etl_plugin`)
/// announces. The kit adds `language = "swift"` and the toolchain.
///
/// ```swift
/// static let info = PluginInfo(
///     name: "csv", version: "1.0.0",
///     description: "Reads CSV files (RFC 4180) as untyped text columns",
///     configSchema: #"{"type": "object", "properties": {...}}"#)
/// ```
public struct PluginInfo: Sendable, Hashable {
    /// Short lowercase name: letters, digits, `-` and `_`.
    public var name: String
    /// The plugin's own version, e.g. `"1.2.0"`.
    public var version: String
    /// One line saying what it does.
    public var description: String
    /// The JSON Schema of the config object accepted by open().
    public var configSchema: String
    /// What the plugin supports.
    public var capabilities: PluginCapabilities

    /// Creates plugin info.
    public init(name: String, version: String, description: String, configSchema: String,
                capabilities: PluginCapabilities = []) {
        self.name = name
        self.version = version
        self.description = description
        self.configSchema = configSchema
        self.capabilities = capabilities
    }

    /// Checks the fields that the contract constrains: a valid name and
    /// a config schema that is a JSON object.
    public func validate() throws(PluginError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-_")
        guard !name.isEmpty, name.allSatisfy({ allowed.contains($0) }) else {
            throw PluginError.internalError("plugin name \"\(name)\" must be non-empty lowercase "
                + "letters, digits, '-' and '_'")
        }
        let schema: JSONValue
        do {
            schema = try JSONValue(parsing: configSchema)
        } catch {
            throw PluginError.internalError("plugin \(name): the config schema is \(error.message)")
        }
        guard case .object = schema else {
            throw PluginError.internalError("plugin \(name): the config schema must be a JSON object")
        }
    }
}
