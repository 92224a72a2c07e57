import ETLHost
@testable import ETLPluginKit
import Testing

/// ABI 1.2 in the Swift SDK: a thrown error's detail reaches the host
/// through `etl_plugin.error_detail`, and ``HostContext/retry(stream:attempt:of:waitSeconds:reason:)``
/// uses `etl_host_api.retry`, or the log with a host older than 1.2.
@Suite(.serialized) struct ErrorDetailTests {
    static func newError() -> etl_error {
        var error = etl_error()
        error.struct_size = UInt32(MemoryLayout<etl_error>.size)
        return error
    }

    @Test func aThrownErrorsDetailCrossesThroughErrorDetailAndIsFreedByRelease() {
        var error = Self.newError()
        let thrown = PluginError(.io, "the transaction was aborted", retryable: true, retryAfterSeconds: 2.5,
                                 sqlstate: "40001", vendorCode: 1213)
        let status = thrown.export(to: &error)
        #expect(status == 4)
        #expect(error.private_data != nil)
        let read = PluginError(taking: &error, status: status, detail: exportedErrorDetail)
        #expect(read == thrown)
        #expect(error.release == nil && error.message == nil && error.private_data == nil)
    }

    @Test func anErrorWithoutDetailHasNoneAndAForeignErrorIsNotFound() {
        var error = Self.newError()
        let status = PluginError.notFound("no table \"orders\"").export(to: &error)
        #expect(error.private_data == nil)
        var detail = etl_error_detail()
        detail.struct_size = UInt32(MemoryLayout<etl_error_detail>.size)
        #expect(exportedErrorDetail(&error, &detail) == Int32(ETL_ERR_NOT_FOUND.rawValue))
        let read = PluginError(taking: &error, status: status, detail: exportedErrorDetail)
        #expect(read == PluginError(.notFound, "no table \"orders\""))
        #expect(read.retryAfterSeconds == nil && read.sqlstate == nil && read.vendorCode == nil)

        var foreign = Self.newError()
        foreign.private_data = UnsafeMutableRawPointer(bitPattern: 0x10)  // not the kit's: never dereferenced
        #expect(exportedErrorDetail(&foreign, &detail) == Int32(ETL_ERR_NOT_FOUND.rawValue))
    }

    @Test func onlyTheFieldsWithinTheHostsDetailSizeAreWritten() {
        var detail = etl_error_detail()
        detail.struct_size = UInt32(CStructField.end(of: \etl_error_detail.retry_after_seconds))
        PluginError(.io, "x", retryAfterSeconds: 3, sqlstate: "08006", vendorCode: 9).fill(&detail)
        #expect(detail.retry_after_seconds == 3)
        #expect(detail.has_vendor_code == 0 && detail.vendor_code == 0)
        #expect(detail.sqlstate.0 == 0)
    }

    @Test func aStreamsThrownErrorReachesTheReaderWholeThroughStreamError() throws {
        let thrown = PluginError(.rateLimited, "page 2: HTTP 429", retryable: true, retryAfterSeconds: 20, vendorCode: 429)
        let source = ClosureBatchSource(schema: ArrowBatchSchema([ArrowField("id", .int64)])) { _ in throw thrown }
        let streamError = try #require(ExtractorTrampolines.makeOps(incremental: false).stream_error)
        var stream = ArrowArrayStream()
        try ArrowStreamExporter.export(source, to: &stream)
        let reader = try ArrowStreamReader(taking: &stream) { failed in
            var error = Self.newError()
            let status = streamError(nil, failed, &error)
            return status == 0 ? nil : PluginError(taking: &error, status: status, detail: exportedErrorDetail)
        }
        #expect(throws: thrown) { try reader.next() }

        // Without stream_error, the errno alone: EAGAIN, retryable, no detail.
        var plain = ArrowArrayStream()
        try ArrowStreamExporter.export(source, to: &plain)
        let errnoOnly = try ArrowStreamReader(taking: &plain)
        #expect(throws: PluginError(.io, "page 2: HTTP 429", retryable: true)) { try errnoOnly.next() }
    }

    nonisolated(unsafe) static var received: [String] = []

    static func hostTable(size: Int) -> UnsafeMutablePointer<etl_host_api> {
        let api = UnsafeMutablePointer<etl_host_api>.allocate(capacity: 1)
        api.initialize(to: etl_host_api())
        api.pointee.struct_size = UInt32(size)
        api.pointee.log = { _, level, message in ErrorDetailTests.received.append("log \(level): \(String(cString: message!))") }
        api.pointee.retry = { _, stream, attempt, maxRetries, wait, reason in
            ErrorDetailTests.received.append(
                "retry \(stream.map { String(cString: $0) } ?? "-") \(attempt)/\(maxRetries) \(wait) \(String(cString: reason!))")
        }
        return api
    }

    @Test func retryUsesTheHostsRetryOrLogsTheLineForAnOlderHost() {
        let current = Self.hostTable(size: MemoryLayout<etl_host_api>.size)
        let older = Self.hostTable(size: ETLABI.hostAPISize1_1)
        defer { current.deallocate(); older.deallocate() }
        Self.received = []
        HostContext(api: current, context: nil).retry(stream: "orders", attempt: 2, of: 5, waitSeconds: 0.75, reason: "page 3: HTTP 503")
        HostContext(api: current, context: nil).retry(stream: nil, attempt: 1, of: nil, waitSeconds: 0, reason: "reconnecting")
        HostContext(api: older, context: nil).retry(stream: "orders", attempt: 2, of: 5, waitSeconds: 0.754, reason: "page 3: HTTP 503")
        HostContext(api: older, context: nil).retry(stream: nil, attempt: 1, of: nil, waitSeconds: 0, reason: "reconnecting")
        #expect(Self.received == [
            "retry orders 2/5 0.75 page 3: HTTP 503",
            "retry - 1/-1 0.0 reconnecting",
            "log 3: page 3: HTTP 503; retry 2 of 5 in 0.75 s",
            "log 3: reconnecting; retry 1",
        ])
    }
}
