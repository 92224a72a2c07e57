import ETLPluginKit
import Testing

/// ``JSONValue``'s typed accessors: the value when it has that type, nil
/// otherwise, so JSON is read without `[String: Any]` casts.
@Suite struct JSONValueAccessorsTests {
    @Test func eachAccessorAnswersOnlyForItsType() throws {
        let value = try JSONValue(jsonText: #"""
            {"s": "text", "b": false, "a": [1, "x"], "names": ["id", "at"], "o": {"k": null}, "n": 1}
            """#)
        #expect(value["s"]?.stringValue == "text")
        #expect(value["b"]?.boolValue == false)
        #expect(value["a"]?.arrayValue == [.integer(1), .string("x")])
        #expect(value["o"]?.objectValue == ["k": .null])
        #expect(value["names"]?.stringArrayValue == ["id", "at"])
        // An array holding anything but strings is no array of strings.
        #expect(value["a"]?.stringArrayValue == nil)
        #expect(value["n"]?.stringValue == nil && value["n"]?.boolValue == nil && value["n"]?.arrayValue == nil)
        #expect(value["s"]?.objectValue == nil && value["o"]?.stringArrayValue == nil)
        #expect(value.objectValue?.keys.sorted() == ["a", "b", "n", "names", "o", "s"])
    }
}
