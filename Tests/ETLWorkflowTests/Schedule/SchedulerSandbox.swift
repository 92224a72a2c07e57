import ETLHost
import ETLTestSupport
@testable import ETLWorkflow
import Foundation

/// A project folder (`<root>/project`) and a state folder (`<root>/state`)
/// for a ``ProjectScheduler`` running the real etl-host binary.
struct SchedulerSandbox {
    let sandbox: HostSandbox
    var root: String { sandbox.root }
    var project: String { root + "/project" }
    var state: String { root + "/state" }

    init(_ label: String, files: [String: String]) throws {
        sandbox = try HostSandbox(label)
        for (name, text) in files { try write(text, to: name) }
    }

    /// Writes a file of the project folder.
    func write(_ text: String, to name: String) throws {
        let url = URL(fileURLWithPath: project + "/" + name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Creates an empty file in the project folder (what waiting commands poll for).
    func touch(_ name: String) { _ = FileManager.default.createFile(atPath: project + "/" + name, contents: Data()) }

    /// A project file's text, or nil.
    func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: project + "/" + name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A scheduler of this project on `clock`.
    func scheduler(clock: any SchedulerClock = SystemSchedulerClock()) -> ProjectScheduler {
        ProjectScheduler(projectFolder: project, executable: TestSupport.hostExecutable, stateFolder: state, clock: clock,
                         environment: sandbox.environment)
    }

    var store: PipelineRunStore { PipelineRunStore(runs: RunStore(stateDirectory: state)) }

    /// The pipeline runs, by id.
    func runs() -> [PipelineRunRecord] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: state + "/runs")) ?? []).sorted()
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: "\(state)/runs/\(name)/pipeline.json") else { return nil }
            return try? JSONDecoder().decode(PipelineRunRecord.self, from: data)
        }
    }

    /// The record of run `id`, when written.
    func run(_ id: String) -> PipelineRunRecord? { runs().first { $0.id == id } }

    /// The scheduler's log lines with their times: (time, message).
    func timedLogLines() -> [(Date, String)] {
        let text = FileManager.default.contents(atPath: state + "/serve/scheduler.log").map { String(decoding: $0, as: UTF8.self) } ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, let time = RecordTime.date(parts[0]) else { return nil }
            return (time, parts[1])
        }
    }

    /// The scheduler's log lines, without their times.
    func logLines() -> [String] {
        let text = FileManager.default.contents(atPath: state + "/serve/scheduler.log").map { String(decoding: $0, as: UTF8.self) } ?? ""
        return text.split(separator: "\n").map { line in
            line.split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
        }
    }

    /// Waits until `condition` holds, polling every 20 ms, for at most `seconds`
    /// (without holding a thread: the scheduler's actor needs one).
    func waitFor(_ what: String, seconds: Double = 30, _ condition: () async -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !(await condition()) {
            guard Date() < deadline else { throw TestFailure("timed out after \(seconds) s waiting for \(what); log:\n\(logLines().joined(separator: "\n"))") }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    /// A command step that waits until the project file `name` exists, then appends its name to `ran.txt`.
    static func waitingStep(for name: String) -> String {
        "{command: [sh, -c, 'while [ ! -f \(name) ]; do sleep 0.02; done; echo \(name) >> ran.txt'], timeout: 120s}"
    }
}
