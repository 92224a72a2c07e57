import ETLTestSupport
import Foundation

/// HTTP over real loopback with curl (no redirects followed): status, headers, body.
struct HTTPAnswer {
    var status: Int
    var headers: [String: String]
    var body: String

    /// Requests `url` on a thread of its own (curl blocks; the server under
    /// test needs the concurrency pool); `form` is sent urlencoded (POST).
    static func request(_ method: String, _ url: String, headers: [String: String] = [:], form: [String: String]? = nil) async throws -> HTTPAnswer {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try blockingRequest(method, url, headers: headers, form: form) })
            }
        }
    }

    private static func blockingRequest(_ method: String, _ url: String, headers: [String: String], form: [String: String]?) throws -> HTTPAnswer {
        let folder = try TestSupport.temporaryDirectory("curl")
        var arguments = ["-s", "-X", method, "-o", folder + "/body", "-D", folder + "/headers", "-w", "%{http_code}", "--max-time", "20"]
        for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
        if let form {
            arguments += ["--data", form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")]
        } else if method == "POST" {
            arguments += ["--data", ""]
        }
        let result = try TestSupport.run("/usr/bin/curl", arguments + [url])
        guard let status = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestFailure("curl \(url): \(result.stdout) \(result.stderr)")
        }
        var parsed: [String: String] = [:]
        let headerText = String(decoding: FileManager.default.contents(atPath: folder + "/headers") ?? Data(), as: UTF8.self)
        for line in headerText.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { parsed[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        let body = String(decoding: FileManager.default.contents(atPath: folder + "/body") ?? Data(), as: UTF8.self)
        return HTTPAnswer(status: status, headers: parsed, body: body)
    }

    /// The body as a JSON object.
    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]) ?? [:] }
}
