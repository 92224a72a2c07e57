import CCurl
import ETLPluginKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One HTTP request: a GET, or a POST with a JSON or form-encoded body,
/// with header lines of its own besides the client's.
public struct HTTPRequest {
    /// The request method.
    public enum Method: String { case get = "GET", post = "POST" }

    /// What a POST body is, sent as its `Content-Type`.
    public enum BodyType: String {
        /// `application/json`.
        case json = "application/json"
        /// `application/x-www-form-urlencoded` (an OAuth2 token request).
        case form = "application/x-www-form-urlencoded"
    }

    /// GET or POST.
    public var method: Method
    /// The absolute URL.
    public var url: String
    /// The body of a POST.
    public var body: [UInt8] = []
    /// What ``body`` is (default JSON).
    public var bodyType: BodyType = .json
    /// Header lines of this request only (`Authorization: Bearer …`), sent
    /// after the client's; never shown in messages.
    public var headers: [String] = []

    /// A request of `method` to `url`, with a JSON `body` for a POST and
    /// `headers` of its own.
    public init(method: Method, url: String, body: [UInt8] = [], headers: [String] = []) {
        self.method = method
        self.url = url
        self.body = body
        self.headers = headers
    }

    /// A form-encoded POST (`name=value&…`, every byte but RFC 3986's
    /// unreserved ones percent-encoded), as an OAuth2 token request is.
    ///
    /// ```swift
    /// let request = HTTPRequest.form(url: tokenURL, fields: [("grant_type", "client_credentials")])
    /// ```
    public static func form(url: String, fields: [(String, String)], headers: [String] = []) -> HTTPRequest {
        let text = fields.map { URLEncoding.component($0.0) + "=" + URLEncoding.component($0.1) }.joined(separator: "&")
        var request = HTTPRequest(method: .post, url: url, body: Array(text.utf8), headers: headers)
        request.bodyType = .form
        return request
    }
}

/// What came back: the status, the headers the client needs, and the body
/// (borrowed from the client: valid until its next request).
public struct HTTPResponse {
    /// The HTTP status code.
    public var status: Int
    /// The `Content-Type` header, if any.
    public var contentType: String?
    /// The `Date` header as seconds since the epoch, if present and valid.
    public var date: Int64?
    /// The `Retry-After` header in seconds, if present as a number.
    public var retryAfter: Double?
    /// The `Link` header (RFC 8288), if any.
    public var link: String?
    /// The body's bytes.
    public var body: UnsafeRawBufferPointer

    /// Whether the body is declared as JSON (`application/json`, with or
    /// without parameters such as `charset`).
    public var isJSON: Bool {
        guard let contentType else { return false }
        let media = contentType.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingSpaces.lowercased()
        }
        return media == "application/json"
    }
}

/// A transfer that did not produce a complete response.
public struct TransportFailure: Error {
    /// What happened, for messages (libcurl's text and code).
    public var message: String
    /// Whether trying again may help (a dropped connection, a timeout, a
    /// truncated body) or not (a malformed URL, a TLS verification failure).
    public var retryable: Bool
    /// Whether the transfer stopped because the run was cancelled.
    public var cancelled: Bool = false
    /// The error of the caller's `beforeEachSend` that stopped the
    /// transfer (pacing: cancelled while waiting, a pacing file that
    /// failed); it is the error to report.
    public var beforeSendError: PluginError?
}

/// An HTTP client on one libcurl easy handle, reused for every request of
/// an instance so that connections are kept alive.
///
/// Settings: TLS peer and host verification on; no redirects followed;
/// HTTP and HTTPS only; `CURLOPT_NOSIGNAL` (no SIGALRM in a host process);
/// a connect timeout and a total timeout per request; gzip accepted; the
/// body collected into one growing buffer, capped at ``maxBodyBytes``. A
/// transfer polls the host's cancellation flag and stops when it is raised.
///
/// Every request that goes on the wire passes the caller's `beforeEachSend`
/// first (libcurl's pre-request callback, `CURLOPT_PREREQFUNCTION`), the
/// silent re-send included: when a kept-alive connection closes without an
/// answer, libcurl sends the request again on a new connection within the
/// same transfer. ``requestsSent`` counts them.
///
/// The headers (a bearer token, an API key) go into a header list only;
/// they are never logged (verbose mode stays off) and never part of a
/// message. Shared by the Airtable and REST extractors (each plugin links
/// its own copy).
public final class HTTPClient {
    /// The largest body accepted (an API page is a few MB at most).
    public static let maxBodyBytes = 256 << 20

