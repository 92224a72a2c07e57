import ETLHost
import Foundation

/// What the scheduler keeps across restarts, in the state folder's
/// `schedules/` folder: `paused.json` (the paused schedule ids, written by
/// `serve` and `etl-host schedule pause|resume`; a running serve reads it
/// again before every fire, so a change from the CLI needs no restart) and
/// `fires.json` (per schedule: the summary it had and its last fire, for
/// `catch_up`). Both are written atomically under `schedules/.lock`.
public struct ScheduleStateStore: Sendable {
    /// The state folder's `schedules` folder.
    public let folder: String

    /// The store of state folder `stateFolder`.
    public init(stateFolder: String) {
        folder = (stateFolder as NSString).appendingPathComponent("schedules")
    }

    /// The last fire of one schedule.
    public struct LastFire: Codable, Sendable, Equatable {
        /// The schedule as it was (``Schedule/summary``): a changed schedule starts afresh.
        public var schedule: String
        /// When it last fired (the fire time, not the run's start), ISO 8601 UTC.
        public var lastFire: String

        /// A last fire.
        public init(schedule: String, lastFire: String) {
            self.schedule = schedule
            self.lastFire = lastFire
        }

        enum CodingKeys: String, CodingKey {
            case schedule
            case lastFire = "last_fire"
        }
    }

    // MARK: Paused schedules

    /// The paused schedule ids.
    public func paused() -> Set<String> {
        guard let data = FileManager.default.contents(atPath: path("paused.json")),
              let ids = try? JSONDecoder().decode([String].self, from: data) else { return [] }
        return Set(ids)
    }

    /// Pauses or resumes `scheduleID`; returns whether that changed anything.
    @discardableResult
    public func setPaused(_ scheduleID: String, _ paused: Bool) throws -> Bool {
        try locked {
            var ids = self.paused()
            let changed = paused ? ids.insert(scheduleID).inserted : ids.remove(scheduleID) != nil
            if changed { try write(ids.sorted(), to: "paused.json") }
            return changed
        }
    }

    // MARK: Last fires

    /// Every schedule's last fire, by schedule id.
    public func lastFires() -> [String: LastFire] {
        guard let data = FileManager.default.contents(atPath: path("fires.json")),
              let fires = try? JSONDecoder().decode([String: LastFire].self, from: data) else { return [:] }
        return fires
    }

    /// Records that `scheduleID` (now `summary`) fired at `date`.
    public func recordFire(_ scheduleID: String, summary: String, at date: Date) throws {
        try locked {
            var fires = lastFires()
            fires[scheduleID] = LastFire(schedule: summary, lastFire: RecordTime.text(date))
            try write(fires, to: "fires.json")
        }
    }

    // MARK: Files

    private func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    private func write(_ value: some Encodable, to name: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(value), to: path(name))
    }

    /// Runs `body` holding `schedules/.lock` (serve and the CLI may write at once).
    private func locked<T>(_ body: () throws -> T) throws -> T {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw HostError(.io, "cannot create the schedules folder '\(folder)': \(error.localizedDescription); set ETL_STATE_DIR to a writable folder")
        }
        let descriptor = open(path(".lock"), O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw HostError(.io, "cannot open '\(path(".lock"))': \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        flock(descriptor, LOCK_EX)
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
