import CETLPlugin
@testable import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// ``HostError``'s context fields (plugin, stream, table, row) are set
/// where the error is made, with the message unchanged, and reach the
/// stream's report as ``ErrorDetail``.
@Suite struct HostErrorContextTests {
    @Test func addingFillsOnlyTheMissingFieldsAndKeepsTheText() {
        let made = HostError(.badData, "stream 's' row 2: bad", pluginStatus: 4, sqlstate: "22003", stream: "s", location: "row 2")
        let added = made.adding(plugin: "sqlite", stream: "other", table: "t", location: "row 9")
        #expect(added.message == "stream 's' row 2: bad")
        #expect(added.plugin == "sqlite")
        #expect(added.stream == "s")
        #expect(added.table == "t")
        #expect(added.location == "row 2")
        #expect(added.sqlstate == "22003")
        #expect(added.pluginStatus == 4)
        #expect(made.plugin == nil && made.table == nil)
        let retyped = added.changingKind(to: .invalidArgument)
        #expect(retyped == HostError(.invalidArgument, "stream 's' row 2: bad", pluginStatus: 4, sqlstate: "22003",
                                     plugin: "sqlite", stream: "s", table: "t", location: "row 2"))
    }

    @Test func theDetailWritesOnlyTheKnownFieldsUnderSnakeCaseKeys() throws {
        let error = HostError(.operationFailed, "m", pluginStatus: 4, retryable: true, sqlstate: "40001", vendorCode: 7,
                              plugin: "variant", stream: "numbers", table: "numbers")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(error.detail), as: UTF8.self)
        #expect(json == #"{"kind":"operationFailed","plugin":"variant","plugin_status":4,"sqlstate":"40001","stream":"numbers","table":"numbers","vendor_code":7}"#)
        #expect(try JSONDecoder().decode(ErrorDetail.self, from: Data(json.utf8)) == error.detail)
        #expect(String(decoding: try encoder.encode(HostError(.io, "x").detail), as: UTF8.self) == #"{"kind":"io"}"#)
        #expect(HostError(.io, "x").detail.isEmpty)
        #expect(!error.detail.isEmpty)
    }

    @Test func aValueThatDoesNotFitItsColumnNamesTheStreamRowAndColumn() throws {
        var column = CellColumn(name: "Value")
        column.append(.untyped, "1")
        column.append(.untyped, "ten")
        let pinned = PinnedCellBatch([column], rows: 2, firstRow: 0)
        let schema = TableSchema(table: "t", stream: "s", columns: [TableSchema.Column(name: "value", source: "Value", type: .integer)])
        let converter = try BatchConverter(schema: schema, stream: "s")
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        array.initialize(to: ArrowArray())
        let error = try #require(throws: HostError.self) {
            _ = try withExtendedLifetime(pinned) { try converter.convert(pinned.batch, into: array) }
        }
        #expect(error.message == "stream 's' row 2, column 'value' (source field 'Value'): the value is not a valid integer, "
            + "though the host inferred integer from every value of the stream and the stored table: a bug in etl-host, please report it")
        #expect(error.kind == .badData)
        #expect(error.stream == "s")
        #expect(error.location == "row 2, column 'value'")
        #expect(error.plugin == nil && error.table == nil)
    }

    @Test func aPluginCallThatFailsNamesThePlugin() throws {
        let csv = try PluginLoader().load(libraryAt: TestSupport.productsDirectory + "/libetl_csv.so")
        let error = try #require(throws: HostError.self) {
            _ = try PluginInstance(plugin: csv, configJSON: #"{"path": "/nonexistent/etl-host-test/x.csv"}"#).discover()
        }
        #expect(error.message.hasPrefix("plugin 'csv': "), "\(error.message)")
        #expect(error.plugin == "csv")
        #expect(error.stream == nil && error.table == nil)
    }

    @Test func aLoaderRefusalNamesTheLibrary() throws {
        let folder = try TestSupport.temporaryDirectory("error-context-loader")
        let path = folder + "/libnot.so"
        try Data("not an ELF file".utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: HostError.self) { _ = try PluginLoader().load(libraryAt: path) }
        #expect(error == HostError(.notAPlugin, "cannot load plugin '\(path)': not a shared library (no ELF header)", plugin: path))
    }

    @Test func aStreamThatFailsInTheExtractorReportsPluginStreamTableAndCodes() throws {
        let folder = try TestSupport.temporaryDirectory("error-context-stream")
        try TestSupport.compileCPlugin(["Tests/Fixtures/CPlugins/variant.c"], defines: ["VARIANT_STREAM_FAILS"], output: folder + "/libvariant.so")
        let variant = try PluginLoader().load(libraryAt: folder + "/libvariant.so")
        let sqlite = try PluginLoader().load(libraryAt: TestSupport.productsDirectory + "/libetl_sqlite.so")
        var request = SyncRequest(extractor: "variant", warehouse: "sqlite", sourceConfig: [:], destinationConfig: ["path": .string(folder + "/w.db")],
                                  mode: .replace, streams: ["numbers"], workDirectory: folder + "/spool")
        request.retry = RetryPolicy(maxAttempts: 1)
        let log = RunLog(runID: "r", path: folder + "/log.jsonl", echo: false)
        let report = try SyncRunner(request: request, source: .plugin(variant), warehouse: sqlite, log: log, store: nil).run()
        let stream = try #require(report.streams.first)
        #expect(stream.status == .failed)
        #expect(stream.error == "plugin 'variant': stream 'numbers': serialization failure (SQLSTATE 40001) [ETL_ERR_IO]")
        #expect(stream.errorDetail == ErrorDetail(kind: .operationFailed, plugin: "variant", stream: "numbers", table: "numbers",
                                                  pluginStatus: 4, sqlstate: "40001", vendorCode: 7))
    }

    @Test func aStreamRefusedByTheHostGetsItsStreamAndTableAtTheBoundary() throws {
        let folder = try TestSupport.temporaryDirectory("error-context-boundary")
        try Data("id,name\n1,a\n".utf8).write(to: URL(fileURLWithPath: folder + "/items.csv"))
        let csv = try PluginLoader().load(libraryAt: TestSupport.productsDirectory + "/libetl_csv.so")
        let sqlite = try PluginLoader().load(libraryAt: TestSupport.productsDirectory + "/libetl_sqlite.so")
        let request = SyncRequest(extractor: "csv", warehouse: "sqlite", sourceConfig: ["path": .string(folder + "/items.csv")],
                                  destinationConfig: ["path": .string(folder + "/w.db")], mode: .upsert, workDirectory: folder + "/spool")
        let log = RunLog(runID: "r", path: folder + "/log.jsonl", echo: false)
        let runner = try SyncRunner(request: request, source: .plugin(csv), warehouse: sqlite, log: log, store: nil)
        let report = try runner.run()
        let stream = try #require(report.streams.first)
        #expect(stream.error == "stream 'items': --mode upsert needs a primary key; pass --primary-key COLUMN[,COLUMN] (the source defines none)")
        #expect(stream.errorDetail == ErrorDetail(kind: .invalidArgument, stream: "items", table: "items"))
        let failure = try #require(runner.failures.first as? HostError)
        #expect(failure.stream == "items" && failure.table == "items")
    }
}
