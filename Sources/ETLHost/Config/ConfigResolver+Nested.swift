import ETLPluginKit

/// Secrets inside nested config: objects and lists under a top-level key
/// (a REST extractor's `auth` object, a resource's `headers` and `params`).
///
/// - `@env:NAME` and `@file:PATH` are resolved at any depth (see
///   ``ConfigResolver/resolve(settings:file:environment:)``).
/// - A nested value written as a reference is a secret: its resolved value
///   is scrubbed from logs, run records and errors, and the run records the
///   reference (``nestedReferenceValues(given:resolved:)``).
/// - A nested key the schema marks `"x-secret": true` (followed through
///   `properties`, `additionalProperties`, `items`, `oneOf`/`anyOf`/`allOf`
///   and local `$ref`s) is a secret whatever its value: scrubbed, and
///   recorded as `***` unless it is a reference.
extension ConfigResolver {
    /// The resolved values of the nested references of a config: where the
    /// config as given (`given`, e.g. ``recordable(settings:file:)``) holds
    /// `@env:`/`@file:` below the top level, the value `resolved` holds there
    /// (at least 4 characters long, as ``secretValues(_:)``).
    public static func nestedReferenceValues(given: JSONObject, resolved: JSONObject) -> [String] {
        var values: [String] = []
        func walk(_ given: JSONValue, _ resolved: JSONValue, depth: Int) {
            switch (given, resolved) {
            case (.object(let givenMembers), .object(let resolvedMembers)):
                for (name, member) in givenMembers {
                    if let other = resolvedMembers[name] { walk(member, other, depth: depth + 1) }
                }
            case (.array(let givenItems), .array(let resolvedItems)):
                for (item, other) in zip(givenItems, resolvedItems) { walk(item, other, depth: depth + 1) }
            case (.string(let text), .string(let value)) where depth > 0 && isReference(text):
                if value.count >= 4 { values.append(value) }
            case (.string(let text), .object), (.string(let text), .array):
                // A KEY=VALUE setting whose value is JSON text.
                if let parsed = try? JSONValue(jsonText: text) { walk(parsed, resolved, depth: depth) }
            default:
                break
            }
        }
        for (key, value) in given {
            if let other = resolved[key] { walk(value, other, depth: 0) }
        }
        return values
    }

    /// The resolved values of nested keys the schema marks secret.
    public func nestedSecretValues(_ config: JSONObject) -> [String] {
        var values: [String] = []
        func walk(_ value: JSONValue, _ schemas: [JSONValue]) {
            switch value {
            case .object(let members):
                for (name, member) in members {
                    let inner = memberSchemas(of: schemas, name)
                    if Self.marksSecret(inner), case .string(let text) = member, text.count >= 4 { values.append(text) }
                    walk(member, inner)
                }
            case .array(let items):
                let inner = itemSchemas(of: schemas)
                for item in items { walk(item, inner) }
            default:
                break
            }
        }
        for (key, value) in config { walk(value, propertySchema(key).map { [$0] } ?? []) }
        return values
    }

    /// `value` (of top-level key `key`) with its nested secret keys as
    /// `***` unless written as a reference; JSON text of an object or a
    /// list is read first when it holds such a key.
    func redactingNestedSecrets(key: String, _ value: JSONValue) -> JSONValue {
        let schemas = propertySchema(key).map { [$0] } ?? []
        var changed = false
        func walk(_ value: JSONValue, _ schemas: [JSONValue]) -> JSONValue {
            switch value {
            case .object(let members):
                var result: JSONObject = [:]
                for (name, member) in members {
                    let inner = memberSchemas(of: schemas, name)
                    if Self.marksSecret(inner), case .string(let text) = member, !Self.isReference(text) {
                        result[name] = .string(Self.redactedValue)
                        changed = true
                    } else {
                        result[name] = walk(member, inner)
                    }
                }
                return .object(result)
            case .array(let items):
                let inner = itemSchemas(of: schemas)
                return .array(items.map { walk($0, inner) })
            default:
                return value
            }
        }
        if case .string(let text) = value, text.first == "{" || text.first == "[",
           let parsed = try? JSONValue(jsonText: text) {
            let redacted = walk(parsed, schemas)
            return changed ? redacted : value
        }
        return walk(value, schemas)
    }

    /// Whether `text` is an `@env:` or `@file:` reference.
    static func isReference(_ text: String) -> Bool {
        text.hasPrefix("@env:") || text.hasPrefix("@file:")
    }

    /// Whether one of `schemas` has `"x-secret": true`.
    static func marksSecret(_ schemas: [JSONValue]) -> Bool {
        schemas.contains { $0["x-secret"]?.boolValue == true }
    }

    /// The schema of top-level key `key`.
    func propertySchema(_ key: String) -> JSONValue? {
        schemaRoot["properties"]?[key]
    }

    /// `schemas` with local `$ref`s followed and `oneOf`/`anyOf`/`allOf`
    /// branches added (a few levels deep: schemas are small).
    func expanded(_ schemas: [JSONValue], depth: Int = 0) -> [JSONValue] {
        guard depth < 8 else { return schemas }
        var result: [JSONValue] = []
        for schema in schemas {
            if let reference = schema["$ref"]?.stringValue, reference.hasPrefix("#/") {
                var target: JSONValue? = schemaRoot
                for part in reference.dropFirst(2).split(separator: "/") { target = target?[String(part)] }
                if let target { result += expanded([target], depth: depth + 1) }
            }
            result.append(schema)
            for combinator in ["oneOf", "anyOf", "allOf"] {
                if let branches = schema[combinator]?.arrayValue { result += expanded(branches, depth: depth + 1) }
            }
        }
        return result
    }

    /// The schemas of member `name` of an object following `schemas`.
    func memberSchemas(of schemas: [JSONValue], _ name: String) -> [JSONValue] {
        expanded(schemas).compactMap { schema in
            if let declared = schema["properties"]?[name] { return declared }
            if let other = schema["additionalProperties"], case .object = other { return other }
            return nil
        }
    }

    /// The schemas of the items of a list following `schemas`.
    func itemSchemas(of schemas: [JSONValue]) -> [JSONValue] {
        expanded(schemas).compactMap { $0["items"] }
    }

    /// A setting's text read as JSON when its key's schema has no `type`
    /// but accepts an object or a list (`oneOf` a name or an object), so
    /// that references inside it are resolved; `nil` otherwise.
    func structuredValue(key: String, text: String) -> JSONValue? {
        guard text.first == "{" || text.first == "[", let schema = propertySchema(key), schema["type"] == nil else { return nil }
        let accepts = expanded([schema]).contains { ["object", "array"].contains($0["type"]?.stringValue ?? "") }
        guard accepts, let parsed = try? JSONValue(jsonText: text) else { return nil }
        switch parsed {
        case .object, .array: return parsed
        default: return nil
        }
    }
}
