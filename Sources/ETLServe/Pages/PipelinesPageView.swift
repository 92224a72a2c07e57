import ETLWorkflow
import Foundation

/// The pipelines page: each pipeline's freshness, last run, schedules
/// (next fire, paused) with pause/resume, and a run-now button.
struct PipelinesPageView {
    let pipelines: [PipelineStatus]
    let lastRuns: [String: RunSummary]
    let csrf: String
    let notice: String?

    var html: String {
        let rows = pipelines.map { pipeline in
            let name = HTML.urlComponent(pipeline.name)
            let last = pipeline.lastRunID.map { id in
                "<a href=\"/runs/\(HTML.urlComponent(id))\">\(HTML.escape(id))</a> " + (lastRuns[id].map { HTML.badge($0.status) } ?? "")
            } ?? "<span class=\"muted\">never run</span>"
            let schedules = pipeline.schedules.map { schedule in
                let id = HTML.urlComponent(schedule.id)
                let state = schedule.paused ? "paused" : "next \(HTML.escape(schedule.nextFire ?? "—"))"
                let button = schedule.paused
                    ? HTML.postButton(action: "/schedules/\(id)/resume", label: "Resume", csrf: csrf)
                    : HTML.postButton(action: "/schedules/\(id)/pause", label: "Pause", csrf: csrf)
                return "<div class=\"schedule\" data-schedule=\"\(HTML.escape(schedule.id))\">\(HTML.escape(schedule.description)) · \(state)\(schedule.lastFire.map { " · last \(HTML.escape($0))" } ?? "") \(button)</div>"
            }.joined()
            return """
                <tr data-pipeline="\(HTML.escape(pipeline.name))"><td><strong>\(HTML.escape(pipeline.name))</strong><br><span class="muted">\(HTML.escape(pipeline.file))</span></td>\
                <td>\(HTML.badge(pipeline.freshness.rawValue))</td><td>\(last)</td><td>\(schedules.isEmpty ? "<span class=\"muted\">by hand only</span>" : schedules)</td>\
                <td>\(pipeline.error.map { "<div class=\"error\">\(HTML.escape($0))</div>" } ?? HTML.postButton(action: "/pipelines/\(name)/run", label: "Run now", csrf: csrf))</td></tr>
                """
        }.joined(separator: "\n")
        let empty = pipelines.isEmpty ? "<p class=\"muted\">No pipeline files in the project folder.</p>" : ""
        return HTML.page(title: "Pipelines", section: .pipelines, body: """
            <h1>Pipelines</h1>\(notice.map { "<p class=\"notice\" id=\"notice\">\(HTML.escape($0))</p>" } ?? "")
            <table id="pipelines"><thead><tr><th>Pipeline</th><th>Freshness</th><th>Last run</th><th>Schedules</th><th></th></tr></thead>
            <tbody>\(rows)</tbody></table>\(empty)
            """)
    }
}
