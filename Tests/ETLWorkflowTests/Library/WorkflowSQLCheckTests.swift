import ETLHost
import ETLTestSupport
import ETLWorkflow
import Foundation
import Testing

/// `sql` and `check` steps declared in Swift (from the model types) run by
/// the same executors as a file's: the table built, its SQL in the record,
/// a failed check failing the run with exit 3 and its downstream not run.
@Suite struct WorkflowSQLCheckTests {
    func workflow(_ sandbox: WorkflowSandbox, rowCount: RowCountRule) -> Workflow {
        Workflow("rates_sql", connections: sandbox.connections, steps: [
            .sync("raw_rates", from: "rates", to: "dwh"),
            Step(name: "doubled", kind: .sql(SQLStep(source: .inline("SELECT id, rate * 2 AS rate FROM rates ORDER BY id"),
                                                   materialize: .table, into: .connection("dwh"), target: "doubled")),
                 needs: ["raw_rates"]),
            Step(name: "doubled_ok", kind: .check(CheckStep(table: "doubled", warehouse: .connection("dwh"),
                                                         assertions: [.notNull(["id"]), .rowCount(rowCount)], severity: .error)),
                 needs: ["doubled"]),
            .run("after", needs: ["doubled_ok"]) { context in context.log("checked") },
        ])
    }

    @Test func aSQLStepAndACheckDeclaredInCode() throws {
        let sandbox = try WorkflowSandbox("sql-check")
        let record = try workflow(sandbox, rowCount: try RowCountRule.parse("==3")).run(sandbox.options)
        #expect(record.steps.map { "\($0.name)=\($0.state.rawValue)" }
                == ["raw_rates=succeeded", "doubled=succeeded", "doubled_ok=succeeded", "after=succeeded"])
        #expect(try sandbox.rows("SELECT id, rate FROM doubled ORDER BY id") == [["1", "5.0"], ["2", "6.0"], ["3", "1.0"]])
        #expect(record.steps[1].rows == 3)
        #expect(record.steps[1].sql?.source == "query:")
        #expect(record.steps[1].sql?.text == "SELECT id, rate * 2 AS rate FROM rates ORDER BY id")
        #expect(record.steps[2].checks?.map(\.passed) == [true, true])
    }

    @Test func aFailedCheckDeclaredInCodeFailsTheRunWithExit3() throws {
        let sandbox = try WorkflowSandbox("sql-check-fails")
        let record = try workflow(sandbox, rowCount: try RowCountRule.parse(">=10")).run(sandbox.options)
        #expect(record.steps.map { "\($0.name)=\($0.state.rawValue)" }
                == ["raw_rates=succeeded", "doubled=succeeded", "doubled_ok=failed", "after=upstream_failed"])
        #expect(record.exitStatus == .checkFailed)
        #expect(record.steps[2].checkFailures == 1)
        #expect(record.steps[2].error == #"step 'doubled_ok': 1 of 2 checks on table "doubled" failed: row_count >=10: the table has 3 rows, expected >=10"#)
    }
}
