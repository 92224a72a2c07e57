import Foundation

/// The schedules of a project written for an orchestrator other than
/// `etl-host serve` (`etl-host schedule export`): crontab lines, systemd
/// timer and service units, or Kubernetes CronJobs. Each job runs
/// `etl-host run -f FILE --trigger external --run-id <fire time>-<pipeline>-<index>`,
/// the id serve would give the same fire, so a job fired twice (or by
/// cron and serve both) runs once.
///
/// ```swift
/// let text = try ScheduleExport(projectFolder: "/srv/shop").text(.crontab, entries: ProjectPipelines.load(projectFolder: "/srv/shop"))
/// ```
public struct ScheduleExport: Sendable {
    /// What to write.
    public enum Format: String, Sendable, CaseIterable {
        /// crontab lines (cronie's `CRON_TZ`).
        case crontab
        /// systemd `.service` and `.timer` units.
        case systemd
        /// Kubernetes `batch/v1` CronJobs.
        case k8s
    }

    /// A schedule that cannot be written exactly in a format.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        /// Why, naming the schedule and its place.
        public var description: String
    }

    /// The project folder (absolute): cron `cd`s into it, systemd's `WorkingDirectory`.
    public var projectFolder: String
    /// The program jobs run (default `etl-host`, found in PATH).
    public var executable = "etl-host"
    /// Kubernetes: the container image holding etl-host and the project.
    public var image = "etl-host:latest"
    /// Kubernetes: the project folder inside the image.
    public var containerFolder = "/project"

    /// An export of `projectFolder`'s schedules.
    public init(projectFolder: String) { self.projectFolder = projectFolder }

    /// The text for every schedule of `entries` (files that do not parse are refused).
    public func text(_ format: Format, entries: [ProjectPipelines.Entry]) throws(Refusal) -> String {
        var blocks: [String] = []
        for entry in entries {
            guard let pipeline = entry.pipeline else {
                throw Refusal(description: "\(entry.file) has errors; fix them first (`etl-host validate -f \(entry.file)`):\n\(entry.error ?? "")")
            }
            for (index, schedule) in pipeline.schedules.enumerated() {
                let job = Job(entry: entry, index: index, schedule: schedule)
                switch format {
                case .crontab: blocks.append(try crontab(job))
                case .systemd: blocks.append(try systemd(job))
                case .k8s: blocks.append(try kubernetes(job))
                }
            }
        }
        guard !blocks.isEmpty else {
            throw Refusal(description: "no schedules in \(projectFolder) (etl.yaml, pipelines/*.yaml): add `schedules:` to a pipeline file")
        }
        return blocks.joined(separator: format == .k8s ? "---\n" : "\n")
    }

    /// One schedule of one pipeline.
    struct Job {
        var entry: ProjectPipelines.Entry
        var index: Int
        var schedule: Schedule
        var id: String { entry.scheduleID(index) }
        var name: String { "etl-host-\(entry.name)-\(index)" }
        var comment: String { "pipeline \(entry.name) (\(entry.file)), schedule \(id): \(schedule.summary)" }
        var place: String { "schedule \(id) (\(entry.file):\(schedule.location.line):\(schedule.location.column))" }
    }

    // MARK: The command

    /// `etl-host run ...` with the run id from `date` (format `dateFormat`, already escaped as the target needs).
    private func command(_ job: Job, dateFormat: String, dollar: String = "$") -> String {
        var words = [Self.quoted(executable), "run", "-f", Self.quoted(job.entry.file), "--trigger", "external"]
        if job.schedule.overlap == .skip { words.append("--no-wait") }
        for selector in job.schedule.select { words += ["--select", Self.quoted(selector)] }
        words += ["--run-id", "\"\(dollar)(date -u +\(dateFormat))-\(job.entry.name)-\(job.index)\""]
        return words.joined(separator: " ")
    }

    /// `text` in single quotes when it holds anything a shell would read.
    static func quoted(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_./+=:@".unicodeScalars.contains($0) }
        return plain && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    // MARK: crontab

    private func crontab(_ job: Job) throws(Refusal) -> String {
        let (fields, zone) = try cronFields(job, for: "crontab")
        let line = "cd \(Self.quoted(projectFolder)) && \(command(job, dateFormat: "%Y%m%dT%H%M00000Z"))"
        var lines = ["# \(job.comment)"]
        if job.schedule.catchUp != .skip { lines.append("# catch_up: \(job.schedule.catchUp.rawValue) is not exported: cron runs no missed fires") }
        if job.schedule.overlap == .cancelRunning { lines.append("# overlap: cancel_running is not exported: the job waits for the running one") }
        lines.append("CRON_TZ=\(zone)")
        // cron reads an unescaped % as a new line.
        lines.append("\(fields) " + line.replacingOccurrences(of: "%", with: "\\%"))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The five cron fields and the time zone of `job` (every: mapped exactly, in UTC).
    private func cronFields(_ job: Job, for target: String) throws(Refusal) -> (String, String) {
        switch job.schedule.timing {
        case .cron(let cron, let zone):
            return (cron.text, zone.scheduleName)
        case .every(let interval):
            let seconds = interval.seconds
            let why = "\(job.place): every \(interval) cannot be written as a \(target) schedule exactly"
            guard seconds % 60 == 0 else {
                throw Refusal(description: "\(why): cron counts whole minutes; use --systemd, or a cron: schedule")
            }
            let minutes = seconds / 60
            if minutes < 60, 60 % minutes == 0 { return (minutes == 1 ? "* * * * *" : "*/\(minutes) * * * *", "UTC") }
            if minutes % 60 == 0 {
                let hours = minutes / 60
                if hours == 24 { return ("0 0 * * *", "UTC") }
                if hours < 24, 24 % hours == 0 { return (hours == 1 ? "0 * * * *" : "0 */\(hours) * * *", "UTC") }
            }
            throw Refusal(description: "\(why): only intervals that divide an hour or a day evenly are (every 15m, 2h, 1d); write a cron: schedule instead")
        }
    }

    // MARK: systemd

    private func systemd(_ job: Job) throws(Refusal) -> String {
        let calendar = try onCalendar(job)
        // systemd reads % as a specifier and $ as a variable: double both.
        let line = "/bin/sh -c " + Self.quoted("exec " + command(job, dateFormat: "%%Y%%m%%dT%%H%%M%%S000Z", dollar: "$$"))
        var timer = ["[Unit]", "Description=\(job.comment)", "", "[Timer]"]
        timer += calendar.map { "OnCalendar=\($0)" }
        timer += ["AccuracySec=1s", "Persistent=\(job.schedule.catchUp == .skip ? "false" : "true")"]
        if job.schedule.catchUp == .all { timer.append("# catch_up: all runs one missed fire under systemd (Persistent=true)") }
        timer += ["", "[Install]", "WantedBy=timers.target"]
        let service = ["[Unit]", "Description=\(job.comment)", "", "[Service]", "Type=oneshot",
                       "WorkingDirectory=\(projectFolder)", "ExecStart=\(line)"]
        return "# file: \(job.name).service\n" + service.joined(separator: "\n") + "\n\n# file: \(job.name).timer\n" + timer.joined(separator: "\n") + "\n"
    }

    /// `OnCalendar=` values: a cron schedule's sets as lists; day-of-month
    /// and day-of-week both restricted (cron's OR) as two lines, which systemd unites.
    private func onCalendar(_ job: Job) throws(Refusal) -> [String] {
        switch job.schedule.timing {
        case .every(let interval):
            let seconds = interval.seconds
            if seconds < 60, 60 % seconds == 0 { return ["*-*-* *:*:00/\(seconds) UTC"] }
            if seconds % 60 == 0 {
                let minutes = seconds / 60
                if minutes < 60, 60 % minutes == 0 { return ["*-*-* *:00/\(minutes):00 UTC"] }
                if minutes % 60 == 0, 24 % (minutes / 60) == 0 { return ["*-*-* 00/\(minutes / 60):00:00 UTC"] }
            }
            throw Refusal(description: "\(job.place): every \(interval) cannot be written as a systemd OnCalendar exactly: only intervals that divide a minute, an hour or a day evenly are; write a cron: schedule instead")
        case .cron(let cron, let zone):
            let months = Self.list(cron.months, all: 1 ... 12), days = Self.list(cron.daysOfMonth, all: 1 ... 31)
            let time = "\(Self.list(cron.hours, all: 0 ... 23)):\(Self.list(cron.minutes, all: 0 ... 59)):00 \(zone.scheduleName)"
            let names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
            let weekdays = cron.daysOfWeek.sorted().map { names[$0] }.joined(separator: ",")
            if cron.dayOfWeekIsStar { return ["*-\(months)-\(days) \(time)"] }
            if cron.dayOfMonthIsStar { return ["\(weekdays) *-\(months)-\(days) \(time)"] }
            return ["*-\(months)-\(days) \(time)", "\(weekdays) *-\(months)-* \(time)"]
        }
    }

    /// `*` for every value of `all`, else the values, two-digit, comma-separated.
    static func list(_ values: Set<Int>, all: ClosedRange<Int>) -> String {
        values.count == all.count ? "*" : values.sorted().map { $0 < 10 ? "0\($0)" : "\($0)" }.joined(separator: ",")
    }

    // MARK: Kubernetes

    private func kubernetes(_ job: Job) throws(Refusal) -> String {
        let (fields, zone) = try cronFields(job, for: "Kubernetes CronJob")
        let name = job.name.lowercased().replacingOccurrences(of: "_", with: "-")
        let script = "exec " + command(job, dateFormat: "%Y%m%dT%H%M00000Z")
        func yamlString(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var lines = ["# \(job.comment)"]
        if job.schedule.catchUp == .all { lines.append("# catch_up: all is not exported: Kubernetes starts one job for missed fires") }
        lines += ["apiVersion: batch/v1", "kind: CronJob", "metadata:", "  name: \(name)", "spec:",
                  "  schedule: \(yamlString(fields))", "  timeZone: \(yamlString(zone))",
                  "  concurrencyPolicy: \(job.schedule.overlap == .cancelRunning ? "Replace" : "Forbid")"]
        if job.schedule.catchUp == .skip { lines.append("  startingDeadlineSeconds: 60") }
        lines += ["  jobTemplate:", "    spec:", "      backoffLimit: 0", "      template:", "        spec:",
                  "          restartPolicy: Never", "          containers:", "            - name: etl-host",
                  "              image: \(yamlString(image))", "              workingDir: \(yamlString(containerFolder))",
                  "              command: [\"/bin/sh\", \"-c\", \(yamlString(script))]"]
        return lines.joined(separator: "\n") + "\n"
    }
}
