import ETLTestSupport
@testable import ETLWorkflow
import Foundation

/// A pipeline file written into a new temporary folder (with any other
/// files it names), parsed with a fixed environment.
struct PipelineFixture {
    let folder: String
    var path: String { folder + "/etl.yaml" }

    init(_ yaml: String, files: [String: String] = [:]) throws {
        folder = try TestSupport.temporaryDirectory("pipeline")
        try write(yaml, to: "etl.yaml")
        for (name, text) in files { try write(text, to: name) }
    }

    func write(_ text: String, to name: String) throws {
        let url = URL(fileURLWithPath: folder + "/" + name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// The parsed pipeline; fails the test with the diagnostics if any.
    func parse(environment: [String: String] = [:]) throws -> PipelineFile {
        do {
            return try PipelineParser(environment: environment).parse(path: path)
        } catch {
            throw TestFailure("unexpected problems:\n\(relative(error.description))")
        }
    }

    /// The problems, one string each, with the folder cut from paths
    /// (`etl.yaml:3:5: ...`); empty when the file is fine.
    func problems(environment: [String: String] = [:]) -> [String] {
        do {
            _ = try PipelineParser(environment: environment).parse(path: path)
            return []
        } catch {
            return error.items.map { relative($0.description) }
        }
    }

    func relative(_ text: String) -> String { text.replacingOccurrences(of: folder + "/", with: "") }
}
