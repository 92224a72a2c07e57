import ETLHost
import Foundation

/// A new plugin project, as `etl-host plugins new` writes it: a plugin that
/// builds, loads and passes `etl-host plugins test` as generated, for the
/// author to make their own.
///
/// - A C extractor reads one stream, `numbers`, of `count` rows (config,
///   default 10, read with `etl_config.h`) built with `etl_batch.h`; a C
///   warehouse writes each table as JSON Lines in a directory (config
///   `dir`), reading batches with `etl_reader.h`, with atomic replace and
///   append (its `json_text.h` and `atomic_files.h` beside it). The
///   project gets a Makefile and a copy of `etl_plugin.h` and its helpers
///   (``PluginSDK/headers``) in `include/`, so it builds anywhere with
///   `cc`.
/// - A Swift plugin is the same with ETLPluginKit: a package whose
///   `Package.swift` depends on the etl-host checkout by path.
/// - A Rust extractor or warehouse is the C one's twin, built by `make`
///   with plain `rustc` (no cargo, no crates): the plugin in `src/lib.rs`
///   (no FFI in it), over a safe layer and `#[repr(C)]` mirrors of
///   etl_plugin.h (ABI 1.1). The warehouse reads batches with
///   `src/etl_reader.rs`, as the C one does with `etl_reader.h`.
///
/// The C and Rust files come from ``TemplateFolder`` (real files, compiled
/// by the tests); the Swift ones from ``ScaffoldTemplates``.
///
/// ```swift
/// let scaffold = try PluginScaffold(name: "my-source", kind: .extractor, language: .c)
/// let sdk = try PluginSDK.locate(explicit: nil, executableDirectory: HostEnvironment.executableDirectory)
/// let files = try scaffold.write(to: "my-source", sdk: sdk)
/// scaffold.nextSteps(folder: "my-source")   // ["cd my-source", "make", ...]
/// ```
public struct PluginScaffold: Sendable {
    /// The languages `plugins new` writes.
    public enum Language: String, CaseIterable, Sendable {
        /// C99 with etl_plugin.h and its header-only helpers, built by make and cc.
        case c
        /// Swift with ETLPluginKit, built by swift build.
        case swift
        /// Rust, built by make and plain rustc (no cargo, no crates).
        case rust

        /// The language's name in messages: "C", "Swift", "Rust".
        public var displayName: String {
            switch self {
            case .c: "C"
            case .swift: "Swift"
            case .rust: "Rust"
            }
        }
    }

    /// One file of the project.
    public struct File: Sendable, Equatable {
        /// Its path, relative to the project folder.
        public var path: String
        /// Its text.
        public var contents: String
        /// What it is, in a few words (printed by `plugins new`).
        public var summary: String
    }

    /// The plugin's name, as it declares it and `etl-host sync` uses it.
    public let name: String
    /// Extractor or warehouse.
    public let kind: PluginKind
    /// C, Swift or Rust.
    public let language: Language

    /// A scaffold for a valid name.
    ///
    /// - Throws: `.invalidArgument` for a name that is not lowercase
    ///   letters, digits, `_` and `-` starting with a letter.
    public init(name: String, kind: PluginKind, language: Language) throws(HostError) {
        try Self.validate(name: name)
        self.name = name
        self.kind = kind
        self.language = language
    }

    /// Checks a plugin name: 1 to 64 lowercase letters, digits, `_` and
    /// `-`, starting with a letter (so that it is also a C identifier and a
    /// Swift type once `-` becomes `_`).
    public static func validate(name: String) throws(HostError) {
        let letters = Set("abcdefghijklmnopqrstuvwxyz")
        let allowed = letters.union("0123456789_-")
        guard let first = name.first, letters.contains(first), name.count <= 64,
              name.allSatisfy({ allowed.contains($0) })
        else {
            throw HostError(.invalidArgument, "invalid plugin name '\(name)': use 1 to 64 lowercase letters, "
                + "digits, '_' and '-', starting with a letter (e.g. my-source)")
        }
    }

    /// The name as a C identifier: `my-source` -> `my_source`.
    public var identifier: String { name.replacingOccurrences(of: "-", with: "_") }

    /// The Swift class: `my-source` -> `MySourceExtractor`.
    public var typeName: String { baseTypeName + (kind == .extractor ? "Extractor" : "Warehouse") }

    /// The Swift target: `my-source` -> `MySourcePlugin`.
    public var targetName: String { baseTypeName + "Plugin" }

    /// The library the build makes: `libetl_my_source.so`.
    public var libraryFile: String { "libetl_\(identifier).so" }

