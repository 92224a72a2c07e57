import ETLTestSupport
import Foundation
import Testing

/// `etl-host schedule list|pause|resume|export`, through the binary.
@Suite struct ScheduleCommandTests {
    static let shop = """
        name: shop
        schedules:
          - {cron: "0 2 * * 1-5", timezone: Europe/Berlin, select: [orders+], catch_up: latest}
          - {every: 15m, overlap: queue}
        steps:
          orders: {command: [sh, -c, 'true']}
        """

    func sandbox(_ label: String, yaml: String = Self.shop) throws -> PipelineRunSandbox {
        try PipelineRunSandbox(label, yaml: yaml)
    }

    @Test func exportCrontab() throws {
        let sandbox = try sandbox("export-crontab")
        let result = try sandbox.etlHost(["schedule", "export", "--crontab", "--project", "project"])
        #expect(result.status == 0, "\(result.stderr)")
        let project = URL(fileURLWithPath: sandbox.project).standardizedFileURL.path
        #expect(result.stdout == """
            # pipeline shop (etl.yaml), schedule shop/0: cron 0 2 * * 1-5 (Europe/Berlin)
            # catch_up: latest is not exported: cron runs no missed fires
            CRON_TZ=Europe/Berlin
            0 2 * * 1-5 cd \(project) && etl-host run -f etl.yaml --trigger external --no-wait --select orders+ --run-id "$(date -u +\\%Y\\%m\\%dT\\%H\\%M00000Z)-shop-0"

            # pipeline shop (etl.yaml), schedule shop/1: every 15m
            CRON_TZ=UTC
            */15 * * * * cd \(project) && etl-host run -f etl.yaml --trigger external --run-id "$(date -u +\\%Y\\%m\\%dT\\%H\\%M00000Z)-shop-1"

            """)
    }

    @Test func exportSystemd() throws {
        let sandbox = try sandbox("export-systemd")
        let result = try sandbox.etlHost(["schedule", "export", "--systemd", "--project", "project", "--executable", "/usr/local/bin/etl-host"])
        #expect(result.status == 0, "\(result.stderr)")
        let project = URL(fileURLWithPath: sandbox.project).standardizedFileURL.path
        #expect(result.stdout == """
            # file: etl-host-shop-0.service
            [Unit]
            Description=pipeline shop (etl.yaml), schedule shop/0: cron 0 2 * * 1-5 (Europe/Berlin)

            [Service]
            Type=oneshot
            WorkingDirectory=\(project)
            ExecStart=/bin/sh -c 'exec /usr/local/bin/etl-host run -f etl.yaml --trigger external --no-wait --select orders+ --run-id "$$(date -u +%%Y%%m%%dT%%H%%M%%S000Z)-shop-0"'

            # file: etl-host-shop-0.timer
            [Unit]
            Description=pipeline shop (etl.yaml), schedule shop/0: cron 0 2 * * 1-5 (Europe/Berlin)

            [Timer]
            OnCalendar=Mon,Tue,Wed,Thu,Fri *-*-* 02:00:00 Europe/Berlin
            AccuracySec=1s
            Persistent=true

            [Install]
            WantedBy=timers.target

            # file: etl-host-shop-1.service
            [Unit]
            Description=pipeline shop (etl.yaml), schedule shop/1: every 15m

            [Service]
            Type=oneshot
            WorkingDirectory=\(project)
            ExecStart=/bin/sh -c 'exec /usr/local/bin/etl-host run -f etl.yaml --trigger external --run-id "$$(date -u +%%Y%%m%%dT%%H%%M%%S000Z)-shop-1"'

            # file: etl-host-shop-1.timer
            [Unit]
            Description=pipeline shop (etl.yaml), schedule shop/1: every 15m

            [Timer]
            OnCalendar=*-*-* *:00/15:00 UTC
            AccuracySec=1s
            Persistent=false

            [Install]
            WantedBy=timers.target

            """)
    }

    @Test func exportKubernetes() throws {
        let sandbox = try sandbox("export-k8s", yaml: """
            name: shop_eu
            schedules: [{cron: "@daily", timezone: Europe/Berlin, overlap: cancel_running}]
            steps:
              orders: {command: [sh, -c, 'true']}
            """)
        let result = try sandbox.etlHost(["schedule", "export", "--k8s", "--project", "project", "--image", "registry.example/etl:1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            # pipeline shop_eu (etl.yaml), schedule shop_eu/0: cron @daily (Europe/Berlin)
            apiVersion: batch/v1
            kind: CronJob
            metadata:
              name: etl-host-shop-eu-0
            spec:
              schedule: "@daily"
              timeZone: "Europe/Berlin"
              concurrencyPolicy: Replace
              startingDeadlineSeconds: 60
              jobTemplate:
                spec:
                  backoffLimit: 0
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                        - name: etl-host
                          image: "registry.example/etl:1"
                          workingDir: "/project"
                          command: ["/bin/sh", "-c", "exec etl-host run -f etl.yaml --trigger external --run-id \\"$(date -u +%Y%m%dT%H%M00000Z)-shop_eu-0\\""]

            """)
    }

    @Test func everyThatCronCannotExpressIsRefusedNamingTheSchedule() throws {
        let sandbox = try sandbox("export-refused", yaml: """
            name: fast
            schedules:
              - {every: 2s}
            steps:
              one: {command: [sh, -c, 'true']}
            """)
        let crontab = try sandbox.etlHost(["schedule", "export", "--crontab", "--project", "project"])
        #expect(crontab.status == 64)
        #expect(crontab.stdout == "")
        #expect(crontab.stderr == "etl-host: error: schedule fast/0 (etl.yaml:3:5): every 2s cannot be written as a crontab schedule exactly: cron counts whole minutes; use --systemd, or a cron: schedule\n")
        let systemd = try sandbox.etlHost(["schedule", "export", "--systemd", "--project", "project"])
        #expect(systemd.status == 0, "\(systemd.stderr)")
        #expect(systemd.stdout.contains("OnCalendar=*-*-* *:*:00/2 UTC\n"))
        try sandbox.write("name: odd\nschedules: [{every: 7m}]\nsteps:\n  one: {command: [sh, -c, 'true']}\n", to: "etl.yaml")
        let odd = try sandbox.etlHost(["schedule", "export", "--k8s", "--project", "project"])
        #expect(odd.status == 64)
        #expect(odd.stderr == "etl-host: error: schedule odd/0 (etl.yaml:2:13): every 7m cannot be written as a Kubernetes CronJob schedule exactly: only intervals that divide an hour or a day evenly are (every 15m, 2h, 1d); write a cron: schedule instead\n")
    }

    @Test func listPauseAndResume() throws {
        let sandbox = try sandbox("schedule-list")
        let paused = try sandbox.etlHost(["schedule", "pause", "shop/1", "--project", "project"])
        #expect(paused.status == 0, "\(paused.stderr)")
        #expect(paused.stdout == "Schedule shop/1 paused.\n")
        let list = try sandbox.etlHost(["schedule", "list", "--project", "project", "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.map { $0?["id"] as? String } == ["shop/0", "shop/1"])
        #expect(lines.map { $0?["paused"] as? Bool } == [false, true])
        #expect(lines[1]?["next_fire"] == nil)
        #expect((lines[0]?["next_fire"] as? String)?.hasSuffix(":00:00Z") == true)
        let unknown = try sandbox.etlHost(["schedule", "pause", "shop/9", "--project", "project"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "etl-host: error: no schedule 'shop/9' in \(URL(fileURLWithPath: sandbox.project).standardizedFileURL.path); schedules: shop/0, shop/1\n")
        let resumed = try sandbox.etlHost(["schedule", "resume", "shop/1", "--project", "project"])
        #expect(resumed.stdout == "Schedule shop/1 resumed.\n")
        let again = try sandbox.etlHost(["schedule", "resume", "shop/1", "--project", "project"])
        #expect(again.stdout == "Schedule shop/1 resumed (it was already).\n")
    }
}
