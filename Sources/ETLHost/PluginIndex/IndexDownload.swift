import CCurl
import Foundation

/// Fetches an index or a plugin library: a local file (`file://` or a
/// path) is read, an `http(s)://` URL is downloaded with libcurl.
///
/// Downloads verify TLS, follow at most 5 redirects (to http(s) only: a
/// redirect cannot reach a local file), give up when fewer than 1 byte per
/// second arrives for 60 s, and stop at ``maxBytes``. The caller checks
/// what it got (an index is parsed, a library's sha256 compared with the
/// index): a download is never trusted for having arrived.
enum IndexDownload {
    /// The largest file fetched (a plugin library is a few MB).
    static let maxBytes = 512 << 20

    /// The bytes at `reference`.
    ///
    /// - Throws: `.io` naming the URL and the cause: no such file, a
    ///   connection that failed, an HTTP status other than 2xx.
    static func fetch(_ reference: String) throws -> Data {
        if let path = IndexURL.localPath(reference) {
            var status = stat()
            guard stat(path, &status) == 0 else { throw HostError(.io, "cannot read '\(reference)': \(errnoDescription())") }
            guard status.st_mode & S_IFMT == S_IFREG else {
                throw HostError(.io, "cannot read '\(reference)': it is \(LibraryFile.kindDescription(status.st_mode)), not a regular file")
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw HostError(.io, "cannot read '\(reference)': \(errnoDescription())")
            }
            return data
        }
        return try download(reference)
    }

    // MARK: libcurl

    private typealias SetLong = @convention(c) (UnsafeMutableRawPointer?, CURLoption, Int) -> CURLcode
    private typealias SetPointer = @convention(c) (UnsafeMutableRawPointer?, CURLoption, UnsafeRawPointer?) -> CURLcode
    private typealias GetInfo = @convention(c) (UnsafeMutableRawPointer?, CURLINFO, UnsafeMutableRawPointer?) -> CURLcode

    /// `curl_easy_setopt`/`curl_easy_getinfo` are variadic, which Swift does
    /// not import: they are called through non-variadic types whose last
    /// argument is a `long` or a pointer (the same register on x86-64 and
    /// AArch64), as ETLHTTPShared's `Curl` does for the plugins.
    private struct Functions: @unchecked Sendable {
        // @unchecked: immutable C function pointers into libcurl.
        let setLong: SetLong
        let setPointer: SetPointer
        let getInfo: GetInfo
    }

    private static let functions: Functions? = {
        guard curl_global_init(3) == CURLE_OK,  // CURL_GLOBAL_DEFAULT
              let setopt = dlsym(nil, "curl_easy_setopt"), let getinfo = dlsym(nil, "curl_easy_getinfo")
        else { return nil }
        return Functions(setLong: unsafeBitCast(setopt, to: SetLong.self), setPointer: unsafeBitCast(setopt, to: SetPointer.self),
                         getInfo: unsafeBitCast(getinfo, to: GetInfo.self))
    }()

    /// The body being received.
    private final class Body {
        var data = Data()
        var overflow = false
    }

    private static func download(_ url: String) throws -> Data {
        guard let curl = functions, let handle = curl_easy_init() else {
            throw HostError(.io, "cannot download '\(url)': libcurl could not be initialised")
        }
        defer { curl_easy_cleanup(handle) }
        let body = Body()
        let context = Unmanaged.passUnretained(body).toOpaque()
        var failed: CURLoption?
        func set(_ option: CURLoption, _ value: Int) { if curl.setLong(handle, option, value) != CURLE_OK { failed = option } }
        func set(_ option: CURLoption, _ value: String) {
            if value.withCString({ curl.setPointer(handle, option, UnsafeRawPointer($0)) }) != CURLE_OK { failed = option }
        }
        func set(_ option: CURLoption, _ value: UnsafeRawPointer?) { if curl.setPointer(handle, option, value) != CURLE_OK { failed = option } }
        set(CURLOPT_URL, url)
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_PROTOCOLS_STR, "http,https")
        set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        set(CURLOPT_FOLLOWLOCATION, 1)
        set(CURLOPT_MAXREDIRS, 5)
        set(CURLOPT_SSL_VERIFYPEER, 1)
        set(CURLOPT_SSL_VERIFYHOST, 2)
        set(CURLOPT_CONNECTTIMEOUT_MS, 30_000)
        set(CURLOPT_LOW_SPEED_LIMIT, 1)
        set(CURLOPT_LOW_SPEED_TIME, 60)
        set(CURLOPT_USERAGENT, "etl-host/\(HostEnvironment.version)")
        set(CURLOPT_WRITEFUNCTION, unsafeBitCast(receive, to: UnsafeRawPointer.self))
        set(CURLOPT_WRITEDATA, UnsafeRawPointer(context))
        if let failed {
            throw HostError(.io, "cannot download '\(url)': libcurl refused option \(failed.rawValue) (libcurl 7.85 or later is needed)")
        }
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            if body.overflow { throw HostError(.io, "cannot download '\(url)': it is larger than \(maxBytes >> 20) MiB") }
            let text = curl_easy_strerror(code).map { String(cString: $0) } ?? "curl error"
            throw HostError(.io, "cannot download '\(url)': \(text) (curl error \(code.rawValue))")
        }
        var status = 0
        _ = curl.getInfo(handle, CURLINFO_RESPONSE_CODE, &status)
        guard (200 ..< 300).contains(status) else {
            throw HostError(.io, "cannot download '\(url)': the server answered HTTP \(status)")
        }
        return body.data
    }

    private static let receive: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, context in
        guard let context, let data else { return 0 }
        let body = Unmanaged<Body>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        guard body.data.count + length <= IndexDownload.maxBytes else {
            body.overflow = true
            return 0
        }
        body.data.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length)
        return length
    }
}
