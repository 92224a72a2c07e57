import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// A C plugin and a Swift plugin, loaded into this one process, each return
/// their rows through the Arrow C Data Interface.
@Suite struct PluginRowsTests {
    @Test func cAndSwiftPluginsReturnRowsInOneProcess() throws {
        let folder = try TestSupport.temporaryDirectory("rows")

        // The C fixture: three typed rows.
        let cLibrary = folder + "/libvariant.so"
        try TestSupport.compileCPlugin(["Tests/Fixtures/CPlugins/variant.c"], output: cLibrary)
        let cPlugin = try PluginLoader().load(libraryAt: cLibrary)
        #expect(cPlugin.descriptor.language == "c")
        let cInstance = try PluginInstance(plugin: cPlugin, configJSON: "{}")
        let cStream = try cInstance.read(stream: "numbers")
        #expect(cStream.schema.fields.map(\.name) == ["id", "label", "ok", "score"])
        #expect(cStream.schema.fields.map(\.type) == [.int64, .utf8, .bool, .float64])
        let cBatch = try #require(try cStream.next())
        #expect(cBatch.rowCount == 3)
        #expect((0 ..< 3).map { cBatch.int64(row: $0, column: 0) } == [1, 2, 3])
        #expect((0 ..< 3).map { cBatch.string(row: $0, column: 1) } == ["one", "two", "three"])
        #expect((0 ..< 3).map { cBatch.bool(row: $0, column: 2) } == [true, false, true])
        #expect((0 ..< 3).map { cBatch.double(row: $0, column: 3) } == [0.5, 1.5, nil])
        #expect(try cStream.next() == nil)

        // The bundled Swift plugin (csv), built with the host.
        let csv = folder + "/people.csv"
        try Data("id,First Name,note\r\n1,Ada,\"said \"\"hi\"\"\"\r\n2,Grace,\r\n".utf8).write(to: URL(fileURLWithPath: csv))
        let swiftPlugin = try PluginLoader().load(libraryAt: TestSupport.productsDirectory + "/libetl_csv.so")
        #expect(swiftPlugin.descriptor.language == "swift")
        #expect(swiftPlugin.descriptor.toolchain == ETLToolchain.current)
        let swiftInstance = try PluginInstance(plugin: swiftPlugin, configJSON: #"{"path": "\#(csv)"}"#)
        #expect(try swiftInstance.discover().contains(#""people""#))
        let swiftStream = try swiftInstance.read(stream: "people")
        #expect(swiftStream.schema.fields.map(\.name) == ["id", "First Name", "note"])
        let swiftBatch = try #require(try swiftStream.next())
        #expect(swiftBatch.rowCount == 2)
        #expect((0 ..< 2).map { swiftBatch.string(row: $0, column: 0) } == ["1", "2"])
        #expect((0 ..< 2).map { swiftBatch.string(row: $0, column: 1) } == ["Ada", "Grace"])
        #expect((0 ..< 2).map { swiftBatch.string(row: $0, column: 2) } == [#"said "hi""#, nil])
        #expect(try swiftStream.next() == nil)

        // Both stay usable side by side.
        #expect(try cInstance.read(stream: "numbers").next()?.rowCount == 3)
    }

    @Test func operationErrorsCarryThePluginsMessageAndCode() throws {
        let plugin = try PluginLoader().load(libraryAt: TestSupport.productsDirectory + "/libetl_csv.so")
        let instance = try PluginInstance(plugin: plugin, configJSON: #"{"path": "/nonexistent/nothing.csv"}"#)
        #expect { try instance.discover() } throws: { error in
            guard let error = error as? HostError else { return false }
            return error.kind == .operationFailed && error.pluginStatus == 3
                && error.message == #"plugin 'csv': discover failed: file "/nonexistent/nothing.csv" does not exist [ETL_ERR_NOT_FOUND (3)]"#
        }
    }
}
