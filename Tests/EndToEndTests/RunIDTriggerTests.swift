import ETLTestSupport
import Foundation
import Testing

/// `etl-host run --run-id ID --trigger T`: a job fired twice runs once.
@Suite struct RunIDTriggerTests {
    static let yaml = """
        name: counter
        steps:
          count: {command: [sh, -c, 'echo ran >> count.txt']}
        """

    @Test func aSecondStartWithTheSameIDRunsNothingAndExits0() throws {
        let sandbox = try PipelineRunSandbox("run-id-twice", yaml: Self.yaml)
        let first = try sandbox.run("--run-id", "20261206T020000Z-counter-0", "--trigger", "external")
        #expect(first.status == 0, "\(first.stderr)")
        let record = try #require(try sandbox.pipelineRuns().last)
        #expect(record["id"] as? String == "20261206T020000Z-counter-0")
        #expect(record["trigger"] as? String == "external")
        let second = try sandbox.run("--run-id", "20261206T020000Z-counter-0", "--trigger", "external")
        #expect(second.status == 0, "\(second.stderr)")
        let started = try #require(record["started_at"] as? String)
        #expect(second.stderr == "etl-host: run 20261206T020000Z-counter-0 already exists (pipeline 'counter', succeeded, started \(started)); nothing was run\n")
        #expect(sandbox.read("count.txt") == "ran\n")
        #expect(sandbox.runFolders() == ["20261206T020000Z-counter-0"])
    }

    @Test func aSecondStartWithJSONPrintsTheExistingRunsRecord() throws {
        let sandbox = try PipelineRunSandbox("run-id-twice-json", yaml: Self.yaml)
        let first = try sandbox.run("--run-id", "20261206T030000Z-counter-0", "--json")
        #expect(first.status == 0, "\(first.stderr)")
        let second = try sandbox.run("--run-id", "20261206T030000Z-counter-0", "--json")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout == first.stdout)
        let printed = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        #expect(printed["id"] as? String == "20261206T030000Z-counter-0")
        #expect(printed["status"] as? String == "succeeded")
        #expect(sandbox.read("count.txt") == "ran\n")
    }

    @Test func aRunWithoutOptionsIsRecordedAsCLI() throws {
        let sandbox = try PipelineRunSandbox("run-trigger-cli", yaml: Self.yaml)
        let result = try sandbox.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sandbox.pipelineRuns().last?["trigger"] as? String == "cli")
        let scheduled = try sandbox.run("--trigger", "schedule")
        #expect(scheduled.status == 0, "\(scheduled.stderr)")
        #expect(try sandbox.pipelineRuns().map { $0["trigger"] as? String } == ["cli", "schedule"])
    }

    @Test func aBadIDOrTriggerIsRefusedWith64() throws {
        let sandbox = try PipelineRunSandbox("run-id-bad", yaml: Self.yaml)
        let bad = try sandbox.run("--run-id", "../escape")
        #expect(bad.status == 64)
        #expect(bad.stderr == "etl-host: error: --run-id '../escape' is not a valid run id: use 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit (it names a folder)\n")
        let trigger = try sandbox.run("--trigger", "cron")
        #expect(trigger.status == 64)
        #expect(trigger.stderr == "etl-host: error: unknown --trigger 'cron'; use cli, schedule, manual or external\n")
        #expect(sandbox.read("count.txt") == nil)
        #expect(sandbox.runFolders().isEmpty)
    }

    /// The first start waits (its command polls for a file); the second
    /// start of the same id names the live pid and runs nothing.
    @Test func aSecondStartWhileTheFirstRunsSaysSo() throws {
        let sandbox = try PipelineRunSandbox("run-id-running", yaml: """
            name: waiter
            steps:
              wait: {command: [sh, -c, 'while [ ! -f go ]; do sleep 0.05; done; echo ran >> count.txt'], timeout: 60s}
            """)
        let first = Process()
        first.executableURL = URL(fileURLWithPath: TestSupport.hostExecutable)
        first.arguments = ["run", "-f", "project/etl.yaml", "--run-id", "job-1"]
        first.environment = sandbox.environment
        first.currentDirectoryURL = URL(fileURLWithPath: sandbox.root)
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        defer { if first.isRunning { first.terminate() } }
        try TestSupport.waitFor("the first run's step to run") {
            (try sandbox.pipelineRuns().first?["steps"] as? [[String: Any]])?.first?["state"] as? String == "running"
        }
        let second = try sandbox.run("--run-id", "job-1")
        #expect(second.status == 0)
        #expect(second.stderr.hasPrefix("etl-host: run job-1 is already running (pipeline 'waiter', pid \(first.processIdentifier), started "), "\(second.stderr)")
        #expect(second.stderr.hasSuffix("); nothing was run\n"))
        FileManager.default.createFile(atPath: sandbox.project + "/go", contents: Data())
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        #expect(sandbox.read("count.txt") == "ran\n")
    }
}
