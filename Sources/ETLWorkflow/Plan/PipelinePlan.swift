import Foundation

/// What `etl-host plan` shows: the selected steps in layers, each with its
/// kind, what it reads and what it writes; as text, Graphviz dot or JSON.
///
/// ```swift
/// let plan = PipelinePlan(pipeline: pipeline, graph: try StepGraph(pipeline))
/// print(plan.text)
/// // shop (etl.yaml): 2 steps in 2 layers
/// // layer 1
/// //   raw      sync     reads crm (all streams); writes dwh
/// // layer 2
/// //   orders   sql      needs raw; reads dwh; writes dwh.orders (table)
/// ```
public struct PipelinePlan: Sendable {
    /// The output formats.
    public enum Format: String, Sendable, CaseIterable {
        /// Layers of steps, one line per step.
        case text
        /// A Graphviz digraph (edges point from a step to the steps that need it).
        case dot
        /// One JSON object.
        case json
    }

    /// One step as the plan shows it.
    public struct Entry: Sendable, Encodable, Equatable {
        /// The step's name.
        public var name: String
        /// Its kind.
        public var kind: StepKindName
        /// Its layer, from 1.
        public var layer: Int
        /// The steps it needs (all of them, selected or not).
        public var needs: [String]
        /// Needs left out by the selection (they count as done).
        public var unselectedNeeds: [String]
        /// Connections and tables read: `crm`, `dwh.orders`.
        public var reads: [String]
        /// Connections and tables written: `dwh`, `dwh.orders`.
        public var writes: [String]
        /// One line saying what it does.
        public var summary: String

        enum CodingKeys: String, CodingKey {
            case name, kind, layer, needs, reads, writes, summary
            case unselectedNeeds = "unselected_needs"
        }
    }

    /// The pipeline's name.
    public var pipeline: String
    /// The pipeline file.
    public var file: String
    /// The steps, layer by layer.
    public var entries: [Entry]
    /// How many layers.
    public var layerCount: Int

    /// The plan of `graph` (the whole pipeline or a selection).
    public init(pipeline: PipelineFile, graph: StepGraph) {
        self.pipeline = pipeline.name
        file = pipeline.path
        let selected = Set(graph.steps.map(\.name))
        entries = graph.layers.enumerated().flatMap { index, layer in
            layer.map { step in
                let (reads, writes, summary) = Self.describe(step)
                return Entry(name: step.name, kind: step.kind.name, layer: index + 1, needs: step.needs,
                             unselectedNeeds: step.needs.filter { !selected.contains($0) }, reads: reads, writes: writes, summary: summary)
            }
        }
        layerCount = graph.layers.count
    }

    /// The plan in `format`.
    public func render(_ format: Format) throws -> String {
        switch format {
        case .text: text
        case .dot: dot
        case .json: try json
        }
    }

    /// Layers, one line per step: name, kind, needs, what it reads and writes.
    public var text: String {
        let width = entries.map(\.name.count).max() ?? 0
        var lines = ["\(pipeline) (\(file)): \(entries.count) step\(entries.count == 1 ? "" : "s") in \(layerCount) layer\(layerCount == 1 ? "" : "s")"]
        var layer = 0
        for entry in entries {
            if entry.layer != layer {
                layer = entry.layer
                lines.append("layer \(layer)")
            }
            var parts: [String] = []
            if !entry.needs.isEmpty {
                parts.append("needs " + entry.needs.map { entry.unselectedNeeds.contains($0) ? "\($0) (not selected)" : $0 }.joined(separator: ", "))
            }
            parts.append(entry.summary)
            let name = entry.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let kind = entry.kind.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
            lines.append("  \(name)  \(kind)  \(parts.joined(separator: "; "))")
        }
        return lines.joined(separator: "\n")
    }

    /// A Graphviz digraph: one box per step (name and kind), an edge from
    /// each needed step to the step that needs it.
    public var dot: String {
        var lines = ["digraph \(Self.quoted(pipeline)) {", "  rankdir=LR;", "  node [shape=box];"]
        for entry in entries {
            // Graphviz reads \n in a label as a line break.
            lines.append("  \(Self.quoted(entry.name)) [label=\"\(Self.escaped(entry.name))\\n\(entry.kind.rawValue)\"];")
        }
        for entry in entries {
            for need in entry.needs where !entry.unselectedNeeds.contains(need) {
                lines.append("  \(Self.quoted(need)) -> \(Self.quoted(entry.name));")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    /// One JSON object: pipeline, file, layers (names), steps.
    public var json: String {
        get throws {
            struct Document: Encodable {
                var pipeline: String
                var file: String
                var layers: [[String]]
                var steps: [Entry]
            }
            let layers = (1...max(layerCount, 1)).map { layer in entries.filter { $0.layer == layer }.map(\.name) }.filter { !$0.isEmpty }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(Document(pipeline: pipeline, file: file, layers: layers, steps: entries))
            return String(decoding: data, as: UTF8.self)
        }
    }

    private static func quoted(_ text: String) -> String { "\"" + escaped(text) + "\"" }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    // MARK: What a step reads and writes

    private static func name(_ reference: ConnectionReference) -> String {
        switch reference {
        case .named(let name, _): name
        case .inline(let connection): connection.plugin
        }
    }

    private static func describe(_ step: Step) -> (reads: [String], writes: [String], summary: String) {
        switch step.kind {
        case .sync(let sync):
            let source = name(sync.from)
            let target = name(sync.to)
            var sourceText = source
            if case .inline(let connection) = sync.from { sourceText = "inline \(connection.plugin)" }
            let streams = sync.streams.map { $0.joined(separator: ", ") } ?? "all streams"
            var writes = [target]
            var targetText = target
            if let single = sync.tables.single {
                writes = ["\(target).\(single)"]
                targetText = writes[0]
            } else if sync.tables.prefix != nil || !sync.tables.names.isEmpty {
                var naming: [String] = []
                if let prefix = sync.tables.prefix { naming.append("prefix \(prefix)") }
                naming += sync.tables.names.sorted { $0.key < $1.key }.map { "\($0.key) as \($0.value)" }
                targetText += " (\(naming.joined(separator: "; ")))"
            }
            let mode = sync.mode == .replace ? "" : ", \(sync.mode)\(sync.incremental ? " incremental" : "")"
            return ([source], writes, "reads \(sourceText) (\(streams)); writes \(targetText)\(mode)")
        case .sql(let sql):
            let warehouse = name(sql.into)
            let from: String
            switch sql.source {
            case .file(let written, _): from = written
            case .inline: from = "inline query"
            }
            let target = "\(warehouse).\(sql.target)"
            return ([warehouse], [target], "runs \(from) in \(warehouse); writes \(target) (\(sql.materialize.rawValue))")
        case .check(let check):
            let table = "\(name(check.warehouse)).\(check.table)"
            let count = check.assertions.count
            return ([table], [], "checks \(table) (\(count) assertion\(count == 1 ? "" : "s"), severity \(check.severity.rawValue))")
        case .command(let command):
            let timeout = command.timeout.map { " (timeout \($0))" } ?? ""
            return ([], [], "runs \(command.arguments.joined(separator: " "))\(timeout)")
        case .swift(let code):
            return ([], [], "runs Swift code (\(code.summary))")
        }
    }
}
