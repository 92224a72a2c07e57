import ETLTestSupport
import Foundation
import Testing

/// docs/WRITING_PLUGINS.md shows only code that exists and is built by the
/// tests: every fenced block is marked, right above it, with where it comes
/// from, and the marks are checked here.
///
/// - `<!-- snippet: PATH#NAME -->`: the block appears verbatim between
///   `// snippet:NAME` (or `# snippet:NAME`) and the next `end-snippet`
///   line of PATH (relative to the repository root).
/// - `<!-- snippet: PATH -->`: the block appears verbatim in PATH (for the
///   header and Package.swift, which carry no marks).
/// - `<!-- commands -->`: shell commands. Each `etl-host ...` line names
///   existing subcommands and only flags their `--help` lists; `make -C DIR`
///   names a folder with a Makefile; `swift build --product P` a product.
@Suite struct WritingPluginsDocTests {
    static let document = TestSupport.repositoryRoot + "/docs/WRITING_PLUGINS.md"

    /// A fenced block of the document.
    struct Block: CustomStringConvertible {
        /// The comment right above the fence, without `<!--` and `-->`.
        var mark: String?
        var text: String
        /// The line of the opening fence (from 1).
        var line: Int
        var description: String { "WRITING_PLUGINS.md:\(line)" }
    }

    static func blocks() throws -> [Block] {
        let lines = try String(contentsOfFile: document, encoding: .utf8).components(separatedBy: "\n")
        var blocks: [Block] = []
        var index = 0
        while index < lines.count {
            guard lines[index].hasPrefix("```") else {
                index += 1
                continue
            }
            let open = index
            var body: [String] = []
            index += 1
            while index < lines.count, !lines[index].hasPrefix("```") {
                body.append(lines[index])
                index += 1
            }
            let above = open > 0 ? lines[open - 1].trimmingCharacters(in: .whitespaces) : ""
            let mark = above.hasPrefix("<!--") && above.hasSuffix("-->")
                ? String(above.dropFirst(4).dropLast(3)).trimmingCharacters(in: .whitespaces) : nil
            blocks.append(Block(mark: mark, text: body.joined(separator: "\n"), line: open + 1))
            index += 1
        }
        return blocks
    }

    /// The text between `snippet:NAME` and the next `end-snippet` line.
    static func region(_ name: String, of path: String) throws -> String {
        let lines = try String(contentsOfFile: TestSupport.repositoryRoot + "/" + path, encoding: .utf8)
            .components(separatedBy: "\n")
        let starts = lines.indices.filter {
            let line = lines[$0].trimmingCharacters(in: .whitespaces)
            return line == "// snippet:\(name)" || line == "# snippet:\(name)"
        }
        guard starts.count == 1, let start = starts.first else {
            throw TestFailure("\(path): \(starts.count) marks 'snippet:\(name)' (expected exactly 1)")
        }
        guard let end = lines[(start + 1)...].firstIndex(where: {
            let line = $0.trimmingCharacters(in: .whitespaces)
            return line == "// end-snippet" || line == "# end-snippet"
        }) else { throw TestFailure("\(path): 'snippet:\(name)' has no end-snippet") }
        return lines[(start + 1) ..< end].joined(separator: "\n")
    }

    @Test func everyBlockIsMarked() throws {
        let blocks = try Self.blocks()
        #expect(blocks.count > 20)
        for block in blocks {
            let mark = block.mark ?? ""
            #expect(mark.hasPrefix("snippet: ") || mark == "commands", "\(block): no <!-- snippet: ... --> or <!-- commands --> above it")
        }
    }

