import ArgumentParser
import ETLHost
import ETLWorkflow
import Foundation

/// `etl-host schedule`: the schedules of a project's pipeline files.
struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "List, pause, resume or export the schedules of a project's pipelines.",
        discussion: """
            A project folder holds etl.yaml and pipelines/*.yaml (or .yml); each \
            file's `schedules:` list says when `etl-host serve` runs it. A schedule's \
            id is <pipeline>/<index> (index in file order, from 0). Pausing is kept in \
            the state folder (schedules/paused.json): a running serve sees it before \
            its next fire, and it lasts across restarts. See docs/SCHEDULES.md.

            Examples:
              etl-host schedule list
              etl-host schedule pause shop/0
              etl-host schedule resume shop/0
              etl-host schedule export --crontab > shop.cron
              etl-host schedule export --k8s --image registry.example/etl:1 > cronjobs.yaml

            Exit codes:
              0   done
              64  an unknown schedule id, a pipeline file with errors, or a schedule
                  an export format cannot express
            """,
        subcommands: [ScheduleListCommand.self, SchedulePauseCommand.self, ScheduleResumeCommand.self, ScheduleExportCommand.self]
    )
}

/// `--project DIR`: the project folder.
struct ProjectOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The project folder: etl.yaml and pipelines/*.yaml.", valueName: "dir"))
    var project: String = "."

    /// The folder, absolute.
    var folder: String {
        URL(fileURLWithPath: project, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
    }

    /// The project's pipeline files.
    func entries() -> [ProjectPipelines.Entry] { ProjectPipelines.load(projectFolder: folder) }
}

/// `etl-host schedule list`.
struct ScheduleListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every schedule: id, when, paused, next fire.",
        discussion: """
            Times are UTC. A pipeline file that does not parse is listed with its errors.

            Examples:
              etl-host schedule list
              etl-host schedule list --project /srv/shop --json

            Exit codes:
              0   listed (also when a file has errors: they are listed)
            """
    )

    @OptionGroup var projectOptions: ProjectOptions
    @Flag(help: "One JSON object per schedule (id, pipeline, description, paused, next_fire, last_fire).") var json = false

    func run() throws {
        let entries = projectOptions.entries()
        let store = ScheduleStateStore(stateFolder: HostEnvironment.stateDirectory())
        let paused = store.paused()
        let lastFires = store.lastFires()
        let now = Date()
        var statuses: [ScheduleStatus] = []
        for entry in entries {
            for (index, schedule) in (entry.pipeline?.schedules ?? []).enumerated() {
                let id = entry.scheduleID(index)
                let isPaused = paused.contains(id)
                statuses.append(ScheduleStatus(id: id, pipeline: entry.name, description: schedule.summary, paused: isPaused,
                                               nextFire: isPaused ? nil : schedule.nextFire(after: now).map(Self.utc),
                                               lastFire: lastFires[id].flatMap { $0.schedule == schedule.summary ? $0.lastFire : nil }))
            }
        }
        if json {
            for status in statuses { say(try jsonLine(status)) }
        } else if statuses.isEmpty {
            say("No schedules in \(projectOptions.folder) (etl.yaml, pipelines/*.yaml).")
        } else {
            say(table(["ID", "SCHEDULE", "PAUSED", "NEXT FIRE (UTC)"],
                      statuses.map { [$0.id, $0.description, $0.paused ? "yes" : "no", $0.nextFire ?? "-"] }))
        }
        for entry in entries where entry.error != nil {
            FileHandle.standardError.write(Data("etl-host: \(entry.file) has errors (its schedules are not listed):\n\(entry.error!)\n".utf8))
        }
    }

    static func utc(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

/// `etl-host schedule pause ID` and `resume ID`.
struct SchedulePauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a schedule: serve does not fire it until it is resumed.",
        discussion: """
            Kept in the state folder; a running serve sees it before its next fire.

            Examples:
              etl-host schedule pause shop/0

            Exit codes:
              0   paused (or already paused)
              64  no such schedule
            """
    )

    @OptionGroup var projectOptions: ProjectOptions
    @Argument(help: ArgumentHelp("The schedule's id, <pipeline>/<index> (see `etl-host schedule list`).", valueName: "id"))
    var id: String

    func run() throws { try setPaused(id, true, projectOptions) }
}

/// `etl-host schedule resume ID`.
struct ScheduleResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused schedule: it fires next at its next time from now.",
        discussion: """
            Fires missed while it was paused are not run.

            Examples:
              etl-host schedule resume shop/0

            Exit codes:
              0   resumed (or was not paused)
              64  no such schedule
            """
    )

    @OptionGroup var projectOptions: ProjectOptions
    @Argument(help: ArgumentHelp("The schedule's id, <pipeline>/<index>.", valueName: "id"))
    var id: String

    func run() throws { try setPaused(id, false, projectOptions) }
}

/// Pauses or resumes `id` after checking that the project has it.
private func setPaused(_ id: String, _ paused: Bool, _ project: ProjectOptions) throws {
    try reportingErrors {
        let ids = project.entries().flatMap { entry in (entry.pipeline?.schedules ?? []).indices.map(entry.scheduleID) }
        guard ids.contains(id) else {
            throw HostError(.invalidArgument, "no schedule '\(id)' in \(project.folder); schedules: \(ids.isEmpty ? "none" : ids.joined(separator: ", "))")
        }
        let changed = try ScheduleStateStore(stateFolder: HostEnvironment.prepareStateDirectory()).setPaused(id, paused)
        say("Schedule \(id) \(paused ? "paused" : "resumed")\(changed ? "" : " (it was already)").")
    }
}

/// `etl-host schedule export --crontab|--systemd|--k8s`.
struct ScheduleExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the schedules as crontab lines, systemd units or Kubernetes CronJobs.",
        discussion: """
            Each job runs `etl-host run -f FILE --trigger external --run-id \
            <fire time>-<pipeline>-<index>`: a job fired twice finds its run id \
            taken and exits 0 without running. overlap: skip adds --no-wait (a \
            run that finds the pipeline running exits 75). `every:` is written \
            exactly when it divides a minute (systemd only), an hour or a day; \
            otherwise the export is refused, naming the schedule.

              --crontab   CRON_TZ and one line per schedule (cronie; % escaped)
              --systemd   a .service and a .timer per schedule (OnCalendar with
                          the time zone; Persistent=true unless catch_up: skip)
              --k8s       a batch/v1 CronJob per schedule (timeZone,
                          concurrencyPolicy Forbid, or Replace for cancel_running)

            Examples:
              etl-host schedule export --crontab | crontab -
              etl-host schedule export --systemd --executable /usr/local/bin/etl-host
              etl-host schedule export --k8s --image registry.example/etl:1

            Exit codes:
              0   written
              64  a pipeline file has errors, there are no schedules, or a
                  schedule cannot be written exactly in the format
            """
    )

    @OptionGroup var projectOptions: ProjectOptions
    @Flag(help: "What to write.") var format: ExportFormatFlag
    @Option(help: ArgumentHelp("The etl-host the jobs run (a bare name is looked up in PATH).", valueName: "path"))
    var executable = "etl-host"
    @Option(help: ArgumentHelp("--k8s: the image holding etl-host and the project.", valueName: "image"))
    var image = "etl-host:latest"
    @Option(name: .customLong("container-project"), help: ArgumentHelp("--k8s: the project folder inside the image.", valueName: "dir"))
    var containerProject = "/project"

    func run() throws {
        try reportingErrors {
            var export = ScheduleExport(projectFolder: projectOptions.folder)
            export.executable = executable
            export.image = image
            export.containerFolder = containerProject
            do {
                FileHandle.standardOutput.write(Data(try export.text(format.format, entries: projectOptions.entries()).utf8))
            } catch {
                throw HostError(.invalidArgument, "\(error)")
            }
        }
    }
}

/// `--crontab`, `--systemd` or `--k8s`.
enum ExportFormatFlag: String, EnumerableFlag {
    case crontab, systemd, k8s

    var format: ScheduleExport.Format {
        switch self {
        case .crontab: .crontab
        case .systemd: .systemd
        case .k8s: .k8s
        }
    }

    static func help(for value: ExportFormatFlag) -> ArgumentHelp? {
        switch value {
        case .crontab: "crontab lines"
        case .systemd: "systemd .service and .timer units"
        case .k8s: "Kubernetes CronJobs"
        }
    }
}
