import ETLHTTPShared
import Foundation
import Testing

/// The pacing file's first line names the extractor that wrote it
/// (`etl-host pacing 1 rest`); files of the old first line
/// (`etl-host airtable pacing 1`, written by both extractors) still read.
@Suite struct PacingFileHeaderTests {
    static func folder(_ label: String) throws -> String {
        let path = NSTemporaryDirectory() + "etl-pacing-\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A state's next start and penalty end, or nil.
    static func times(_ state: PacingState?) -> [Double]? {
        state.map { [$0.nextStart, $0.penaltyUntil] }
    }

    @Test func theFirstLineNamesTheWriter() throws {
        let folder = try Self.folder("writer")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = try PacingFile(path: folder + "/api.pacing", writer: "rest")
        try file.update { $0.nextStart = 42.5 }
        let text = try String(contentsOfFile: folder + "/api.pacing", encoding: .utf8)
        #expect(text == "etl-host pacing 1 rest\nboot \(PacingFile.bootID)\nnext_start 42.5\npenalty_until 0.0\n")
        // Another extractor's process reads it, and writes its own name.
        let other = try PacingFile(path: folder + "/api.pacing", writer: "airtable")
        #expect(try other.update { state -> Double in
            state.penaltyUntil = 50
            return state.nextStart
        } == 42.5)
        #expect(try String(contentsOfFile: folder + "/api.pacing", encoding: .utf8).hasPrefix("etl-host pacing 1 airtable\n"))
    }

    @Test func anOldFileStillReadsAndOtherFirstLinesDoNot() throws {
        let boot = "boot \(PacingFile.bootID)\nnext_start 7.0\npenalty_until 9.0\n"
        #expect(Self.times(PacingFile.parse("etl-host airtable pacing 1\n" + boot)) == [7, 9])
        #expect(Self.times(PacingFile.parse("etl-host pacing 1 rest\n" + boot)) == [7, 9])
        #expect(PacingFile.parse("etl-host pacing 1\n" + boot) == nil)
        #expect(PacingFile.parse("etl-host pacing 2 rest\n" + boot) == nil)
        #expect(PacingFile.parse("etl-host rest pacing 1\n" + boot) == nil)

        // Through the file: an old file's state is what the next request waits for.
        let folder = try Self.folder("old")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try ("etl-host airtable pacing 1\n" + boot).write(toFile: folder + "/old.pacing", atomically: false, encoding: .utf8)
        let file = try PacingFile(path: folder + "/old.pacing", writer: "rest")
        #expect(Self.times(try file.update { $0 }) == [7, 9])
    }
}
