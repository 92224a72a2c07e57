import Foundation

/// Keeps the folder of scheduled runs' output (`<state>/serve/output`,
/// one `<run id>.txt` per child run) from growing forever: before each new
/// child starts, all but the newest ``keptFiles`` files (by modification
/// time, then name) are deleted. The run records themselves are untouched;
/// only the captured stdout/stderr of old runs goes.
public struct RunOutputRetention: Sendable {
    /// How many output files are kept: 1,000 by default.
    public let keptFiles: Int

    /// A retention that keeps the newest `keptFiles` files.
    public init(keptFiles: Int = 1000) { self.keptFiles = keptFiles }

    /// Deletes the oldest `.txt` files of `folder` so that at most
    /// `keptFiles - 1` remain (room for the one about to be written).
    /// Returns the names deleted, oldest first. A file that cannot be read
    /// or deleted is left alone.
    @discardableResult
    public func prune(_ folder: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        let files: [(name: String, modified: Date)] = names.filter { $0.hasSuffix(".txt") }.compactMap { name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: (folder as NSString).appendingPathComponent(name))
            guard let modified = attributes?[.modificationDate] as? Date else { return nil }
            return (name, modified)
        }
        let excess = files.count - max(0, keptFiles - 1)
        guard excess > 0 else { return [] }
        let oldest = files.sorted { ($0.modified, $0.name) < ($1.modified, $1.name) }.prefix(excess)
        return oldest.compactMap { file in
            (try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(file.name))) == nil ? nil : file.name
        }
    }
}
