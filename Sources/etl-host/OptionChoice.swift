import ArgumentParser
import ETLHost
import ETLPluginKit

/// A value type whose values an option names (`--mode`, `--deletions`,
/// `--log-level`, `--log-format`).
protocol NamedChoice: CaseIterable {
    /// The option, e.g. `--mode`.
    static var option: String { get }
    /// The valid names as an error message lists them, e.g. `replace, append or upsert`.
    static var listing: String { get }
    /// This value's name on the command line.
    var name: String { get }
}

/// An option's value as typed, checked by the command rather than by the
/// argument parser, so that an unknown name goes through the command's own
/// error path (`--json`: one JSON failure line; exit 64 with
/// `unknown --mode 'x'; use replace, append or upsert`). The valid names
/// show in `--help` and in shell completions.
///
/// ```swift
/// @Option var mode: Choice<WriteMode>?
/// let writeMode = try (mode ?? Choice("replace")).value()
/// ```
struct Choice<Value: NamedChoice>: ExpressibleByArgument {
    /// The name as typed (or as read from a config file).
    let text: String

    /// The name `text`, unchecked.
    init(_ text: String) { self.text = text }

    /// Takes any text; ``value()`` checks it.
    init?(argument: String) { text = argument }

    /// The value `text` names.
    ///
    /// - Throws: `.invalidArgument` (exit 64) naming the option, the text and the valid names.
    func value() throws -> Value {
        guard let value = Value.allCases.first(where: { $0.name == text }) else {
            throw HostError(.invalidArgument, "unknown \(Value.option) '\(text)'; use \(Value.listing)")
        }
        return value
    }

    static var allValueStrings: [String] { Value.allCases.map(\.name) }
    static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }
    var defaultValueDescription: String { text }
}

extension WriteMode: NamedChoice {
    static let option = "--mode"
    static let listing = "replace, append or upsert"
    var name: String { description }
}

extension DeletionMode: NamedChoice {
    static let option = "--deletions"
    static let listing = "keep, remove or flag"
    var name: String { description }
}

extension LogLevel: NamedChoice {
    static let option = "--log-level"
    static var listing: String { allCases.map(\.name).joined(separator: ", ") }
}

extension LogFormat: NamedChoice {
    static let option = "--log-format"
    static let listing = "text or json"
    var name: String { rawValue }
}
