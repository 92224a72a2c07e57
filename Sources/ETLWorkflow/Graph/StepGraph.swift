/// The steps of a pipeline as a directed acyclic graph (`needs:` are its
/// edges), in topological layers: every step of a layer needs only steps
/// of earlier layers, so the steps of one layer can run in parallel.
///
/// ```swift
/// let graph = try StepGraph(pipeline)
/// graph.layers.map { $0.map(\.name) }        // [["raw_crm", "raw_rates"], ["orders"], ["orders_ok"]]
/// try graph.selecting([StepSelector.parse("orders+")]).steps.map(\.name)   // ["orders", "orders_ok"]
/// ```
public struct StepGraph: Sendable {
    /// The steps, in file order.
    public let steps: [Step]
    /// The steps in layers, each layer in file order.
    public let layers: [[Step]]
    /// Step name -> its layer's index (from 0).
    public let layerIndex: [String: Int]

    /// The graph of a pipeline.
    ///
    /// - Throws: the diagnostics of ``problems(in:)`` (unknown steps in
    ///   `needs`, cycles), which ``PipelineParser`` already reports.
    public init(_ pipeline: PipelineFile) throws(PipelineDiagnostics) {
        let problems = Self.problems(in: pipeline)
        guard problems.isEmpty else { throw PipelineDiagnostics(problems) }
        self.init(validSteps: pipeline.steps)
    }

    /// A graph of steps whose needs name only steps in `steps` or outside
    /// the selection (those count as done) and have no cycle.
    private init(validSteps steps: [Step]) {
        self.steps = steps
        let names = Set(steps.map(\.name))
        let byName = Dictionary(uniqueKeysWithValues: steps.map { ($0.name, $0) })
        var depth: [String: Int] = [:]
        func layer(of step: Step) -> Int {
            if let known = depth[step.name] { return known }
            let value = step.needs.filter(names.contains).map { layer(of: byName[$0]!) + 1 }.max() ?? 0
            depth[step.name] = value
            return value
        }
        for step in steps { _ = layer(of: step) }
        let count = (depth.values.max() ?? -1) + 1
        layers = (0..<count).map { index in steps.filter { depth[$0.name] == index } }
        layerIndex = depth
    }

    /// The steps `name` needs, directly or not.
    public func upstream(of name: String) -> Set<String> {
        walk(from: name) { step in step.needs }
    }

    /// The steps that need `name`, directly or not.
    public func downstream(of name: String) -> Set<String> {
        walk(from: name) { step in steps.filter { $0.needs.contains(step.name) }.map(\.name) }
    }

    private func walk(from name: String, next: (Step) -> [String]) -> Set<String> {
        let byName = Dictionary(uniqueKeysWithValues: steps.map { ($0.name, $0) })
        var seen: Set<String> = []
        var pending = byName[name].map(next) ?? []
        while let current = pending.popLast() {
            guard let step = byName[current], seen.insert(current).inserted else { continue }
            pending += next(step)
        }
        return seen
    }

    /// The graph of the selected steps (the union of what each selector
    /// selects); needs on steps left out count as done.
    ///
    /// - Throws: a selector naming no step.
    public func selecting(_ selectors: [StepSelector]) throws(StepSelector.Unknown) -> StepGraph {
        guard !selectors.isEmpty else { return self }
        var chosen: Set<String> = []
        for selector in selectors {
            guard steps.contains(where: { $0.name == selector.step }) else {
                throw StepSelector.Unknown(selector: selector, known: steps.map(\.name))
            }
            chosen.insert(selector.step)
            if selector.upstream { chosen.formUnion(upstream(of: selector.step)) }
            if selector.downstream { chosen.formUnion(downstream(of: selector.step)) }
        }
        return StepGraph(validSteps: steps.filter { chosen.contains($0.name) })
    }

    // MARK: Checks

    /// What is wrong with the graph: a `needs` naming no step (with a
    /// suggestion), a step needing itself, cycles (named, e.g.
    /// `a -> b -> a`, at the `needs` entry that starts them).
    public static func problems(in pipeline: PipelineFile) -> [PipelineDiagnostic] {
        problems(in: pipeline.steps.map { StepOutline(name: $0.name, needs: $0.needs, needsLocations: $0.needsLocations, location: $0.location) })
    }

