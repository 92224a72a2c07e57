import ETLHost
import Foundation

/// The environment of a command run in a project folder: the process
/// environment over the folder's `.env` file (a variable set in the
/// environment is never overridden by the file). `etl-host sync`, `query`
/// and `show` read `.env` in the current folder; `etl-host run` reads the
/// one next to the pipeline file (``PipelineParser``).
///
/// ```swift
/// let environment = try ProjectEnvironment.variables(folder: ".")
/// environment["ETL_DESTINATION__PATH"]   // from the shell, else from ./.env
/// ```
public enum ProjectEnvironment {
    /// The name of the file read in the project folder.
    public static let fileName = ".env"

    /// The process environment with the variables of `folder/.env` that it
    /// does not set; a missing file adds nothing.
    ///
    /// - Throws: `.invalidArgument` (exit 64) naming every malformed line
    ///   as `.env:LINE:COLUMN: problem`.
    public static func variables(folder: String,
                                 environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [String: String] {
        let path = folder == "." || folder.isEmpty ? fileName : (folder as NSString).appendingPathComponent(fileName)
        let log = DiagnosticLog()
        let file = DotEnvFile.read(path: path, displayPath: path, log: log)
        guard log.isEmpty else {
            throw HostError(.invalidArgument, log.items.map(\.description).joined(separator: "; "))
        }
        return file.variables.merging(environment) { _, fromEnvironment in fromEnvironment }
    }
}
