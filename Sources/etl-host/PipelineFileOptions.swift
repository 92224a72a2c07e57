import ArgumentParser
import ETLHost
import ETLWorkflow
import Foundation

/// `-f FILE`: the pipeline file of `validate` and `plan`.
struct PipelineFileOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .customLong("file")],
            help: ArgumentHelp("The pipeline file (YAML or JSON).", valueName: "file"))
    var file: String = PipelineParser.defaultFileName

    /// Parses the file; on problems prints each and exits 64.
    func parse() throws -> PipelineFile {
        do {
            return try PipelineParser().parse(path: file)
        } catch {
            throw PipelineReport(file: file, diagnostics: error).fail(json: false)
        }
    }
}

/// The outcome of checking a pipeline file, printed as `validate` and `plan` do.
struct PipelineReport {
    var file: String
    var diagnostics: PipelineDiagnostics
    var steps: Int?
    var connections: Int?

    /// Prints every problem to standard error, one per line, then a count;
    /// returns the exit code to throw.
    func fail(json: Bool) -> ExitCode {
        if json {
            say(self.json)
        } else {
            let count = diagnostics.items.count
            let text = diagnostics.items.map(\.description).joined(separator: "\n") + "\n\(file): \(count) error\(count == 1 ? "" : "s")\n"
            FileHandle.standardError.write(Data(text.utf8))
        }
        return ExitCode(diagnostics.exitStatus.rawValue)
    }

    /// One JSON line: file, ok, steps, connections, errors (file, line, column, message).
    var json: String {
        struct Problem: Encodable {
            var file: String?
            var line: Int?
            var column: Int?
            var message: String
        }
        struct Document: Encodable {
            var file: String
            var ok: Bool
            var steps: Int?
            var connections: Int?
            var errors: [Problem]
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(file, forKey: .file)
                try container.encode(ok, forKey: .ok)
                try container.encode(steps, forKey: .steps)
                try container.encode(connections, forKey: .connections)
                try container.encode(errors, forKey: .errors)
            }
            enum CodingKeys: String, CodingKey { case file, ok, steps, connections, errors }
        }
        let problems = diagnostics.items.map {
            Problem(file: $0.location?.file, line: $0.location?.line, column: $0.location?.column, message: $0.message)
        }
        return (try? jsonLine(Document(file: file, ok: problems.isEmpty, steps: steps, connections: connections, errors: problems))) ?? "{}"
    }
}
