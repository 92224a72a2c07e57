import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What an alert says, POSTed as JSON:
///
/// ```json
/// {"error": "command sh exited with 3", "event": "failure", "failing_step": "load",
///  "pipeline": "shop", "run_id": "20261206T020000000Z-shop-0", "status": "failed",
///  "time": "2026-12-06T02:00:04.120Z"}
/// ```
public struct AlertMessage: Codable, Sendable, Equatable {
    /// failure, late or recovery.
    public var event: AlertRule.Event
    /// The pipeline's name.
    public var pipeline: String
    /// The run it is about (none for `late`).
    public var runID: String?
    /// The run's status (`failed`, `succeeded`), or `late`.
    public var status: String
    /// The first step that failed.
    public var failingStep: String?
    /// That step's error (or the run's).
    public var error: String?
    /// When the alert was raised, ISO 8601 UTC.
    public var time: String

    enum CodingKeys: String, CodingKey {
        case event, pipeline, status, error, time
        case runID = "run_id"
        case failingStep = "failing_step"
    }
}

/// Sends alerts to webhooks: a POST of an ``AlertMessage``, tried up to
/// ``attempts`` times (waiting 1 s, then 2 s, ... between tries) until the
/// receiver answers 2xx. The URL is a secret (it often carries a token):
/// it is resolved from `@env:NAME` only when sending and never logged;
/// the scheduler's log names its host only.
public final class WebhookAlerts: Sendable {
    /// Tries per alert.
    public static let attempts = 3
    private let environment: [String: String]
    private let logPath: String
    private let pending = PendingSends()

    /// Alerts resolving `@env:` in `environment`, logging to `logPath`.
    public init(environment: [String: String], logPath: String) {
        self.environment = environment
        self.logPath = logPath
    }

    /// Sends `message` to every rule of `rules` that listens for `event` (in the background).
    public func send(_ event: AlertRule.Event, rules: [AlertRule], message: AlertMessage) {
        for rule in rules where rule.events.contains(event) {
            let task = Task.detached { [self] in await deliver(message, to: rule) }
            pending.add(task)
        }
    }

    /// Waits for every alert being sent.
    public func drain() async {
        for task in pending.takeAll() { await task.value }
    }

    /// The URL of `rule`, or why there is none (without the URL).
    func url(of rule: AlertRule) -> Result<URL, AlertFailure> {
        var text = rule.webhook
        if text.hasPrefix("@env:") {
            let name = String(text.dropFirst(5))
            guard let value = environment[name], !value.isEmpty else {
                return .failure(AlertFailure(description: "the environment variable \(name) (webhook of alert at \(rule.location)) is not set"))
            }
            text = value
        }
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            return .failure(AlertFailure(description: "the webhook of the alert at \(rule.location) is not an http(s) URL"))
        }
        return .success(url)
    }

    private func deliver(_ message: AlertMessage, to rule: AlertRule) async {
        let url: URL
        switch self.url(of: rule) {
        case .success(let found): url = found
        case .failure(let failure):
            log("alert \(message.event.rawValue) for pipeline '\(message.pipeline)' not sent: \(failure)")
            return
        }
        let host = url.host ?? "?"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let body = try? encoder.encode(message) else { return }
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        var problem = ""
        for attempt in 1 ... Self.attempts {
            do {
                let (_, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200 ..< 300).contains(status) {
                    log("alert \(message.event.rawValue) for pipeline '\(message.pipeline)'\(message.runID.map { " run \($0)" } ?? "") sent to \(host) (attempt \(attempt))")
                    return
                }
                problem = "HTTP \(status)"
            } catch {
                // The error's text may hold the URL: say what kind of failure only.
                problem = (error as? URLError).map { "network error \($0.code.rawValue)" } ?? "network error"
            }
            if attempt < Self.attempts {
                try? await Task.sleep(nanoseconds: UInt64(pow(2, Double(attempt - 1)) * 1_000_000_000))
            }
        }
        log("alert \(message.event.rawValue) for pipeline '\(message.pipeline)' to \(host) failed after \(Self.attempts) attempts: \(problem)")
    }

    private func log(_ text: String) { SchedulerLog.append(text, at: Date(), to: logPath) }
}

/// Why an alert could not be sent (never holding the URL).
public struct AlertFailure: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String
}

/// The alerts being sent.
private final class PendingSends: Sendable {
    private let tasks = Mutex<[Task<Void, Never>]>([])

    func add(_ task: Task<Void, Never>) { tasks.withLock { $0.append(task) } }

    func takeAll() -> [Task<Void, Never>] {
        tasks.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
    }
}
