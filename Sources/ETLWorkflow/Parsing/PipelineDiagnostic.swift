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
    /// The problems, sorted by place (problems without a place first).
    public var items: [PipelineDiagnostic]

    /// A list of diagnostics, sorted by place.
    public init(_ items: [PipelineDiagnostic]) {
        self.items = items.enumerated().sorted { lhs, rhs in
            let left = lhs.element.location, right = rhs.element.location
            switch (left, right) {
            case (nil, nil): return lhs.offset < rhs.offset
            case (nil, _): return true
            case (_, nil): return false
            case let (left?, right?):
                if left.file != right.file { return lhs.offset < rhs.offset }
                if left.line != right.line { return left.line < right.line }
                if left.column != right.column { return left.column < right.column }
                return lhs.offset < rhs.offset
            }
        }.map(\.element)
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
