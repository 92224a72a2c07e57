import ETLHost
import ETLPluginKit
import Glibc
import Testing

@Suite("ArrowStreamExporter and ArrowStreamReader")
struct ArrowStreamTests {
    static let schema = ArrowBatchSchema([ArrowField("n", .int64)])

    /// A source of `batches` batches of `rows` rows, counting up, then
    /// optionally failing with `failure`.
    final class Counter: BatchSource {
        let schema = ArrowStreamTests.schema
        let batches: Int
        let rows: Int
        let failure: PluginError?
        var produced = 0
        var next: Int64 = 0

        init(batches: Int, rows: Int, failure: PluginError? = nil) {
            self.batches = batches
            self.rows = rows
            self.failure = failure
        }

        func nextBatch(into builder: ArrowBatchBuilder) throws -> Bool {
            guard produced < batches else {
                if let failure { throw failure }
                return false
            }
            produced += 1
            for _ in 0..<rows {
                builder.append(next)
                try builder.endRow()
                next += 1
            }
            return true
        }
    }

    func export(_ source: any BatchSource, host: HostContext? = nil) throws -> ArrowStreamReader {
        var stream = ArrowArrayStream()
        try ArrowStreamExporter.export(source, to: &stream, host: host, streamName: "numbers")
        let reader = try ArrowStreamReader(taking: &stream)
        #expect(stream.release == nil)
        return reader
    }

    @Test("batches round-trip through the C stream, then the end is reported once and for all")
    func roundTrip() throws {
        let reader = try export(Counter(batches: 3, rows: 1000))
        #expect(reader.schema == Self.schema)
        var values: [Int64] = []
        var batches = 0
        while let batch = try reader.next() {
            batches += 1
            values += (0..<batch.rowCount).map { batch.int64(row: $0, column: 0)! }
        }
        #expect(batches == 3)
        #expect(values == Array(0..<3000))
        #expect(try reader.next() == nil)
    }

    @Test("rows appended by the call that ends the stream are still delivered")
    func lastRows() throws {
        var sent = false
        let source = ClosureBatchSource(schema: Self.schema) { builder in
            guard !sent else { return false }
            sent = true
            builder.append(Int64(42))
            try builder.endRow()
            return false
        }
        let reader = try export(source)
        let batch = try #require(try reader.next())
        #expect(batch.int64(row: 0, column: 0) == 42)
        #expect(try reader.next() == nil)
    }

    @Test("errors map to the errno the contract documents, with the message from get_last_error",
          arguments: [
              (PluginError.io("network down", retryable: true), EAGAIN, PluginError.Code.io, true),
              (PluginError(.rateLimited, "slow down"), EAGAIN, .io, true),
              (PluginError.cancelled("stopped"), ECANCELED, .cancelled, false),
              (PluginError(.unauthenticated, "token expired"), EACCES, .unauthenticated, false),
              (PluginError(.permissionDenied, "no access"), EPERM, .permissionDenied, false),
              (PluginError.io("disk full"), EIO, .io, false),
              (PluginError.data("bad row"), EBADMSG, .data, false),
              (PluginError.invalidArgument("bad stream"), EINVAL, .invalidArgument, false),
          ])
    func errorMapping(error: PluginError, errno expected: Int32, code: PluginError.Code, retryable: Bool) throws {
        #expect(error.streamErrno == expected)
        var stream = ArrowArrayStream()
        try ArrowStreamExporter.export(Counter(batches: 1, rows: 2, failure: error), to: &stream)
        defer { stream.release(&stream) }
        var array = ArrowArray()
        #expect(stream.get_next(&stream, &array) == 0)
        array.release(&array)
        #expect(stream.get_next(&stream, &array) == expected)
        #expect(String(cString: stream.get_last_error(&stream)!) == error.message)

        let reader = try export(Counter(batches: 0, rows: 0, failure: error))
        let received = pluginError { _ = try reader.next() }
        #expect(received == PluginError(code, error.message, retryable: retryable))
        #expect(pluginError { _ = try reader.next() } == received)
    }

    @Test("a raised cancellation flag stops the stream before the next batch with ECANCELED")
    func cancellation() throws {
        let host = HostContext.detached()
        var stream = ArrowArrayStream()
        try ArrowStreamExporter.export(Counter(batches: 5, rows: 1), to: &stream, host: host, streamName: "numbers")
        defer { stream.release(&stream) }
        var array = ArrowArray()
        #expect(stream.get_next(&stream, &array) == 0)
        array.release(&array)
        host.cancellation.cancel()
        #expect(stream.get_next(&stream, &array) == ECANCELED)
        #expect(String(cString: stream.get_last_error(&stream)!) == "reading stream \"numbers\" was cancelled")
    }

    @Test("a source that leaves a row half-built fails the stream instead of emitting it")
    func halfRow() throws {
        for ends in [false, true] {
            let source = ClosureBatchSource(schema: ArrowBatchSchema([ArrowField("a", .int64), ArrowField("b", .int64)])) {
                builder in
                builder.append(Int64(1))
                return !ends
            }
            let reader = try export(source)
            #expect(pluginError { _ = try reader.next() } == PluginError(.invalidArgument,
                "finish() was called in the middle of row 1 (1 of 2 values appended); call endRow() or "
                    + "discardRow() first"))
        }
    }

    @Test("the schema can be fetched more than once")
    func schemaTwice() throws {
        var stream = ArrowArrayStream()
        try ArrowStreamExporter.export(Counter(batches: 0, rows: 0), to: &stream)
        defer { stream.release(&stream) }
        for _ in 0..<2 {
            var schema = ArrowSchema()
            #expect(stream.get_schema(&stream, &schema) == 0)
            #expect(try ArrowBatchSchema(importing: &schema) == Self.schema)
            schema.release(&schema)
        }
    }
}
