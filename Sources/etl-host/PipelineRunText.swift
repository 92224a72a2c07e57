import ETLHost
import ETLWorkflow
import Foundation

/// How pipeline runs are printed by `run`, `runs` and `runs show`.
enum PipelineRunText {
    /// `run`'s summary: a header line and one row per step.
    static func summary(_ record: PipelineRunRecord) -> String {
        let header = "Run \(record.id): pipeline \(record.pipeline) (\(record.file)), \(record.status.rawValue)"
            + (record.durationSeconds.map { " in \(String(format: "%.2f", $0)) s" } ?? "")
            + "; \(record.stepsDone) of \(record.steps.count) steps done"
            + (record.resumedFrom.map { " (resumed from \($0))" } ?? "")
        return header + "\n" + stepTable(record)
    }

    /// One row per step: name, kind, state, attempts, rows, seconds.
    static func stepTable(_ record: PipelineRunRecord) -> String {
        table(["STEP", "KIND", "STATE", "ATTEMPTS", "ROWS", "SECONDS"], record.steps.map { step in
            [step.name, step.kind.rawValue, step.state.rawValue, "\(step.attempts)", step.rows.map(String.init) ?? "-",
             step.seconds.map { String(format: "%.3f", $0) } ?? "-"]
        })
    }
}
