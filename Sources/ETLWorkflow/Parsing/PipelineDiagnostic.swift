import ETLHost
import Foundation

/// A place in a pipeline file (or its `.env` file): the path as the user
/// gave it, and a 1-based line and column.
public struct SourceLocation: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The file, as named on the command line (or joined to the pipeline's folder).
    public var file: String
    /// Line, from 1.
    public var line: Int
    /// Column, from 1 (counted in Unicode scalars, as libyaml does).
    public var column: Int

    /// A location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the form editors and compilers use.
    public var description: String { "\(file):\(line):\(column)" }
}

/// One problem found in a pipeline file, at a place.
///
/// ```swift
/// PipelineDiagnostic(at: location, "unknown step 'ordrs' in needs (did you mean 'orders'?)")
/// // etl.yaml:12:14: unknown step 'ordrs' in needs (did you mean 'orders'?)
/// ```
public struct PipelineDiagnostic: Error, Equatable, Sendable, CustomStringConvertible {
    /// Where the problem is; nil for problems of the whole file (it cannot be read).
    public var location: SourceLocation?
    /// What is wrong and, where it helps, how to fix it.
    public var message: String
    /// The exit status this problem calls for: `.usage` (64) for a wrong
    /// file, `.pluginRefused` (2) for a plugin that cannot be loaded,
    /// `.failure` (1) for a connection that cannot be reached.
    public var status: ExitStatus

    /// A diagnostic.
    public init(at location: SourceLocation?, _ message: String, status: ExitStatus = .usage) {
        self.location = location
        self.message = message
        self.status = status
    }

    /// `file:line:column: message`.
    public var description: String {
        guard let location else { return message }
        return "\(location): \(message)"
    }
}

/// Every problem found in a pipeline file, in file order.
public struct PipelineDiagnostics: Error, Sendable, CustomStringConvertible {
    /// The problems, sorted by place: problems without a place first, then
    /// by file (in the order files first appear), line, column.
    public var items: [PipelineDiagnostic]

    /// A list of diagnostics, sorted by place.
    public init(_ items: [PipelineDiagnostic]) {
        var fileRank: [String: Int] = [:]
        for item in items { if let file = item.location?.file, fileRank[file] == nil { fileRank[file] = fileRank.count } }
        func key(_ offset: Int, _ item: PipelineDiagnostic) -> [Int] {
            guard let location = item.location else { return [-1, 0, 0, offset] }
            return [fileRank[location.file]!, location.line, location.column, offset]
        }
        self.items = items.enumerated()
            .sorted { key($0.offset, $0.element).lexicographicallyPrecedes(key($1.offset, $1.element)) }
            .map(\.element)
    }

    /// One diagnostic per line.
    public var description: String { items.map(\.description).joined(separator: "\n") }

    /// The exit status for the whole list: the first of 64, 2, 1 that any
    /// diagnostic calls for (0 when there is none).
    public var exitStatus: ExitStatus {
        for status in [ExitStatus.usage, .pluginRefused, .failure] where items.contains(where: { $0.status == status }) {
            return status
        }
        return .success
    }
}

/// Collects diagnostics while a file is decoded or checked, so that every
/// problem is reported, not just the first.
final class DiagnosticLog {
    private(set) var items: [PipelineDiagnostic] = []

    /// Records a problem.
    func error(_ location: SourceLocation?, _ message: String, status: ExitStatus = .usage) {
        items.append(PipelineDiagnostic(at: location, message, status: status))
    }

    /// Whether nothing was recorded.
    var isEmpty: Bool { items.isEmpty }
}
