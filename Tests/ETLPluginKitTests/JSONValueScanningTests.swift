import ETLPluginKit
import Testing

@Suite("JSONValue(jsonText:): the general parser on the kit's scanner")
struct JSONValueScanningTests {
    @Test("every kind of value, nested")
    func values() throws {
        let value = try JSONValue(jsonText: #"""
            {"path": "data/*.csv", "header": true, "skip": null, "limit": 10, "ratio": 0.5,
             "big": 12345678901234567890, "tags": ["a", "\u00e9", [], {}], "nested": {"x": {"y": [1, -2.5e3]}}}
            """#)
        #expect(value == .object([
            "path": .string("data/*.csv"), "header": .bool(true), "skip": .null, "limit": .integer(10),
            "ratio": .number(0.5), "big": .number(Double("12345678901234567890")!),
            "tags": .array([.string("a"), .string("é"), .array([]), .object([:])]),
            "nested": .object(["x": .object(["y": .array([.integer(1), .number(-2500)])])]),
        ]))
        #expect(try JSONValue(jsonText: " 42 ") == .integer(42))
        #expect(try JSONValue(jsonText: #""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONValue(jsonText: "[-0, 1.0, 1e3]") == .array([.integer(0), .number(1), .number(1000)]))
    }

    @Test("a duplicate key keeps its last value")
    func duplicates() throws {
        #expect(try JSONValue(jsonText: #"{"a": 1, "a": 2}"#) == .object(["a": .integer(2)]))
    }

    @Test("agrees with the Foundation-based JSONValue(parsing:) on documents both accept")
    func agreesWithFoundation() throws {
        for text in [#"{"a":[1,2,{"b":null}],"c":"d\n","e":-1.25,"f":false}"#, "[]", #"{"k":9223372036854775807}"#] {
            #expect(try JSONValue(jsonText: text) == JSONValue(parsing: text))
        }
    }

    @Test("errors give the line and column, and numbers a double cannot hold are refused")
    func errors() {
        #expect(throws: JSONError(.syntax, "expected ',' or '}' after an object member", offset: 23, line: 3,
                                  column: 12)) {
            try JSONValue(jsonText: "{\n  \"a\": 1,\n  \"b\": [1] \"c\": 2\n}")
        }
        #expect(throws: JSONError(.syntax, "number too large for a 64-bit float", offset: 6, line: 1, column: 7)) {
            try JSONValue(jsonText: #"{"a": 1E400}"#)
        }
        #expect(throws: JSONError(.syntax, "the document is empty", offset: 0, line: 1, column: 1)) {
            try JSONValue(jsonText: "")
        }
        #expect(throws: JSONError(.syntax, "nesting deeper than 3", offset: 3, line: 1, column: 4)) {
            try JSONValue(jsonText: "[[[[]]]]", maxDepth: 3)
        }
    }

    @Test("deep documents parse without recursion")
    func deep() throws {
        let text = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        var value = try JSONValue(jsonText: text)
        var levels = 1
        while case .array(let inner) = value, let first = inner.first {
            value = first
            levels += 1
        }
        #expect(levels == 512)
        #expect(throws: JSONError.self) {
            try JSONValue(jsonText: String(repeating: "[", count: 513) + String(repeating: "]", count: 513))
        }
    }
}
