import ETLHost
import ETLPluginKit
import Foundation
import Glibc
import Testing

/// Drives the built `libetl_csv.so` through the C ABI, as the host does:
/// dlopen, etl_plugin_init, open, discover, read (ArrowArrayStream).
enum CSVPlugin {
    /// The plugin library next to this test binary (built by
    /// `swift build --build-tests`).
    static let libraryPath: String? = {
        var folder = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        while folder != "/" && !folder.isEmpty {
            folder = (folder as NSString).deletingLastPathComponent
            let candidate = (folder as NSString).appendingPathComponent("libetl_csv.so")
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// The descriptor, loaded once per process (plugins are never unloaded).
    nonisolated(unsafe) static let descriptor: Result<etl_plugin, PluginError> = {
        guard let path = libraryPath else {
            return .failure(PluginError.notFound("libetl_csv.so was not found next to the test binary; "
                + "build it first: swift build --build-tests"))
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            return .failure(PluginError.io("dlopen \(path): \(String(cString: dlerror()))"))
        }
        guard let symbol = dlsym(handle, "etl_plugin_init") else {
            return .failure(PluginError.io("\(path) does not export etl_plugin_init"))
        }
        let initialize = unsafeBitCast(symbol, to: etl_plugin_init_fn.self)
        var plugin = etl_plugin()
        plugin.struct_size = UInt32(MemoryLayout<etl_plugin>.size)
        var error = etl_error()
        error.struct_size = UInt32(MemoryLayout<etl_error>.size)
        let status = initialize(ETLABI.version, nil, &plugin, &error)
        guard status == 0 else { return .failure(PluginError(taking: &error, status: status)) }
        return .success(plugin)
    }()

    static func plugin() throws -> etl_plugin { try descriptor.get() }

    /// Opens an instance with `config`; throws the plugin's error.
    static func open(_ config: String) throws -> Instance {
        let plugin = try plugin()
        var error = etl_error()
        error.struct_size = UInt32(MemoryLayout<etl_error>.size)
        var instance: OpaquePointer?
        let status = config.withCString { json in
            var request = etl_open_request(struct_size: UInt32(MemoryLayout<etl_open_request>.size),
                                           config_json: json, host_context: nil)
            return plugin.open(&request, &instance, &error)
        }
        guard status == 0 else { throw PluginError(taking: &error, status: status) }
        return Instance(plugin: plugin, handle: instance!)
    }

    /// An open instance, closed on deinit.
    final class Instance {
        let plugin: etl_plugin
        let handle: OpaquePointer

        init(plugin: etl_plugin, handle: OpaquePointer) {
            self.plugin = plugin
            self.handle = handle
        }

        deinit { plugin.close(handle) }

        func discover() throws -> String {
            var buffer = etl_buffer()
            buffer.struct_size = UInt32(MemoryLayout<etl_buffer>.size)
            var error = etl_error()
            error.struct_size = UInt32(MemoryLayout<etl_error>.size)
            let status = plugin.extractor.pointee.discover(handle, &buffer, &error)
            guard status == 0 else { throw PluginError(taking: &error, status: status) }
            return ETLBuffer.take(&buffer)
        }

        func read(_ stream: String) throws -> ArrowStreamReader {
            var out = ArrowArrayStream()
            var error = etl_error()
            error.struct_size = UInt32(MemoryLayout<etl_error>.size)
            let status = stream.withCString { name in
                var request = etl_read_request(struct_size: UInt32(MemoryLayout<etl_read_request>.size),
                                               stream: name, state_json: nil, keys_only: 0)
                return plugin.extractor.pointee.read(handle, &request, &out, &error)
            }
            guard status == 0 else { throw PluginError(taking: &error, status: status) }
            return try ArrowStreamReader(taking: &out)
        }

        /// Every row of a stream, as text.
        func rows(_ stream: String) throws -> [[String?]] {
            let reader = try read(stream)
            var rows: [[String?]] = []
            while let batch = try reader.next() {
                for row in 0..<batch.rowCount {
                    rows.append((0..<batch.columnCount).map { batch.string(row: row, column: $0) })
                }
            }
            return rows
        }
    }

    /// A new temporary folder holding `files` (name -> contents).
    static func folder(_ files: [String: String]) throws -> String {
        let path = NSTemporaryDirectory() + "etl-csv-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        for (name, contents) in files {
            let file = (path as NSString).appendingPathComponent(name)
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: URL(fileURLWithPath: file))
        }
        return path
    }
}

@Suite("The csv plugin, loaded with dlopen")
struct CSVPluginTests {
    @Test("the descriptor names the plugin and its config schema")
    func descriptor() throws {
        let plugin = try CSVPlugin.plugin()
        #expect(String(cString: plugin.name) == "csv")
        #expect(plugin.kind == Int32(ETL_KIND_EXTRACTOR.rawValue))
        #expect(String(cString: plugin.language) == "swift")
        #expect(String(cString: plugin.toolchain) == ETLToolchain.current)
        #expect(plugin.extractor.pointee.checkpoint == nil)
        let schema = try JSONValue(parsing: String(cString: plugin.config_schema))
        #expect(schema["additionalProperties"] == .bool(false))
        #expect(schema["required"] == .array([.string("path")]))
        #expect(schema["properties"]?["encoding"]?["enum"] == .array([.string("utf-8")]))
    }

