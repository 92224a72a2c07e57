import ETLPluginKit
import Testing

@Suite("JSONObjectScanner: members of a top-level object")
struct JSONObjectScannerTests {
    @Test("every value kind, with its raw text and decoded content")
    func everyKind() throws {
        let members = try scanMembers(#"{"n":null, "t" : true,"f":false,"i":-12,"d":1.5,"s":"hi","#
            + #""o":{ "a" : [1, {"b":null}] },"a":[ ],"e":"","z":{}}"#)
        #expect(members == [
            ScannedMember("n", .null, raw: "null"),
            ScannedMember("t", .true, raw: "true"),
            ScannedMember("f", .false, raw: "false"),
            ScannedMember("i", .number, raw: "-12", number: .int64, int64: -12),
            ScannedMember("d", .number, raw: "1.5", number: .double),
            ScannedMember("s", .string, raw: #""hi""#, string: "hi"),
            ScannedMember("o", .object, raw: #"{ "a" : [1, {"b":null}] }"#),
            ScannedMember("a", .array, raw: "[ ]"),
            ScannedMember("e", .string, raw: #""""#, string: ""),
            ScannedMember("z", .object, raw: "{}"),
        ])
    }

    @Test("an empty object, and whitespace around the document")
    func emptyObject() throws {
        #expect(try scanMembers("{}") == [])
        #expect(try scanMembers(" \t\r\n{ \n }\r\n ") == [])
        #expect(try scanMembers(" {\"a\" :\t1 } ") == [ScannedMember("a", .number, raw: "1", number: .int64, int64: 1)])
    }

    @Test("strings without escapes are slices of the document; with escapes, unescaped copies")
    func zeroCopy() throws {
        let bytes = Array(#"{"plain":"abc","esc\u0061ped":"x\ny"}"#.utf8)
        try bytes.withUnsafeBytes { document in
            let members = try JSONObjectScanner().scan(document)
            let base = document.baseAddress!
            #expect(members[0].key.baseAddress == base + 2)
            #expect(!members[0].keyHasEscapes)
            #expect(members[0].stringBytes.baseAddress == base + 10)
            #expect(!members[0].stringHasEscapes)
            #expect(members[1].keyString == "escaped")
            #expect(members[1].keyHasEscapes)
            #expect(members[1].stringHasEscapes)
            #expect(members[1].stringValue == "x\ny")
            #expect(members[1].rawText == #""x\ny""#)
            let stringStart = members[1].stringBytes.baseAddress!
            #expect(stringStart < base || stringStart >= base + document.count)
        }
    }

    @Test("every escape, \\u escapes and surrogate pairs are undone")
    func escapes() throws {
        let members = try scanMembers(#"{"e":"\"\\\/\b\f\n\r\t","u":"\u0041\u00e9\u20AC\uD83D\uDE00\u0000","#
            + #""k\ud83d\ude00":"raw é 😀"}"#)
        #expect(members.map(\.string) == ["\"\\/\u{8}\u{C}\n\r\t", "Aé€😀\u{0}", "raw é 😀"])
        #expect(members.map(\.key) == ["e", "u", "k😀"])
    }

    @Test("many escaped strings in one document all survive the scratch buffer growing")
    func scratchGrowth() throws {
        var text = "{"
        for index in 0..<200 {
            text += (index > 0 ? "," : "") + #""k\#(index)\n":"\#(String(repeating: "v\\t", count: index))""#
        }
        text += "}"
        let members = try scanMembers(text)
        #expect(members.count == 200)
        for (index, member) in members.enumerated() {
            #expect(member.key == "k\(index)\n")
            #expect(member.string == String(repeating: "v\t", count: index))
        }
    }

    @Test("numbers are classified: int64, double, big integer, out of range")
    func numbers() throws {
        let cases: [(String, JSONNumberKind, Int64?, Double?)] = [
            ("0", .int64, 0, 0), ("1", .int64, 1, 1), ("-0", .int64, 0, 0), ("-12", .int64, -12, -12),
            ("9223372036854775807", .int64, Int64.max, 9.223372036854775807e18),
            ("-9223372036854775808", .int64, Int64.min, -9.223372036854775808e18),
            ("9223372036854775808", .bigInteger, nil, 9.223372036854775808e18),
            ("-9223372036854775809", .bigInteger, nil, -9.223372036854775809e18),
            ("12345678901234567890123", .bigInteger, nil, 1.2345678901234567890123e22),
            ("1.0", .double, nil, 1), ("1e3", .double, nil, 1000), ("1E+3", .double, nil, 1000),
            ("1e-3", .double, nil, 0.001), ("-0.0", .double, nil, -0.0), ("0.1", .double, nil, 0.1),
            ("3.141592653589793", .double, nil, Double.pi), ("1e23", .double, nil, 1e23),
            ("0.30000000000000004", .double, nil, 0.30000000000000004),
            ("1e308", .double, nil, 1e308), ("1.7976931348623157e308", .double, nil, .greatestFiniteMagnitude),
            ("9.99e307", .double, nil, 9.99e307), ("2.2250738585072014e-308", .double, nil, 2.2250738585072014e-308),
            ("4.9e-324", .double, nil, .leastNonzeroMagnitude), ("1e-400", .double, nil, 0), ("0e999999999999", .double, nil, 0),
            ("0.000e5", .double, nil, 0), ("100000000000000000000.5", .double, nil, 1e20),
            ("1E400", .outOfRange, nil, nil), ("-1e400", .outOfRange, nil, nil),
            ("1.7976931348623159e308", .outOfRange, nil, nil), ("1e99999999999999999999", .outOfRange, nil, nil),
            ("0.00001e313", .double, nil, 1e308), ("0.00002e313", .outOfRange, nil, nil),
        ]
        for (text, kind, int64, double) in cases {
            let bytes = Array(#"{"n":\#(text)}"#.utf8)
            try bytes.withUnsafeBytes { document in
                let member = try JSONObjectScanner().scan(document)[0]
                #expect(member.numberKind == kind, "\(text)")
                #expect(member.int64Value == int64, "\(text)")
                #expect(member.doubleValue == double, "\(text)")
                #expect(member.rawText == text)
                if let double, double == 0 {
                    #expect(member.doubleValue?.sign == double.sign, "\(text) keeps its sign")
                }
            }
        }
    }

    @Test("doubles are correctly rounded, as the standard library reads them")
    func doubleRounding() throws {
        var generator = SeededGenerator(seed: 7)
        let scanner = JSONObjectScanner()
        for _ in 0..<20_000 {
            let digits = String((0..<Int.random(in: 1...25, using: &generator)).map { _ in
                Character(Unicode.Scalar(UInt8.random(in: 0x30...0x39, using: &generator)))
            })
            let mantissa = digits.drop { $0 == "0" }.isEmpty ? "0" : String(digits.drop { $0 == "0" })
            let point = Int.random(in: 0...mantissa.count, using: &generator)
            var text = String(mantissa.prefix(point))
            if text.isEmpty { text = "0" }
            if point < mantissa.count { text += "." + mantissa.dropFirst(point) }
            text += "e\(Int.random(in: -340...320, using: &generator))"
            let expected = Double(text)!
            let bytes = Array(#"{"n":\#(text)}"#.utf8)
            try bytes.withUnsafeBytes { document in
                let member = try scanner.scan(document)[0]
                if expected.isFinite {
                    #expect(member.numberKind == .double, "\(text)")
                    #expect(member.doubleValue == expected, "\(text)")
                } else {
                    #expect(member.numberKind == .outOfRange, "\(text)")
                }
            }
        }
        for _ in 0..<20_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            let bytes = Array(#"{"n":\#(value)}"#.utf8)
            let parsed = bytes.withUnsafeBytes { document in try? scanner.scan(document)[0].doubleValue }
            #expect(parsed == value, "\(value)")
        }
    }

    @Test("a duplicate key keeps its first position and takes the last value")
    func duplicatesLastWins() throws {
        #expect(try scanMembers(#"{"a":1,"b":"x","a":"y","\u0061":[2]}"#) == [
            ScannedMember("a", .array, raw: "[2]"),
            ScannedMember("b", .string, raw: #""x""#, string: "x"),
        ])
    }

    @Test("duplicates are found in objects with many members too (hash index)")
    func duplicatesManyMembers() throws {
        let scanner = JSONObjectScanner()
        for size in [15, 16, 17, 40, 300] {
            var parts = (0..<size).map { #""key_\#($0)":\#($0)"# }
            parts += (0..<size).filter { $0 % 3 == 0 }.map { #""key_\#($0)":"again \#($0)""# }
            let members = try scanMembers("{" + parts.joined(separator: ",") + "}", scanner: scanner)
            #expect(members.count == size)
            for (index, member) in members.enumerated() {
                #expect(member.key == "key_\(index)")
                #expect(member.string == (index % 3 == 0 ? "again \(index)" : nil))
            }
        }
        // And the index is cleared between documents.
        #expect(try scanMembers(#"{"key_1":true}"#, scanner: scanner) == [ScannedMember("key_1", .true, raw: "true")])
    }

    @Test("with the reject policy, a duplicate key is an error at its second occurrence")
    func duplicatesRejected() {
        let scanner = JSONObjectScanner(duplicateKeys: .reject)
        #expect(scanError(#"{"a":1,"b":2,"a":3}"#, scanner: scanner)
            == JSONError(.syntax, "duplicate key", offset: 13, line: 1, column: 14))
        #expect(scanError(#"{"a":{"x":1,"x":2}}"#, scanner: scanner) == nil) // nested: kept as raw text
    }

    @Test("keys can be compared and hashed without making strings")
    func keyComparison() throws {
        let bytes = Array(#"{"customer_id":7,"name":"Ada"}"#.utf8)
        try bytes.withUnsafeBytes { document in
            let members = try JSONObjectScanner().scan(document)
            #expect(members[0].keyEquals("customer_id"))
            #expect(!members[0].keyEquals("customer"))
            #expect(members[0].keyHash == JSONKeyHash.hash("customer_id"))
            #expect(members[0].keyHash != members[1].keyHash)
            #expect(members["name"]?.stringValue == "Ada")
            #expect(members["nope"] == nil)
        }
    }

    @Test("members of the last scan stay readable; a failed scan leaves none")
    func scannerReuse() throws {
        let scanner = JSONObjectScanner()
        let first = Array(#"{"a":"\u0041"}"#.utf8)
        let second = Array(#"{"b":2,"c":3}"#.utf8)
        try first.withUnsafeBytes { document in
            try scanner.scan(document)
            #expect(scanner.members.map(\.keyString) == ["a"])
            #expect(scanner.members[0].stringValue == "A")
        }
        try second.withUnsafeBytes { document in
            try scanner.scan(document)
            #expect(scanner.members.map(\.keyString) == ["b", "c"])
        }
        #expect(scanError("{", scanner: scanner) != nil)
        #expect(scanner.members.isEmpty)
    }

    @Test("validateObject and validate accept and refuse what scan does")
    func validators() throws {
        let scanner = JSONObjectScanner()
        for text in [#"{"a":[1,{"b":"\u00e9"}]}"#, "{}", #"{"a":1,"a":2}"#] {
            try Array(text.utf8).withUnsafeBytes { bytes in
                try scanner.validateObject(bytes)
                #expect(try scanner.validate(bytes) == .object)
            }
        }
        for (text, kind) in [("[1, 2]", JSONValueKind.array), (#" "x" "#, .string), ("-1.5e3", .number),
                             ("null", .null), ("true", .true), ("false", .false)] {
            let bytes = Array(text.utf8)
            #expect(bytes.withUnsafeBytes { try? scanner.validate($0) } == kind)
            #expect(validationError(bytes, scanner: scanner) == nil)
            #expect(scanError(bytes, scanner: scanner)?.kind == .notAnObject(found: kind))
        }
    }
}

@Suite("JSONObjectScanner: errors, with exact messages and positions")
struct JSONScannerErrorTests {
    /// The message, offset and column of the error scanning `text`.
    private func failure(_ text: String) -> String? {
        scanError(text).map { "\($0.message) @\($0.offset) col \($0.column)" }
    }

    @Test("syntax errors name the problem, the byte offset and the column")
    func syntax() {
        let cases: [(String, String)] = [
            (#"{"a":1 "b":2}"#, "expected ',' or '}' after an object member @7 col 8"),
            (#"{"a":1"#, "expected ',' or '}' after an object member, found the end of the document @6 col 7"),
            (#"{"a":"\x"}"#, #"invalid escape \x @6 col 7"#),
            (#"{"a":"\"#, "unterminated string @5 col 6"),
            (#"{"a":"abc"#, "unterminated string @5 col 6"),
            (#"{"a":1} x"#, "trailing characters after the document @8 col 9"),
            (#"{"a":1}{}"#, "trailing characters after the document @7 col 8"),
            (#"{"a":007}"#, "invalid number: leading zeros are not allowed @5 col 6"),
            (#"{"a":-01}"#, "invalid number: leading zeros are not allowed @6 col 7"),
            (#"{"a":-}"#, "invalid number: expected a digit after '-' @6 col 7"),
            (#"{"a":1.}"#, "invalid number: expected a digit after the decimal point @7 col 8"),
            (#"{"a":.5}"#, "expected a value @5 col 6"),
            (#"{"a":1e}"#, "invalid number: expected a digit in the exponent @7 col 8"),
            (#"{"a":1e+}"#, "invalid number: expected a digit in the exponent @8 col 9"),
            (#"{"a":1.5.3}"#, "invalid number: unexpected '.' @8 col 9"),
            (#"{"a":12abc}"#, "invalid number: unexpected 'a' @7 col 8"),
            (#"{"a":+1}"#, "expected a value @5 col 6"),
            (#"{"a":tru}"#, "invalid literal; expected true, false or null @5 col 6"),
            (#"{"a":nulll}"#, "invalid literal; expected true, false or null @5 col 6"),
            (#"{"a":True}"#, "invalid literal; expected true, false or null @5 col 6"),
            (#"{"a":NaN}"#, "expected a value (NaN and Infinity are not JSON numbers) @5 col 6"),
            (#"{"a" 1}"#, "expected ':' after an object key @5 col 6"),
            (#"{a:1}"#, "expected a string key or '}' @1 col 2"),
            (#"{'a':1}"#, "expected a string key or '}' @1 col 2"),
            (#"{"a":1,}"#, "expected a string key after ',' @7 col 8"),
            (#"{"a":}"#, "expected a value @5 col 6"),
            (#"{"a":[1,]}"#, "expected a value @8 col 9"),
            (#"{"a":[1 2]}"#, "expected ',' or ']' after an array element @8 col 9"),
            (#"{"a":{"b":1 "c":2}}"#, "expected ',' or '}' after an object member @12 col 13"),
            (#"{"a":[{"b" 1}]}"#, "expected ':' after an object key @11 col 12"),
            (#"{"a":[[]"#, "expected ',' or ']' after an array element, found the end of the document @8 col 9"),
            (#"{"a":"\uD83D"}"#,
             #"invalid \u escape: high surrogate \uD83D is not followed by a low surrogate @6 col 7"#),
            (#"{"a":"\uD83Dx\uDE00"}"#,
             #"invalid \u escape: high surrogate \uD83D is not followed by a low surrogate @6 col 7"#),
            (#"{"a":"\uD83D\u0041"}"#,
             #"invalid \u escape: high surrogate \uD83D is not followed by a low surrogate @6 col 7"#),
            (#"{"a":"\uDE00"}"#, #"invalid \u escape: low surrogate \uDE00 without a high surrogate before it @6 col 7"#),
            (#"{"a":"\u12G4"}"#, #"invalid \u escape: expected 4 hex digits @6 col 7"#),
            (#"{"a":"\u12"}"#, #"invalid \u escape: expected 4 hex digits @6 col 7"#),
            ("{\"a\":\"x\ty\"}", "unescaped control character U+0009 in a string @7 col 8"),
            ("{\"a\":\"x\ny\"}", "unescaped control character U+000A in a string @7 col 8"),
            ("{\"é\":\"é\u{1F600}\u{1}\"}", "unescaped control character U+0001 in a string @13 col 9"),
            ("", "the document is empty @0 col 1"),
            (" \n ", "the document is empty @3 col 2"),
            ("[1,", "expected a value, found the end of the document @3 col 4"),
            ("[1 2]", "expected ',' or ']' after an array element @3 col 4"),
            ("\u{FEFF}{}", "expected a value, found a byte order mark (U+FEFF) @0 col 1"),
            ("\"abc", "unterminated string @0 col 1"),
        ]
        for (text, expected) in cases {
            #expect(failure(text) == expected, "\(text)")
        }
    }

    @Test("a valid document that is not an object says what it is")
    func notAnObject() {
        let cases: [(String, JSONValueKind, String, Int)] = [
            ("[1, 2]", .array, "an array", 0), (#"  "text""#, .string, "a string", 2), ("12", .number, "a number", 0),
            ("null", .null, "null", 0), ("true", .true, "true", 0), ("false", .false, "false", 0),
        ]
        for (text, kind, found, offset) in cases {
            #expect(scanError(text) == JSONError(.notAnObject(found: kind), "expected a JSON object, found \(found)",
                                                 offset: offset, line: 1, column: offset + 1))
        }
        // An invalid non-object is a syntax error first.
        #expect(scanError("[1,]")?.kind == .syntax)
        #expect(scanError("[1] x")?.message == "trailing characters after the document")
    }

    @Test("invalid UTF-8 is refused where it is, and columns count characters")
    func invalidUTF8() {
        let prefix = Array(#"{"a":"é"#.utf8) // é is two bytes: the bad byte is at offset 8, column 8
        let cases: [([UInt8], Int)] = [
            ([0xFF], 8), ([0x80], 8), ([0xC3], 8), ([0xC0, 0x80], 8), ([0xE0, 0x80, 0x80], 8),
            ([0xED, 0xA0, 0x80], 8), ([0xF4, 0x90, 0x80, 0x80], 8), ([0xF0, 0x9F, 0x98], 8), ([0xF8], 8),
        ]
        for (bad, offset) in cases {
            let error = scanError(prefix + bad + Array("\"}".utf8))
            #expect(error == JSONError(.syntax, "invalid UTF-8", offset: offset, line: 1, column: 8), "\(bad)")
        }
        // Outside strings, non-ASCII bytes are not JSON at all.
        #expect(scanError([0x7B, 0xC3, 0xA9, 0x7D])?.message == "expected a string key or '}'")
        // Valid sequences of every length pass.
        #expect(scanError(Array("{\"k\":\"\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}\"}".utf8)) == nil)
    }

    @Test("line and column are counted over a multi-line document")
    func lineAndColumn() {
        let text = "{\n  \"a\": 1,\n  \"b\" 2\n}"
        #expect(scanError(text) == JSONError(.syntax, "expected ':' after an object key", offset: 18, line: 3,
                                             column: 7))
        #expect(scanError(text)?.description == "line 3, column 7: expected ':' after an object key")
        #expect(scanError(text)?.pluginError(in: "config.json")
            == PluginError.data("config.json line 3, column 7: expected ':' after an object key"))
    }

    @Test("nesting is limited to 512 levels, the top-level object included")
    func depth() {
        func nested(_ arrays: Int) -> String {
            #"{"a":"# + String(repeating: "[", count: arrays) + String(repeating: "]", count: arrays) + "}"
        }
        #expect(scanError(nested(511)) == nil)
        #expect(scanError(nested(512)) == JSONError(.syntax, "nesting deeper than 512", offset: 5 + 511, line: 1,
                                                    column: 517))
        let objects = String(repeating: #"{"a":"#, count: 512) + "1" + String(repeating: "}", count: 512)
        #expect(scanError(objects) == nil)
        let deeper = String(repeating: #"{"a":"#, count: 513) + "1" + String(repeating: "}", count: 513)
        #expect(scanError(deeper)?.message == "nesting deeper than 512")
        // A smaller limit, and a huge document that is refused without recursion.
        #expect(scanError(#"{"a":[[1]]}"#, scanner: JSONObjectScanner(maxDepth: 2))?.message == "nesting deeper than 2")
        #expect(scanError(nested(100_000))?.message == "nesting deeper than 512")
        #expect(validationError(Array(String(repeating: "[", count: 512).utf8) + Array(String(repeating: "]", count: 512).utf8)) == nil)
    }
}
