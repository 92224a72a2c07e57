@testable import ETLHost
import ETLPluginKit
import Testing

/// PROTOTYPE (bench/ONE_SCAN_PLAN.md): a member column's value becomes the
/// cell ``RecordFlattener`` makes of the same member: its JSON kind, and a
/// string's content with escapes undone.
@Suite struct MemberTokenTests {
    private func cell(_ token: String) throws -> (CellKind, String) {
        var reader = MemberToken()
        return try Array(token.utf8).withUnsafeBytes { bytes in
            try reader.cell(bytes, stream: "s") { kind, value in (kind, String(decoding: value, as: UTF8.self)) }
        }
    }

    @Test("each JSON kind, as the record flattener gives it")
    func kinds() throws {
        #expect(try cell(#""1""#) == (.string, "1"))
        #expect(try cell("1") == (.number, "1"))
        #expect(try cell("-1.50e3") == (.number, "-1.50e3"))
        #expect(try cell("true") == (.boolean, "true"))
        #expect(try cell("false") == (.boolean, "false"))
        #expect(try cell(#"{"a": [1]}"#) == (.json, #"{"a": [1]}"#))
        #expect(try cell("[1, 2]") == (.json, "[1, 2]"))
        #expect(try cell("null").0 == .null)
        #expect(try cell(#""""#) == (.string, ""))
    }

    @Test("a string with escapes is its content, unescaped")
    func escapes() throws {
        #expect(try cell(#""a \"b\" \u00e9 \\ \n""#) == (.string, "a \"b\" é \\ \n"))
        #expect(try cell(#""\ud83d\ude00""#) == (.string, "😀"))
    }

    @Test("a value that is not JSON text is bad data naming the stream")
    func notJSON() throws {
        #expect(throws: HostError.self) { try cell("") }
        #expect(throws: HostError.self) { try cell(#""a\"#) }
        #expect(throws: HostError.self) { try cell("\"") }
    }
}
