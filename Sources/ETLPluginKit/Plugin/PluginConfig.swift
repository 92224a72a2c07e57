#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The configuration object an instance is opened with, with typed,
/// checked access to its keys.
///
/// The host validates configs against the plugin's JSON Schema before
/// open(); these accessors still check types, so that a plugin never
/// crashes on a config it did not expect. Error messages name the key and
/// the expected type, never the value (it may be a secret).
///
/// ```swift
/// let path = try config.requiredString("path")
/// let header = try config.bool("has_header") ?? true
/// struct Options: Decodable { var path: String; var delimiter: String? }
/// let options = try config.decode(Options.self)
/// ```
public struct PluginConfig: Sendable {
    /// The config as JSON text, as the host passed it.
    public let json: String
    /// The config's members.
    public let values: [String: JSONValue]

    /// Parses a config, which must be a JSON object.
    ///
    /// - Throws: ``PluginError/Code/invalidArgument``.
    public init(json: String) throws(PluginError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: json)
        } catch {
            throw PluginError.invalidArgument("the config is \(error.message)")
        }
        guard case .object(let members) = value else {
            throw PluginError.invalidArgument("the config must be a JSON object, got \(value.typeName)")
        }
        self.json = json
        self.values = members
    }

    /// Creates a config from members (tests, defaults).
    public init(_ values: [String: JSONValue]) {
        self.values = values
        self.json = JSONValue.object(values).jsonText
    }

    /// The config's keys, sorted.
    public var keys: [String] { values.keys.sorted() }

    /// The member `key`; `nil` when absent.
    public subscript(key: String) -> JSONValue? { values[key] }

    private func mismatch(_ key: String, expected: String, got value: JSONValue) -> PluginError {
        PluginError.invalidArgument("config \"\(key)\" must be \(expected), got \(value.typeName)")
    }

    /// The string at `key`; `nil` when absent or null.
    public func string(_ key: String) throws(PluginError) -> String? {
        switch values[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        case let value?: throw mismatch(key, expected: "a string", got: value)
        }
    }

    /// The string at `key`, which must be present.
    public func requiredString(_ key: String) throws(PluginError) -> String {
        guard let value = try string(key) else {
            throw PluginError.invalidArgument("config \"\(key)\" is required (a string)")
        }
        return value
    }

    /// The boolean at `key`; `nil` when absent or null.
    public func bool(_ key: String) throws(PluginError) -> Bool? {
        switch values[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case let value?: throw mismatch(key, expected: "true or false", got: value)
        }
    }

    /// The integer at `key`; `nil` when absent or null.
    public func integer(_ key: String) throws(PluginError) -> Int64? {
        switch values[key] {
        case nil, .null?: return nil
        case .integer(let value)?: return value
        case let value?: throw mismatch(key, expected: "an integer", got: value)
        }
    }

    /// The number at `key` (integers included); `nil` when absent or null.
    public func number(_ key: String) throws(PluginError) -> Double? {
        switch values[key] {
        case nil, .null?: return nil
        case .integer(let value)?: return Double(value)
        case .number(let value)?: return value
        case let value?: throw mismatch(key, expected: "a number", got: value)
        }
    }

    /// Decodes the whole config into a `Decodable` type.
    ///
    /// - Throws: ``PluginError/Code/invalidArgument`` naming the key path.
    public func decode<T: Decodable>(_ type: T.Type) throws(PluginError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(json.utf8))
        } catch {
            throw PluginError.invalidArgument("config: \(JSONValue.describe(error))")
        }
    }

    /// Throws when the config has a key outside `allowed`, listing the
    /// valid keys.
    public func rejectUnknownKeys(allowed: Set<String>) throws(PluginError) {
        let unknown = values.keys.filter { !allowed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw PluginError.invalidArgument("unknown config key\(unknown.count > 1 ? "s" : "") "
                + unknown.map { "\"\($0)\"" }.joined(separator: ", ") + "; valid keys are "
                + allowed.sorted().map { "\"\($0)\"" }.joined(separator: ", "))
        }
    }
}
