import Foundation

/// Builds a plugin's config object from `KEY=VALUE` settings and a config
/// file, resolves secrets, and validates it against the plugin's JSON Schema
/// before anything runs.
///
/// ```swift
/// let resolver = try ConfigResolver(plugin: "csv", schemaJSON: descriptor.configSchema)
/// let config = try resolver.resolve(settings: ["path=data/orders.csv", "delimiter=;"])
/// // {"delimiter": ";", "path": "data/orders.csv"}
/// ```
///
/// Values are text on the command line and are converted to the type the
/// schema declares (`integer`, `number`, `boolean`, `array` as
/// comma-separated or as a JSON array when it starts with `[`, `object` as
/// JSON). A value written `@env:NAME` is read
/// from the environment and `@file:PATH` from a file (its trailing newline
/// dropped), so secrets never need to be typed on the command line. Keys
/// the schema marks `"x-secret": true` are shown as `***` by ``redacted(_:)``.
public struct ConfigResolver: Sendable {
    /// The plugin the config is for, named in messages.
    public let plugin: String
    /// Declared properties: name → (JSON type, enum values, secret).
    private let properties: [String: Property]
    private let required: [String]
    private let allowsOtherKeys: Bool

    struct Property: Sendable {
        var type: String?
        var allowed: [String]?
        var secret: Bool
    }

    /// Reads the schema (an object schema: properties, required,
    /// additionalProperties).
    public init(plugin: String, schemaJSON: String) throws {
        self.plugin = plugin
        guard let schema = try? JSONSerialization.jsonObject(with: Data(schemaJSON.utf8)) as? [String: Any] else {
            throw HostError(.pluginFailed, "plugin '\(plugin)': its config schema is not a JSON object")
        }
        var properties: [String: Property] = [:]
        for (name, value) in schema["properties"] as? [String: Any] ?? [:] {
            let property = value as? [String: Any] ?? [:]
            properties[name] = Property(
                type: property["type"] as? String,
                allowed: (property["enum"] as? [Any])?.map { "\($0)" },
                secret: property["x-secret"] as? Bool ?? false
            )
        }
        self.properties = properties
        required = schema["required"] as? [String] ?? []
        allowsOtherKeys = schema["additionalProperties"] as? Bool ?? true
    }

    /// The keys the schema declares, sorted.
    public var validKeys: [String] { properties.keys.sorted() }

    /// Builds and validates the config: `file` values first, then
    /// `settings` (`KEY=VALUE`) override them.
    ///
    /// - Throws: `.invalidArgument` naming the key and listing the valid ones.
    public func resolve(
        settings: [String], file: [String: Any] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> [String: Any] {
        var config: [String: Any] = [:]
        for (key, value) in file {
            config[key] = try resolveReferences(key: key, value: value, environment: environment)
        }
        for setting in settings {
            guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
                throw HostError(.invalidArgument, "\(plugin): '\(setting)' is not KEY=VALUE; valid keys: \(validKeys.joined(separator: ", "))")
            }
            let key = String(setting[..<equals])
            let text = String(setting[setting.index(after: equals)...])
            let resolved = try resolveReferences(key: key, value: text, environment: environment)
            config[key] = try coerce(key: key, resolved)
        }
        try validate(config)
        return config
    }

    /// Checks keys, required keys, types and enums.
    public func validate(_ config: [String: Any]) throws {
        let valid = validKeys.joined(separator: ", ")
        if !allowsOtherKeys {
            for key in config.keys.sorted() where properties[key] == nil {
                throw HostError(.invalidArgument, "\(plugin): unknown config key '\(key)'; valid keys: \(valid)")
            }
        }
        let missing = required.filter { config[$0] == nil }
        if !missing.isEmpty {
            throw HostError(.invalidArgument, "\(plugin): missing required config key\(missing.count > 1 ? "s" : "") \(missing.map { "'\($0)'" }.joined(separator: ", ")) (set it with -s KEY=VALUE for a source, -d KEY=VALUE for a destination); valid keys: \(valid)")
        }
        for (key, value) in config {
            guard let property = properties[key] else { continue }
            if let type = property.type, !Self.matches(value, type: type) {
                throw HostError(.invalidArgument, "\(plugin): config key '\(key)' must be \(Self.article(type)) \(type)")
            }
            if let allowed = property.allowed, !allowed.contains("\(value)") {
                throw HostError(.invalidArgument, "\(plugin): config key '\(key)' must be one of: \(allowed.joined(separator: ", "))")
            }
        }
    }

