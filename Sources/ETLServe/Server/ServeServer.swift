import ETLHost
import FlyingFox
import FlyingSocks
import Foundation
import Synchronization

/// The HTTP server of `etl-host serve`: listens on an address, answers
/// with a ``ServeApp``, and on SIGTERM or SIGINT stops accepting
/// connections, runs `shutdown` (the scheduler's graceful stop) and returns.
public struct ServeServer: Sendable {
    /// The address to listen on (an IPv4 or IPv6 literal, or `localhost`).
    public let host: String
    /// The port (0: any free port, printed when listening).
    public let port: UInt16

    /// A server for `host:port`.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// The socket address of `host`.
    ///
    /// - Throws: `.invalidArgument` when `host` is not an IP address.
    func address() throws -> any SocketAddress {
        let literal = host == "localhost" ? "127.0.0.1" : host
        if literal.contains(":") {
            guard let address = try? sockaddr_in6.inet6(ip6: literal, port: port) else {
                throw HostError(.invalidArgument, "--host \(host) is not an IPv4 or IPv6 address")
            }
            return address
        }
        guard let address = try? sockaddr_in.inet(ip4: literal, port: port) else {
            throw HostError(.invalidArgument, "--host \(host) is not an IPv4 or IPv6 address (such as 127.0.0.1 or 0.0.0.0)")
        }
        return address
    }

    /// Starts serving `app`; returns once the socket listens.
    ///
    /// - Throws: `.invalidArgument` for a host that is not an address,
    ///   `.io` when the address cannot be bound (in use, not this machine's).
    public func start(app: ServeApp) async throws -> RunningServer {
        let server = HTTPServer(address: try address(), timeout: 30, logger: .disabled,
                                handler: ClosureHTTPHandler { request in await app.handle(request) })
        let serving = Task { try await server.run() }
        do {
            try await server.waitUntilListening(timeout: 10)
        } catch {
            serving.cancel()
            var reason = "\(error)"
            if case .failure(let failure) = await serving.result { reason = "\(failure)" }
            throw HostError(.io, "cannot listen on \(host):\(port): \(reason)")
        }
        var bound = port
        switch await server.listeningAddress {
        case .ip4(_, let port)?, .ip6(_, let port)?: bound = port
        default: break
        }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return RunningServer(url: "http://\(shownHost):\(bound)/", server: server, serving: serving)
    }

    /// Serves `app` until SIGTERM or SIGINT; `listening` receives the URL
    /// once the socket listens; `shutdown` runs after the server stopped
    /// accepting connections.
    public func run(app: ServeApp, listening: @escaping @Sendable (String) -> Void, shutdown: @escaping @Sendable () async -> Void) async throws {
        let stop = Cancellation()
        SignalTrap.install(stop) { _ in }
        let running = try await start(app: app)
        listening(running.url)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumed = OnceFlag()
            _ = stop.onCancel { if resumed.set() { continuation.resume() } }
            if stop.isCancelled, resumed.set() { continuation.resume() }
        }
        await running.stop()
        await shutdown()
    }
}

/// A server that listens: its URL, and how to stop it.
public struct RunningServer: Sendable {
    /// `http://HOST:PORT/`.
    public let url: String
    let server: HTTPServer
    let serving: Task<Void, any Error>

    /// Stops accepting connections and ends the open ones (after at most 3 s).
    public func stop() async {
        await server.stop(timeout: 3)
        serving.cancel()
    }
}

/// A flag that can be set once, from any thread.
final class OnceFlag: Sendable {
    private let done = Mutex(false)

    /// True the first time only.
    func set() -> Bool {
        done.withLock { done in
            defer { done = true }
            return !done
        }
    }
}
