import ETLHTTPShared
import ETLPluginKit

/// Where the REST extractor's `requests_per_second`/`requests_per_minute`
/// budget is kept: a ``PacingFile`` per pacing key under the host's state
/// folder (`<state>/rest-pacing/<key>-<hash>.pacing`), so that every
/// `etl-host` process of the machine reading the same API shares one budget
/// (two syncs at once, a pipeline's steps in parallel, a run right after
/// another), as the Airtable extractor does per base.
///
/// The key is the host of `base_url` with its port when one is written
/// (`api.github.com`, `127.0.0.1:8080`), lowercased, without credentials:
/// APIs count requests per host, whatever the path. Config `pacing_key`
/// names another (an API whose limit spans hosts, or one budget per token).
///
/// ```json
/// {"base_url": "https://api.github.com/repos/o/r", "requests_per_second": 10}
/// // paced with every process reading api.github.com at 10 a second
/// {"base_url": "https://eu.api.example.com", "pacing_key": "example", "requests_per_minute": 600}
/// ```
struct RestPacing {
    /// The config keys read here (besides the rates, which RestConfig reads).
    static let keys: Set<String> = ["pacing_key", "state_dir"]
    /// The folder under the state folder.
    static let folderName = "rest-pacing"

    /// What the processes sharing a budget have in common.
    let key: String
    /// `<state folder>/rest-pacing`.
    let folder: String

    /// Reads `pacing_key` and `state_dir` of `config`; `baseURL` is the
    /// checked `base_url`.
    init(_ config: PluginConfig, baseURL: String,
         environment: (String) -> String? = HostStateFolder.processEnvironment) throws(PluginError) {
        if let explicit = try config.string("pacing_key") {
            guard !explicit.isEmpty, explicit.utf8.count <= 200 else {
                throw PluginError.invalidArgument("config \"pacing_key\" must be 1 to 200 characters; leave it out to "
                    + "pace by the host of base_url")
            }
            key = explicit
        } else {
            key = Self.host(of: baseURL)
        }
        let stateFolder = try config.string("state_dir") ?? HostStateFolder.path(environment: environment)
        guard !stateFolder.isEmpty else {
            throw PluginError.invalidArgument("config \"state_dir\" is empty; leave it out to use the host's state folder")
        }
        folder = stateFolder + "/" + Self.folderName
    }

    /// `host[:port]` of `url`, lowercased, without `user:password@`.
    static func host(of url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        return host.lowercased()
    }

    /// The file of this key: `<folder>/<key, file-safe>-<hash of the key>.pacing`.
    var filePath: String {
        let safe = String(key.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" }.prefix(64))
        return RequestPacer.filePath(folder: folder, apiURL: key, base: safe)
    }

    /// The pacer of a run whose request starts are `interval` seconds apart
    /// (0: not paced, and no file). When the file cannot be opened, the
    /// pacing holds for this process only and `host` gets a warning.
    func pacer(interval: Double, host: HostContext) -> RequestPacer {
        guard interval > 0 else { return RequestPacer(interval: 0, file: nil) }
        do throws(PluginError) {
            let file = try PacingFile(path: filePath, writer: "rest")
            host.log(.debug, "pacing \(key) at one request every \(interval) s, shared through \(file.path)")
            return RequestPacer(interval: interval, file: file)
        } catch {
            host.log(.warn, "\(error.message); pacing \(key) for this process only: another etl-host reading it at the "
                + "same time could take it over its rate limit (set ETL_STATE_DIR or config \"state_dir\" to a "
                + "writable folder)")
            return RequestPacer(interval: interval, file: nil)
        }
    }
}
