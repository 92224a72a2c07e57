@testable import ETLPluginKit
import Testing

@Suite("JSONLinesReader: JSON Lines into record batches")
struct JSONLinesReaderTests {
    /// Every record of `text` as (line, bytes as text), read with reads of
    /// at most `readSize` bytes into a reader with `chunkSize` chunks.
    private func records(_ text: String, readSize: Int = .max, chunkSize: Int = 16,
                         maxLineBytes: Int = JSONLinesReader.defaultMaxLineBytes) throws -> [Record] {
        try records(Array(text.utf8), readSize: readSize, chunkSize: chunkSize, maxLineBytes: maxLineBytes)
    }

    private func records(_ bytes: [UInt8], readSize: Int = .max, chunkSize: Int = 16,
                         maxLineBytes: Int = JSONLinesReader.defaultMaxLineBytes) throws -> [Record] {
        let reader = JSONLinesReader(input: MemoryInput(bytes, maxReadSize: readSize), fileName: "events.jsonl",
                                     chunkSize: chunkSize, maxLineBytes: maxLineBytes)
        let builder = try ArrowBatchBuilder(schema: JSONLinesReader.schema)
        var result: [Record] = []
        var more = true
        while more {
            more = try reader.readBatch(into: builder, maxRows: 3)
            let batch = try roundTrip(builder)
            for row in 0..<batch.rowCount {
                result.append(Record(batch.int64(row: row, column: 1)!, batch.string(row: row, column: 0)!))
            }
        }
        return result
    }

    struct Record: Equatable, CustomStringConvertible {
        var line: Int64
        var text: String
        init(_ line: Int64, _ text: String) {
            self.line = line
            self.text = text
        }
        var description: String { "\(line): \(text)" }
    }

    @Test("the schema: one record column and the line number")
    func schema() {
        #expect(JSONLinesReader.schema.fields.map(\.description) == ["_record: utf8 record", "_line: int64"])
        #expect(JSONLinesReader.schema.fields[0].metadata["etl.record"] == "1")
    }

    @Test("each line is a record, byte for byte; blank lines are skipped but counted")
    func lines() throws {
        let text = "{\"a\":1}\n\n  \t \n{ \"b\" : [1, {\"c\":\"\\u00e9\"}] }  \n\r\n{}\n{\"é\":\"ü\"}"
        let expected = [Record(1, #"{"a":1}"#), Record(4, #"{ "b" : [1, {"c":"\u00e9"}] }  "#), Record(6, "{}"),
                        Record(7, #"{"é":"ü"}"#)]
        for readSize in [1, 2, 3, 7, 1000] {
            #expect(try records(text, readSize: readSize) == expected, "read size \(readSize)")
        }
    }

    @Test("CRLF line ends, a byte order mark and a last line without a line break")
    func lineEnds() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("{\"a\":1}\r\n{\"b\":2}\r\n\r\n{\"c\":3}".utf8)
        for readSize in [1, 2, 5, 100] {
            #expect(try records(bytes, readSize: readSize) == [
                Record(1, #"{"a":1}"#), Record(2, #"{"b":2}"#), Record(4, #"{"c":3}"#),
            ], "read size \(readSize)")
        }
        #expect(try records("") == [])
        #expect(try records("\n\n  \n") == [])
        #expect(try records([0xEF, 0xBB, 0xBF]) == [])
        #expect(try records("{}") == [Record(1, "{}")])
        // A byte order mark anywhere else is not whitespace.
        #expect(pluginError { _ = try records([0x0A, 0xEF, 0xBB, 0xBF] + Array("{}".utf8)) }
            == PluginError.data("events.jsonl line 2, column 1: expected a value, found a byte order mark (U+FEFF)"))
    }

