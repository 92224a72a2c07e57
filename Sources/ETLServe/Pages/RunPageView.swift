import ETLHost
import ETLWorkflow
import Foundation

/// One run's page: header, actions (resume, re-run, cancel), the error and
/// what raised it, the DAG, the timeline, steps, streams with schema
/// changes, and the log with a level filter and a download link.
struct RunPageView {
    let detail: RunDetail
    let needs: [String: [String]]
    let level: LogLine.Level
    let csrf: String

    var html: String {
        let summary = detail.summary
        let id = HTML.urlComponent(summary.id)
        return HTML.page(title: "Run \(summary.id)", section: .runs, body: """
            <h1>Run <span id="run-id">\(HTML.escape(summary.id))</span> \(HTML.badge(summary.status))</h1>
            <p>Pipeline <strong>\(HTML.escape(summary.pipeline))</strong> · \(summary.kind.rawValue) run · trigger \(summary.trigger.rawValue) · \
            started \(HTML.escape(summary.startedAt)) UTC · \(HTML.duration(summary.durationSeconds)) · \(summary.rows) rows · \
            \(summary.warnings) warnings · \(summary.errors) errors\(summary.parentRun.map { " · part of <a href=\"/runs/\(HTML.urlComponent($0))\">\(HTML.escape($0))</a>" } ?? "")</p>
            \(actions(id: id))
            \(errors)
            \(graphics)
            \(steps)
            \(streams)
            <h2>Log</h2>
            <form class="filters" method="get" action="/runs/\(id)"><div><label>Level at least</label><br><select name="level">\
            \(LogLine.Level.allCases.map { "<option\($0 == level ? " selected" : "")>\($0.rawValue)</option>" }.joined())</select></div>\
            <div><button type="submit">Show</button></div> <a href="/runs/\(id)/log" download>Download log.jsonl</a></form>
            <pre class="log" id="log">\(detail.log.map(logLine).joined(separator: "\n"))</pre>
            """)
    }

    private func actions(id: String) -> String {
        guard let record = detail.pipelineRun else { return "" }
        if record.status == .running {
            return "<p>" + HTML.postButton(action: "/runs/\(id)/cancel", label: "Cancel", csrf: csrf, danger: true) + "</p>"
        }
        var buttons = [HTML.postButton(action: "/runs/\(id)/rerun", label: "Re-run", csrf: csrf)]
        if record.status != .succeeded {
            buttons.insert(HTML.postButton(action: "/runs/\(id)/resume", label: "Resume (re-run what did not succeed)", csrf: csrf), at: 0)
        }
        return "<p>" + buttons.joined(separator: " ") + "</p>"
    }

    private var errors: String {
        var items: [String] = []
        if let record = detail.pipelineRun {
            if let error = record.error { items.append("Run: \(HTML.escape(error))") }
            for step in record.steps where step.state == .failed {
                items.append("Step <strong class=\"failed-step\">\(HTML.escape(step.name))</strong> (\(step.kind.rawValue)) failed: \(HTML.escape(step.error ?? "no message"))")
            }
        }
        for run in detail.syncRuns {
            if let error = run.error {
                items.append("Sync run \(HTML.escape(run.id))\(origin(run.errorDetail)): \(HTML.escape(error))")
            }
            for stream in run.streams where stream.status == .failed {
                items.append("Stream <strong>\(HTML.escape(stream.stream))</strong> → \(HTML.escape(stream.table))\(origin(stream.errorDetail)): \(HTML.escape(stream.error ?? "failed"))")
            }
        }
        return items.isEmpty ? "" : "<div class=\"error\" id=\"error\">\(items.joined(separator: "<br>"))</div>"
    }

