@testable import ETLHost
import ETLPluginKit
import Testing

/// A member column's value (`etl.member`) becomes the cell
/// ``RecordFlattener`` makes of the same member: its JSON kind, and a
/// string's content with escapes undone; a value that is not JSON text is
/// the extractor's bug, named by row and column, never by value.
@Suite struct MemberTokenTests {
    private let strings = JSONObjectScanner()

    private func cell(_ token: String) throws(MemberToken.Failure) -> (CellKind, String) {
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: token.utf8.count, alignment: 1)
        defer { bytes.deallocate() }
        bytes.copyBytes(from: token.utf8)
        guard let (kind, value) = MemberToken.cell(UnsafeRawBufferPointer(bytes), strings: strings) else {
            throw MemberToken.failure(of: UnsafeRawBufferPointer(bytes), strings: strings)
        }
        return (kind, String(decoding: value, as: UTF8.self))
    }

    private func failure(_ token: String) -> String? {
        do {
            _ = try cell(token)
            return nil
        } catch {
            return error.error(stream: "events", column: "n", row: 12).message
        }
    }

    @Test("each JSON kind, as the record flattener gives it")
    func kinds() throws {
        #expect(try cell(#""1""#) == (.string, "1"))
        #expect(try cell("1") == (.number, "1"))
        #expect(try cell("-1.50e3") == (.number, "-1.50e3"))
        #expect(try cell("12345678901234567890") == (.number, "12345678901234567890"))
        #expect(try cell("true") == (.boolean, "true"))
        #expect(try cell("false") == (.boolean, "false"))
        #expect(try cell(#"{"a": [1]}"#) == (.json, #"{"a": [1]}"#))
        #expect(try cell("[1, 2]") == (.json, "[1, 2]"))
        #expect(try cell("null").0 == .null)
        #expect(try cell(#""""#) == (.string, ""))
        #expect(try cell(#""ü ✓""#) == (.string, "ü ✓"))
    }

    @Test("a string with escapes is its content, unescaped")
    func escapes() throws {
        #expect(try cell(#""a \"b\" \u00e9 \\ \n \/ \t""#) == (.string, "a \"b\" é \\ \n / \t"))
        #expect(try cell(#""\ud83d\ude00""#) == (.string, "😀"))
        // The scratch buffer is reused: a second escaped string is its own content.
        #expect(try cell(#""x\ty""#) == (.string, "x\ty"))
    }

    @Test("a value that is not JSON text is the extractor's bug, named by row and column")
    func notJSON() throws {
        let prefix = "stream 'events' row 12, column 'n': the member column (etl.member) holds "
        let suffix = ", not the JSON text of a member; this is a bug of the extractor (`etl-host plugins test` checks every value)"
        #expect(failure("") == prefix + "an empty value" + suffix)
        #expect(failure("\"") == prefix + "a string without its closing quote" + suffix)
        #expect(failure(#""a"# ) == prefix + "a string without its closing quote" + suffix)
        #expect(failure(#""a\"#) == prefix + "a string without its closing quote" + suffix)
        #expect(failure(#""a\"b"c""#) == prefix + "a string that is not valid JSON (expected the end of the value after the string)" + suffix)
        #expect(failure(#""\x""#) == prefix + "a string that is not valid JSON (invalid escape \\x)" + suffix)
        #expect(failure("tru") == prefix + "a word that is not true, false or null" + suffix)
        #expect(failure("nul") == prefix + "a word that is not true, false or null" + suffix)
        #expect(failure("falsey") == prefix + "a word that is not true, false or null" + suffix)
        #expect(failure("{\"a\":1") == prefix + "an object without its closing brace" + suffix)
        #expect(failure("[1,") == prefix + "an array without its closing bracket" + suffix)
        #expect(failure("1.") == prefix + "a number that does not end in a digit" + suffix)
        #expect(failure("abc") == prefix + "a value that does not start as a JSON value does" + suffix)
        #expect(failure(" 1") == prefix + "a value that does not start as a JSON value does" + suffix)
    }

    @Test("the error is a refused plugin (exit 2), with its place as fields")
    func errorKind() {
        let error = MemberToken.Failure(what: "an empty value").error(plugin: "jsonl", stream: "events", column: "n", row: 1)
        #expect(error.kind == .pluginFailed)
        #expect(error.exitStatus == .pluginRefused)
        #expect(error.message.hasPrefix("plugin 'jsonl': stream 'events' row 1, column 'n': the member column (etl.member) holds an empty value"))
        #expect(error.plugin == "jsonl" && error.stream == "events" && error.location == "row 1, column 'n'")
    }
}
