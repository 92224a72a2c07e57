import ArgumentParser
import ETLHost
import ETLWorkflow
import Foundation

extension PipelinePlan.Format: ExpressibleByArgument {}

/// `etl-host plan`: the steps of a pipeline file as a graph.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the steps of a pipeline file (etl.yaml) in the order they would run.",
        discussion: """
            Steps are grouped in layers: a step's layer comes after every layer \
            holding a step it needs, so the steps of one layer do not depend on \
            each other. Each step shows its kind and what it reads and writes. \
            The file is checked as `etl-host validate` checks it without loading \
            plugins; a file with problems prints them (exit 64).

            Selecting steps (repeatable; the union is shown):
              --select STEP     the step alone
              --select STEP+    the step and every step that needs it
              --select +STEP    the step and every step it needs
              --select +STEP+   both
              --from STEP       the same as --select STEP+
            A needed step left out is shown as "(not selected)".

            Examples:
              etl-host plan
              etl-host plan --select orders+
              etl-host plan --format dot | dot -Tsvg > plan.svg
              etl-host plan --format json
            """
    )

    @OptionGroup var pipelineFile: PipelineFileOptions
    @Option(help: ArgumentHelp("text, dot (Graphviz) or json.", valueName: "format"))
    var format: PipelinePlan.Format = .text
    @Option(help: ArgumentHelp("Only these steps: STEP, STEP+ (and downstream), +STEP (and upstream). Repeatable.", valueName: "step"))
    var select: [String] = []
    @Option(help: ArgumentHelp("STEP and every step that needs it (as --select STEP+). Repeatable.", valueName: "step"))
    var from: [String] = []

    func run() throws {
        let pipeline = try pipelineFile.parse()
        let selectors = select.map(StepSelector.parse) + from.map { StepSelector(step: $0, downstream: true) }
        do {
            let graph = try StepGraph(pipeline).selecting(selectors)
            say(try PipelinePlan(pipeline: pipeline, graph: graph).render(format))
        } catch let error as StepSelector.Unknown {
            throw fail(HostError(.invalidArgument, error.description))
        }
    }
}
