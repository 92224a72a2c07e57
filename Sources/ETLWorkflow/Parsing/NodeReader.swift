import ETLHost
import Yams

/// The keys and values of one YAML mapping, with the place each is written
/// and what the mapping is (for messages: `step 'orders'`).
struct Fields {
    /// What the mapping is, e.g. `step 'orders'`, `connection 'crm'`.
    let what: String
    /// Where the mapping's owner is written (its key), for missing keys.
    let location: SourceLocation
    /// The pairs in file order, keys as text.
    let pairs: [(key: String, keyLocation: SourceLocation, value: Node)]

    /// The value of `key`, if present.
    func value(_ key: String) -> Node? { pairs.first { $0.key == key }?.value }

    /// Whether `key` is present.
    func has(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    /// Where `key` is written (the mapping's place when absent).
    func keyLocation(_ key: String) -> SourceLocation { pairs.first { $0.key == key }?.keyLocation ?? location }
}

/// A scalar typed as YAML 1.2's core schema types plain scalars (quoted
/// scalars are always text): `null`/`~`/empty, `true`/`false`, integers,
/// numbers, text. `yes`, `no`, `on`, `off` are text (no YAML 1.1 booleans).
enum ScalarValue: Equatable {
    case null
    case boolean(Bool)
    case integer(Int)
    case number(Double)
    case text(String)

    /// Types a plain scalar's text.
    static func plain(_ text: String) -> ScalarValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .boolean(true)
        case "false", "False", "FALSE": return .boolean(false)
        default: break
        }
        if let integer = Int(text) { return .integer(integer) }
        let looksNumeric = text.first.map { $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." } ?? false
        if looksNumeric, let number = Double(text), number.isFinite { return .number(number) }
        return .text(text)
    }
}

/// Reads Yams nodes into model values. Every problem goes to the log with
/// its `file:line:column`; a value that cannot be read comes back nil and
/// decoding goes on, so that one run reports every problem.
struct NodeReader {
    /// The file, as shown in messages.
    let file: String
    /// Where problems go.
    let log: DiagnosticLog
    /// `${VAR}` substitution for values.
    let interpolation: Interpolation