    @Test("discover lists one stream per file, with the header's columns")
    func discover() throws {
        let folder = try CSVPlugin.folder([
            "data/orders.csv": "id,amount\n1,9.50\n", "data/customers.csv": "\u{FEFF}id;name\n",
            "data/notes.txt": "x",
        ])
        let instance = try CSVPlugin.open(#"{"path": "\#(folder)/data/*.csv"}"#)
        #expect(try instance.discover() == #"{"streams":[{"fields":[{"name":"id;name"}],"#
            + #""name":"customers"},{"fields":[{"name":"id"},{"name":"amount"}],"#
            + #""name":"orders"}]}"#)
    }

    @Test("read streams the rows of a file as untyped text")
    func read() throws {
        let folder = try CSVPlugin.folder(["orders.csv": "id;note\r\n1;\"a;b\"\r\n2;\r\n3;\"\"\r\n"])
        let instance = try CSVPlugin.open(#"{"path": "\#(folder)/orders.csv", "delimiter": ";", "stream": "o"}"#)
        #expect(try instance.discover() == #"{"streams":[{"fields":[{"name":"id"},"#
            + #"{"name":"note"}],"name":"o"}]}"#)
        let reader = try instance.read("o")
        #expect(reader.schema == CSVReader.schema(columns: ["id", "note"]))
        let batch = try #require(try reader.next())
        #expect(batch.rowCount == 3)
        #expect((0..<3).map { batch.string(row: $0, column: 1) } == ["a;b", nil, ""])
        #expect(try reader.next() == nil)
    }

    @Test("a path naming an existing file is taken literally, even with glob characters")
    func literalPath() throws {
        let folder = try CSVPlugin.folder(["data[1].csv": "a\n1\n", "data1.csv": "a\n2\n"])
        let instance = try CSVPlugin.open(#"{"path": "\#(folder)/data[1].csv"}"#)
        #expect(try instance.rows("data[1]") == [["1"]])
    }

    @Test("a large file arrives in batches of 65,536 rows")
    func batches() throws {
        var text = "n,word\n"
        for n in 0..<150_000 { text += "\(n),w\(n % 7)\n" }
        let folder = try CSVPlugin.folder(["big.csv": text])
        let instance = try CSVPlugin.open(#"{"path": "\#(folder)/big.csv"}"#)
        let reader = try instance.read("big")
        var sizes: [Int] = []
        var last: String?
        while let batch = try reader.next() {
            sizes.append(batch.rowCount)
            last = batch.string(row: batch.rowCount - 1, column: 0)
        }
        #expect(sizes == [65_536, 65_536, 18_928])
        #expect(last == "149999")
    }

    @Test("a malformed row fails the stream with EBADMSG and a message naming the file and line")
    func badRow() throws {
        let folder = try CSVPlugin.folder(["orders.csv": "a,b\n1,2\n1,2,3\n"])
        let instance = try CSVPlugin.open(#"{"path": "\#(folder)/orders.csv"}"#)
        let reader = try instance.read("orders")
        #expect(pluginError { _ = try reader.next() }
            == PluginError.data("\(folder)/orders.csv line 3: expected 2 fields, found 3"))
    }

    @Test("config mistakes are reported at open")
    func configErrors() throws {
        #expect(pluginError { _ = try CSVPlugin.open(#"{"path": "x.csv", "delimiter": "::"}"#) }
            == PluginError.invalidArgument(
                "config \"delimiter\" must be a single ASCII character such as \",\" \";\" or \"\\t\"; got \"::\""))
        #expect(pluginError { _ = try CSVPlugin.open(#"{"path": "x.csv", "encoding": "latin-1"}"#) }
            == PluginError.invalidArgument("config \"encoding\" is \"latin-1\" but only \"utf-8\" is supported; "
                + "convert the file first (e.g. iconv -f latin-1 -t utf-8)"))
        #expect(pluginError { _ = try CSVPlugin.open(#"{"path": "x.csv", "header": true}"#) }
            == PluginError.invalidArgument("unknown config key \"header\"; valid keys are \"batch_rows\", "
                + "\"delimiter\", \"encoding\", \"has_header\", \"path\", \"quote\", \"stream\""))
        #expect(pluginError { _ = try CSVPlugin.open("{}") }
            == PluginError.invalidArgument("config \"path\" is required (a string)"))
    }

    @Test("files are resolved with actionable errors")
    func fileErrors() throws {
        let folder = try CSVPlugin.folder(["a/orders.csv": "x\n", "b/orders.csv": "x\n", "b/items.csv": "x\n"])
        #expect(pluginError { _ = try CSVPlugin.open(#"{"path": "\#(folder)/*/orders.csv"}"#).discover() }
            == PluginError.invalidArgument("\(folder)/a/orders.csv and \(folder)/b/orders.csv would both be stream "
                + "\"orders\"; narrow \"path\" so that file names are unique"))
        #expect(pluginError { _ = try CSVPlugin.open(#"{"path": "\#(folder)/b/*.csv", "stream": "s"}"#).discover() }
            == PluginError.invalidArgument("config \"stream\" names the stream of a single file, but "
                + "\"\(folder)/b/*.csv\" matches 2 files; remove \"stream\" to name each stream after its file"))
        #expect(pluginError { _ = try CSVPlugin.open(#"{"path": "\#(folder)/c/*.csv"}"#).discover() }
            == PluginError.notFound("no file matches \"\(folder)/c/*.csv\"; check the directory and the pattern"))
        #expect(pluginError { _ = try CSVPlugin.open(#"{"path": "\#(folder)/nope.csv"}"#).discover() }
            == PluginError.notFound("file \"\(folder)/nope.csv\" does not exist"))
        #expect(pluginError { _ = try CSVPlugin.open(#"{"path": "\#(folder)/b/*.csv"}"#).read("customers") }
            == PluginError.invalidArgument("unknown stream \"customers\"; \"\(folder)/b/*.csv\" gives "
                + "\"items\", \"orders\""))
    }
}
