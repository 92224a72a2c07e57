import ETLPluginKit
import Foundation
import Testing

@Suite("FileSet: a path or glob resolved into one stream per file")
struct FileSetTests {
    private func folder(_ files: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "etl-fileset-\(getpid())-\(UUID().uuidString.prefix(8))"
        for name in files {
            let file = (path as NSString).appendingPathComponent(name)
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        }
        return path
    }

    @Test("a glob gives one stream per regular file, sorted, named after the file")
    func glob() throws {
        let root = try folder(["d/orders.jsonl", "d/customers.jsonl", "d/notes.txt", "d/sub.jsonl/x"])
        let set = try FileSet(path: "\(root)/d/*.jsonl")
        #expect(set.pattern == "\(root)/d/*.jsonl")
        #expect(set.files == [FileSet.File(stream: "customers", path: "\(root)/d/customers.jsonl"),
                              FileSet.File(stream: "orders", path: "\(root)/d/orders.jsonl")])
        #expect(set.streams == ["customers", "orders"])
        #expect(try set.file(forStream: "orders").path == "\(root)/d/orders.jsonl")
        #expect(pluginError { _ = try set.file(forStream: "items") }
            == PluginError.invalidArgument("unknown stream \"items\"; \"\(root)/d/*.jsonl\" gives \"customers\", "
                + "\"orders\""))
    }

    @Test("one file, literal even with glob characters; a stream name for a single file")
    func singleFile() throws {
        let root = try folder(["data[1].csv", "data1.csv"])
        #expect(try FileSet(path: "\(root)/data[1].csv").files
            == [FileSet.File(stream: "data[1]", path: "\(root)/data[1].csv")])
        #expect(try FileSet(path: "\(root)/data1.csv", stream: "events").files
            == [FileSet.File(stream: "events", path: "\(root)/data1.csv")])
    }

    @Test("errors name the pattern or both files")
    func errors() throws {
        let root = try folder(["a/orders.csv", "b/orders.csv", "b/items.csv", "c/dir/x"])
        #expect(pluginError { _ = try FileSet(path: "\(root)/*/orders.csv") }
            == PluginError.invalidArgument("\(root)/a/orders.csv and \(root)/b/orders.csv would both be stream "
                + "\"orders\"; narrow \"path\" so that file names are unique"))
        #expect(pluginError { _ = try FileSet(path: "\(root)/b/*.csv", stream: "s") }
            == PluginError.invalidArgument("config \"stream\" names the stream of a single file, but "
                + "\"\(root)/b/*.csv\" matches 2 files; remove \"stream\" to name each stream after its file"))
        #expect(pluginError { _ = try FileSet(path: "\(root)/z/*.csv") }
            == PluginError.notFound("no file matches \"\(root)/z/*.csv\"; check the directory and the pattern"))
        #expect(pluginError { _ = try FileSet(path: "\(root)/nope.csv") }
            == PluginError.notFound("file \"\(root)/nope.csv\" does not exist"))
        #expect(pluginError { _ = try FileSet(path: "\(root)/c/*") }
            == PluginError.notFound("\"\(root)/c/*\" matches no regular file (only \(root)/c/dir)"))
    }

    @Test("stream names drop the folder and the last extension")
    func streamNames() {
        #expect(FileSet.streamName(forPath: "data/orders.csv") == "orders")
        #expect(FileSet.streamName(forPath: "a.b.jsonl") == "a.b")
        #expect(FileSet.streamName(forPath: "dir/.hidden") == ".hidden")
        #expect(FileSet.streamName(forPath: "plain") == "plain")
        #expect(FileSet.streamName(forPath: "trailing/") == "trailing")
    }
}

@Suite("FileSet.pathAndStream")
struct FileSetConfigTests {
    @Test("reads path and stream, and refuses empty ones with a worked example")
    func pathAndStream() throws {
        let both = try FileSet.pathAndStream(from: PluginConfig(["path": .string("d/*.csv"), "stream": .string("s")]), example: "data/orders.csv")
        #expect(both.path == "d/*.csv")
        #expect(both.stream == "s")
        #expect(throws: PluginError.invalidArgument(#"config "path" is empty; give a file such as "data/orders.csv" or a glob such as "data/*.csv""#)) {
            try FileSet.pathAndStream(from: PluginConfig(["path": .string("")]), example: "data/orders.csv")
        }
        #expect(throws: PluginError.invalidArgument(#"config "stream" is empty; leave it out to name the stream after the file"#)) {
            try FileSet.pathAndStream(from: PluginConfig(["path": .string("a.jsonl"), "stream": .string("")]), example: "events.jsonl")
        }
    }
}
