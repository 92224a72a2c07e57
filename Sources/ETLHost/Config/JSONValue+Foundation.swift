import ETLPluginKit
import Foundation

/// A plugin's config, or any JSON object of the host: member name ->
/// ``ETLPluginKit/JSONValue`` (Sendable, unlike `[String: Any]`).
public typealias JSONObject = [String: JSONValue]

extension JSONValue {
    /// A JSON value from what JSONSerialization produces (String, NSNumber,
    /// Bool, arrays, dictionaries, NSNull).
    public static func from(_ value: Any) -> JSONValue {
        switch value {
        case let text as String: return .string(text)
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return .bool(number.boolValue) }
            if let exact = Int64(exactly: number.doubleValue), !"\(number)".contains(".") { return .integer(exact) }
            return .number(number.doubleValue)
        case let list as [Any]: return .array(list.map(from))
        case let object as [String: Any]: return .object(object.mapValues(from))
        default: return .null
        }
    }

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