    @Test func everySnippetIsInItsSource() throws {
        var sources: Set<String> = []
        for block in try Self.blocks() {
            guard let mark = block.mark, mark.hasPrefix("snippet: ") else { continue }
            let reference = String(mark.dropFirst("snippet: ".count))
            let parts = reference.split(separator: "#", maxSplits: 1).map(String.init)
            let path = parts[0]
            sources.insert(path)
            #expect(!block.text.isEmpty, "\(block)")
            if parts.count == 2 {
                let region = try Self.region(parts[1], of: path)
                #expect(region.contains(block.text), "\(block): not in \(reference); the region is:\n\(region)")
            } else {
                let text = try String(contentsOfFile: TestSupport.repositoryRoot + "/" + path, encoding: .utf8)
                #expect(text.contains(block.text), "\(block): not in \(path)")
            }
        }
        // The sources are the examples the tests build (ExamplePluginsTests),
        // the Rust scaffold template (PluginsNewTests builds it), the contract
        // they compile against and the manifest that builds the Swift one.
        let built = ["Plugins/Examples/C/dirlist/", "Plugins/Examples/C/csvdir/", "Plugins/Examples/Rust/passwd/",
                     "Plugins/Examples/Swift/ProcStats/", "Sources/ETLScaffold/Templates/Rust/"]
        for path in sources {
            #expect(built.contains { path.hasPrefix($0) } || ["Sources/CETLPlugin/include/etl_plugin.h", "Package.swift"].contains(path),
                    "\(path) is not an example the tests build")
        }
        #expect(built.allSatisfy { folder in sources.contains { $0.hasPrefix(folder) } }, "every example is quoted")
    }

    @Test func everyCommandExists() throws {
        var helps: [[String]: String] = [:]
        func help(_ path: [String]) throws -> String {
            if let text = helps[path] { return text }
            let result = try TestSupport.run(TestSupport.hostExecutable, path + ["--help"])
            guard result.status == 0 else {
                throw TestFailure("etl-host \((path + ["--help"]).joined(separator: " ")) failed: \(result.stderr)")
            }
            helps[path] = result.stdout
            return result.stdout
        }
        /// The names listed under SUBCOMMANDS: in a help text.
        func subcommands(_ text: String) -> Set<String> {
            let lines = text.components(separatedBy: "\n")
            guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else { return [] }
            return Set(lines[(start + 1)...].prefix { $0.hasPrefix("  ") && !$0.hasPrefix("  See ") }
                .compactMap { $0.split(separator: " ").first.map(String.init) })
        }
        /// The words of a help text: flags, names, values.
        func words(_ text: String) -> Set<String> {
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
            return Set(text.split { !allowed.contains($0) }.map(String.init))
        }

        var checked = 0
        for block in try Self.blocks() where block.mark == "commands" {
            for line in block.text.components(separatedBy: "\n") where !line.isEmpty {
                let tokens = line.split(separator: " ").map(String.init)
                switch tokens.first {
                case "etl-host":
                    var path: [String] = []
                    var rest = Array(tokens.dropFirst())
                    while let next = rest.first, subcommands(try help(path)).contains(next) {
                        path.append(next)
                        rest.removeFirst()
                    }
                    #expect(!path.isEmpty, "\(block): '\(line)' names no subcommand")
                    let known = words(try help(path))
                    for token in rest where token.hasPrefix("-") && token.count > 1 {
                        let flag = String(token.prefix { $0 != "=" })
                        #expect(known.contains(flag), "\(block): '\(line)': etl-host \(path.joined(separator: " ")) has no \(flag)")
                    }
                    checked += 1
                case "make":
                    if let index = tokens.firstIndex(of: "-C"), index + 1 < tokens.count {
                        let makefile = TestSupport.repositoryRoot + "/" + tokens[index + 1] + "/Makefile"
                        #expect(FileManager.default.fileExists(atPath: makefile), "\(block): '\(line)': no \(makefile)")
                    }
                case "swift":
                    if let index = tokens.firstIndex(of: "--product"), index + 1 < tokens.count {
                        let manifest = try String(contentsOfFile: TestSupport.repositoryRoot + "/Package.swift", encoding: .utf8)
                        #expect(manifest.contains("name: \"\(tokens[index + 1])\""), "\(block): '\(line)': no such product")
                    }
                case "cd":
                    break
                default:
                    Issue.record("\(block): '\(line)' is not a command this test knows how to check")
                }
            }
        }
        #expect(checked >= 10)
    }
}
