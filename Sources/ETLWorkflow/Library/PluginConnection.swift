/// A plugin and its config, declared in Swift: what a connection of the
/// pipeline file (`dwh: {plugin: sqlite, path: dwh.db}`) says.
///
/// ```swift
/// let warehouse: PluginConnection = .plugin("sqlite", config: ["path": "dwh.db"])
/// ```
///
/// Config values are as in the file: `@env:NAME` and `@file:PATH` are
/// resolved when the connection is opened and never recorded; relative
/// paths are relative to the process's current folder.
public struct PluginConnection: Sendable {
    /// The plugin's registry name (`etl-host plugins list`).
    public var plugin: String
    /// The config object for the plugin.
    public var config: [String: ConfigValue]
    /// Where it is declared (the Swift source line), for messages.
    public var location: SourceLocation

    /// A connection to `plugin` with `config`.
    public static func plugin(_ plugin: String, config: [String: ConfigValue] = [:], fileID: String = #fileID,
                              line: Int = #line) -> PluginConnection {
        PluginConnection(plugin: plugin, config: config, location: SourceLocation(file: fileID, line: line, column: 1))
    }

    /// A connection.
    public init(plugin: String, config: [String: ConfigValue], location: SourceLocation) {
        self.plugin = plugin
        self.config = config
        self.location = location
    }

    /// The model's connection named `name`.
    func connection(named name: String) -> Connection {
        Connection(name: name, plugin: plugin, config: config, location: location)
    }
}

/// Config values written as Swift literals: `["path": "dwh.db", "header": true, "limit": 10]`,
/// strings with interpolation included (`"\(folder)/dwh.db"`).
extension ConfigValue: ExpressibleByStringInterpolation, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer.
    public init(integerLiteral value: Int) { self = .integer(value) }
    /// A number.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    /// A list.
    public init(arrayLiteral elements: ConfigValue...) { self = .array(elements) }
    /// A mapping (a repeated key keeps its last value).
    public init(dictionaryLiteral elements: (String, ConfigValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }
    /// `null`.
    public init(nilLiteral: ()) { self = .null }
}
