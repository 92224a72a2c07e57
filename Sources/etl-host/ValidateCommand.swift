import ArgumentParser
import ETLHost
import ETLWorkflow
import Foundation

/// `etl-host validate`: every check of a pipeline file that can be made
/// without running it.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline file (etl.yaml) without running it; report every problem with file:line:column.",
        discussion: """
            Checks the file's keys and types (an unknown key is named with the \
            closest valid one), ${VAR} references (from the environment, else the \
            .env file next to the pipeline), connection and step names, the steps \
            each step needs (unknown names, cycles such as a -> b -> a), that \
            every sql: file exists, and that no two steps replace one table. Once \
            the file itself is valid, loads each connection's plugin from the \
            registries: it must exist, load, be an extractor where a sync reads \
            (from:) and a warehouse where steps write (to:, into:) or check \
            (warehouse:), and its config must fit the plugin's config schema \
            (@env: and @file: references are resolved, never printed). Sync \
            options must fit the plugins (incremental, upsert, deletions, as \
            `etl-host sync` checks them); sql steps need a warehouse announcing \
            sql_execute, check steps one announcing sql_query. With --connect, \
            each connection is also opened and its plugin's check called.

            Prints "FILE: OK (N steps, M connections)", or every problem, one per \
            line, as FILE:LINE:COLUMN: MESSAGE on standard error.

            Examples:
              etl-host validate                     ./etl.yaml
              etl-host validate -f pipelines/shop.yaml --connect
              etl-host validate --json              one JSON line for scripts

            Exit codes:
              0   the file is valid
              64  the file is not (keys, types, names, needs, SQL files, plugin
                  kinds, configs, options the plugins cannot honour)
              2   a plugin was refused (ABI, checksum, crash in init), and the
                  file is otherwise valid
              1   a connection could not be reached (--connect), or the
                  registries could not be read
            """
    )

    @OptionGroup var pipelineFile: PipelineFileOptions
    @Flag(help: "Also open every connection and call its plugin's check (is the source or warehouse reachable?).")
    var connect = false
    @Flag(help: "Print one JSON line: {\"file\", \"ok\", \"steps\", \"connections\", \"errors\": [{\"file\", \"line\", \"column\", \"message\"}]}.")
    var json = false
    @OptionGroup var registryOptions: RegistryOptions

    func run() throws {
        let file = pipelineFile.file
        let pipeline: PipelineFile
        do {
            pipeline = try PipelineParser().parse(path: file)
        } catch {
            throw PipelineReport(file: file, diagnostics: error).fail(json: json)
        }
        let problems: [PipelineDiagnostic]
        do {
            let registry = try registryOptions.load()
            problems = PipelineValidator(registry: registry, connect: connect).validate(pipeline)
        } catch let error as HostError {
            problems = [PipelineDiagnostic(at: nil, error.message, status: error.exitStatus)]
        }
        let report = PipelineReport(file: file, diagnostics: PipelineDiagnostics(problems), steps: pipeline.steps.count,
                                    connections: pipeline.connections.count)
        guard problems.isEmpty else { throw report.fail(json: json) }
        if json {
            say(report.json)
        } else {
            let steps = pipeline.steps.count, connections = pipeline.connections.count
            say("\(file): OK (\(steps) step\(steps == 1 ? "" : "s"), \(connections) connection\(connections == 1 ? "" : "s"))")
        }
    }
}
