import ETLPluginKit
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
/// dropped), so secrets never need to be typed on the command line. A
/// setting that is `@file:PATH` alone (no `KEY=`) is a whole config: the
/// members of the JSON object in that file, which later settings override. Keys
/// the schema marks `"x-secret": true` are shown as `***` by ``redacted(_:)``.
///
/// References are resolved inside nested objects and lists too (an `auth`
/// object, a resource's `headers`): there, a value written as a reference
/// is a secret, as is a nested key the schema marks secret (see
/// ConfigResolver+Nested.swift).
public struct ConfigResolver: Sendable {
    /// The plugin the config is for, named in messages.
    public let plugin: String
    /// Declared properties: name → (JSON type, enum values, secret).
    private let properties: [String: Property]
    private let required: [String]
    private let allowsOtherKeys: Bool
    /// The whole schema, for nested keys (``nestedSecretValues(_:)``).
    let schemaRoot: JSONValue

    struct Property: Sendable {
        var type: String?
        var allowed: [String]?
        var secret: Bool
    }

    /// Reads the schema (an object schema: properties, required,
    /// additionalProperties).
    public init(plugin: String, schemaJSON: String) throws {
        self.plugin = plugin
        guard let schema = try? JSONValue(jsonText: schemaJSON), case .object = schema else {
            throw HostError(.pluginFailed, "plugin '\(plugin)': its config schema is not a JSON object")
        }
        var properties: [String: Property] = [:]
        for (name, property) in schema["properties"]?.objectValue ?? [:] {
            properties[name] = Property(
                type: property["type"]?.stringValue,
                allowed: property["enum"]?.arrayValue?.map(\.plainText),
                secret: property["x-secret"]?.boolValue ?? false
            )
        }
        self.properties = properties
        schemaRoot = schema
        required = schema["required"]?.stringArrayValue ?? []
        allowsOtherKeys = schema["additionalProperties"]?.boolValue ?? true
    }

    /// The keys the schema declares, sorted.
    public var validKeys: [String] { properties.keys.sorted() }

    /// Builds and validates the config: `file` values first, then
    /// `settings` (`KEY=VALUE`) override them.
    ///
    /// - Throws: `.invalidArgument` naming the key and listing the valid ones.
    public func resolve(
        settings: [String], file: JSONObject = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> JSONObject {
        var config: JSONObject = [:]
        for (key, value) in file {
            config[key] = try resolveReferences(key: key, value: value, environment: environment)
        }
        for setting in settings {
            if let path = Self.configFilePath(setting) {
                for (key, value) in try readConfigFile(path) {
                    config[key] = try resolveReferences(key: key, value: value, environment: environment)
                }
                continue
            }
            guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
                throw HostError(.invalidArgument, "\(plugin): '\(setting)' is not KEY=VALUE; valid keys: \(validKeys.joined(separator: ", "))")
            }
            let key = String(setting[..<equals])
            let text = String(setting[setting.index(after: equals)...])
            if let structured = structuredValue(key: key, text: text) {
                config[key] = try resolveReferences(key: key, value: structured, environment: environment)
                continue
            }
            let resolved = try resolveReferences(key: key, value: .string(text), environment: environment)
            let coerced = try coerce(key: key, resolved)
            switch coerced {
            case .object, .array: config[key] = try resolveReferences(key: key, value: coerced, environment: environment)
            default: config[key] = coerced
            }
        }
        try validate(config)
        return config
    }