    /// The problems of the graph drawn by `outlines` (every step of a
    /// file, also those whose body has errors).
    static func problems(in outlines: [StepOutline]) -> [PipelineDiagnostic] {
        let names = outlines.map(\.name)
        var problems: [PipelineDiagnostic] = []
        for step in outlines {
            for (index, need) in step.needs.enumerated() {
                let location = step.needsLocations.indices.contains(index) ? step.needsLocations[index] : step.location
                if need == step.name {
                    problems.append(PipelineDiagnostic(at: location, "step '\(step.name)' needs itself"))
                } else if !names.contains(need) {
                    problems.append(PipelineDiagnostic(at: location,
                        "step '\(step.name)' needs an unknown step '\(need)'\(KeySuggestion.hint(for: need, in: names)); steps: \(names.joined(separator: ", "))"))
                } else if step.needs[..<index].contains(need) {
                    problems.append(PipelineDiagnostic(at: location, "step '\(step.name)' lists '\(need)' twice in needs"))
                }
            }
        }
        return problems + cycles(in: outlines)
    }

    /// Every cycle once, starting at its step written first in the file.
    private static func cycles(in steps: [StepOutline]) -> [PipelineDiagnostic] {
        let byName = Dictionary(steps.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let order = Dictionary(steps.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { first, _ in first })
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var stack: [String] = []
        var found: [[String]] = []
        func visit(_ name: String) {
            marks[name] = .visiting
            stack.append(name)
            for need in byName[name]?.needs ?? [] where need != name && byName[need] != nil {
                switch marks[need] {
                case .visiting?:
                    let cycle = Array(stack[stack.lastIndex(of: need)!...])
                    let start = cycle.indices.min { order[cycle[$0]]! < order[cycle[$1]]! }!
                    let rotated = Array(cycle[start...] + cycle[..<start])
                    if !found.contains(where: { Set($0) == Set(rotated) }) { found.append(rotated) }
                case .done?: continue
                case nil: visit(need)
                }
            }
            stack.removeLast()
            marks[name] = .done
        }
        for step in steps where marks[step.name] == nil { visit(step.name) }
        return found.map { cycle in
            let first = byName[cycle[0]]!
            let index = first.needs.firstIndex(of: cycle.count > 1 ? cycle[1] : cycle[0]) ?? 0
            let location = first.needsLocations.indices.contains(index) ? first.needsLocations[index] : first.location
            return PipelineDiagnostic(at: location, "the steps form a cycle: \((cycle + [cycle[0]]).joined(separator: " -> ")) (each needs the next)")
        }
    }
}

/// A step's name, needs and place: what the graph checks look at.
struct StepOutline {
    var name: String
    var needs: [String]
    var needsLocations: [SourceLocation]
    var location: SourceLocation
}

/// A step selection as written after `--select`: `STEP` (the step),
/// `STEP+` (and everything that needs it), `+STEP` (and everything it
/// needs), `+STEP+` (both). `--from STEP` is `STEP+`.
public struct StepSelector: Sendable, Equatable, CustomStringConvertible {
    /// The step named.
    public var step: String
    /// Include every step the step needs.
    public var upstream: Bool
    /// Include every step that needs the step.
    public var downstream: Bool

    /// A selector.
    public init(step: String, upstream: Bool = false, downstream: Bool = false) {
        self.step = step
        self.upstream = upstream
        self.downstream = downstream
    }

    /// Reads `STEP`, `STEP+`, `+STEP` or `+STEP+`.
    public static func parse(_ text: String) -> StepSelector {
        var name = Substring(text)
        let upstream = name.hasPrefix("+")
        if upstream { name = name.dropFirst() }
        let downstream = name.hasSuffix("+")
        if downstream { name = name.dropLast() }
        return StepSelector(step: String(name), upstream: upstream, downstream: downstream)
    }

    /// As written.
    public var description: String { (upstream ? "+" : "") + step + (downstream ? "+" : "") }

    /// A selector naming no step of the pipeline.
    public struct Unknown: Error, CustomStringConvertible {
        /// The selector.
        public var selector: StepSelector
        /// The pipeline's steps.
        public var known: [String]
        /// `--select 'ordrs': no step 'ordrs' (did you mean 'orders'?); steps: ...`
        public var description: String {
            "--select '\(selector)': no step '\(selector.step)'\(KeySuggestion.hint(for: selector.step, in: known)); steps: \(known.joined(separator: ", "))"
        }
    }
}
