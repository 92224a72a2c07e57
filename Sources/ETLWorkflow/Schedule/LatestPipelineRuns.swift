import ETLHost
import Foundation

/// The newest run of each pipeline in the state folder, kept up to date by
/// reading only the run folders it has not read yet and the runs it last
/// saw running: with 100,000 runs in the history, the first refresh reads
/// them once and each later one costs a directory listing.
struct LatestPipelineRuns {
    private var newest: [String: PipelineRunRecord] = [:]
    /// Folders read for good: ended pipeline runs, and sync runs' folders.
    private var settled: Set<String> = []

    /// Reads what is new in `store` since the last refresh.
    mutating func refresh(_ store: PipelineRunStore) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: store.runs.root)) ?? []
        for name in names where !name.hasPrefix(".") && !settled.contains(name) {
            guard FileManager.default.fileExists(atPath: store.recordPath(name)) else {
                // A sync run's folder never becomes a pipeline run's; a folder with neither record is one being created.
                let syncRecord = (store.runs.folder(name) as NSString).appendingPathComponent("run.json")
                if FileManager.default.fileExists(atPath: syncRecord) { settled.insert(name) }
                continue
            }
            guard let record = try? store.load(name) else { continue }
            if record.status != .running { settled.insert(name) }
            if let current = newest[record.pipeline], current.id != record.id,
               (current.startedAt, current.id) > (record.startedAt, record.id) { continue }
            newest[record.pipeline] = record
        }
    }

    /// The newest run of each of `pipelines` that has one.
    func latest(of pipelines: Set<String>) -> [String: PipelineRunRecord] {
        newest.filter { pipelines.contains($0.key) }
    }
}
