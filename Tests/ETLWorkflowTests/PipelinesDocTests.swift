import ETLTestSupport
@testable import ETLWorkflow
import Foundation
import Testing

/// docs/PIPELINES.md: every ```yaml block is a whole pipeline file that
/// parses, and the plan printed under the first example is the plan of it.
@Suite struct PipelinesDocTests {
    static let document: String = {
        let path = TestSupport.repositoryRoot + "/docs/PIPELINES.md"
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }()

    /// The fenced blocks of `language`, in order.
    static func blocks(_ language: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```\(language)" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n") + "\n")
                current = nil
            } else if current != nil {
                current!.append(line)
            }
        }
        return blocks
    }

    static let environment = ["AIRTABLE_BASE": "appXXXXXXXXXXXXXX", "PGUSER": "etl", "PGPORT": "5433", "LOCK_MS": "100",
                              "DATA_DIR": "data"]

    @Test func everyYAMLBlockParses() throws {
        let blocks = Self.blocks("yaml")
        #expect(blocks.count >= 7)
        for block in blocks {
            let fixture = try PipelineFixture(block, files: ["sql/orders.sql": "SELECT 1 AS id\n", "reports/.keep": ""])
            let problems = fixture.problems(environment: Self.environment)
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))\nin:\n\(block)")
        }
    }

    @Test func theFirstExamplesPlanIsAsPrinted() throws {
        let example = try #require(Self.blocks("yaml").first)
        let printed = try #require(Self.blocks("text").first)
        let pipeline = try PipelineFixture(example, files: ["sql/orders.sql": "SELECT 1\n"]).parse(environment: Self.environment)
        var plan = PipelinePlan(pipeline: pipeline, graph: try StepGraph(pipeline))
        plan.file = "etl.yaml"
        #expect(plan.text + "\n" == printed)
    }
}
