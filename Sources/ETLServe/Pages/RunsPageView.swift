import ETLWorkflow
import Foundation

/// The runs page: a filter form, one row per run (newest first), a link to the next page.
struct RunsPageView {
    let page: RunsPage
    let filter: RunsFilter
    let pipelines: [String]

    var html: String {
        let rows = page.runs.map { run in
            """
            <tr><td><a href="/runs/\(HTML.urlComponent(run.id))">\(HTML.escape(run.id))</a></td><td>\(HTML.escape(run.pipeline))</td>\
            <td>\(run.kind.rawValue)</td><td>\(HTML.badge(run.status))</td><td>\(run.trigger.rawValue)</td>\
            <td>\(HTML.escape(run.startedAt))</td><td class="num">\(HTML.duration(run.durationSeconds))</td><td class="num">\(run.rows)</td>\
            <td class="num\(run.warnings > 0 ? " warn" : "")">\(run.warnings)</td><td class="num">\(run.errors)</td>\
            <td>\(HTML.escape(run.error ?? ""))</td></tr>
            """
        }.joined(separator: "\n")
        let empty = page.runs.isEmpty ? "<p class=\"muted\">No runs match.</p>" : ""
        let next = page.next.map { "<p><a id=\"next-page\" href=\"/runs?\(query(after: $0))\">Older runs →</a></p>" } ?? ""
        return HTML.page(title: "Runs", section: .runs, body: """
            <h1>Runs</h1>
            \(form)
            <table id="runs"><thead><tr><th>Run</th><th>Pipeline</th><th>Kind</th><th>Status</th><th>Trigger</th><th>Started (UTC)</th>\
            <th>Duration</th><th>Rows</th><th>Warnings</th><th>Errors</th><th>Error</th></tr></thead><tbody>
            \(rows)
            </tbody></table>\(empty)\(next)
            """)
    }

    private var form: String {
        let pipelineOptions = ([""] + pipelines).map { option($0, selected: filter.pipeline ?? "", label: $0.isEmpty ? "all" : $0) }
        let statusOptions = ([""] + RunStatusFilter.allCases.map(\.rawValue)).map { option($0, selected: filter.status?.rawValue ?? "", label: $0.isEmpty ? "all" : $0) }
        let triggerOptions = ([""] + RunTrigger.allCases.map(\.rawValue)).map { option($0, selected: filter.trigger?.rawValue ?? "", label: $0.isEmpty ? "all" : $0) }
        return """
            <form class="filters" method="get" action="/runs">
            <div><label>Pipeline</label><br><select name="pipeline">\(pipelineOptions.joined())</select></div>
            <div><label>Status</label><br><select name="status">\(statusOptions.joined())</select></div>
            <div><label>Trigger</label><br><select name="trigger">\(triggerOptions.joined())</select></div>
            <div><label>From (UTC)</label><br><input name="from" value="\(HTML.escape(filter.from ?? ""))" placeholder="2026-12-01"></div>
            <div><label>To (UTC)</label><br><input name="to" value="\(HTML.escape(filter.to ?? ""))" placeholder="2026-12-07"></div>
            <div><button type="submit">Filter</button></div></form>
            """
    }

    private func option(_ value: String, selected: String, label: String) -> String {
        "<option value=\"\(HTML.escape(value))\"\(value == selected ? " selected" : "")>\(HTML.escape(label))</option>"
    }

    private func query(after cursor: String) -> String {
        var items: [(String, String)] = []
        if let value = filter.pipeline { items.append(("pipeline", value)) }
        if let value = filter.status { items.append(("status", value.rawValue)) }
        if let value = filter.trigger { items.append(("trigger", value.rawValue)) }
        if let value = filter.kind { items.append(("kind", value.rawValue)) }
        if let value = filter.from { items.append(("from", value)) }
        if let value = filter.to { items.append(("to", value)) }
        items.append(("after", cursor))
        return HTML.escape(items.map { "\($0.0)=\(HTML.urlComponent($0.1))" }.joined(separator: "&"))
    }
}
