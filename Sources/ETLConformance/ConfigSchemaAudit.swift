import ETLHost
import ETLPluginKit
import Foundation

/// Checks a plugin's `config_schema` against the JSON Schema rules for
/// the keywords it uses (draft 2020-12), and derives configs that break it
/// for the `open-bad-config` check.
///
/// A keyword JSON Schema defines must have the value the meta-schema
/// allows (`required` an array of unique strings, `type` one of the seven
/// type names, `properties` an object of schemas, ...). Unknown keywords
/// are allowed by JSON Schema and only noted (they are often typos). The
/// root must describe an object, as configs are objects; a required key
/// that `additionalProperties: false` forbids makes every config invalid.
struct ConfigSchemaAudit {
    /// Rules broken.
    private(set) var problems: [String] = []
    /// Remarks.
    private(set) var notes: [String] = []
    /// The parsed schema, when it is a JSON object.
    private(set) var root: JSONObject?

    private static let typeNames: Set<String> = ["null", "boolean", "object", "array", "number", "string", "integer"]
    private static let known: Set<String> = [
        "$schema", "$id", "$ref", "$defs", "$comment", "$anchor", "definitions", "type", "properties", "required",
        "additionalProperties", "patternProperties", "propertyNames", "description", "title", "default", "enum",
        "const", "examples", "deprecated", "readOnly", "writeOnly", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "format", "items", "prefixItems",
        "minItems", "maxItems", "uniqueItems", "contains", "minContains", "maxContains", "minProperties",
        "maxProperties", "dependentRequired", "dependentSchemas", "allOf", "anyOf", "oneOf", "not", "if", "then",
        "else", "x-secret",
    ]

    /// Audits the schema text.
    init(_ text: String) {
        guard let parsed = try? JSONValue(jsonText: text) else {
            problems.append("config_schema is not valid JSON")
            return
        }
        guard let object = parsed.objectValue else {
            problems.append("config_schema must be a JSON object (a schema of the config object), got \(Self.kind(parsed))")
            return
        }
        root = object
        if let type = object["type"] {
            if let name = type.stringValue, name != "object" {
                problems.append("config_schema: \"type\" is \"\(name)\" but configs are JSON objects: use \"object\"")
            } else if let names = type.arrayValue, !names.contains(.string("object")) {
                problems.append("config_schema: \"type\" does not allow \"object\", but configs are JSON objects")
            }
        } else {
            notes.append("config_schema has no \"type\"; \"type\": \"object\" says what a config is")
        }
        audit(parsed, at: "config_schema")
        if let required = object["required"]?.stringArrayValue, object["additionalProperties"] == .bool(false) {
            let declared = object["properties"]?.objectValue ?? [:]
            for key in required where declared[key] == nil {
                problems.append("config_schema: required key \"\(key)\" is not in \"properties\" while "
                    + "\"additionalProperties\" is false: no config can be valid")
            }
        }
    }

    private mutating func audit(_ schema: JSONValue, at path: String) {
        if schema.boolValue != nil { return }
        guard let schema = schema.objectValue else {
            problems.append("\(path) must be a schema (an object or a boolean), got \(Self.kind(schema))")
            return
        }
        for key in schema.keys.sorted() {
            let value = schema[key]!
            let here = "\(path).\(key)"
            switch key {
            case "type":
                if let name = value.stringValue {
                    if !Self.typeNames.contains(name) { problems.append("\(here): \"\(name)\" is not a JSON Schema type (\(Self.typeNames.sorted().joined(separator: ", ")))") }
                } else if let names = value.arrayValue, !names.isEmpty {
                    for name in names where !Self.typeNames.contains(name.stringValue ?? "") {
                        problems.append("\(here): \(Self.show(name)) is not a JSON Schema type")
                    }
                } else {
                    problems.append("\(here) must be a type name or a non-empty array of them, got \(Self.kind(value))")
                }
            case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
                guard let members = value.objectValue else {
                    problems.append("\(here) must be an object of schemas, got \(Self.kind(value))")
                    continue
                }
                for name in members.keys.sorted() {
                    if key == "patternProperties", (try? NSRegularExpression(pattern: name)) == nil {
                        problems.append("\(here): \"\(name)\" is not a valid regular expression")
                    }
                    audit(members[name]!, at: "\(here).\(name)")
                }
            case "required":
                guard let strings = value.stringArrayValue else {
                    problems.append("\(here) must be an array of key names (strings), got \(Self.show(value))")
                    continue
                }
                if Set(strings).count != strings.count { problems.append("\(here) lists a key twice") }
            case "additionalProperties", "items", "not", "if", "then", "else", "contains", "propertyNames":
                audit(value, at: here)
            case "allOf", "anyOf", "oneOf", "prefixItems":
                guard let list = value.arrayValue, !list.isEmpty else {
                    problems.append("\(here) must be a non-empty array of schemas, got \(Self.kind(value))")
                    continue
                }
                for (index, item) in list.enumerated() { audit(item, at: "\(here)[\(index)]") }
            case "enum", "examples":
                guard let list = value.arrayValue else {
                    problems.append("\(here) must be an array, got \(Self.kind(value))")
                    continue
                }
                if key == "enum", list.isEmpty { notes.append("\(here) is empty: no value can match") }
            case "description", "title", "$comment", "$schema", "$id", "$ref", "$anchor", "format", "pattern":
                guard let text = value.stringValue else {
                    problems.append("\(here) must be a string, got \(Self.kind(value))")
                    continue
                }
                if key == "pattern", (try? NSRegularExpression(pattern: text)) == nil {
                    problems.append("\(here): \"\(text)\" is not a valid regular expression")
                }
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
                if !Self.isNumber(value) { problems.append("\(here) must be a number, got \(Self.kind(value))") }
            case "multipleOf":
                if (Self.double(value) ?? 0) <= 0 {
                    problems.append("\(here) must be a number greater than 0, got \(Self.show(value))")
                }
            case "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "minContains", "maxContains":
                if !Self.isCount(value) { problems.append("\(here) must be a non-negative integer, got \(Self.show(value))") }
            case "uniqueItems", "deprecated", "readOnly", "writeOnly", "x-secret":
                if value.boolValue == nil { problems.append("\(here) must be true or false, got \(Self.show(value))") }
            case "dependentRequired":
                guard let members = value.objectValue, members.values.allSatisfy({ $0.stringArrayValue != nil }) else {
                    problems.append("\(here) must map keys to arrays of key names")
                    continue
                }
            case "default", "const":
                break
            default:
                if !Self.known.contains(key) {
                    notes.append("\(here) is not a JSON Schema keyword (ignored; a typo?)")
                }
            }
        }
        if let type = schema["type"]?.stringValue, let fallback = schema["default"], !Self.matches(fallback, type: type) {
            notes.append("\(path).default is \(Self.show(fallback)), not \(Self.article(type)) \(type)")
        }
        if let type = schema["type"]?.stringValue, let values = schema["enum"]?.arrayValue {
            for value in values where !Self.matches(value, type: type) {
                problems.append("\(path).enum: \(Self.show(value)) is not \(Self.article(type)) \(type), so it can never be valid")
            }
        }
    }

