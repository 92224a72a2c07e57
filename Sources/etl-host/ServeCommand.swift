import ArgumentParser
import ETLHost
import ETLServe
import ETLWorkflow
import Foundation
import Synchronization

/// `etl-host serve`: runs a project folder's pipelines on their schedules
/// and serves the web UI over the run history.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a project's pipelines on their schedules and serve a web UI of what ran, what broke and when.",
        discussion: """
            One long-running process: the scheduler runs the pipelines of the \
            project folder (its etl.yaml and pipelines/*.yaml) on their \
            `schedules:`, each run a child `etl-host run` sharing the pipeline's \
            lock and history with runs started by hand; the web UI shows the \
            runs (filters, keyset pages that stay fast with 100,000 runs), one \
            run (its steps as a graph, a timeline of steps and streams with \
            retries, rows, schema changes, the error and who raised it, the \
            log), the pipelines (freshness, next run, run now, pause/resume a \
            schedule) and the tables they load. Every page answers JSON under \
            /api/ (GET /api/runs, /api/runs/ID, /api/pipelines, /api/tables).

            Security: it listens on 127.0.0.1 by default. Any other address \
            needs a token (--token or ETL_SERVE_TOKEN, at least 16 characters); \
            with a token every request must carry it (open any page once with \
            ?token=TOKEN, which sets an HttpOnly SameSite=Strict cookie, or \
            send Authorization: Bearer TOKEN). Every change (run now, cancel, \
            resume, re-run, pause, resume a schedule) is a POST carrying the \
            process's CSRF token (the pages' forms do; API clients read it \
            from GET /api/csrf and send X-CSRF-Token); without it: 403. No \
            config or secret is shown on any page or API answer.

            SIGTERM or SIGINT: stop accepting requests and scheduling, let \
            running steps finish for --stop-grace seconds, then cancel them \
            (their records say cancelled, as for `run`), and exit 0.

            The state folder (ETL_STATE_DIR) holds the run history and the \
            runs index (serve/runs-index.sqlite, rebuilt when missing).

            Examples:
              etl-host serve                              http://127.0.0.1:8080/
              etl-host serve --project ~/etl --port 0     any free port (printed)
              ETL_SERVE_TOKEN=$(openssl rand -hex 16) etl-host serve --host 0.0.0.0

            Exit codes:
              0   stopped by SIGTERM/SIGINT
              1   cannot listen (address in use) or the state folder cannot be written
              64  invalid options: a non-loopback --host without a token, a short
                  token, a port out of range, a --project that is not a folder
            """
    )

    @Option(help: ArgumentHelp("The project folder: its etl.yaml and pipelines/*.yaml.", valueName: "dir"))
    var project: String = "."
    @Option(help: ArgumentHelp("The address to listen on; other than loopback needs a token.", valueName: "address"))
    var host: String = "127.0.0.1"
    @Option(help: ArgumentHelp("The port (0: any free port, printed).", valueName: "port"))
    var port: Int = 8080
    @Option(help: ArgumentHelp("The access token every request must carry (default: $ETL_SERVE_TOKEN).", valueName: "token"))
    var token: String?
    @Option(name: .customLong("stop-grace"), help: ArgumentHelp("Seconds running steps get to finish after SIGTERM before they are cancelled.", valueName: "seconds"))
    var stopGrace: Double = 30
    @Flag(name: .customLong("describe-tables"), help: .hidden)
    var describeTables = false

    func run() throws {
        if describeTables {
            // The child side of the Tables page (WarehouseDescriber): request on stdin, answer on stdout.
            let input = FileHandle.standardInput.readDataToEndOfFile()
            let request = try JSONDecoder().decode(WarehouseDescriber.Request.self, from: input)
            say(try jsonLine(WarehouseDescriber.describe(request)))
            return
        }
        try reportingErrors {
            let options = try ServeOptions(project: project, host: host, port: port,
                                           token: token ?? ProcessInfo.processInfo.environment["ETL_SERVE_TOKEN"], stopGrace: stopGrace)
            let state = try HostEnvironment.prepareStateDirectory()
            let scheduler = ProjectScheduler(projectFolder: options.projectFolder, executable: HostEnvironment.executablePath, stateFolder: state)
            let app = try ServeApp(security: ServeSecurity(accessToken: options.token), stateFolder: state, control: scheduler,
                                   launcher: RunLauncher(executable: HostEnvironment.executablePath, projectFolder: options.projectFolder))
            let grace = options.stopGrace
            try BlockingTask.run {
                Task { await app.warmUp() }
                await scheduler.start()
                try await ServeServer(host: options.host, port: options.port).run(app: app, listening: { url in
                    say("etl-host serve: listening on \(url) (project \(options.projectFolder)); SIGTERM or Ctrl-C stops")
                }, shutdown: {
                    await scheduler.shutdown(grace: grace)
                })
            }
        }
    }
}

/// Runs async work to its end from synchronous code (the command's `run`).
enum BlockingTask {
    /// Runs `body` on the concurrency pool and waits for it; rethrows its error.
    static func run(_ body: @escaping @Sendable () async throws -> Void) throws {
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await body()
                outcome.withLock { $0 = .success(()) }
            } catch {
                outcome.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        try outcome.withLock { $0 }?.get()
    }
}
