import ETLTestSupport
import Foundation
import Testing

/// The folders of Sources/ETLHost depend on each other one way only, as
/// docs/ARCHITECTURE.md ("Layers inside ETLHost") writes: a folder uses
/// only the folders listed for it. A type is "used" when its name appears
/// in the folder's code (comments aside).
@Suite struct FolderLayersTests {
    /// What each folder may use (docs/ARCHITECTURE.md).
    static let mayUse: [String: Set<String>] = [
        "Support": [],
        "ArrowIPC": ["Support"],
        "Config": ["Support"],
        "Schema": ["Support"],
        "Loading": ["Support"],
        "Registry": ["Loading", "Support"],
        "PluginIndex": ["Loading", "Registry", "Support"],
        "Snapshots": ["ArrowIPC", "Loading", "Support"],
        "Runs": ["Loading", "Support"],
        "Query": ["Loading", "Schema", "Support"],
        "Pipeline": ["ArrowIPC", "Config", "Loading", "Registry", "Runs", "Schema", "Snapshots", "Support"],
    ]

    /// The folders each folder's code names types of.
    static func uses() throws -> [String: [String: Set<String>]] {
        let root = TestSupport.repositoryRoot + "/Sources/ETLHost"
        let folders = try FileManager.default.contentsOfDirectory(atPath: root).filter { name in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &isFolder) && isFolder.boolValue
        }
        var code: [String: String] = [:]
        var owner: [String: String] = [:]
        let declaration = /(?m)^(?:(?:public|final|internal|fileprivate|@\w+)\s+)*(?:struct|class|enum|protocol|typealias|actor)\s+(\w+)/
        for folder in folders {
            let files = FileManager.default.enumerator(atPath: root + "/" + folder)?.compactMap { $0 as? String }
                .filter { $0.hasSuffix(".swift") } ?? []
            for file in files {
                let text = try String(contentsOfFile: root + "/" + folder + "/" + file, encoding: .utf8)
                code[folder, default: ""] += text.replacing(/\/\/[^\n]*/, with: "") + "\n"
                for match in text.matches(of: declaration) where owner[String(match.1)] == nil {
                    owner[String(match.1)] = folder
                }
            }
        }
        var uses: [String: [String: Set<String>]] = [:]
        for (folder, text) in code {
            let words = Set(text.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init))
            for (type, home) in owner where home != folder && words.contains(type) {
                uses[folder, default: [:]][home, default: []].insert(type)
            }
        }
        return uses
    }

    @Test func everyFolderUsesOnlyTheFoldersBelowIt() throws {
        let uses = try Self.uses()
        #expect(Set(uses.keys).isSubset(of: Set(Self.mayUse.keys)), "a folder docs/ARCHITECTURE.md does not place: \(uses.keys.sorted())")
        for (folder, used) in uses.sorted(by: { $0.key < $1.key }) {
            for (home, types) in used where !(Self.mayUse[folder]?.contains(home) ?? false) {
                Issue.record("\(folder) uses \(home) (\(types.sorted().joined(separator: ", "))), which it may not")
            }
        }
    }

    @Test func theLayersHaveNoLoop() {
        for (folder, used) in Self.mayUse {
            for other in used {
                #expect(!(Self.mayUse[other]?.contains(folder) ?? false), "\(folder) <-> \(other)")
            }
        }
    }
}