    private let curl: Curl.Functions
    private let handle: UnsafeMutableRawPointer
    private var getHeaders: UnsafeMutablePointer<curl_slist>?
    private var postHeaders: UnsafeMutablePointer<curl_slist>?
    /// The header lines of every request (`Accept` and the client's).
    private let commonHeaders: [String]
    /// The header list of the request under way when it has headers of
    /// its own or a form body (freed after it).
    private var requestHeaders: UnsafeMutablePointer<curl_slist>?
    private let transfer: TransferState

    /// Creates a client that sends `headers` (complete header lines such as
    /// `"Authorization: Bearer …"`) with every request, after
    /// `Accept: application/json` unless `headers` has an `Accept` of its own.
    ///
    /// - Throws: ``PluginError`` when libcurl cannot be set up, or when a
    ///   header holds a line break or a control character (it would break
    ///   the request); the message never shows the header's value.
    public init(headers: [String], timeoutSeconds: Double, userAgent: String,
                cancellation: HostContext) throws(PluginError) {
        curl = try Curl.functions.get()
        try Self.checkHeaderLines(headers)
        guard let handle = curl_easy_init() else {
            throw PluginError(.resourceExhausted, "libcurl could not create a handle (curl_easy_init failed)")
        }
        self.handle = handle
        transfer = TransferState(cancellation: cancellation)
        // A config's own Accept (GitHub's application/vnd.github+json) replaces the default, never joins it.
        let ownAccept = headers.contains { $0.lowercased().hasPrefix("accept:") }
        let common = (ownAccept ? [] : ["Accept: application/json"]) + headers
        commonHeaders = common
        for line in common { getHeaders = curl_slist_append(getHeaders, line) }
        for line in common + ["Content-Type: application/json"] { postHeaders = curl_slist_append(postHeaders, line) }
        guard getHeaders != nil, postHeaders != nil else {
            throw PluginError(.resourceExhausted, "libcurl could not build the request headers")
        }

        let milliseconds = Int((timeoutSeconds * 1000).rounded(.up))
        let context = UnsafeRawPointer(Unmanaged.passUnretained(transfer).toOpaque())
        try setLong(CURLOPT_NOSIGNAL, 1)
        try setLong(CURLOPT_FOLLOWLOCATION, 0)
        try setString(CURLOPT_PROTOCOLS_STR, "http,https")
        try setLong(CURLOPT_SSL_VERIFYPEER, 1)
        try setLong(CURLOPT_SSL_VERIFYHOST, 2)
        try setLong(CURLOPT_TIMEOUT_MS, max(1, milliseconds))
        try setLong(CURLOPT_CONNECTTIMEOUT_MS, max(1, min(milliseconds, 30_000)))
        try setLong(CURLOPT_TCP_KEEPALIVE, 1)
        try setString(CURLOPT_ACCEPT_ENCODING, "")
        try setString(CURLOPT_USERAGENT, userAgent)
        try setPointer(CURLOPT_WRITEFUNCTION, unsafeBitCast(writeCallback, to: UnsafeRawPointer.self))
        try setPointer(CURLOPT_WRITEDATA, context)
        try setPointer(CURLOPT_HEADERFUNCTION, unsafeBitCast(headerCallback, to: UnsafeRawPointer.self))
        try setPointer(CURLOPT_HEADERDATA, context)
        try setLong(CURLOPT_NOPROGRESS, 0)
        try setPointer(CURLOPT_XFERINFOFUNCTION, unsafeBitCast(progressCallback, to: UnsafeRawPointer.self))
        try setPointer(CURLOPT_XFERINFODATA, context)
        try setPointer(CURLOPT_PREREQFUNCTION, unsafeBitCast(prerequestCallback, to: UnsafeRawPointer.self))
        try setPointer(CURLOPT_PREREQDATA, context)
    }

