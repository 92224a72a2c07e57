import Foundation

/// The pipeline files of a project folder, as `etl-host serve` and
/// `etl-host schedule` find them: `etl.yaml` at the top, then every
/// `pipelines/*.yaml` and `pipelines/*.yml`, by file name. A file that
/// does not parse is kept with its error (never dropped, never fatal); two
/// files with one pipeline name: the second is an error.
///
/// ```swift
/// for entry in ProjectPipelines.load(projectFolder: ".") {
///     print(entry.file, entry.name, entry.error ?? "ok")
/// }
/// ```
public enum ProjectPipelines {
    /// One pipeline file of the project.
    public struct Entry: Sendable {
        /// The file, relative to the project folder (`etl.yaml`, `pipelines/shop.yaml`).
        public var file: String
        /// The pipeline's name, or the file's base name when it does not parse.
        public var name: String
        /// The parsed pipeline (nil when it does not parse).
        public var pipeline: PipelineFile?
        /// Every problem of the file, one per line (`FILE:LINE:COLUMN: ...`), when it does not parse.
        public var error: String?

        /// The id of schedule `index` of this pipeline: `<pipeline>/<index>`.
        public func scheduleID(_ index: Int) -> String { "\(name)/\(index)" }
    }

    /// The pipeline files of `projectFolder`, relative to it, in load order.
    public static func files(projectFolder: String) -> [String] {
        var files: [String] = []
        if FileManager.default.fileExists(atPath: projectFolder + "/" + PipelineParser.defaultFileName) {
            files.append(PipelineParser.defaultFileName)
        }
        let more = ((try? FileManager.default.contentsOfDirectory(atPath: projectFolder + "/pipelines")) ?? [])
            .filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }
            .sorted()
        return files + more.map { "pipelines/" + $0 }
    }

    /// Parses every pipeline file of `projectFolder` (paths in messages are relative to it).
    public static func load(projectFolder: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> [Entry] {
        let parser = PipelineParser(environment: environment)
        var entries: [Entry] = []
        for file in files(projectFolder: projectFolder) {
            let baseName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            let fallbackName = file == PipelineParser.defaultFileName ? "etl" : baseName
            do {
                var pipeline = try parser.parse(path: (projectFolder as NSString).appendingPathComponent(file))
                pipeline.path = file
                // Places in messages relative to the project folder, as the file's errors are.
                for index in pipeline.schedules.indices { pipeline.schedules[index].location.file = file }
                for index in pipeline.alerts.indices { pipeline.alerts[index].location.file = file }
                if let other = entries.first(where: { $0.name == pipeline.name && $0.pipeline != nil }) {
                    entries.append(Entry(file: file, name: pipeline.name, pipeline: nil,
                                         error: "\(file): pipeline name '\(pipeline.name)' is also the name of \(other.file); give each file a name of its own (name: at the top)"))
                    continue
                }
                entries.append(Entry(file: file, name: pipeline.name, pipeline: pipeline))
            } catch {
                let prefix = projectFolder.hasSuffix("/") ? projectFolder : projectFolder + "/"
                let text = error.items.map(\.description).joined(separator: "\n").replacingOccurrences(of: prefix, with: "")
                entries.append(Entry(file: file, name: fallbackName, pipeline: nil, error: text))
            }
        }
        return entries
    }
}
