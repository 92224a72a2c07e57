import ETLPluginKit
import Glibc
import Testing

@Suite("PluginError and the C structs it fills")
struct PluginErrorTests {
    @Test("codes mirror etl_status_code")
    func codes() {
        let pairs: [(PluginError.Code, etl_status_code)] = [
            (.unknown, ETL_ERR_UNKNOWN), (.invalidArgument, ETL_ERR_INVALID_ARGUMENT),
            (.notFound, ETL_ERR_NOT_FOUND), (.io, ETL_ERR_IO), (.unauthenticated, ETL_ERR_UNAUTHENTICATED),
            (.permissionDenied, ETL_ERR_PERMISSION_DENIED), (.cancelled, ETL_ERR_CANCELLED),
            (.unsupported, ETL_ERR_NOT_IMPLEMENTED), (.abiMismatch, ETL_ERR_ABI_MISMATCH),
            (.data, ETL_ERR_DATA), (.rateLimited, ETL_ERR_RATE_LIMITED), (.timeout, ETL_ERR_TIMEOUT),
            (.internal, ETL_ERR_INTERNAL), (.resourceExhausted, ETL_ERR_RESOURCE_EXHAUSTED),
        ]
        #expect(pairs.count == PluginError.Code.allCases.count)
        for (code, cCode) in pairs { #expect(code.rawValue == Int32(cCode.rawValue)) }
        #expect(PluginError.Code(status: 99) == .unknown)
        #expect(PluginError.Code.notFound.description == "ETL_ERR_NOT_FOUND")
        let levels: [(LogLevel, etl_log_level)] = [(.trace, ETL_LOG_TRACE), (.debug, ETL_LOG_DEBUG),
            (.info, ETL_LOG_INFO), (.warn, ETL_LOG_WARN), (.error, ETL_LOG_ERROR)]
        for (level, cLevel) in levels { #expect(level.rawValue == Int32(cLevel.rawValue)) }
    }

    @Test("export fills an etl_error whose release frees the message; import reads and releases it")
    func exportAndImport() {
        var error = etl_error()
        error.struct_size = UInt32(MemoryLayout<etl_error>.size)
        let status = PluginError.io("disk on fire", retryable: true).export(to: &error)
        #expect(status == Int32(ETL_ERR_IO.rawValue))
        #expect(error.code == status)
        #expect(error.retryable == 1)
        #expect(String(cString: error.message) == "disk on fire")
        #expect(error.release != nil)
        let back = PluginError(taking: &error, status: status)
        #expect(back == PluginError.io("disk on fire", retryable: true))
        #expect(error.release == nil)
        #expect(error.message == nil)
    }

    @Test("export writes nothing past a short struct_size")
    func shortError() {
        // A host whose etl_error ends after `code`: message, retryable and
        // release lie beyond it and must stay untouched.
        var error = etl_error()
        error.struct_size = UInt32(CStructField.end(of: \etl_error.code))
        error.retryable = 77
        let status = PluginError.data("bad").export(to: &error)
        #expect(error.code == status)
        #expect(error.message == nil)
        #expect(error.retryable == 77)
        #expect(error.release == nil)
    }

    @Test("posix errors name the call and carry the system's reason")
    func posix() {
        #expect(PluginError.posix(ENOENT, "cannot open x.csv")
            == PluginError(.notFound, "cannot open x.csv: No such file or directory"))
        #expect(PluginError.posix(EACCES, "cannot open x.csv").code == .permissionDenied)
    }

    @Test("ETLBuffer fills a NUL-terminated copy and releases it")
    func buffers() throws {
        var buffer = etl_buffer()
        buffer.struct_size = UInt32(MemoryLayout<etl_buffer>.size)
        try ETLBuffer.fill(&buffer, with: #"{"a":"é"}"#)
        #expect(buffer.length == 10)
        #expect(buffer.data[10] == 0)
        #expect(ETLBuffer.take(&buffer) == #"{"a":"é"}"#)
        #expect(buffer.release == nil)
        #expect(buffer.data == nil)
    }

    @Test("the toolchain identity names this compiler")
    func toolchain() {
        #if compiler(>=6.3.1) && !compiler(>=6.3.2)
        #expect(ETLToolchain.current == "swift-6.3.1")
        #else
        #expect(ETLToolchain.current.hasPrefix("swift-"))
        #endif
        #expect(ETLABI.version == 0x0001_0004)
        #expect(ETLABI.describe(ETLABI.makeVersion(major: 2, minor: 3)) == "2.3")
    }
}
