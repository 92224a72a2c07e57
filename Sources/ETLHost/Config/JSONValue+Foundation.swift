import ETLPluginKit
import Foundation

/// A plugin's config, or any JSON object of the host: member name ->
/// ``ETLPluginKit/JSONValue`` (Sendable, unlike `[String: Any]`).
public typealias JSONObject = [String: JSONValue]

extension JSONValue {
    /// The value as JSONSerialization takes it (String, Int64, Double,
    /// Bool, arrays, dictionaries, NSNull), so that text written from it is
    /// byte for byte what the host wrote before configs were typed.
    public var foundation: Any {
        switch self {
        case .null: NSNull()
        case .bool(let value): value
        case .integer(let value): value
        case .number(let value): value
        case .string(let value): value
        case .array(let values): values.map(\.foundation)
        case .object(let members): members.mapValues(\.foundation)
        }
    }

    /// The text of a value the way `"\(value)"` printed the Foundation
    /// value before configs were typed: strings bare, numbers and booleans
    /// as Swift prints them (used to compare with a schema's `enum`).
    var plainText: String {
        switch self {
        case .string(let value): value
        case .bool(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        case .null: "null"
        case .array, .object: jsonText
        }
    }
}
