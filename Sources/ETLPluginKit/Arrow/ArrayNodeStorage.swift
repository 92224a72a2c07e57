#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What one exported `ArrowArray` node owns; its `private_data`.
///
/// The buffers are `malloc`'d and freed here. A parent also owns its
/// children pointer array and the child structs (but not the children's
/// storage, which their own release callbacks free), so a consumer may move
/// a child out and release it independently of the parent.
final class ArrayNodeStorage {
    let buffers: UnsafeMutablePointer<UnsafeRawPointer?>
    let bufferCount: Int
    let children: UnsafeMutablePointer<UnsafeMutablePointer<ArrowArray>?>?
    let childCount: Int

    init(buffers: [UnsafeMutableRawPointer?],
         children: UnsafeMutablePointer<UnsafeMutablePointer<ArrowArray>?>? = nil, childCount: Int = 0) {
        self.bufferCount = buffers.count
        self.buffers = .allocate(capacity: max(1, buffers.count))
        self.buffers[0] = nil
        for (index, buffer) in buffers.enumerated() {
            self.buffers[index] = buffer.map { UnsafeRawPointer($0) }
        }
        self.children = children
        self.childCount = childCount
    }

    /// A C node of `length` values pointing at this storage, which it
    /// retains.
    func makeNode(length: Int, nullCount: Int) -> ArrowArray {
        ArrowArray(
            length: Int64(length), null_count: Int64(nullCount), offset: 0,
            n_buffers: Int64(bufferCount), n_children: Int64(childCount),
            buffers: buffers, children: children, dictionary: nil,
            release: releaseArrayNode,
            private_data: Unmanaged.passRetained(self).toOpaque())
    }

    deinit {
        for index in 0..<bufferCount {
            free(UnsafeMutableRawPointer(mutating: buffers[index]))
        }
        buffers.deallocate()
        if let children {
            for index in 0..<childCount {
                children[index]?.deallocate()
            }
            children.deallocate()
        }
    }
}

/// The `release` of every array node the kit exports: releases the children
/// that were not moved out, then the node's storage, then marks the node
/// released (`release = NULL`), as the C Data Interface requires.
let releaseArrayNode: @convention(c) (UnsafeMutablePointer<ArrowArray>?) -> Void = { array in
    guard let array, array.pointee.release != nil else { return }
    if let children = array.pointee.children {
        for index in 0..<Int(array.pointee.n_children) {
            if let child = children[index], let release = child.pointee.release {
                release(child)
            }
        }
    }
    if let storage = array.pointee.private_data {
        Unmanaged<ArrayNodeStorage>.fromOpaque(storage).release()
    }
    array.pointee.release = nil
    array.pointee.private_data = nil
}