    /// Checks keys, required keys, types and enums.
    public func validate(_ config: JSONObject) throws {
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
            if let allowed = property.allowed, !allowed.contains(value.plainText) {
                throw HostError(.invalidArgument, "\(plugin): config key '\(key)' must be one of: \(allowed.joined(separator: ", "))")
            }
        }
    }

    /// The config as JSON text, for the plugin's open(): sorted keys,
    /// written by JSONSerialization as before configs were typed.
    public static func json(_ config: JSONObject) throws -> String {
        try json(foundationObject: config.mapValues(\.foundation))
    }

    /// A JSON object of Foundation values (such as the run row a stream
    /// commits) as the same text: sorted keys, slashes unescaped.
    public static func json(_ object: [String: Any]) throws -> String {
        try json(foundationObject: object)
    }

    private static func json(foundationObject object: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// The config as the user gave it, to record with a run so that it can
    /// be replayed: `@env:`/`@file:` references stay references, other
    /// values of secret keys become `***` (never stored).
    public func recordable(settings: [String], file: JSONObject = [:]) -> JSONObject {
        var config: JSONObject = [:]
        for (key, value) in file { config[key] = value }
        for setting in settings {
            if let path = Self.configFilePath(setting) {
                for (key, value) in (try? readConfigFile(path)) ?? [:] { config[key] = value }
                continue
            }
            guard let equals = setting.firstIndex(of: "=") else { continue }
            config[String(setting[..<equals])] = .string(String(setting[setting.index(after: equals)...]))
        }
        return config.reduce(into: [:]) { result, pair in
            let isReference = if case .string(let text) = pair.value { text.hasPrefix("@env:") || text.hasPrefix("@file:") } else { false }
            result[pair.key] = properties[pair.key]?.secret == true && !isReference ? .string(Self.redactedValue)
                : redactingNestedSecrets(key: pair.key, pair.value)
        }
    }

    /// What ``recordable(settings:file:)`` stores in place of a secret.
    public static let redactedValue = "***"

    /// The resolved values of the secret keys of `config` (at least 4
    /// characters long), nested ones included, for scrubbing log messages.
    public func secretValues(_ config: JSONObject) -> [String] {
        config.compactMap { key, value in
            guard properties[key]?.secret == true, case .string(let text) = value, text.count >= 4 else { return nil }
            return text
        } + nestedSecretValues(config)
    }

    /// The config with secret values replaced by `***`, for output and logs.
    public func redacted(_ config: JSONObject) -> JSONObject {
        config.reduce(into: [:]) { result, pair in
            result[pair.key] = properties[pair.key]?.secret == true ? .string("***")
                : redactingNestedSecrets(key: pair.key, pair.value)
        }
    }

    /// The path of a setting written `@file:PATH` (a whole config as a
    /// JSON object, e.g. `-s @file:api.json`), `nil` for a `KEY=VALUE`.
    static func configFilePath(_ setting: String) -> String? {
        setting.hasPrefix("@file:") ? String(setting.dropFirst(6)) : nil
    }

    /// The members of a config file given as `@file:PATH`.
    private func readConfigFile(_ path: String) throws -> JSONObject {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HostError(.invalidArgument, "\(plugin): the config file '\(path)' (@file:) cannot be read")
        }
        guard let object = (try? data.withUnsafeBytes { bytes in try JSONValue(jsonBytes: bytes) })?.objectValue else {
            throw HostError(.invalidArgument, "\(plugin): the config file '\(path)' (@file:) is not a JSON object")
        }
        return object
    }

    /// `value` with `@env:`/`@file:` resolved, at any depth; `key` is its
    /// place in messages (`auth.token`, `resources[0].headers.X-Token`).
    private func resolveReferences(key: String, value: JSONValue, environment: [String: String]) throws -> JSONValue {
        switch value {
        case .object(let members):
            var resolved: JSONObject = [:]
            for (name, member) in members {
                resolved[name] = try resolveReferences(key: key + "." + name, value: member, environment: environment)
            }
            return .object(resolved)
        case .array(let items):
            return .array(try items.enumerated().map { index, item in
                try resolveReferences(key: "\(key)[\(index)]", value: item, environment: environment)
            })
        default:
            break
        }
        guard case .string(let text) = value else { return value }
        if text.hasPrefix("@env:") {
            let name = String(text.dropFirst(5))
            guard let found = environment[name], !found.isEmpty else {
                throw HostError(.invalidArgument, "\(plugin): config key '\(key)' comes from the environment variable \(name), which is not set")
            }
            return .string(found)
        }
        if text.hasPrefix("@file:") {
            let path = String(text.dropFirst(6))
            guard let data = FileManager.default.contents(atPath: path) else {
                throw HostError(.invalidArgument, "\(plugin): config key '\(key)' comes from the file '\(path)', which cannot be read")
            }
            var content = String(decoding: data, as: UTF8.self)
            while content.hasSuffix("\n") || content.hasSuffix("\r") { content.removeLast() }
            return .string(content)
        }
        return value
    }

    private func coerce(key: String, _ value: JSONValue) throws -> JSONValue {
        guard case .string(let text) = value, let type = properties[key]?.type else { return value }
        func bad() -> HostError {
            HostError(.invalidArgument, "\(plugin): config key '\(key)' must be \(Self.article(type)) \(type), not '\(properties[key]?.secret == true ? "***" : text)'")
        }
        switch type {
        case "integer":
            guard let number = Int(text) else { throw bad() }
            return .integer(Int64(number))
        case "number":
            guard let number = Double(text), number.isFinite else { throw bad() }
            return .number(number)
        case "boolean":
            switch text.lowercased() {
            case "true", "yes", "1", "on": return .bool(true)
            case "false", "no", "0", "off": return .bool(false)
            default: throw bad()
            }
        case "array":
            // A JSON array (`["Customers","Orders, 2024"]`) is taken as one, never as a single item.
            guard text.trimmingCharacters(in: .whitespaces).hasPrefix("[") else {
                return .array(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
            }
            guard let array = (try? JSONValue(jsonText: text))?.arrayValue else {
                throw HostError(.invalidArgument, "\(plugin): config key '\(key)' starts with '[' but is not a JSON "
                    + "array: write comma-separated values (\(key)=a,b) or a JSON array (\(key)='[\"a\",\"b\"]')")
            }
            return .array(array)
        case "object":
            guard let object = (try? JSONValue(jsonText: text))?.objectValue else {
                throw bad()
            }
            return .object(object)
        default:
            return value
        }
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("integer", .integer), ("number", .integer), ("number", .number),
             ("boolean", .bool), ("array", .array), ("object", .object): return true
        case ("integer", .number(let number)): return number.rounded() == number
        case ("string", _), ("integer", _), ("number", _), ("boolean", _), ("array", _), ("object", _): return false
        default: return true
        }
    }

    private static func article(_ type: String) -> String {
        ["integer", "array", "object"].contains(type) ? "an" : "a"
    }
}
