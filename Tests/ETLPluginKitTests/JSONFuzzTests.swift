import ETLPluginKit
import Foundation
import Testing

/// Random JSON values and their serializations, with random whitespace and
/// random (valid) escapes, from a seeded generator.
struct RandomJSON {
    var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

    mutating func value(depth: Int = 0) -> JSONValue {
        switch int(0...(depth >= 4 ? 4 : 7)) {
        case 0: return .null
        case 1: return .bool(chance(50))
        case 2:
            let magnitude = [9, 99_999, Int(Int32.max), Int.max][int(0...3)]
            return .integer(Int64(int(-magnitude...magnitude)))
        case 3:
            while true {
                let value = chance(50) ? Double(int(-1000...1000)) / Double(int(1...64))
                    : Double(bitPattern: generator.next())
                if value.isFinite { return .number(value) }
            }
        case 4: return .string(string())
        case 5: return .array((0..<int(0...5)).map { _ in value(depth: depth + 1) })
        default: return object(depth: depth)
        }
    }

    mutating func object(depth: Int = 0) -> JSONValue {
        var members: [String: JSONValue] = [:]
        for _ in 0..<int(0...6) { members[string()] = value(depth: depth + 1) }
        return .object(members)
    }

    mutating func string() -> String {
        let alphabet: [Unicode.Scalar] = ["a", "b", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}",
                                          "\u{7F}", "é", "€", "\u{FFFF}", "😀", "\u{10FFFF}", "\u{2028}"]
        var text = String.UnicodeScalarView()
        for _ in 0..<int(0...12) { text.append(alphabet[int(0...(alphabet.count - 1))]) }
        return String(text)
    }

    mutating func whitespace() -> String {
        chance(70) ? "" : [" ", "\n", "\t", "\r\n  ", "  "][int(0...4)]
    }

    mutating func serialize(_ value: JSONValue) -> String {
        var out = whitespace()
        write(value, into: &out)
        return out + whitespace()
    }

    private mutating func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .integer(let number): out += "\(number)"
        case .number(let number): out += "\(number)"
        case .string(let text): write(string: text, into: &out)
        case .array(let values):
            out += "[" + whitespace()
            for (index, element) in values.enumerated() {
                if index > 0 { out += whitespace() + "," + whitespace() }
                write(element, into: &out)
            }
            out += whitespace() + "]"
        case .object(let members):
            out += "{" + whitespace()
            for (index, (key, element)) in members.enumerated() {
                if index > 0 { out += whitespace() + "," + whitespace() }
                write(string: key, into: &out)
                out += whitespace() + ":" + whitespace()
                write(element, into: &out)
            }
            out += whitespace() + "}"
        }
    }

    private mutating func write(string: String, into out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += chance(50) ? "\\\"" : "\\u0022"
            case "\\": out += "\\\\"
            case "\n": out += chance(50) ? "\\n" : "\\u000a"
            case "\t": out += "\\t"
            case "/": out += chance(50) ? "/" : "\\/"
            case _ where scalar.value < 0x20: out += unicodeEscape(scalar.value)
            case _ where chance(20):
                if scalar.value >= 0x10000 {
                    let value = scalar.value - 0x10000
                    out += unicodeEscape(0xD800 + (value >> 10)) + unicodeEscape(0xDC00 + (value & 0x3FF))
                } else {
                    out += unicodeEscape(scalar.value)
                }
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    private mutating func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: chance(50))
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    /// `bytes` with 1 to 3 random edits: a byte replaced, removed, inserted
    /// or the end cut off.
    mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
        let interesting: [UInt8] = Array(#""\{}[],:0-e.+ u1"#.utf8) + [0x80, 0xFF, 0xC3, 0xED, 0xF0, 0x00, 0x0A, 0x09]
        var bytes = bytes
        for _ in 0..<int(1...3) {
            let byte = chance(80) ? interesting[int(0...(interesting.count - 1))] : UInt8(int(0...255))
            let position = bytes.isEmpty ? 0 : int(0...(bytes.count - 1))
            switch int(0...3) {
            case 0 where !bytes.isEmpty: bytes[position] = byte
            case 1 where !bytes.isEmpty: bytes.remove(at: position)
            case 2: bytes.insert(byte, at: position)
            default: bytes.removeLast(bytes.isEmpty ? 0 : int(0...min(3, bytes.count)))
            }
        }
        return bytes
    }
}

