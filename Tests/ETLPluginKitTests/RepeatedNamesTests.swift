import ETLPluginKit
import Testing

/// Repeated names in the readers' own output: the scanner can report every
/// occurrence of a key, and a CSV header name cannot hold a NUL byte.
@Suite("repeated and cut names")
struct RepeatedNamesTests {
    @Test("with the keepAll policy every occurrence of a key is a member, in document order")
    func keepAllReportsEveryOccurrence() throws {
        let scanner = JSONObjectScanner(duplicateKeys: .keepAll)
        let scanned = try scanMembers(#"{"a":1,"b":"x","a":"y","\u0061":[2]}"#, scanner: scanner)
        #expect(scanned.map(\.key) == ["a", "b", "a", "a"])
        #expect(scanned.map(\.raw) == ["1", #""x""#, #""y""#, "[2]"])
        #expect(scanned.map(\.kind) == [.number, .string, .string, .array])
        // Many members (where the other policies use a hash index), then a small document again.
        let parts = (0..<40).map { #""k\#($0 % 20)":\#($0)"# }
        let members = try scanMembers("{" + parts.joined(separator: ",") + "}", scanner: scanner)
        #expect(members.map(\.key) == (0..<40).map { "k\($0 % 20)" })
        #expect(members.map(\.raw) == (0..<40).map { "\($0)" })
        #expect(try scanMembers(#"{"z":true}"#, scanner: scanner) == [ScannedMember("z", .true, raw: "true")])
    }

    @Test("a NUL byte in a header name is an error naming the line, field and byte")
    func nulInHeaderName() throws {
        #expect(pluginError { _ = try parseCSV(Array("id,na".utf8) + [0] + Array("me,name\n1,2,3\n".utf8)) }
            == PluginError.data("orders.csv line 1, field 2: the column name holds a NUL byte at byte 3; a column "
                + "name cannot contain NUL (a UTF-16 file? convert it to UTF-8)"))
        #expect(pluginError { _ = try parseCSV([0, 0] + Array(",\n1,2\n".utf8)) }
            == PluginError.data("orders.csv line 1, field 1: the column name holds a NUL byte at byte 1; a column "
                + "name cannot contain NUL (a UTF-16 file? convert it to UTF-8)"))
        // In a data row a NUL is an ordinary character.
        #expect(try parseCSV(Array("a,b\n1,x".utf8) + [0] + Array("y\n".utf8))
            == ParsedCSV(header: ["a", "b"], rows: [["1", "x\u{0}y"]]))
    }
}