    /// Where the build leaves the library, relative to the project folder.
    public var builtLibrary: String { language == .swift ? ".build/release/\(libraryFile)" : libraryFile }

    private var baseTypeName: String {
        name.split(whereSeparator: { $0 == "-" || $0 == "_" })
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The files of the project.
    ///
    /// - Throws: `.io` when a header or template cannot be read;
    ///   `.invalidArgument` for a Swift plugin when `sdk` has no checkout,
    ///   and for a C or Rust plugin when its template cannot be found.
    public func files(sdk: PluginSDK) throws(HostError) -> [File] {
        switch language {
        case .c, .rust:
            let template = try TemplateFolder.locate(language, kind: kind, sdk: sdk)
            var files: [File] = []
            for entry in TemplateFolder.files(language: language, kind: kind) {
                let summary = entry.purpose ?? (entry.source == "Makefile" ? "make -> \(libraryFile)" : sourceSummary)
                files.append(File(path: fill(entry.destination, sdk: sdk), contents: fill(try template.text(entry.source), sdk: sdk),
                                  summary: summary))
            }
            if language == .c { files += try headerCopies(sdk: sdk) }
            return files + [readme(sdk: sdk), File(path: ".gitignore", contents: ScaffoldTemplates.gitignore, summary: "")]
        case .swift:
            guard sdk.checkout != nil else {
                throw HostError(.invalidArgument, "a Swift plugin depends on ETLPluginKit from an etl-host source "
                    + "checkout, and none was found; pass --sdk <etl-host checkout>")
            }
            let source = kind == .extractor ? ScaffoldTemplates.swiftExtractor : ScaffoldTemplates.swiftWarehouse
            let entry = kind == .extractor ? ScaffoldTemplates.swiftExtractorEntry : ScaffoldTemplates.swiftWarehouseEntry
            return [
                File(path: "Package.swift", contents: fill(ScaffoldTemplates.packageManifest, sdk: sdk) + "\n",
                     summary: "swift build -c release -> \(builtLibrary)"),
                File(path: "Sources/\(targetName)/\(typeName).swift", contents: fill(source, sdk: sdk) + "\n",
                     summary: sourceSummary),
                File(path: "Sources/\(targetName)/PluginEntryPoint.swift", contents: fill(entry, sdk: sdk) + "\n",
                     summary: "etl_plugin_init"),
                readme(sdk: sdk),
                File(path: ".gitignore", contents: ScaffoldTemplates.gitignore, summary: ""),
            ]
        }
    }

    /// Writes the project into `folder`, which must not exist yet (its
    /// parent is created if needed). On failure nothing is left behind.
    ///
    /// - Returns: the files written.
    /// - Throws: `.invalidArgument` when `folder` exists; `.io` when writing
    ///   fails.
    @discardableResult
    public func write(to folder: String, sdk: PluginSDK) throws(HostError) -> [File] {
        let files = try files(sdk: sdk)
        let fileManager = FileManager.default
        let parent = (folder as NSString).deletingLastPathComponent
        if !parent.isEmpty {
            try? fileManager.createDirectory(atPath: parent, withIntermediateDirectories: true)
        }
        guard mkdir(folder, 0o755) == 0 else {
            if errno == EEXIST {
                throw HostError(.invalidArgument, "'\(folder)' already exists; plugins new never writes into an "
                    + "existing folder: choose another --output, or remove it")
            }
            throw HostError(.io, "cannot create the folder '\(folder)': \(errnoDescription())")
        }
        do {
            for file in files {
                let path = (folder as NSString).appendingPathComponent(file.path)
                try fileManager.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: URL(fileURLWithPath: path))
            }
        } catch {
            try? fileManager.removeItem(atPath: folder)
            throw HostError(.io, "cannot write the project in '\(folder)': \(error.localizedDescription)")
        }
        return files
    }

    /// The commands to run next, from the folder `plugins new` ran in.
    public func nextSteps(folder: String) -> [String] {
        let build = language == .swift ? "swift build -c release" : "make"
        let library = "./" + builtLibrary
        return ["cd \(shellWord(folder))", build, "etl-host plugins test \(library)\(testConfig)",
                "etl-host plugins install \(library)", exampleSync]
    }

    // MARK: - Details

    /// The config `plugins test` needs (the warehouse's directory), with
    /// `-d` as for any warehouse.
    private var testConfig: String {
        kind == .extractor ? "" : " -d dir=/tmp/\(identifier)-test"
    }

