import ETLHost
@testable import ETLScaffold
import ETLTestSupport
import Foundation
import Testing

/// The C and Rust templates of `etl-host plugins new` are real files in
/// Sources/ETLScaffold/Templates: the C ones compile as they are
/// (placeholders only in comments and string literals), every file a kind
/// needs is there, and the scaffold fills every placeholder.
@Suite struct TemplateFolderTests {
    private let sdk = PluginSDK(includeDirectory: TestSupport.includeDirectory, checkout: TestSupport.repositoryRoot)
    private let templates = TestSupport.repositoryRoot + "/Sources/ETLScaffold/Templates"

    @Test("the C templates compile as they are, before any placeholder is filled, with every warning an error",
          arguments: ["extractor.c", "warehouse.c"])
    func cTemplateCompilesAsItIs(_ source: String) throws {
        let folder = try TestSupport.temporaryDirectory("c-template")
        let result = try TestSupport.run("/usr/bin/env", [
            "cc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-fPIC", "-shared", "-fvisibility=hidden",
            "-I", TestSupport.includeDirectory, templates + "/C/" + source, "-o", folder + "/libtemplate.so",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test("every file of every C and Rust template is in the checkout",
          arguments: [PluginScaffold.Language.c, .rust], [PluginKind.extractor, .warehouse])
    func everyTemplateFileExists(_ language: PluginScaffold.Language, _ kind: PluginKind) throws {
        let template = try TemplateFolder.locate(language, kind: kind, sdk: sdk)
        #expect(template.folder == templates + (language == .c ? "/C" : "/Rust"))
        let files = TemplateFolder.files(language: language, kind: kind)
        #expect(files.contains { $0.destination == "Makefile" })
        for file in files {
            #expect(FileManager.default.fileExists(atPath: template.folder + "/" + file.source), "\(file.source)")
        }
    }

    @Test("the generated C source is the template with its placeholders filled, and no placeholder survives anywhere",
          arguments: [PluginScaffold.Language.c, .rust, .swift], [PluginKind.extractor, .warehouse])
    func placeholdersAreFilled(_ language: PluginScaffold.Language, _ kind: PluginKind) throws {
        let scaffold = try PluginScaffold(name: "my-plugin", kind: kind, language: language)
        let files = try scaffold.files(sdk: sdk)
        for file in files {
            #expect(file.contents.range(of: #"__(NAME|IDENT|TYPE|TARGET|KIND|ABI|SDK|PACKAGE|TAB)__"#, options: .regularExpression) == nil,
                    "\(file.path)")
        }
        if language == .c {
            let template = try String(contentsOfFile: templates + "/C/\(kind.rawValue).c", encoding: .utf8)
            let source = try #require(files.first { $0.path == "my_plugin.c" })
            #expect(source.contents == template.replacingOccurrences(of: "__NAME__", with: "my-plugin")
                .replacingOccurrences(of: "__IDENT__", with: "my_plugin"))
            #expect(source.contents.contains(#"d.name = "my-plugin";"#))
        }
    }

    @Test("a C warehouse project is its source, the two headers beside it, the Makefile, the SDK headers and a README")
    func cWarehouseProjectFiles() throws {
        let files = try PluginScaffold(name: "my-sink", kind: .warehouse, language: .c).files(sdk: sdk)
        #expect(files.map(\.path) == ["my_sink.c", "json_text.h", "atomic_files.h", "Makefile", "include/etl_plugin.h",
                                      "include/etl_batch.h", "include/etl_config.h", "include/etl_reader.h", "README.md", ".gitignore"])
        #expect(files.first { $0.path == "json_text.h" }?.contents
            == (try String(contentsOfFile: templates + "/C/json_text.h", encoding: .utf8)))
    }

    @Test("the Makefiles' recipes start with a tab, as make needs", arguments: ["C", "Rust"])
    func makefileRecipesStartWithATab(_ folder: String) throws {
        let makefile = try String(contentsOfFile: templates + "/" + folder + "/Makefile", encoding: .utf8)
        let lines = makefile.split(separator: "\n", omittingEmptySubsequences: false)
        let recipes = lines.indices.dropFirst().filter { lines[$0 - 1].hasPrefix("$(LIB):") || lines[$0 - 1] == "clean:" }
        #expect(recipes.count == 2)
        for index in recipes {
            #expect(lines[index].hasPrefix("\t"), "\(lines[index])")
        }
    }

    @Test("a missing template is refused naming every folder looked in and --sdk")
    func missingTemplateIsNamed() throws {
        let headersOnly = PluginSDK(includeDirectory: "/nonexistent/include/etl-host", checkout: nil)
        #expect(throws: HostError(.invalidArgument, "cannot find the C plugin template (looked in "
            + "/nonexistent/share/etl-host/templates/c); pass --sdk <etl-host checkout>")) {
            try TemplateFolder.locate(.c, kind: .warehouse, sdk: headersOnly)
        }
    }
}
