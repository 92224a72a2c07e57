extension JSONValue {
    /// The text of a string, nil for any other value.
    ///
    /// ```swift
    /// try JSONValue(jsonText: #"{"level": "warn"}"#)["level"]?.stringValue   // "warn"
    /// ```
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The value of `true` or `false`, nil for any other value.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements of an array, nil for any other value.
    public var arrayValue: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    /// The members of an object, nil for any other value.
    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The texts of an array of strings; nil for anything else, an array
    /// holding any other value included.
    public var stringArrayValue: [String]? {
        guard let values = arrayValue else { return nil }
        let texts = values.compactMap(\.stringValue)
        return texts.count == values.count ? texts : nil
    }
}
