import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// The built `libetl_jsonl.so`, driven as the host drives it: PluginLoader
/// (dlopen, etl_plugin_init, descriptor checks) and PluginInstance (open,
/// discover, read through the ArrowArrayStream).
enum JSONLPlugin {
    static var libraryPath: String { TestSupport.productsDirectory + "/libetl_jsonl.so" }

    static func load() throws -> LoadedPlugin { try PluginLoader().load(libraryAt: libraryPath) }

    /// Opens an instance with a config of string values.
    static func open(_ config: [String: String]) throws -> PluginInstance {
        try PluginInstance(plugin: load(), configJSON: JSONValue.object(config.mapValues { .string($0) }).jsonText)
    }

    /// A new temporary folder holding `files` (name -> bytes).
    static func folder(_ files: [String: [UInt8]]) throws -> String {
        let path = try TestSupport.temporaryDirectory("jsonl")
        for (name, bytes) in files {
            let file = (path as NSString).appendingPathComponent(name)
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: file))
        }
        return path
    }

    static func folder(_ files: [String: String]) throws -> String {
        try folder(files.mapValues { Array($0.utf8) })
    }
}

/// One row of a jsonl stream.
struct Row: Equatable, CustomStringConvertible {
    var line: Int64
    var record: String

    init(_ line: Int64, _ record: String) {
        self.line = line
        self.record = record
    }

    var description: String { "\(line): \(record)" }
}

extension PluginInstance {
    /// Every row of `stream`, in either shape: a record sent whole
    /// (`_record`) as its text, a row of member columns as the compact
    /// object they spell (`{"a":1,"b":"x"}`, nulls left out).
    func rows(_ stream: String) throws -> [Row] {
        let reader = try read(stream: stream)
        var rows: [Row] = []
        while let batch = try reader.next() { rows += batch.jsonlRows }
        return rows
    }
}

extension ImportedBatch {
    /// The index of the column called `name`.
    func column(_ name: String) -> Int? { schema.fields.firstIndex { $0.name == name } }

    /// The rows of a jsonl batch (see ``PluginInstance/rows(_:)``).
    var jsonlRows: [Row] {
        let line = column("_line")!
        let record = column("_record")!
        let members = schema.fields.indices.filter { schema.fields[$0].annotation == .member }
        return (0..<rowCount).map { row in
            if let whole = string(row: row, column: record) { return Row(int64(row: row, column: line)!, whole) }
            let parts = members.compactMap { index in
                string(row: row, column: index).map { JSONValue.string(schema.fields[index].name).jsonText + ":" + $0 }
            }
            return Row(int64(row: row, column: line)!, "{" + parts.joined(separator: ",") + "}")
        }
    }
}

/// The HostError that `body` throws, or nil.
func hostError(_ body: () throws -> Void) -> HostError? {
    do {
        try body()
        return nil
    } catch let error as HostError {
        return error
    } catch {
        return HostError(.io, "not a HostError: \(error)")
    }
}

@Suite("The jsonl plugin, loaded by the host")
struct JSONLPluginTests {
    @Test("the descriptor: an extractor named jsonl, and its config schema")
    func descriptor() throws {
        let plugin = try JSONLPlugin.load()
        #expect(plugin.descriptor.name == "jsonl")
        #expect(plugin.descriptor.kind == .extractor)
        #expect(plugin.descriptor.version == "0.1.0")
        #expect(plugin.descriptor.language == "swift")
        #expect(plugin.descriptor.toolchain == ETLToolchain.current)
        #expect(!plugin.descriptor.optionalOperations.contains("checkpoint"))
        let schema = try JSONValue(jsonText: plugin.descriptor.configSchema)
        #expect(schema["additionalProperties"] == .bool(false))
        #expect(schema["required"] == .array([.string("path")]))
        guard case .object(let properties)? = schema["properties"] else {
            Issue.record("the schema has no properties")
            return
        }
        #expect(properties.keys.sorted() == ["path", "shape", "stream"])
        #expect(properties["shape"]?["enum"] == .array([.string("members"), .string("lines")]))
        #expect(properties["shape"]?["default"] == .string("members"))
        #expect(properties["path"]?["type"] == .string("string"))
    }

    @Test("discover lists one stream per file, without type hints or keys")
    func discover() throws {
        let folder = try JSONLPlugin.folder(["in/events.jsonl": "{}\n", "in/users.jsonl": "{}\n", "in/notes.txt": "x"])
        let instance = try JSONLPlugin.open(["path": "\(folder)/in/*.jsonl"])
        #expect(try instance.discover() == #"{"streams":[{"name":"events"},{"name":"users"}]}"#)
        try instance.check()
        let single = try JSONLPlugin.open(["path": "\(folder)/in/users.jsonl", "stream": "people"])
        #expect(try single.discover() == #"{"streams":[{"name":"people"}]}"#)
    }

