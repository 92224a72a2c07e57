import CCurl
import ETLPluginKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The parts of libcurl that Swift cannot call directly, and the
/// process-wide initialisation.
///
/// `curl_easy_setopt` and `curl_easy_getinfo` are C variadic functions,
/// which Swift does not import. They are looked up with `dlsym` and called
/// through non-variadic function types whose last argument is a `long` or
/// a pointer: on the platforms Swift supports on Linux (x86-64 System V,
/// AArch64) such an argument travels in the same integer register whether
/// the callee is variadic or not. (A typed C shim in `Sources/CCurl` would
/// make this unnecessary.)
public enum Curl {
    public typealias SetLong = @convention(c) (UnsafeMutableRawPointer?, CURLoption, Int) -> CURLcode
    public typealias SetPointer = @convention(c) (UnsafeMutableRawPointer?, CURLoption, UnsafeRawPointer?) -> CURLcode
    public typealias GetInfo = @convention(c) (UnsafeMutableRawPointer?, CURLINFO, UnsafeMutableRawPointer?) -> CURLcode

    /// The resolved variadic entry points.
    public struct Functions: @unchecked Sendable {
        // @unchecked: immutable C function pointers into libcurl.
        public let setLong: SetLong
        public let setPointer: SetPointer
        public let getInfo: GetInfo
    }

    /// Runs `curl_global_init` once per process (a Swift global is
    /// initialised exactly once, thread-safely), then resolves the variadic
    /// entry points.
    public static let functions: Result<Functions, PluginError> = {
        // CURL_GLOBAL_DEFAULT = CURL_GLOBAL_SSL | CURL_GLOBAL_WIN32 (a macro
        // Swift does not import).
        let status = curl_global_init(3)
        guard status == CURLE_OK else {
            return .failure(PluginError(.internal, "libcurl could not be initialised: \(describe(status))"))
        }
        // RTLD_DEFAULT (NULL): libcurl is linked into this library, so it is loaded.
        guard let setopt = dlsym(nil, "curl_easy_setopt"), let getinfo = dlsym(nil, "curl_easy_getinfo") else {
            return .failure(PluginError(.internal, "libcurl's curl_easy_setopt and curl_easy_getinfo were not found"))
        }
        return .success(Functions(
            setLong: unsafeBitCast(setopt, to: SetLong.self),
            setPointer: unsafeBitCast(setopt, to: SetPointer.self),
            getInfo: unsafeBitCast(getinfo, to: GetInfo.self)))
    }()

    /// libcurl's text for a result code, e.g.
    /// `"Couldn't connect to server (curl error 7)"`.
    public static func describe(_ code: CURLcode) -> String {
        guard let text = curl_easy_strerror(code) else { return "curl error \(code.rawValue)" }
        return "\(String(cString: text)) (curl error \(code.rawValue))"
    }
}
