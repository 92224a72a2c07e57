import ArgumentParser
import ETLHost
import Foundation

/// `etl-host init [DIR]`: a project folder to start from.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Start a project folder: a pipeline file that runs, a sample CSV, .env.example, .gitignore and a registry.",
        discussion: """
            Writes into DIR (created if missing; default: the current folder):
              etl.yaml           a pipeline: the sample CSV into warehouse.db (table
                                 example), then a check of it; `etl-host run` runs it
              data/example.csv   the sample (three rows)
              .env.example       the variables a project sets: copy it to .env
              .gitignore         warehouse files (*.db), .env, .etl-state/
              registry.json      the project's plugins (empty): pins that travel with
                                 the repository (etl-host plugins install ... --registry
                                 registry.json); etl-host reads ./registry.json first

            An existing file is never overwritten: init writes nothing and \
            exits 64 naming every file that exists, unless --force is given.

            Examples:
              etl-host init shop && cd shop && etl-host run && etl-host show example
              etl-host init --force          rewrite the skeleton in this folder

            Exit codes: 0 written; 64 a file exists (without --force); 1 a file \
            or folder cannot be written.
            """
    )

    @Argument(help: "The project folder (default: the current folder).") var directory: String = "."
    @Flag(help: "Overwrite files that exist.") var force = false

    func run() throws {
        try reportingErrors {
            let folder = URL(fileURLWithPath: directory).standardizedFileURL
            let skeleton = ProjectSkeleton(name: ProjectSkeleton.pipelineName(folder: folder.lastPathComponent))
            let manager = FileManager.default
            let existing = skeleton.files.map(\.path).filter { manager.fileExists(atPath: folder.appendingPathComponent($0).path) }
            if !existing.isEmpty, !force {
                throw HostError(.invalidArgument, "\(directory) already has \(existing.joined(separator: ", ")); nothing was written (--force overwrites them)")
            }
            for file in skeleton.files {
                let url = folder.appendingPathComponent(file.path)
                do {
                    try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(file.text.utf8).write(to: url, options: .atomic)
                } catch {
                    throw HostError(.io, "cannot write '\(url.path)': \(error.localizedDescription)")
                }
            }
            say("Wrote \(skeleton.files.map(\.path).joined(separator: ", ")) in \(folder.path)")
            say("Next: \(directory == "." ? "" : "cd \(Self.shellQuoted(directory)) && ")etl-host run && etl-host show example")
        }
    }

    /// `text` as one shell word: as it is when it is plain, else in single quotes.
    static func shellQuoted(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "/._-+".unicodeScalars.contains($0)) }
        return plain && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
