import Foundation

/// The folder `--snapshot-dir` (or `ETL_SNAPSHOT_DIR`, or a sync step's
/// `snapshot_dir:`) names, checked before a run starts.
public enum SnapshotFolderOption {
    /// `path` as an absolute folder, or nil when none is given (snapshots
    /// stay in the state folder).
    ///
    /// - Throws: `.invalidArgument` naming `option` when the folder does not
    ///   exist or is not a folder: it is never created, so an unmounted
    ///   bucket or NAS is not silently replaced by a local folder.
    public static func resolve(_ path: String?, option: String, relativeTo base: String = FileManager.default.currentDirectoryPath) throws -> String? {
        guard let path, !path.isEmpty else { return nil }
        let absolute = path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
        let standardized = (absolute as NSString).standardizingPath
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: standardized, isDirectory: &isFolder), isFolder.boolValue else {
            throw HostError(.invalidArgument, "\(option): the folder '\(path)' does not exist (is it mounted?); create it first, snapshots never go to a folder made in its place")
        }
        return standardized
    }
}
