import ETLHTTPShared
import ETLPluginKit

/// The batches of a child resource (`/posts/{posts.id}/comments`): the
/// parent resource is read first (all its pages) for the values of the
/// placeholder's field; then the child is read once per value, every
/// record carrying that value as `_<parent>_<field>` (`_posts_id`). An
/// incremental child keeps the largest cursor of each parent value's
/// complete read (``cursors``), for a state per parent.
final class ChildResourceReader: BatchSource {
    let schema = ArrowBatchSchema([ArrowField(ResourceReader.recordColumn, .utf8, annotation: .record, nullable: false)])

    private let resource: RestResource
    private let parentReference: RestResource.ParentReference
    private let makeReader: (_ path: String, _ prefix: [UInt8], _ parentValue: String) throws(PluginError) -> ResourceReader
    private let parentReader: ResourceReader
    private var parentValues: [[UInt8]]?
    private var nextParent = 0
    private var current: (reader: ResourceReader, parentValue: String)?
    /// The largest cursor read for each parent value (its text, as in the
    /// path) whose child read ended and had a cursor.
    private(set) var cursors: [String: String] = [:]
    /// Whether every parent's children were read to the end.
    private(set) var completed = false

    /// - Parameter makeReader: a reader of `resource` on a filled-in path with a record prefix, for the
    ///   parent value given as text.
    init(resource: RestResource, parent: ResourceReader,
         makeReader: @escaping (_ path: String, _ prefix: [UInt8], _ parentValue: String) throws(PluginError) -> ResourceReader) {
        self.resource = resource
        parentReference = resource.parent!
        parentReader = parent
        parentReader.collectField = parentReference.field
        self.makeReader = makeReader
    }

    func nextBatch(into builder: ArrowBatchBuilder) throws -> Bool {
        if parentValues == nil {
            let scratch = try ArrowBatchBuilder(schema: parentReader.schema)
            while try parentReader.nextBatch(into: scratch) { scratch.reset() }
            parentValues = parentReader.collected
        }
        while true {
            if let current {
                if try current.reader.nextBatch(into: builder) { return true }
                if let cursor = current.reader.largestCursor { cursors[current.parentValue] = cursor.text }
                self.current = nil
            }
            guard let values = parentValues, nextParent < values.count else {
                completed = true
                return false
            }
            let raw = values[nextParent]
            nextParent += 1
            let text = Self.pathText(raw)
            let path = resource.path.replacingPlaceholder(parentReference.placeholder, with: URLEncoding.component(text))
            var prefix: [UInt8] = []
            prefix.append(contentsOf: JSONStringWriter.quoted(parentReference.column).utf8)
            prefix.append(UInt8(ascii: ":"))
            prefix.append(contentsOf: raw)
            prefix.append(UInt8(ascii: ","))
            current = (try makeReader(path, prefix, text), text)
        }
    }

    /// A string's content (its JSON quotes and simple escapes removed) or a number's text.
    private static func pathText(_ raw: [UInt8]) -> String {
        guard raw.first == UInt8(ascii: "\""), raw.count >= 2 else { return String(decoding: raw, as: UTF8.self) }
        let value = try? JSONValue(parsing: String(decoding: raw, as: UTF8.self))
        return value?.stringValue ?? String(decoding: raw.dropFirst().dropLast(), as: UTF8.self)
    }
}

extension String {
    /// The text with the first `placeholder` replaced by `value`.
    fileprivate func replacingPlaceholder(_ placeholder: String, with value: String) -> String {
        let characters = Array(self)
        let target = Array(placeholder)
        var index = 0
        while index + target.count <= characters.count {
            if Array(characters[index..<index + target.count]) == target {
                return String(characters[..<index]) + value + String(characters[(index + target.count)...])
            }
            index += 1
        }
        return self
    }
}
