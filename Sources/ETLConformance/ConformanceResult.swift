import ETLHost
import Foundation

/// The outcome of one ``ConformanceCheck``.
///
/// `detail` says what was found in one line: for a failure, the first
/// problem, naming where it is (`stream 'numbers', batch 2, column 2
/// ("label", utf8): offset[3]=9 < offset[2]=12`); `problems` lists every
/// problem found (the first is `detail`); `notes` add what was not checked
/// and why.
public struct ConformanceResult: Codable, Equatable, Sendable {
    /// Pass, fail or skip.
    public enum Status: String, Codable, Sendable {
        /// The plugin keeps the rule.
        case pass
        /// The plugin breaks the rule (or crashed, or hung).
        case fail
        /// The check could not run: see `detail` for the option to pass.
        case skip

        /// `PASS`, `FAIL` or `SKIP`, as the report prints it.
        public var label: String { rawValue.uppercased() }
    }

    /// The check.
    public var check: ConformanceCheck
    /// Its status.
    public var status: Status
    /// One line: what passed, the first problem, or why it was skipped.
    public var detail: String
    /// Every problem found, in the order found.
    public var problems: [String]
    /// What was not checked, and other remarks.
    public var notes: [String]
    /// How long the check took, in seconds.
    public var seconds: Double

    /// A result.
    public init(check: ConformanceCheck, status: Status, detail: String, problems: [String] = [],
                notes: [String] = [], seconds: Double = 0) {
        self.check = check
        self.status = status
        self.detail = detail
        self.problems = problems
        self.notes = notes
        self.seconds = seconds
    }

    /// A skipped check.
    static func skip(_ check: ConformanceCheck, _ reason: String) -> ConformanceResult {
        ConformanceResult(check: check, status: .skip, detail: reason)
    }
}

/// Everything `etl-host plugins test` found about one plugin.
public struct ConformanceReport: Codable, Sendable {
    /// The plugin's name as it declares it (or as given, when it does not load).
    public var plugin: String
    /// The library tested.
    public var library: String
    /// The descriptor, when the plugin loads.
    public var descriptor: PluginDescriptor?
    /// One result per check, in the order run.
    public var results: [ConformanceResult]
    /// Remarks about the run as a whole (tables left in a warehouse, ...).
    public var notes: [String]

    /// Whether no check failed.
    public var passed: Bool { !results.contains { $0.status == .fail } }

    /// How many checks ended with `status`.
    public func count(_ status: ConformanceResult.Status) -> Int {
        results.filter { $0.status == status }.count
    }

    /// The exit code of `plugins test`: 0 when no check failed, 2 when the
    /// plugin does not even load, 1 when another check failed.
    public var exitStatus: ExitStatus {
        if results.first(where: { $0.check == .load })?.status == .fail { return .pluginRefused }
        return passed ? .success : .failure
    }

    /// The last line of the text report, e.g. `16 checks: 14 passed, 1 failed, 1 skipped`.
    public var summaryLine: String {
        "\(results.count) checks: \(count(.pass)) passed, \(count(.fail)) failed, \(count(.skip)) skipped"
    }

    /// The line of one result: status, check name, detail.
    public static func line(_ result: ConformanceResult) -> String {
        let name = result.check.rawValue.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
        return "\(result.status.label)  \(name)  \(result.detail)"
    }

    /// The width of the name column: the longest check name.
    static let nameWidth = ConformanceCheck.allCases.map(\.rawValue.count).max() ?? 0

    private enum CodingKeys: String, CodingKey {
        case plugin, library, descriptor, results = "checks", notes
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(plugin, forKey: .plugin)
        try container.encode(library, forKey: .library)
        try container.encodeIfPresent(descriptor, forKey: .descriptor)
        try container.encode(results, forKey: .results)
        try container.encode(notes, forKey: .notes)
        var extra = encoder.container(keyedBy: SummaryKeys.self)
        try extra.encode(passed ? "passed" : "failed", forKey: .status)
        try extra.encode(["pass": count(.pass), "fail": count(.fail), "skip": count(.skip)], forKey: .counts)
        try extra.encode(exitStatus.rawValue, forKey: .exitCode)
    }

    private enum SummaryKeys: String, CodingKey {
        case status, counts
        case exitCode = "exit_code"
    }
}
