#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What one exported `ArrowSchema` node owns; its `private_data`.
final class SchemaNodeStorage {
    let format: UnsafeMutablePointer<CChar>
    let name: UnsafeMutablePointer<CChar>
    let metadata: UnsafeMutablePointer<CChar>?
    /// The children pointer array and the child structs; the children's own
    /// storage is released by their release callbacks.
    let children: UnsafeMutablePointer<UnsafeMutablePointer<ArrowSchema>?>?
    let childCount: Int

    init(format: String, name: String, metadata: ArrowMetadata,
         children: UnsafeMutablePointer<UnsafeMutablePointer<ArrowSchema>?>?, childCount: Int) {
        self.format = strdup(format)
        self.name = strdup(name)
        self.metadata = metadata.mallocEncoded()
        self.children = children
        self.childCount = childCount
    }

    /// A C node pointing at this storage, which it retains.
    func makeNode(flags: Int64) -> ArrowSchema {
        ArrowSchema(
            format: UnsafePointer(format), name: UnsafePointer(name),
            metadata: metadata.map { UnsafePointer($0) }, flags: flags,
            n_children: Int64(childCount), children: children, dictionary: nil,
            release: releaseSchemaNode,
            private_data: Unmanaged.passRetained(self).toOpaque())
    }

    deinit {
        free(format)
        free(name)
        free(metadata)
        if let children {
            for index in 0..<childCount {
                children[index]?.deallocate()
            }
            children.deallocate()
        }
    }
}

/// The `release` of every exported schema node: releases the children that
/// were not moved out, then the node's storage, then marks it released.
let releaseSchemaNode: @convention(c) (UnsafeMutablePointer<ArrowSchema>?) -> Void = { schema in
    guard let schema, schema.pointee.release != nil else { return }
    if let children = schema.pointee.children {
        for index in 0..<Int(schema.pointee.n_children) {
            if let child = children[index], let release = child.pointee.release {
                release(child)
            }
        }
    }
    if let storage = schema.pointee.private_data {
        Unmanaged<SchemaNodeStorage>.fromOpaque(storage).release()
    }
    schema.pointee.release = nil
    schema.pointee.private_data = nil
}
