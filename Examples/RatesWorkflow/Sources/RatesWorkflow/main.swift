import ETLWorkflow
import Foundation

// 1. The one-liner: every stream of the CSV source into the warehouse, tables replaced.
let loaded = try ETLWorkflow(extractor: .plugin("csv", config: ["path": "rates.csv"]),
                             warehouse: .plugin("sqlite", config: ["path": "dwh.db"])).run(dropTables: true)
print("one-liner run \(loaded.id): \(loaded.status.rawValue)")

// 2. A workflow of named steps: a sync, Swift code, a command.
/// Writes how many rates the CSV file has, for the command step to report.
struct CountRates: WorkflowTask {
    func run(_ context: WorkflowTaskContext) throws {
        let lines = try String(contentsOfFile: "rates.csv", encoding: .utf8).split(separator: "\n").count
        try "\(lines - 1) rates\n".write(toFile: "count.txt", atomically: true, encoding: .utf8)
        context.log("counted \(lines - 1) rates")
    }
}

let workflow = Workflow("rates", connections: [
    "rates": .plugin("csv", config: ["path": "rates.csv"]),
    "dwh": .plugin("sqlite", config: ["path": "dwh.db"]),
], steps: [
    .sync("raw_rates", from: "rates", to: "dwh"),
    .run("stamp", needs: ["raw_rates"]) { context in
        try "run \(context.runID)\n".write(toFile: "stamp.txt", atomically: true, encoding: .utf8)
    },
    .task("count", CountRates(), needs: ["raw_rates"]),
    .command("report", ["sh", "-c", "cat stamp.txt count.txt > report.txt"], needs: ["stamp", "count"]),
])
let record = try workflow.run()
print("workflow run \(record.id): \(record.status.rawValue)")
for step in record.steps {
    print("  \(step.name) \(step.kind.rawValue) \(step.state.rawValue)")
}
exit(record.exitStatus.rawValue)