@Suite("JSON scanner: fuzzing and cross-checks")
struct JSONFuzzTests {
    @Test("the JSONTestSuite-style cases are accepted (y_) or refused (n_) as named")
    func suiteCases() {
        for (name, bytes) in jsonSuiteCases {
            let error = validationError(bytes)
            #expect((error == nil) == name.hasPrefix("y_"), "\(name): \(error.map(\.description) ?? "accepted")")
            let parsed = bytes.withUnsafeBytes { try? JSONValue(jsonBytes: $0) }
            // JSONValue refuses only what the scanner refuses, plus numbers a Double cannot hold.
            #expect((parsed != nil) == (error == nil && name != "y_number_huge_exp"), "\(name) as a JSONValue")
            if let error {
                #expect(error.offset >= 0 && error.offset <= bytes.count, "\(name)")
            }
        }
    }

    @Test("random valid documents parse back to the same value", arguments: 0..<8)
    func roundTrip(seed: UInt64) throws {
        var random = RandomJSON(seed: seed)
        for _ in 0..<300 {
            let value = random.value()
            let text = random.serialize(value)
            #expect(try JSONValue(jsonText: text) == value, "\(text)")
            #expect(validationError(Array(text.utf8)) == nil, "\(text)")
        }
    }

    @Test("random objects scan to their members, nested values as their exact text", arguments: 0..<8)
    func objectsRoundTrip(seed: UInt64) throws {
        var random = RandomJSON(seed: 100 + seed)
        let scanner = JSONObjectScanner()
        for _ in 0..<300 {
            guard case .object(let expected) = random.object() else { continue }
            let text = random.serialize(.object(expected))
            try Array(text.utf8).withUnsafeBytes { document in
                let members = try scanner.scan(document)
                #expect(members.count == expected.count, "\(text)")
                for member in members {
                    let key = member.keyString
                    guard let value = expected[key] else {
                        Issue.record("unexpected key \(key.debugDescription) in \(text)")
                        continue
                    }
                    #expect(try JSONValue(jsonBytes: member.raw) == value, "\(text)")
                    switch value {
                    case .null: #expect(member.kind == .null)
                    case .bool(let flag): #expect(member.boolValue == flag)
                    case .integer(let number): #expect(member.int64Value == number)
                    case .number(let number): #expect(member.doubleValue == number && member.numberKind == .double)
                    case .string(let string): #expect(member.stringValue == string)
                    case .array: #expect(member.kind == .array)
                    case .object: #expect(member.kind == .object)
                    }
                }
            }
        }
    }

    @Test("random mutations never crash, and the scanner, validator and parser agree", arguments: 0..<8)
    func mutations(seed: UInt64) {
        var random = RandomJSON(seed: 1000 + seed)
        let scanner = JSONObjectScanner()
        for _ in 0..<1500 {
            let value = random.chance(70) ? random.object() : random.value()
            let text = random.serialize(value)
            checkAgreement(random.mutate(Array(text.utf8)), scanner: scanner)
        }
    }

