import Foundation
import Yams

/// Reads a pipeline file (YAML, or JSON, which YAML contains) into a
/// ``PipelineFile``, checking everything that can be checked without
/// loading a plugin: keys, types, names, references, the SQL files, the
/// step graph. Every problem is reported with its `file:line:column`.
///
/// ```swift
/// do {
///     let pipeline = try PipelineParser().parse(path: "etl.yaml")
/// } catch {
///     print(error)   // etl.yaml:7:5: unknown key 'matrialize' in step 'orders' (did you mean 'materialize'?); ...
/// }
/// ```
public struct PipelineParser: Sendable {
    /// The file read when none is named: `etl.yaml` in the current folder.
    public static let defaultFileName = "etl.yaml"

    /// The process environment (wins over the `.env` file).
    public var environment: [String: String]

    /// A parser reading `${VAR}` from `environment` (and the `.env` file).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Reads and checks the file at `path` (shown in messages as written).
    public func parse(path: String) throws(PipelineDiagnostics) -> PipelineFile {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue,
              let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw PipelineDiagnostics([PipelineDiagnostic(at: nil, exists
                ? "\(path): cannot read the pipeline file (a folder, or no permission)"
                : "\(path): no such pipeline file (name one with -f FILE; the default is \(Self.defaultFileName) in the current folder)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PipelineDiagnostics([PipelineDiagnostic(at: nil, "\(path): the pipeline file is not UTF-8 text")])
        }
        return try parse(text: text, path: path)
    }

    /// Reads and checks `text` as the file at `path` (its folder holds
    /// the `.env` file and the SQL files).
    public func parse(text: String, path: String) throws(PipelineDiagnostics) -> PipelineFile {
        let log = DiagnosticLog()
        let folder = (path as NSString).deletingLastPathComponent
        let envPath = folder.isEmpty ? ".env" : folder + "/.env"
        let dotEnv = DotEnvFile.read(path: envPath, displayPath: envPath, log: log)
        let variables = dotEnv.variables.merging(environment) { _, fromEnvironment in fromEnvironment }
        let reader = NodeReader(file: path, log: log, interpolation: Interpolation(variables: variables))
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                throw PipelineDiagnostics(log.items + [PipelineDiagnostic(at: SourceLocation(file: path, line: 1, column: 1),
                    "the pipeline file is empty: it needs at least 'steps:'")])
            }
            root = composed
        } catch let error as PipelineDiagnostics {
            throw error
        } catch {
            throw PipelineDiagnostics(log.items + [Self.diagnostic(for: error, file: path)])
        }
        let decoder = PipelineDecoder(reader: reader, path: path, folder: folder.isEmpty ? "." : folder)
        let (pipeline, outlines) = decoder.decode(root)
        for problem in StepGraph.problems(in: outlines) + TargetConflicts.problems(in: pipeline?.steps ?? []) {
            log.error(problem.location, problem.message)
        }
        guard let pipeline, log.isEmpty else { throw PipelineDiagnostics(log.items) }
        return pipeline
    }

    /// A libyaml error (syntax, duplicate key) as a diagnostic with its place.
    static func diagnostic(for error: any Error, file: String) -> PipelineDiagnostic {
        guard let yaml = error as? YamlError else { return PipelineDiagnostic(at: nil, "\(file): \(error)") }
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        switch yaml {
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return PipelineDiagnostic(at: at(context.mark), "duplicate key \(names) in one mapping: each key may appear once")
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let where_ = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return PipelineDiagnostic(at: at(mark), "not valid YAML: \(problem)\(where_)")
        case .reader(let problem, _, _, _):
            return PipelineDiagnostic(at: nil, "\(file): not readable as YAML: \(problem)")
        default:
            return PipelineDiagnostic(at: nil, "\(file): not valid YAML: \(yaml)")
        }
    }
}
