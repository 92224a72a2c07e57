import ETLHost
import ETLWorkflow
import Foundation

/// Starts `etl-host run --resume ID` for the run page's resume button: a
/// child process of `serve` (its records are the run's truth; the
/// pipeline's lock keeps it from overlapping another run of the pipeline).
public struct RunLauncher: Sendable {
    /// The `etl-host` executable to run.
    public let executable: String
    /// The project folder (the child's current folder; relative pipeline files resolve against it).
    public let projectFolder: String

    /// A launcher of `executable` in `projectFolder`.
    public init(executable: String, projectFolder: String) {
        self.executable = executable
        self.projectFolder = projectFolder
    }

    /// Starts a run that resumes `record` (its steps that did not succeed,
    /// and those downstream), trigger `manual`; returns at once.
    ///
    /// - Throws: `.invalidArgument` when the run's pipeline file is not in
    ///   the project folder any more; `.io` when the process cannot start.
    public func resume(_ record: PipelineRunRecord) throws {
        let file = (record.file as NSString).isAbsolutePath ? record.file : (projectFolder as NSString).appendingPathComponent(record.file)
        guard FileManager.default.fileExists(atPath: file) else {
            throw HostError(.invalidArgument, "cannot resume run \(record.id): its pipeline file '\(record.file)' is not in the project folder \(projectFolder)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["run", "-f", file, "--resume", record.id, "--trigger", RunTrigger.manual.rawValue]
        process.currentDirectoryURL = URL(fileURLWithPath: projectFolder)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw HostError(.io, "cannot start '\(executable) run --resume \(record.id)': \(error.localizedDescription)")
        }
    }
}