    @Test("shape lines: read emits each line byte for byte, with its line number")
    func read() throws {
        let text = "{\"id\":1,\"name\":\"Ada\",\"tags\":[\"a\",{\"b\":null}]}\n"
            + "{ \"id\" : 2 , \"name\":\"Gr\\u00e4ce\", \"late\": {\"x\": 1.5e3} }\n"
            + "{\"id\":3,\"big\":12345678901234567890,\"é\":\"ü\"}\n"
        let folder = try JSONLPlugin.folder(["events.jsonl": text])
        let instance = try JSONLPlugin.open(["path": "\(folder)/events.jsonl", "shape": "lines"])
        let reader = try instance.read(stream: "events")
        #expect(reader.schema == JSONLinesReader.schema)
        #expect(reader.schema.fields[0].annotation == .record)
        #expect(reader.schema.fields[0].metadata["etl.record"] == "1")
        let batch = try #require(try reader.next())
        #expect(batch.rowCount == 3)
        #expect(batch.nullCount(column: 0) == 0 && batch.nullCount(column: 1) == 0)
        let lines = text.split(separator: "\n").map(String.init)
        #expect((0..<3).map { Row(batch.int64(row: $0, column: 1)!, batch.string(row: $0, column: 0)!) }
            == [Row(1, lines[0]), Row(2, lines[1]), Row(3, lines[2])])
        #expect(try reader.next() == nil)
        #expect(instance.context.progress["events"] == 3)
    }

    @Test("a byte order mark, CRLF, blank and whitespace lines, and no final line break", arguments: ["members", "lines"])
    func lineEnds(shape: String) throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("{\"a\":1}\r\n\r\n   \t\n{\"b\":2}\n\n{\"c\":3}".utf8)
        let folder = try JSONLPlugin.folder(["e.jsonl": bytes])
        let instance = try JSONLPlugin.open(["path": "\(folder)/e.jsonl", "shape": shape])
        #expect(try instance.rows("e") == [Row(1, #"{"a":1}"#), Row(4, #"{"b":2}"#), Row(6, #"{"c":3}"#)])
    }

    @Test("a glob with two files gives two streams, each read on its own", arguments: ["members", "lines"])
    func glob(shape: String) throws {
        let folder = try JSONLPlugin.folder(["2024/a.jsonl": "{\"n\":1}\n{\"n\":2}\n", "2024/b.jsonl": "\n{\"m\":true}\n"])
        let instance = try JSONLPlugin.open(["path": "\(folder)/2024/*.jsonl", "shape": shape])
        #expect(try instance.rows("a") == [Row(1, #"{"n":1}"#), Row(2, #"{"n":2}"#)])
        #expect(try instance.rows("b") == [Row(2, #"{"m":true}"#)])
        #expect(hostError { _ = try instance.read(stream: "c") }?.message.contains(
            "unknown stream \"c\"; \"\(folder)/2024/*.jsonl\" gives \"a\", \"b\"") == true)
    }

    @Test("a line longer than the 1 MiB read chunk arrives whole", arguments: ["members", "lines"])
    func longLine(shape: String) throws {
        let long = #"{"n":1,"blob":""# + String(repeating: "abcdefghij", count: 300_000) + #""}"#
        let folder = try JSONLPlugin.folder(["long.jsonl": "{\"n\":0}\n" + long + "\n{\"n\":2}\n"])
        let rows = try JSONLPlugin.open(["path": "\(folder)/long.jsonl", "shape": shape]).rows("long")
        #expect(rows.map(\.line) == [1, 2, 3])
        #expect(rows[1].record == long)
        #expect(rows[2].record == #"{"n":2}"#)
    }

    @Test("a large file arrives in batches of 65,536 rows, memory bounded by the batch", arguments: ["members", "lines"])
    func batches(shape: String) throws {
        var text = ""
        for index in 1...150_000 { text += #"{"i":\#(index),"w":"w\#(index % 7)"}"# + "\n" }
        let folder = try JSONLPlugin.folder(["big.jsonl": text])
        let reader = try JSONLPlugin.open(["path": "\(folder)/big.jsonl", "shape": shape]).read(stream: "big")
        var sizes: [Int] = []
        var lastLine: Int64?
        while let batch = try reader.next() {
            sizes.append(batch.rowCount)
            lastLine = batch.int64(row: batch.rowCount - 1, column: batch.column("_line")!)
        }
        #expect(sizes == [65_536, 65_536, 18_928])
        #expect(lastLine == 150_000)
    }

    @Test("a malformed line fails the stream naming the file, line and column", arguments: ["members", "lines"])
    func malformed(shape: String) throws {
        let good = String(repeating: "{\"ok\":true}\n", count: 11)
        let events: [UInt8] = Array((good + "{\"a\":1\"b\":2}\n{\"never\":1}\n").utf8)
        let arrays: [UInt8] = Array("{}\n\n[1, 2]\n".utf8)
        var utf8: [UInt8] = Array("{\"s\":\"".utf8)
        utf8 += [0xFF]
        utf8 += Array("\"}\n".utf8)
        let folder = try JSONLPlugin.folder(["events.jsonl": events, "arrays.jsonl": arrays, "utf8.jsonl": utf8])
        let instance = try JSONLPlugin.open(["path": "\(folder)/*.jsonl", "shape": shape])
        let cases = [
            ("events", "\(folder)/events.jsonl line 12, column 7: expected ',' or '}' after an object member"),
            ("arrays", "\(folder)/arrays.jsonl line 3: expected a JSON object, found an array"),
            ("utf8", "\(folder)/utf8.jsonl line 1, column 7: invalid UTF-8"),
        ]
        for (stream, message) in cases {
            let reader = try instance.read(stream: stream)
            let error = hostError { while try reader.next() != nil {} }
            #expect(error?.pluginStatus == PluginError.Code.data.rawValue, "\(stream)")
            #expect(error?.message.contains(message) == true, "\(stream): \(error?.message ?? "no error")")
        }
    }

    @Test("malformed lines go to the host's rejects while its allowance lasts (--max-bad-rows)", arguments: ["members", "lines"])
    func rejects(shape: String) throws {
        let folder = try JSONLPlugin.folder(["r.jsonl": "{\"a\":1}\n[1]\n{\"b\":2}\n{\"c\" 3}\n{\"d\":4}\n"])
        let instance = try JSONLPlugin.open(["path": "\(folder)/r.jsonl", "shape": shape])
        instance.context.allowRejects(2)
        #expect(try instance.rows("r") == [Row(1, #"{"a":1}"#), Row(3, #"{"b":2}"#), Row(5, #"{"d":4}"#)])
        let taken = instance.context.takeRejects().map {
            "\($0.stream) | \($0.location) | \(String(decoding: $0.raw, as: UTF8.self)) | \($0.reason)"
        }
        #expect(taken == [
            "r | \(folder)/r.jsonl line 2 | [1] | expected a JSON object, found an array",
            #"r | \#(folder)/r.jsonl line 4, column 6 | {"c" 3} | expected ':' after an object key"#,
        ])
        instance.context.allowRejects(1)
        let error = hostError { _ = try instance.rows("r") }
        #expect(error?.message.contains("\(folder)/r.jsonl line 4, column 6: expected ':' after an object key") == true,
                "\(error?.message ?? "no error")")
    }

    @Test("cancel stops the stream before its next batch", arguments: ["members", "lines"])
    func cancel(shape: String) throws {
        var text = ""
        for index in 1...70_000 { text += #"{"i":\#(index)}"# + "\n" }
        let folder = try JSONLPlugin.folder(["c.jsonl": text])
        let instance = try JSONLPlugin.open(["path": "\(folder)/c.jsonl", "shape": shape])
        let reader = try instance.read(stream: "c")
        #expect(try reader.next()?.rowCount == 65_536)
        instance.cancel()
        let error = hostError { _ = try reader.next() }
        #expect(error?.pluginStatus == PluginError.Code.cancelled.rawValue)
        #expect(error?.message.contains("reading stream \"c\" was cancelled") == true, "\(error?.message ?? "")")
    }

    @Test("config mistakes are refused at open with the valid keys")
    func config() throws {
        let unknown = hostError { _ = try JSONLPlugin.open(["path": "x.jsonl", "delimiter": ","]) }
        #expect(unknown?.message.contains("unknown config key \"delimiter\"; valid keys are \"path\", \"shape\", \"stream\"") == true)
        let shape = hostError { _ = try JSONLPlugin.open(["path": "x.jsonl", "shape": "columns"]) }
        #expect(shape?.message.contains(#"config "shape" must be "members" or "lines", got "columns""#) == true, "\(shape?.message ?? "")")
        let empty = hostError { _ = try JSONLPlugin.open(["path": ""]) }
        #expect(empty?.message.contains("config \"path\" is empty") == true)
        let missing = hostError { _ = try PluginInstance(plugin: JSONLPlugin.load(), configJSON: "{}") }
        #expect(missing?.message.contains("config \"path\" is required (a string)") == true)
        let folder = try JSONLPlugin.folder(["a.jsonl": "{}", "b.jsonl": "{}"])
        let several = hostError { _ = try JSONLPlugin.open(["path": "\(folder)/*.jsonl", "stream": "s"]).discover() }
        #expect(several?.message.contains("matches 2 files; remove \"stream\"") == true)
        let none = hostError { _ = try JSONLPlugin.open(["path": "\(folder)/*.ndjson"]).discover() }
        #expect(none?.message.contains("no file matches \"\(folder)/*.ndjson\"") == true)
    }
}
