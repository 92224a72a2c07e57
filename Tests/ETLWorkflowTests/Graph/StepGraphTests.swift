@testable import ETLWorkflow
import Testing

/// Layers, upstream/downstream and selections of the step graph.
@Suite struct StepGraphTests {
    /// raw_a   raw_b   lone
    ///    \    /
    ///    joined
    ///    /    \
    ///  check  report
    ///            \
    ///            mail
    static let yaml = """
        steps:
          raw_a:  {command: [echo, a]}
          raw_b:  {command: [echo, b]}
          lone:   {command: [echo, lone]}
          joined: {needs: [raw_a, raw_b], command: [echo, j]}
          check:  {needs: [joined], command: [echo, c]}
          report: {needs: [joined], command: [echo, r]}
          mail:   {needs: [report, raw_a], command: [echo, m]}
        """

    func graph() throws -> StepGraph { try StepGraph(try PipelineFixture(Self.yaml).parse()) }

    @Test func layersGroupStepsThatCanRunTogether() throws {
        let graph = try graph()
        #expect(graph.layers.map { $0.map(\.name) } == [["raw_a", "raw_b", "lone"], ["joined"], ["check", "report"], ["mail"]])
        #expect(graph.layerIndex["mail"] == 3)
        #expect(graph.upstream(of: "mail") == ["report", "joined", "raw_a", "raw_b"])
        #expect(graph.downstream(of: "raw_a") == ["joined", "check", "report", "mail"])
        #expect(graph.downstream(of: "lone").isEmpty)
    }

    @Test func selections() throws {
        let graph = try graph()
        func names(_ selectors: String...) throws -> [String] {
            try graph.selecting(selectors.map(StepSelector.parse)).steps.map(\.name)
        }
        #expect(try names("report") == ["report"])
        #expect(try names("report+") == ["report", "mail"])
        #expect(try names("+report") == ["raw_a", "raw_b", "joined", "report"])
        #expect(try names("+check+") == ["raw_a", "raw_b", "joined", "check"])
        #expect(try names("lone", "check") == ["lone", "check"])
        #expect(try names() == ["raw_a", "raw_b", "lone", "joined", "check", "report", "mail"])
        // A selection's layers count only the selected steps.
        #expect(try graph.selecting([StepSelector.parse("report+")]).layers.map { $0.map(\.name) } == [["report"], ["mail"]])
        #expect(StepSelector.parse("+a+") == StepSelector(step: "a", upstream: true, downstream: true))
        #expect(throws: StepSelector.Unknown.self) { try graph.selecting([StepSelector.parse("reprot+")]) }
        do { _ = try graph.selecting([StepSelector.parse("reprot+")]) } catch {
            #expect(error.description == "--select 'reprot+': no step 'reprot' (did you mean 'report'?); steps: raw_a, raw_b, lone, joined, check, report, mail")
        }
    }
}
