import ETLWorkflow
import Foundation
import Testing

/// The scheduler's files stay bounded: the log rotates, old run output goes.
@Suite struct SchedulerFilesRetentionTests {
    private func folder(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "scheduler-files-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func theLogRotatesIntoOneOlderFileWhenALineWouldPassTheLimit() throws {
        let log = try folder("log") + "/serve/scheduler.log"
        let time = Date(timeIntervalSince1970: 1_796_522_400) // 2026-12-06T02:00:00Z
        // Each line is 24 + 1 + 5 + 1 = 31 bytes; the limit holds two.
        for message in ["one  ", "two  ", "three", "four ", "five "] {
            SchedulerLog.append(message, at: time, to: log, rotateAt: 62)
        }
        #expect(read(log) == "2026-12-06T02:00:00.000Z five \n")
        #expect(read(log + ".1") == "2026-12-06T02:00:00.000Z three\n2026-12-06T02:00:00.000Z four \n")
        #expect(read(log + ".2") == nil)
    }

    @Test func runOutputKeepsTheNewestFilesAndRoomForTheNextOne() throws {
        let output = try folder("output")
        let base = Date(timeIntervalSince1970: 1_796_522_400)
        for (index, name) in ["c", "a", "d", "b", "e"].enumerated() {
            let path = output + "/run-\(name).txt"
            FileManager.default.createFile(atPath: path, contents: Data(name.utf8))
            try FileManager.default.setAttributes([.modificationDate: base.addingTimeInterval(Double(index))], ofItemAtPath: path)
        }
        FileManager.default.createFile(atPath: output + "/notes.md", contents: Data())
        let deleted = RunOutputRetention(keptFiles: 3).prune(output)
        #expect(deleted == ["run-c.txt", "run-a.txt", "run-d.txt"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: output).sorted() == ["notes.md", "run-b.txt", "run-e.txt"])
        #expect(RunOutputRetention(keptFiles: 3).prune(output) == [])
    }
}