    /// Where `node` starts (1:1 when libyaml gave no mark).
    func location(_ node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    /// What a node is, for "must be X, not Y" messages.
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            guard scalar.style == .plain || scalar.style == .any else { return "text" }
            switch ScalarValue.plain(scalar.string) {
            case .null: return "empty"
            case .boolean: return "a boolean"
            case .integer, .number: return "a number"
            case .text: return "text"
            }
        }
    }

    // MARK: Mappings

    /// The mapping's fields, or nil (and a problem) when `node` is not a
    /// mapping. Keys must be text.
    func fields(_ node: Node, what: String, at owner: SourceLocation? = nil) -> Fields? {
        guard case .mapping(let mapping) = node else {
            log.error(location(node), "\(what) must be a mapping (key: value), not \(describe(node))")
            return nil
        }
        var pairs: [(key: String, keyLocation: SourceLocation, value: Node)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                log.error(location(key), "\(what): a key must be text, not \(describe(key))")
                continue
            }
            pairs.append((scalar.string, location(key), value))
        }
        return Fields(what: what, location: owner ?? location(node), pairs: pairs)
    }

    /// Reports every key of `fields` not in `allowed`, with a suggestion.
    /// `listed` is the list shown as valid (default `allowed`), e.g. only
    /// the keys of the step's own kind.
    func checkKeys(_ fields: Fields, allowed: [String], listed: [String]? = nil) {
        for pair in fields.pairs where !allowed.contains(pair.key) {
            let suggestion = KeySuggestion.hint(for: pair.key, in: allowed)
            log.error(pair.keyLocation, "unknown key '\(pair.key)' in \(fields.what)\(suggestion); valid keys: \((listed ?? allowed).joined(separator: ", "))")
        }
    }

    /// Reports a missing required key at the mapping's owner.
    func missing(_ fields: Fields, _ key: String, _ explanation: String = "") {
        log.error(fields.location, "\(fields.what): missing required key '\(key)'\(explanation)")
    }

    // MARK: Scalars

    /// Whether `node` is a plain null scalar (`null`, `~` or nothing).
    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ScalarValue.plain(scalar.string) == .null
    }

    /// The text of a scalar after `${VAR}` substitution, or nil (and a
    /// problem) for anything else.
    func text(_ node: Node, what: String) -> String? {
        guard case .scalar(let scalar) = node, !isNull(node) else {
            log.error(location(node), "\(what) must be text, not \(describe(node))")
            return nil
        }
        return interpolate(scalar.string, at: node)
    }

    /// `text` with `${VAR}` substituted; nil (and a problem) when a
    /// variable is undefined or malformed.
    func interpolate(_ text: String, at node: Node) -> String? {
        switch interpolation.apply(text) {
        case .success(let value): return value
        case .failure(.undefined(let name)):
            log.error(location(node), "undefined variable ${\(name)}: set it in the environment or in the .env file next to the pipeline file (write $${ for a literal ${)")
        case .failure(.malformed(let fragment)):
            log.error(location(node), "malformed variable reference '\(fragment)': write ${NAME} (a letter or _, then letters, digits or _), or $${ for a literal ${")
        }
        return nil
    }

    /// The typed value of a scalar: plain scalars typed by the core schema
    /// after `${VAR}` substitution, quoted ones as text.
    func scalar(_ node: Node) -> ScalarValue? {
        guard case .scalar(let scalar) = node else { return nil }
        guard let text = interpolate(scalar.string, at: node) else { return nil }
        return scalar.style == .plain || scalar.style == .any ? .plain(text) : .text(text)
    }

    /// A boolean (`true`/`false`).
    func boolean(_ node: Node, what: String) -> Bool? {
        guard case .boolean(let value)? = scalar(node) else {
            log.error(location(node), "\(what) must be true or false, not \(describe(node))")
            return nil
        }
        return value
    }

    /// A whole number of at least `minimum`.
    func integer(_ node: Node, what: String, minimum: Int) -> Int? {
        guard case .integer(let value)? = scalar(node) else {
            log.error(location(node), "\(what) must be a whole number, not \(describe(node))")
            return nil
        }
        guard value >= minimum else {
            log.error(location(node), "\(what) must be \(minimum) or more, not \(value)")
            return nil
        }
        return value
    }

    /// One of an enum's raw values, with a suggestion when misspelt.
    func choice<Value: RawRepresentable & CaseIterable>(_ node: Node, what: String, as _: Value.Type) -> Value?
    where Value.RawValue == String {
        guard let text = text(node, what: what) else { return nil }
        if let value = Value(rawValue: text) { return value }
        let names = Value.allCases.map(\.rawValue)
        log.error(location(node), "\(what) '\(text)' is not one of \(names.joined(separator: ", "))\(KeySuggestion.hint(for: text, in: names))")
        return nil
    }

    /// A duration (`90s`, `10m`, `26h`).
    func duration(_ node: Node, what: String) -> PipelineDuration? {
        guard let text = text(node, what: what) else { return nil }
        do { return try PipelineDuration.parse(text) } catch {
            log.error(location(node), "\(what): \(error)")
            return nil
        }
    }

    // MARK: Collections

    /// A list of text with each item's place; with `allowSingle`, one
    /// text value counts as a list of one.
    func textList(_ node: Node, what: String, allowSingle: Bool = false) -> [(String, SourceLocation)]? {
        if allowSingle, case .scalar = node, let single = text(node, what: what) { return [(single, location(node))] }
        guard case .sequence(let sequence) = node else {
            log.error(location(node), "\(what) must be a list\(allowSingle ? " or text" : ""), not \(describe(node))")
            return nil
        }
        var items: [(String, SourceLocation)] = []
        var complete = true
        for item in sequence {
            if let value = text(item, what: "an item of \(what)") { items.append((value, location(item))) } else { complete = false }
        }
        return complete ? items : nil
    }

    /// A mapping of text to text (`env:`, `rename:`, `tables.names`).
    func textMap(_ node: Node, what: String) -> [String: String]? {
        guard let fields = fields(node, what: what) else { return nil }
        var map: [String: String] = [:]
        var complete = true
        for pair in fields.pairs {
            // Numbers and booleans are taken as written (`PORT: 8080` is "8080").
            if let text = text(pair.value, what: "\(what): '\(pair.key)'") { map[pair.key] = text } else { complete = false }
        }
        return complete ? map : nil
    }

    /// A config value: scalars typed, lists and mappings recursively.
    func configValue(_ node: Node, what: String) -> ConfigValue? {
        switch node {
        case .scalar:
            switch scalar(node) {
            case nil: return nil
            case .null?: return .null
            case .boolean(let value)?: return .boolean(value)
            case .integer(let value)?: return .integer(value)
            case .number(let value)?: return .number(value)
            case .text(let value)?: return .string(value)
            }
        case .sequence(let sequence):
            var items: [ConfigValue] = []
            for item in sequence {
                guard let value = configValue(item, what: what) else { return nil }
                items.append(value)
            }
            return .array(items)
        case .mapping:
            guard let fields = fields(node, what: what) else { return nil }
            var object: [String: ConfigValue] = [:]
            for pair in fields.pairs {
                guard let value = configValue(pair.value, what: "\(what).\(pair.key)") else { return nil }
                object[pair.key] = value
            }
            return .object(object)
        case .alias:
            log.error(location(node), "\(what): aliases are not supported here")
            return nil
        }
    }
}
