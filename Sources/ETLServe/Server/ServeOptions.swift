import ETLHost
import Foundation

/// `etl-host serve`'s options, checked: where to listen, the token, the project folder.
public struct ServeOptions: Sendable {
    /// The project folder, absolute.
    public let projectFolder: String
    /// The address to listen on.
    public let host: String
    /// The port (0: any free one).
    public let port: UInt16
    /// The access token, nil when none.
    public let token: String?
    /// Seconds running steps get after SIGTERM.
    public let stopGrace: Double

    /// The shortest token accepted.
    public static let minimumTokenLength = 16

    /// Checks the options.
    ///
    /// - Throws: `.invalidArgument` (exit 64) for a non-loopback host
    ///   without a token, a token shorter than ``minimumTokenLength``, a
    ///   port out of range, a negative grace, a project that is not a folder.
    public init(project: String, host: String, port: Int, token: String?, stopGrace: Double) throws {
        let token = token.flatMap { $0.isEmpty ? nil : $0 }
        guard (0 ... 65535).contains(port) else {
            throw HostError(.invalidArgument, "--port \(port) is not a port number (0 to 65535; 0 picks a free one)")
        }
        if let token, token.count < Self.minimumTokenLength {
            throw HostError(.invalidArgument, "the token is \(token.count) characters long: use at least \(Self.minimumTokenLength) (e.g. openssl rand -hex 16)")
        }
        guard token != nil || ListenAddress.isLoopback(host) else {
            throw HostError(.invalidArgument, "refusing to listen on \(host) without a token: anyone who reaches it could run and cancel pipelines; give --token or ETL_SERVE_TOKEN (at least \(Self.minimumTokenLength) characters), or listen on 127.0.0.1")
        }
        guard stopGrace >= 0 else { throw HostError(.invalidArgument, "--stop-grace \(stopGrace) must be 0 or more seconds") }
        let folder = HostEnvironment.absolutePath(project)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw HostError(.invalidArgument, "--project \(project) is not a folder")
        }
        projectFolder = folder
        self.host = host
        self.port = UInt16(port)
        self.token = token
        self.stopGrace = stopGrace
    }
}
