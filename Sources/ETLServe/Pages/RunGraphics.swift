import ETLHost
import ETLWorkflow
import Foundation

/// The run page's two drawings as inline SVG: the DAG of the run's steps
/// (boxes coloured by state, arrows along `needs`) and the Gantt timeline
/// of steps and their streams, with retries marked.
enum RunGraphics {
    /// The DAG: `needs` maps a step to the steps it needs (from the pipeline file; empty when unknown).
    static func dag(steps: [StepRecord], needs: [String: [String]]) -> String {
        let names = Set(steps.map(\.name))
        var layer: [String: Int] = [:]
        func depth(_ name: String, _ seen: Set<String>) -> Int {
            if let known = layer[name] { return known }
            let parents = (needs[name] ?? []).filter { names.contains($0) && !seen.contains($0) }
            let value = parents.map { depth($0, seen.union([name])) + 1 }.max() ?? 0
            layer[name] = value
            return value
        }
        var rows: [Int: Int] = [:]
        var position: [String: (x: Int, y: Int)] = [:]
        for step in steps {
            let column = depth(step.name, [])
            let row = rows[column, default: 0]
            rows[column] = row + 1
            position[step.name] = (10 + column * 190, 10 + row * 48)
        }
        let width = 10 + ((layer.values.max() ?? 0) + 1) * 190
        let height = 10 + (rows.values.max() ?? 1) * 48
        var parts: [String] = []
        for step in steps {
            guard let to = position[step.name] else { continue }
            for parent in needs[step.name] ?? [] {
                guard let from = position[parent] else { continue }
                parts.append("<line x1=\"\(from.x + 160)\" y1=\"\(from.y + 16)\" x2=\"\(to.x)\" y2=\"\(to.y + 16)\" stroke=\"#7a8699\" marker-end=\"url(#arrow)\"/>")
            }
        }
        for step in steps {
            guard let at = position[step.name] else { continue }
            parts.append("""
                <g class="step" data-step="\(HTML.escape(step.name))" data-state="\(step.state.rawValue)"><title>\(HTML.escape(step.name)): \(step.state.rawValue)</title>\
                <rect x="\(at.x)" y="\(at.y)" width="160" height="32" rx="5" fill="\(color(step.state.rawValue))"/>\
                <text x="\(at.x + 8)" y="\(at.y + 14)" fill="#fff" font-size="12" font-weight="600">\(HTML.escape(clip(step.name, 22)))</text>\
                <text x="\(at.x + 8)" y="\(at.y + 27)" fill="#fff" font-size="10">\(step.kind.rawValue) · \(step.state.rawValue)</text></g>
                """)
        }
        return """
            <svg id="dag" xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">\
            <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">\
            <path d="M0,0 L10,5 L0,10 z" fill="#7a8699"/></marker></defs>\(parts.joined())</svg>
            """
    }

    /// One bar of the timeline.
    struct Bar {
        var label: String
        var start: Date?
        var seconds: Double?
        var state: String
        var retries: [Date] = []
        var indent = false
    }

    /// The Gantt timeline of `bars` from `origin`.
    static func timeline(_ bars: [Bar], origin: Date) -> String {
        let end = bars.compactMap { bar in bar.start.map { $0.timeIntervalSince(origin) + (bar.seconds ?? 0) } }.max() ?? 1
        let span = max(end, 0.001)
        let labelWidth = 220.0, plotWidth = 640.0, rowHeight = 22
        let height = 24 + bars.count * rowHeight
        var parts = ["<text x=\"\(Int(labelWidth))\" y=\"14\" font-size=\"10\" fill=\"#7a8699\">0 s</text>",
                     "<text x=\"\(Int(labelWidth + plotWidth) - 40)\" y=\"14\" font-size=\"10\" fill=\"#7a8699\">\(String(format: "%.2f", span)) s</text>"]
        for (index, bar) in bars.enumerated() {
            let y = 20 + index * rowHeight
            parts.append("<text x=\"\(bar.indent ? 18 : 4)\" y=\"\(y + 14)\" font-size=\"11\">\(HTML.escape(clip(bar.label, bar.indent ? 30 : 32)))</text>")
            guard let start = bar.start else { continue }
            let x = labelWidth + start.timeIntervalSince(origin) / span * plotWidth
            let width = max(2, (bar.seconds ?? 0) / span * plotWidth)
            parts.append("""
                <rect class="bar" data-label="\(HTML.escape(bar.label))" x="\(Int(x))" y="\(y + 3)" width="\(Int(width))" height="14" rx="2" fill="\(color(bar.state))">\
                <title>\(HTML.escape(bar.label)): \(HTML.escape(bar.state)), \(HTML.duration(bar.seconds))</title></rect>
                """)
            for retry in bar.retries {
                let at = labelWidth + retry.timeIntervalSince(origin) / span * plotWidth
                parts.append("<line class=\"retry\" x1=\"\(Int(at))\" y1=\"\(y)\" x2=\"\(Int(at))\" y2=\"\(y + 20)\" stroke=\"#d64545\" stroke-width=\"2\"><title>retry</title></line>")
            }
        }
        return """
            <svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="\(Int(labelWidth + plotWidth) + 10)" height="\(height)">\(parts.joined())</svg>
            """
    }

    /// An ISO 8601 UTC instant as written in run records.
    static func date(_ text: String?) -> Date? {
        guard let text else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func color(_ state: String) -> String {
        switch state {
        case "succeeded": "#2e9e5b"
        case "failed", "upstream_failed": "#d64545"
        case "running": "#e0a020"
        case "cancelled", "interrupted": "#8a63c9"
        default: "#9aa5b5"
        }
    }

    private static func clip(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }
}
