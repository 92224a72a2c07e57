import ETLPluginKit
import Testing

@Suite("JSONStringWriter")
struct JSONStringWriterTests {
    @Test("escapes quotes, backslashes and control characters; keeps UTF-8")
    func escapes() throws {
        #expect(JSONStringWriter.quoted("plain") == #""plain""#)
        #expect(JSONStringWriter.quoted("say \"hi\"\\") == #""say \"hi\"\\""#)
        #expect(JSONStringWriter.quoted("a\tb\r\nc\u{1}\u{1F}") == #""a\tb\r\nc\u0001\u001f""#)
        #expect(JSONStringWriter.quoted("Grâce 🙂") == "\"Grâce 🙂\"")
        // What it writes reads back as the same string.
        let text = "x\"\\\n\u{7}é🙂"
        let value = try JSONValue(jsonText: "{\"k\": \(JSONStringWriter.quoted(text))}")
        #expect(value == .object(["k": .string(text)]))
    }
}