    /// The requests the last ``perform(_:beforeEachSend:)`` put on the
    /// wire: 1, 2 when libcurl re-sent it after a dropped kept-alive
    /// connection, 0 when none left (no connection, or `beforeEachSend`
    /// failed).
    public var requestsSent: Int { transfer.sends }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(getHeaders)
        curl_slist_free_all(postHeaders)
    }

    /// Performs `request` and returns the response; its body is valid until
    /// the next call. `beforeEachSend` runs right before each time the
    /// request goes on the wire (pacing); what it throws stops the transfer.
    ///
    /// - Throws: ``TransportFailure`` when no complete response arrived
    ///   (connection refused or dropped, timeout, truncated body, body too
    ///   large, cancelled, `beforeEachSend` failed).
    public func perform(_ request: HTTPRequest,
                 beforeEachSend: () throws(PluginError) -> Void) throws(TransportFailure) -> HTTPResponse {
        try withoutActuallyEscaping(beforeEachSend) { (hook) throws(TransportFailure) -> HTTPResponse in
            transfer.reset()
            transfer.beforeSend = hook
            defer { transfer.beforeSend = nil }
            return try perform(request)
        }
    }

    private func perform(_ request: HTTPRequest) throws(TransportFailure) -> HTTPResponse {
        defer {
            if requestHeaders != nil {
                curl_slist_free_all(requestHeaders)
                requestHeaders = nil
            }
        }
        do throws(PluginError) {
            try setString(CURLOPT_URL, request.url)
            let ownHeaders = !request.headers.isEmpty || (request.method == .post && request.bodyType != .json)
            if ownHeaders {
                try Self.checkHeaderLines(request.headers)
                var lines = commonHeaders + request.headers
                if request.method == .post { lines.append("Content-Type: \(request.bodyType.rawValue)") }
                for line in lines { requestHeaders = curl_slist_append(requestHeaders, line) }
                guard requestHeaders != nil else {
                    throw PluginError(.resourceExhausted, "libcurl could not build the request headers")
                }
            }
            switch request.method {
            case .get:
                try setLong(CURLOPT_HTTPGET, 1)
                try setPointer(CURLOPT_HTTPHEADER, UnsafeRawPointer(ownHeaders ? requestHeaders : getHeaders))
            case .post:
                try setLong(CURLOPT_POST, 1)
                try setPointer(CURLOPT_HTTPHEADER, UnsafeRawPointer(ownHeaders ? requestHeaders : postHeaders))
                try setLong(CURLOPT_POSTFIELDSIZE, request.body.count)
                // COPYPOSTFIELDS copies the bytes: nothing to keep alive.
                let code = request.body.withUnsafeBytes { bytes in
                    curl.setPointer(handle, CURLOPT_COPYPOSTFIELDS, bytes.baseAddress)
                }
                try check(code, CURLOPT_COPYPOSTFIELDS)
            }
        } catch {
            throw TransportFailure(message: error.message, retryable: false)
        }
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            if let error = transfer.beforeSendError {
                throw TransportFailure(message: error.message, retryable: false,
                                       cancelled: error.code == .cancelled, beforeSendError: error)
            }
            if transfer.cancelled {
                throw TransportFailure(message: "the request was cancelled", retryable: false, cancelled: true)
            }
            if transfer.overflow {
                throw TransportFailure(message: "the response is larger than \(Self.maxBodyBytes >> 20) MiB", retryable: false)
            }
            throw TransportFailure(message: Curl.describe(code), retryable: Self.isRetryable(code))
        }
        var status = 0
        _ = curl.getInfo(handle, CURLINFO_RESPONSE_CODE, &status)
        var contentType: UnsafePointer<CChar>?
        _ = curl.getInfo(handle, CURLINFO_CONTENT_TYPE, &contentType)
        return HTTPResponse(
            status: status, contentType: contentType.map { String(cString: $0) }, date: transfer.date,
            retryAfter: transfer.retryAfter, link: transfer.link, body: UnsafeRawBufferPointer(start: transfer.bytes, count: transfer.count))
    }

    /// Whether a failed transfer may succeed on another try: network
    /// trouble yes; a malformed URL, an unsupported protocol or a refused
    /// certificate no.
    public static func isRetryable(_ code: CURLcode) -> Bool {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT,
             CURLE_PARTIAL_FILE, CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING, CURLE_SEND_ERROR,
             CURLE_RECV_ERROR, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_SSL_CONNECT_ERROR,
             CURLE_BAD_CONTENT_ENCODING, CURLE_WEIRD_SERVER_REPLY, CURLE_AGAIN, CURLE_HTTP3, CURLE_QUIC_CONNECT_ERROR:
            return true
        default:
            return false
        }
    }

    /// Refuses header lines with a line break or a control character (they
    /// would break the request), naming the header but never its value.
    static func checkHeaderLines(_ lines: [String]) throws(PluginError) {
        for line in lines where !line.utf8.allSatisfy({ ($0 >= 0x20 && $0 != 0x7F) || $0 == 0x09 }) {
            let name = line.split(separator: ":", maxSplits: 1).first.map(String.init) ?? "?"
            throw PluginError(.invalidArgument, "the header \(name) contains a line break or a control character; "
                + "check its value (it is not shown here)")
        }
    }

    // MARK: Options

    private func setLong(_ option: CURLoption, _ value: Int) throws(PluginError) {
        try check(curl.setLong(handle, option, value), option)
    }

    private func setPointer(_ option: CURLoption, _ value: UnsafeRawPointer?) throws(PluginError) {
        try check(curl.setPointer(handle, option, value), option)
    }

    /// Sets a string option (libcurl copies it).
    private func setString(_ option: CURLoption, _ value: String) throws(PluginError) {
        let code = value.withCString { curl.setPointer(handle, option, UnsafeRawPointer($0)) }
        try check(code, option)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(PluginError) {
        guard code == CURLE_OK else {
            throw PluginError(.internal, "libcurl refused option \(option.rawValue): \(Curl.describe(code)); "
                + "libcurl 7.85 or later is needed")
        }
    }
}