    @Test("lines longer than a chunk are read whole")
    func longLines() throws {
        let long = #"{"text":""# + String(repeating: "0123456789", count: 1000) + #""}"#
        let text = "{\"a\":1}\n" + long + "\n{\"b\":2}\n" + long
        for (readSize, chunkSize) in [(7, 16), (4096, 16), (1, 64), (100_000, 1 << 20)] {
            #expect(try records(text, readSize: readSize, chunkSize: chunkSize)
                == [Record(1, #"{"a":1}"#), Record(2, long), Record(3, #"{"b":2}"#), Record(4, long)])
        }
    }

    @Test("the read buffer grows for a long line and shrinks back after it")
    func bufferStaysBounded() throws {
        var text = "{\"a\":0}\n{\"long\":\"" + String(repeating: "x", count: 10_000) + "\"}\n"
        for index in 1...2000 { text += #"{"i":\#(index)}"# + "\n" }
        let reader = JSONLinesReader(input: MemoryInput(text), fileName: "e.jsonl", chunkSize: 64)
        var largest = 0
        var count = 0
        while let record = try reader.nextRecord() {
            largest = max(largest, reader.bufferCapacity)
            count += 1
            if record.line == 2 { #expect(record.bytes.count == 10_011) }
        }
        #expect(count == 2002)
        #expect(largest >= 10_011)
        #expect(reader.bufferCapacity <= 4 * 64)
    }

    @Test("a line over the limit is an error naming the line and the limit")
    func tooLong() throws {
        let text = "{\"a\":1}\n{\"b\":\"" + String(repeating: "x", count: 200) + "\"}\n"
        #expect(pluginError { _ = try records(text, readSize: 10, chunkSize: 16, maxLineBytes: 100) }
            == PluginError.data("events.jsonl line 2 is longer than 100 bytes, the limit for one record; is the "
                + "file JSON Lines (one object per line)?"))
        // A line of exactly the limit is fine, with or without a CR.
        let exact = "{\"b\":\"" + String(repeating: "x", count: 92) + "\"}"
        #expect(try records(exact + "\r\n" + exact, readSize: 10, maxLineBytes: 100).count == 2)
    }

    @Test("malformed lines fail with the file, line, column and reason")
    func errors() throws {
        let cases: [(String, String)] = [
            ("{\"a\":1}\n{\"a\":1 \"b\":2}\n", "events.jsonl line 2, column 8: expected ',' or '}' after an object member"),
            ("\n\n[1, 2]\n", "events.jsonl line 3: expected a JSON object, found an array"),
            ("\"text\"", "events.jsonl line 1: expected a JSON object, found a string"),
            ("{\"a\":1}\n{\"a\":1}{\"a\":2}", "events.jsonl line 2, column 8: trailing characters after the document"),
            ("{\"é\":\"\\x\"}", #"events.jsonl line 1, column 7: invalid escape \x"#),
            ("{\"a\":\n1}", "events.jsonl line 1, column 6: expected a value, found the end of the document"),
            ("{\"a\":1}\r{\"b\":2}", "events.jsonl line 1, column 9: trailing characters after the document"),
        ]
        for (text, message) in cases {
            #expect(pluginError { _ = try records(text, readSize: 3) } == PluginError.data(message), "\(text)")
        }
        #expect(pluginError { _ = try records(Array("{\"a\":\"".utf8) + [0xC3, 0x28] + Array("\"}".utf8)) }
            == PluginError.data("events.jsonl line 1, column 7: invalid UTF-8"))
    }

    @Test("a bad-record handler can take malformed lines, which are then skipped")
    func badRecordHandler() throws {
        let text = "{\"a\":1}\n[1]\n{\"b\" 2}\n{\"c\":3}\n{oops}\n{\"d\":4}\n"
        let reader = JSONLinesReader(input: MemoryInput(text, maxReadSize: 3), fileName: "e.jsonl")
        var offered: [String] = []
        reader.badRecordHandler = { location, raw, reason in
            offered.append("\(location) | \(String(decoding: raw, as: UTF8.self)) | \(reason)")
            return offered.count <= 2
        }
        var lines: [Int] = []
        let error = pluginError {
            while let record = try reader.nextRecord() { lines.append(record.line) }
        }
        #expect(lines == [1, 4])
        #expect(offered == [
            "e.jsonl line 2 | [1] | expected a JSON object, found an array",
            #"e.jsonl line 3, column 6 | {"b" 2} | expected ':' after an object key"#,
            "e.jsonl line 5, column 2 | {oops} | expected a string key or '}'",
        ])
        #expect(error == PluginError.data("e.jsonl line 5, column 2: expected a string key or '}'"))
        #expect(reader.recordsSkipped == 2)
    }

    @Test("the rows before a bad line are kept in the builder")
    func rowsBeforeError() throws {
        let reader = JSONLinesReader(input: MemoryInput("{\"a\":1}\n{\"b\":2}\n{oops}\n"), fileName: "e.jsonl")
        let builder = try ArrowBatchBuilder(schema: JSONLinesReader.schema)
        #expect(pluginError { _ = try reader.readBatch(into: builder) }
            == PluginError.data("e.jsonl line 3, column 2: expected a string key or '}'"))
        #expect(builder.rowCount == 2)
        #expect(reader.recordsRead == 2)
    }

    @Test("batches stop at the row limit and at the byte limit")
    func batchLimits() throws {
        var text = ""
        for index in 1...10 { text += #"{"n":\#(index),"pad":"0123456789"}"# + "\n" }
        let reader = JSONLinesReader(input: MemoryInput(text), fileName: "e.jsonl")
        let builder = try ArrowBatchBuilder(schema: JSONLinesReader.schema)
        #expect(try reader.readBatch(into: builder, maxRows: 4))
        #expect(builder.rowCount == 4)
        _ = try roundTrip(builder)
        // Each line is 26 bytes: a limit of 70 bytes stops after the third.
        #expect(try reader.readBatch(into: builder, maxRows: 100, maxBytes: 70))
        let batch = try roundTrip(builder)
        #expect((0..<batch.rowCount).map { batch.int64(row: $0, column: 1) } == [5, 6, 7])
        #expect(try !reader.readBatch(into: builder, maxRows: 100))
        #expect(builder.rowCount == 3)
        #expect(try !reader.readBatch(into: builder))
    }

    @Test("nextRecord returns validated lines without a builder")
    func nextRecord() throws {
        let reader = JSONLinesReader(input: MemoryInput("\n{\"a\":1}\n\n{}"), fileName: "e.jsonl")
        let first = try #require(try reader.nextRecord())
        #expect(first.line == 2 && String(decoding: first.bytes, as: UTF8.self) == #"{"a":1}"#)
        let second = try #require(try reader.nextRecord())
        #expect(second.line == 4 && String(decoding: second.bytes, as: UTF8.self) == "{}")
        #expect(try reader.nextRecord() == nil)
        #expect(try reader.nextRecord() == nil)
    }
}