    /// A sync that uses the new plugin.
    private var exampleSync: String {
        kind == .extractor ? "etl-host sync \(name) sqlite -s count=5 -d path=\(identifier).db"
            : "etl-host sync csv \(name) -s path=data.csv -d dir=out"
    }

    private var sourceSummary: String {
        kind == .extractor ? "the extractor: one stream of `count` numbers; edit the TODOs"
            : "the warehouse: tables as JSON Lines in `dir`; edit the TODOs"
    }

    /// The copies of the contract and its helpers a C project gets in `include/`.
    private func headerCopies(sdk: PluginSDK) throws(HostError) -> [File] {
        var files: [File] = []
        for (header, purpose) in PluginSDK.headerPurposes {
            let path = (sdk.includeDirectory as NSString).appendingPathComponent(header)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw HostError(.io, "cannot read '\(path)': \(errnoDescription())")
            }
            files.append(File(path: "include/\(header)", contents: String(decoding: data, as: UTF8.self),
                              summary: header == "etl_plugin.h" ? "\(purpose), ABI \(abi(sdk))" : purpose))
        }
        return files
    }

    private func readme(sdk: PluginSDK) -> File {
        let steps = nextSteps(folder: ".").dropFirst()
        let width = steps.map(\.count).max() ?? 0
        let comments = [
            "build \(builtLibrary)", "the conformance checks (PASS/FAIL/SKIP per check)",
            "register it (copied and pinned by sha256)", "use it",
        ]
        let lines = zip(steps, comments).map { step, comment in
            "    " + step.padding(toLength: width, withPad: " ", startingAt: 0) + "   # " + comment
        }
        let text = """
            # \(name)

            An etl-host \(kind.rawValue) in \(language.displayName), made by `etl-host plugins new`.
            \(about(sdk: sdk))

            \(lines.joined(separator: "\n"))

            How plugins work (entry point, ownership, errors, types, state): \
            docs/WRITING_PLUGINS.md in etl-host.

            """
        return File(path: "README.md", contents: text, summary: "these steps")
    }

    /// The README's paragraph on what the project builds against.
    private func about(sdk: PluginSDK) -> String {
        switch language {
        case .c:
            "include/ holds a copy of the contract (etl_plugin.h, ABI \(abi(sdk))) and of its header-only helpers "
                + "(etl_batch.h builds batches, etl_config.h reads the config, etl_reader.h reads batches)."
        case .swift:
            "It depends on ETLPluginKit from the etl-host checkout at \(sdk.checkout ?? "?"). Build it with the "
                + "Swift toolchain of the etl-host that loads it."
        case .rust:
            "The plugin is src/lib.rs. src/etl_ffi.rs mirrors the contract (etl_plugin.h, ABI \(TemplateFolder.rustABI)); "
                + (kind == .extractor ? "etl_sdk.rs, etl_batch.rs and etl_extractor.rs" : "etl_sdk.rs, etl_reader.rs and etl_warehouse.rs")
                + " are a safe layer over it. make builds it with plain rustc: no cargo, no crates."
        }
    }

    /// Fills a template's placeholders.
    private func fill(_ template: String, sdk: PluginSDK) -> String {
        let checkout = sdk.checkout ?? ""
        let replacements: [(String, String)] = [
            ("__NAME__", name), ("__IDENT__", identifier), ("__TYPE__", typeName), ("__TARGET__", targetName),
            ("__KIND__", kind.rawValue), ("__ABI__", abi(sdk)), ("__SDK__", checkout),
            ("__PACKAGE__", (checkout as NSString).lastPathComponent.lowercased()),
        ]
        return replacements.reduce(template) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }

    /// The ABI version of the SDK's etl_plugin.h, e.g. "1.1".
    private func abi(_ sdk: PluginSDK) -> String {
        let path = (sdk.includeDirectory as NSString).appendingPathComponent("etl_plugin.h")
        let text = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        func value(_ macro: String) -> String? {
            text.split(separator: "\n").lazy.compactMap { line -> String? in
                let words = line.split(separator: " ")
                return words.count == 3 && words[0] == "#define" && words[1] == macro ? String(words[2]) : nil
            }.first
        }
        guard let major = value("ETL_ABI_VERSION_MAJOR"), let minor = value("ETL_ABI_VERSION_MINOR") else { return "?" }
        return "\(major).\(minor)"
    }

    /// `word` quoted for a POSIX shell when it needs to be.
    private func shellWord(_ word: String) -> String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./+=:@%,")
        if !word.isEmpty, word.allSatisfy({ plain.contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
