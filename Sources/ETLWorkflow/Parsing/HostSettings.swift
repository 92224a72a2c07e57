import Foundation

/// The settings of etl-host itself that a project's `.env` may give, like
/// the `ETL_SOURCE__<KEY>` variables: `ETL_STATE_DIR`, `ETL_REGISTRY_PATH`,
/// `ETL_SNAPSHOT_DIR`, `ETL_PLUGIN_INDEX` and `ETL_SERVE_TOKEN`. Every
/// command reads them from `.env` in the current folder when it starts; a
/// variable set in the environment is never overridden by the file.
/// Relative folders in the file (`ETL_STATE_DIR=state`, each entry of
/// `ETL_REGISTRY_PATH`) mean the `.env`'s neighbours, whatever folder a
/// command enters later.
///
/// ```swift
/// // ./.env: ETL_SNAPSHOT_DIR=snapshots
/// HostSettings.fromDotEnv(folder: "/srv/shop", environment: [:])
/// // ["ETL_SNAPSHOT_DIR": "/srv/shop/snapshots"]
/// ```
public enum HostSettings {
    /// A setting a `.env` may give.
    public enum Name: String, CaseIterable, Sendable {
        case stateDirectory = "ETL_STATE_DIR"
        case registryPath = "ETL_REGISTRY_PATH"
        case snapshotDirectory = "ETL_SNAPSHOT_DIR"
        case pluginIndex = "ETL_PLUGIN_INDEX"
        case serveToken = "ETL_SERVE_TOKEN"

        /// How a relative value is made absolute against the `.env`'s folder.
        var paths: PathValue {
            switch self {
            case .stateDirectory, .snapshotDirectory: .one
            case .registryPath: .colonSeparated
            case .pluginIndex, .serveToken: .none
            }
        }
    }

    /// Whether a setting's value holds folder paths.
    enum PathValue { case one, colonSeparated, none }

    /// The settings `folder/.env` gives that `environment` does not set
    /// (an empty value in the environment counts as set), with relative
    /// paths made absolute against `folder`. Malformed lines are skipped
    /// here; the commands that read the whole `.env` (`sync`, `query`,
    /// `show`, `replay`, `run`) report them with exit 64.
    public static func fromDotEnv(folder: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        let path = (folder as NSString).appendingPathComponent(ProjectEnvironment.fileName)
        let file = DotEnvFile.read(path: path, displayPath: ProjectEnvironment.fileName, log: DiagnosticLog())
        var settings: [String: String] = [:]
        for name in Name.allCases where environment[name.rawValue] == nil {
            guard let value = file.variables[name.rawValue] else { continue }
            switch name.paths {
            case .one: settings[name.rawValue] = value.isEmpty ? value : absolute(value, folder: folder)
            case .colonSeparated:
                settings[name.rawValue] = value.split(separator: ":", omittingEmptySubsequences: false)
                    .map { $0.isEmpty ? "" : absolute(String($0), folder: folder) }.joined(separator: ":")
            case .none: settings[name.rawValue] = value
            }
        }
        return settings
    }

    /// Sets the process environment's missing settings from the current
    /// folder's `.env` (see ``fromDotEnv(folder:environment:)``), so that
    /// every part of the host and the plugins see them.
    public static func applyDotEnv(folder: String = FileManager.default.currentDirectoryPath) {
        for (name, value) in fromDotEnv(folder: folder) { setenv(name, value, 0) }
    }

    private static func absolute(_ path: String, folder: String) -> String {
        path.hasPrefix("/") || path.hasPrefix("~") ? path : (folder as NSString).appendingPathComponent(path)
    }
}