    /// The config as JSON text, for the plugin's open().
    public static func json(_ config: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// The config as the user gave it, to record with a run so that it can
    /// be replayed: `@env:`/`@file:` references stay references, other
    /// values of secret keys become `***` (never stored).
    public func recordable(settings: [String], file: [String: Any] = [:]) -> [String: Any] {
        var config: [String: Any] = [:]
        for (key, value) in file { config[key] = value }
        for setting in settings {
            guard let equals = setting.firstIndex(of: "=") else { continue }
            config[String(setting[..<equals])] = String(setting[setting.index(after: equals)...])
        }
        return config.reduce(into: [:]) { result, pair in
            let isReference = (pair.value as? String).map { $0.hasPrefix("@env:") || $0.hasPrefix("@file:") } ?? false
            result[pair.key] = properties[pair.key]?.secret == true && !isReference ? Self.redactedValue : pair.value
        }
    }

    /// What ``recordable(settings:file:)`` stores in place of a secret.
    public static let redactedValue = "***"

    /// The resolved values of the secret keys of `config` (at least 4
    /// characters long), for scrubbing log messages.
    public func secretValues(_ config: [String: Any]) -> [String] {
        config.compactMap { key, value in
            guard properties[key]?.secret == true, let text = value as? String, text.count >= 4 else { return nil }
            return text
        }
    }

    /// The config with secret values replaced by `***`, for output and logs.
    public func redacted(_ config: [String: Any]) -> [String: Any] {
        config.reduce(into: [:]) { result, pair in
            result[pair.key] = properties[pair.key]?.secret == true ? "***" : pair.value
        }
    }

    private func resolveReferences(key: String, value: Any, environment: [String: String]) throws -> Any {
        guard let text = value as? String else { return value }
        if text.hasPrefix("@env:") {
            let name = String(text.dropFirst(5))
            guard let found = environment[name], !found.isEmpty else {
                throw HostError(.invalidArgument, "\(plugin): config key '\(key)' comes from the environment variable \(name), which is not set")
            }
            return found
        }
        if text.hasPrefix("@file:") {
            let path = String(text.dropFirst(6))
            guard let data = FileManager.default.contents(atPath: path) else {
                throw HostError(.invalidArgument, "\(plugin): config key '\(key)' comes from the file '\(path)', which cannot be read")
            }
            var content = String(decoding: data, as: UTF8.self)
            while content.hasSuffix("\n") || content.hasSuffix("\r") { content.removeLast() }
            return content
        }
        return text
    }

    private func coerce(key: String, _ value: Any) throws -> Any {
        guard let text = value as? String, let type = properties[key]?.type else { return value }
        func bad() -> HostError {
            HostError(.invalidArgument, "\(plugin): config key '\(key)' must be \(Self.article(type)) \(type), not '\(properties[key]?.secret == true ? "***" : text)'")
        }
        switch type {
        case "integer":
            guard let number = Int(text) else { throw bad() }
            return number
        case "number":
            guard let number = Double(text), number.isFinite else { throw bad() }
            return number
        case "boolean":
            switch text.lowercased() {
            case "true", "yes", "1", "on": return true
            case "false", "no", "0", "off": return false
            default: throw bad()
            }
        case "array":
            // A JSON array (`["Customers","Orders, 2024"]`) is taken as one, never as a single item.
            guard text.trimmingCharacters(in: .whitespaces).hasPrefix("[") else {
                return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
            guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any] else {
                throw HostError(.invalidArgument, "\(plugin): config key '\(key)' starts with '[' but is not a JSON "
                    + "array: write comma-separated values (\(key)=a,b) or a JSON array (\(key)='[\"a\",\"b\"]')")
            }
            return array
        case "object":
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { throw bad() }
            return object
        default:
            return text
        }
    }

    private static func matches(_ value: Any, type: String) -> Bool {
        switch type {
        case "string": return value is String
        case "integer":
            if value is Bool { return false }
            if value is Int { return true }
            if let number = value as? Double { return number.rounded() == number }
            return false
        case "number": return !(value is Bool) && (value is Double || value is Int)
        case "boolean": return value is Bool
        case "array": return value is [Any]
        case "object": return value is [String: Any]
        default: return true
        }
    }

    private static func article(_ type: String) -> String {
        ["integer", "array", "object"].contains(type) ? "an" : "a"
    }
}
