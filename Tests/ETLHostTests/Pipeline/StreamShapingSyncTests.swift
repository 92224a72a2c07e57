@testable import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// Stream shaping through ``SyncRunner`` with the real CSV extractor and
/// SQLite warehouse: table name, selected and renamed columns, and the
/// schema contract (freeze fails the stream with exit 65 and leaves the
/// table as it was; discard warns and reports the column).
@Suite struct StreamShapingSyncTests {
    private let folder: String
    private let csv: LoadedPlugin
    private let sqlite: LoadedPlugin

    init() throws {
        folder = try TestSupport.temporaryDirectory("shaping")
        csv = try PluginLoader().load(libraryAt: TestSupport.productsDirectory + "/libetl_csv.so")
        sqlite = try PluginLoader().load(libraryAt: TestSupport.productsDirectory + "/libetl_sqlite.so")
    }

    private func write(_ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/people.csv"))
    }

    private func sync(_ mode: WriteMode, _ shaping: StreamShaping) throws -> (SyncReport, SyncRunner, RunLog) {
        var request = SyncRequest(extractor: "csv", warehouse: "sqlite", sourceConfig: ["path": .string(folder + "/people.csv")],
                                  destinationConfig: ["path": .string(folder + "/w.db")], mode: mode, workDirectory: folder + "/spool")
        request.shaping = ["people": shaping]
        let log = RunLog(runID: "r", path: folder + "/log.jsonl", echo: false)
        let runner = try SyncRunner(request: request, source: .plugin(csv), warehouse: sqlite, log: log, store: nil)
        return (try runner.run(), runner, log)
    }

    private func rows() throws -> [[String?]] {
        try SQLiteInspector(path: folder + "/w.db").rows("SELECT * FROM crm_people ORDER BY id")
    }

    private var first: StreamShaping {
        StreamShaping(table: "crm_people", columns: .allExcept(["note"]), renames: ["name": "full_name"])
    }

    @Test func theTableColumnsAndNamesAreTheShapedOnes() throws {
        try write("id,name,note\n1,Ada,x\n2,Grace,y\n")
        let (report, _, _) = try sync(.replace, first)
        #expect(report.streams.map(\.table) == ["crm_people"])
        #expect(report.streams.map(\.status) == [.succeeded])
        #expect(try SQLiteInspector(path: folder + "/w.db").columns("crm_people") == ["id INTEGER", "full_name TEXT"])
        #expect(try rows() == [["1", "Ada"], ["2", "Grace"]])
    }

    @Test func aFrozenContractFailsTheStreamWith65AndLeavesTheTable() throws {
        try write("id,name,note\n1,Ada,x\n")
        _ = try sync(.replace, first)
        try write("id,name,note,vip\n2,Grace,y,true\n")
        var shaping = first
        shaping.contract = StreamShaping.Contract(newColumns: .freeze)
        let (report, runner, _) = try sync(.append, shaping)
        #expect(report.streams.map(\.status) == [.failed])
        #expect(report.streams.first?.error == "stream 'people', table 'crm_people': new column 'vip' (source field 'vip') is refused by the schema contract (new columns: freeze); the table is unchanged")
        #expect(ExitStatus.of(run: RunRecord.Status(streams: report.streams), failures: runner.failures) == .badData)
        #expect(try rows() == [["1", "Ada"]])
        #expect(try SQLiteInspector(path: folder + "/w.db").columns("crm_people") == ["id INTEGER", "full_name TEXT"])
    }

    @Test func aDiscardingContractLoadsWithoutTheNewColumnAndSaysSo() throws {
        try write("id,name,note\n1,Ada,x\n")
        _ = try sync(.replace, first)
        try write("id,name,note,vip\n2,Grace,y,true\n")
        var shaping = first
        shaping.contract = StreamShaping.Contract(newColumns: .discard)
        let (report, _, _) = try sync(.append, shaping)
        #expect(report.streams.map(\.status) == [.succeeded])
        #expect(report.streams.first?.discardedColumns == ["vip"])
        #expect(report.streams.first?.newColumns == [])
        let log = try String(contentsOfFile: folder + "/log.jsonl", encoding: .utf8)
        #expect(log.contains(#""level":"warn""#) && log.contains("table 'crm_people' has no column 'vip': the schema contract discards new columns, so it is not loaded"), "\(log)")
        #expect(try rows() == [["1", "Ada"], ["2", "Grace"]])
        #expect(try SQLiteInspector(path: folder + "/w.db").columns("crm_people") == ["id INTEGER", "full_name TEXT"])
    }
}