/// What the callbacks of one transfer write into: the body buffer, a few
/// headers, and the cancellation check. Reused from request to request.
final class TransferState {
    let cancellation: HostContext
    private(set) var bytes: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0
    var overflow = false
    var cancelled = false
    var date: Int64?
    var retryAfter: Double?
    /// The `Link` header.
    var link: String?
    /// Requests put on the wire in this transfer.
    var sends = 0
    /// The caller's hook, run before each send (see ``HTTPClient``).
    var beforeSend: (() throws(PluginError) -> Void)?
    /// What the hook threw, which stopped the transfer.
    var beforeSendError: PluginError?

    init(cancellation: HostContext) {
        self.cancellation = cancellation
        capacity = 64 << 10
        bytes = .allocate(capacity: capacity)
    }

    deinit { bytes.deallocate() }

    func reset() {
        count = 0
        overflow = false
        cancelled = false
        date = nil
        retryAfter = nil
        link = nil
        sends = 0
        beforeSendError = nil
        // Give back the memory of one unusually large page.
        if capacity > 32 << 20 {
            bytes.deallocate()
            capacity = 64 << 10
            bytes = .allocate(capacity: capacity)
        }
    }

    /// Appends body bytes; false when the body would pass the limit.
    func append(_ source: UnsafeRawPointer, _ length: Int) -> Bool {
        guard count + length <= HTTPClient.maxBodyBytes else {
            overflow = true
            return false
        }
        if count + length > capacity {
            var newCapacity = capacity * 2
            while newCapacity < count + length { newCapacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: bytes, count: count)
            bytes.deallocate()
            bytes = grown
            capacity = newCapacity
        }
        UnsafeMutableRawPointer(bytes + count).copyMemory(from: source, byteCount: length)
        count += length
        return true
    }

    /// Reads the headers the client uses from one header line.
    func header(_ line: UnsafeRawBufferPointer) {
        // A new status line (after a 100 Continue, say) starts a new response.
        if line.starts(with: "HTTP/".utf8) {
            date = nil
            retryAfter = nil
            link = nil
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
        guard name == "date" || name == "retry-after" || name == "link" else { return }
        let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces
        if name == "date" {
            date = HTTPDate.parse(value)
        } else if name == "link" {
            link = link.map { $0 + ", " + value } ?? value
        } else {
            retryAfter = Double(value).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil }
        }
    }
}

private let writeCallback: @convention(c) (
    UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?
) -> Int = { data, size, count, context in
    guard let context else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard length > 0, let data else { return 0 }
    return state.append(UnsafeRawPointer(data), length) ? length : 0
}

private let headerCallback: @convention(c) (
    UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?
) -> Int = { data, size, count, context in
    let length = size * count
    guard let context, let data else { return length }
    let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
    state.header(UnsafeRawBufferPointer(start: data, count: length))
    return length
}

/// libcurl's pre-request callback: the request is about to go on the wire
/// (again, when libcurl re-sends it on a new connection).
private let prerequestCallback: @convention(c) (
    UnsafeMutableRawPointer?, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<CChar>?, Int32, Int32
) -> Int32 = { context, _, _, _, _ in
    guard let context else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
    do throws(PluginError) {
        try state.beforeSend?()
    } catch {
        state.beforeSendError = error
        return 1 // CURL_PREREQFUNC_ABORT
    }
    state.sends += 1
    return 0 // CURL_PREREQFUNC_OK
}

private let progressCallback: @convention(c) (
    UnsafeMutableRawPointer?, curl_off_t, curl_off_t, curl_off_t, curl_off_t
) -> Int32 = { context, _, _, _, _ in
    guard let context else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
    if state.cancellation.isCancelled {
        state.cancelled = true
        return 1
    }
    return 0
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, CR and LF.
    public var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