    /// Validation, object scanning and JSONValue parsing of `bytes` must
    /// accept and refuse alike, with the same message at the same place.
    private func checkAgreement(_ bytes: [UInt8], scanner: JSONObjectScanner,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let validation = validationError(bytes, scanner: scanner)
        let scan = scanError(bytes, scanner: scanner)
        let parse = bytes.withUnsafeBytes { buffer -> JSONError? in
            do throws(JSONError) {
                _ = try JSONValue(jsonBytes: buffer)
                return nil
            } catch {
                return error
            }
        }
        for error in [validation, scan, parse].compactMap({ $0 }) {
            #expect(error.offset >= 0 && error.offset <= bytes.count && error.line >= 1 && error.column >= 1,
                    "\(hex)", sourceLocation: sourceLocation)
        }
        if let validation {
            #expect(scan == validation, "\(hex)", sourceLocation: sourceLocation)
            if parse?.message != "number too large for a 64-bit float" {
                #expect(parse == validation, "\(hex)", sourceLocation: sourceLocation)
            }
        } else {
            let kind = bytes.withUnsafeBytes { try? scanner.validate($0) }
            if kind == .object {
                #expect(scan == nil, "\(hex)", sourceLocation: sourceLocation)
            } else {
                #expect(scan?.kind == .notAnObject(found: kind ?? .null), "\(hex)", sourceLocation: sourceLocation)
            }
            #expect(parse == nil || parse?.message == "number too large for a 64-bit float", "\(hex)",
                    sourceLocation: sourceLocation)
        }
    }

    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    } ?? ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
        .map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Python's `json`, made as strict as RFC 8259 and this kit: no NaN or
    /// Infinity, strict UTF-8, no lone surrogates, nesting up to 512.
    static let pythonScript = #"""
    import json, sys
    def constant(name):
        raise ValueError("constant " + name)
    def depth(value):
        deepest, stack = 0, [(value, 1)]
        while stack:
            item, level = stack.pop()
            if isinstance(item, (list, dict)):
                deepest = max(deepest, level)
                children = item.values() if isinstance(item, dict) else item
                stack.extend((child, level + 1) for child in children)
        return deepest
    out = []
    for line in open(sys.argv[1]):
        data = bytes.fromhex(line.strip())
        try:
            value = json.loads(data.decode("utf-8"), parse_constant=constant)
            json.dumps(value, ensure_ascii=False).encode("utf-8")  # lone surrogates fail here
            out.append("1" if depth(value) <= 512 else "0")
        except (ValueError, UnicodeError, RecursionError):
            out.append("0")
    print("".join(out))
    """#

    @Test("acceptance matches Python's json module on a corpus of tricky and mutated documents",
          .enabled(if: JSONFuzzTests.python != nil, "python3 is not installed"))
    func matchesPython() throws {
        var corpus = jsonSuiteCases.map(\.bytes)
        var random = RandomJSON(seed: 4242)
        for _ in 0..<4000 {
            let value = random.chance(50) ? random.object() : random.value()
            let valid = Array(random.serialize(value).utf8)
            let keep = random.chance(15)
            corpus.append(keep ? valid : random.mutate(valid))
        }
        let folder = NSTemporaryDirectory() + "etl-json-corpus-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/corpus.hex"
        let lines = corpus.map { $0.map { String(format: "%02x", $0) }.joined() }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python!)
        process.arguments = ["-c", Self.pythonScript, file]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let verdicts = Array(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines))
        process.waitUntilExit()
        try #require(process.terminationStatus == 0 && verdicts.count == corpus.count)

        var accepted = 0
        var disagreements: [String] = []
        for (index, bytes) in corpus.enumerated() {
            let ours = validationError(bytes)
            if ours == nil { accepted += 1 }
            if (ours == nil) != (verdicts[index] == "1") {
                disagreements.append("\(lines[index].prefix(200)): python \(verdicts[index]), ours "
                    + (ours.map(\.description) ?? "accepted"))
            }
        }
        let summary = disagreements.prefix(10).joined(separator: "\n")
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements:\n\(summary)")
        // Both outcomes are well represented, or the comparison proves little.
        #expect(accepted > corpus.count / 10 && accepted < corpus.count * 9 / 10, "\(accepted) of \(corpus.count)")
    }
}