    private func origin(_ detail: ErrorDetail?) -> String {
        guard let detail else { return "" }
        let parts = [detail.plugin.map { "plugin \(HTML.escape($0))" }, detail.table.map { "table \(HTML.escape($0))" },
                     detail.location.map { HTML.escape($0) }].compactMap { $0 }
        return parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))"
    }

    private var graphics: String {
        var bars: [RunGraphics.Bar] = []
        let syncByID = Dictionary(detail.syncRuns.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        func streamBars(_ run: SyncRunView) -> [RunGraphics.Bar] {
            run.streams.map { stream in
                RunGraphics.Bar(label: stream.stream, start: RunGraphics.date(run.startedAt), seconds: stream.seconds, state: stream.status.rawValue,
                                retries: run.retries.filter { $0.stream == stream.stream }.compactMap { RunGraphics.date($0.time) }, indent: true)
            }
        }
        var dag = ""
        if let record = detail.pipelineRun {
            dag = "<h2>Steps graph</h2>" + RunGraphics.dag(steps: record.steps, needs: needs)
            for step in record.steps {
                bars.append(RunGraphics.Bar(label: "\(step.name) (\(step.kind.rawValue)\(step.attempts > 1 ? ", \(step.attempts) attempts" : ""))",
                                            start: RunGraphics.date(step.startedAt), seconds: step.seconds, state: step.state.rawValue))
                for id in step.syncRuns { if let run = syncByID[id] { bars += streamBars(run) } }
            }
        } else {
            for run in detail.syncRuns { bars += streamBars(run) }
        }
        guard let origin = RunGraphics.date(detail.summary.startedAt), !bars.isEmpty else { return dag }
        return dag + "<h2>Timeline</h2>" + RunGraphics.timeline(bars, origin: origin)
    }

    private var steps: String {
        guard let record = detail.pipelineRun else { return "" }
        let rows = record.steps.map { step in
            """
            <tr data-step="\(HTML.escape(step.name))"><td>\(HTML.escape(step.name))</td><td>\(step.kind.rawValue)</td><td>\(HTML.badge(step.state.rawValue))</td>\
            <td class="num">\(step.attempts)</td><td class="num">\(step.rows.map(String.init) ?? "")</td><td class="num">\(HTML.duration(step.seconds))</td>\
            <td>\(HTML.escape(step.error ?? ""))</td></tr>
            """
        }
        return """
            <h2>Steps</h2><table id="steps"><thead><tr><th>Step</th><th>Kind</th><th>State</th><th>Attempts</th><th>Rows</th><th>Duration</th><th>Error</th></tr></thead>
            <tbody>\(rows.joined(separator: "\n"))</tbody></table>
            """
    }

    private var streams: String {
        let rows = detail.syncRuns.flatMap { run in
            run.streams.map { stream in
                """
                <tr><td><a href="/runs/\(HTML.urlComponent(run.id))">\(HTML.escape(run.id))</a></td><td>\(HTML.escape(stream.stream))</td>\
                <td>\(HTML.escape(stream.table))</td><td>\(HTML.badge(stream.status.rawValue))</td><td class="num">\(stream.rowsRead)</td>\
                <td class="num">\(stream.rowsWritten)</td><td class="num">\(stream.rowsRejected)</td><td class="num">\(stream.attempts ?? 1)</td>\
                <td>\(HTML.escape((stream.newColumns.map { "+ \($0)" } + stream.widenedColumns.map { "~ \($0)" } + (stream.discardedColumns ?? []).map { "- \($0)" }).joined(separator: ", ")))</td>\
                <td>\(HTML.escape(stream.error ?? ""))</td></tr>
                """
            }
        }
        guard !rows.isEmpty else { return "" }
        return """
            <h2>Streams</h2><table id="streams"><thead><tr><th>Sync run</th><th>Stream</th><th>Table</th><th>Status</th><th>Read</th><th>Written</th>\
            <th>Rejected</th><th>Attempts</th><th>Schema changes</th><th>Error</th></tr></thead><tbody>\(rows.joined(separator: "\n"))</tbody></table>
            """
    }

    private func logLine(_ line: LogLine) -> String {
        let where_ = [line.plugin.map { "[\($0)]" }, line.stream.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
        return "<span class=\"\(line.level == .warn ? "warn" : line.level == .error ? "failed-line" : "")\">\(HTML.escape(line.time)) \(line.level.rawValue) \(HTML.escape(where_)) \(HTML.escape(line.message))</span>"
    }
}