    // MARK: Bad configs

    /// A config that breaks the schema, to open with.
    struct BadConfig {
        /// What is wrong, e.g. `without required key "path"`.
        var description: String
        /// The config.
        var json: String
        /// Whether open must refuse it: it lacks a required key or gives a
        /// required key the wrong type, so the plugin cannot work. Other
        /// mistakes (an unknown key, a wrong optional value) may be
        /// accepted: the host validates configs before open.
        var mustFail: Bool
    }

    /// Configs that break the schema, derived from it and from the good
    /// config when there is one: each required key left out, a key of the
    /// wrong type, an unknown key when `additionalProperties` is false.
    func badConfigs(good: JSONObject?) -> [BadConfig] {
        guard let root else { return [] }
        let properties = root["properties"]?.objectValue ?? [:]
        let required = root["required"]?.stringArrayValue ?? []
        let base = good ?? [:]
        var configs: [BadConfig] = []
        func add(_ description: String, _ config: JSONObject, mustFail: Bool) {
            configs.append(BadConfig(description: description, json: JSONValue.object(config).jsonText, mustFail: mustFail))
        }
        for key in required {
            var config = base
            config.removeValue(forKey: key)
            add("without required key \"\(key)\"", config, mustFail: true)
        }
        // A wrong type: the first required key with a declared type, else the first typed key.
        let typed = properties.keys.sorted().filter { properties[$0]?["type"]?.stringValue != nil }
        if let key = typed.first(where: required.contains) ?? (good == nil ? nil : typed.first),
           let type = properties[key]?["type"]?.stringValue {
            var config = base
            config[key] = Self.wrongValue(for: type)
            add("with \"\(key)\" of the wrong type (\(Self.show(config[key]!)) instead of \(Self.article(type)) \(type))",
                config, mustFail: required.contains(key))
        }
        if good != nil, root["additionalProperties"] == .bool(false) {
            var config = base
            config["_etl_conformance_unknown_key"] = .bool(true)
            add("with the unknown key \"_etl_conformance_unknown_key\" (additionalProperties is false)",
                config, mustFail: false)
        }
        return configs
    }

    // MARK: Helpers

    private static func wrongValue(for type: String) -> JSONValue {
        switch type {
        case "string": .integer(42)
        case "object", "array": .string("not-\(type)")
        default: .array([.string("not"), .string("a"), .string(type)])
        }
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("integer", .integer), ("number", .integer), ("number", .number),
             ("array", .array), ("object", .object), ("null", .null): true
        case ("integer", .number(let number)): number.rounded() == number
        case ("string", _), ("boolean", _), ("integer", _), ("number", _), ("array", _), ("object", _), ("null", _): false
        default: true
        }
    }

    /// A number's value; nil for anything else.
    private static func double(_ value: JSONValue) -> Double? {
        switch value {
        case .integer(let number): Double(number)
        case .number(let number): number
        default: nil
        }
    }

    private static func isNumber(_ value: JSONValue) -> Bool {
        double(value) != nil
    }

    private static func isCount(_ value: JSONValue) -> Bool {
        guard let number = double(value) else { return false }
        return number >= 0 && number.rounded() == number
    }

    private static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    private static func show(_ value: JSONValue) -> String {
        value.jsonText
    }

    private static func article(_ type: String) -> String {
        ["integer", "array", "object"].contains(type) ? "an" : "a"
    }
}
