import CETLPlugin
import ETLHost
import Foundation

/// The release callback of an `ArrowArray`.
typealias ArrayRelease = @convention(c) (UnsafeMutablePointer<ArrowArray>?) -> Void
/// The release callback of an `ArrowSchema`.
typealias SchemaRelease = @convention(c) (UnsafeMutablePointer<ArrowSchema>?) -> Void

/// Counts the release calls of the Arrow structs a plugin hands the host,
/// below the one the host releases itself: the columns of a batch and the
/// fields of a schema.
///
/// ``interposeChildren(of:label:columnNames:memory:)`` swaps each child's
/// `release` for a counting trampoline that calls the original once. A
/// second call is counted and not forwarded (so a double release is
/// reported, not a crash). After the host released the parent,
/// ``settle(_:)`` reports each child released zero times (the parent's
/// release must release its children), more than once, or whose release
/// did not mark it released (`release = NULL`).
///
/// Entries are keyed by the child's address: the host never moves a child,
/// and ``settle(_:)`` forgets them before the plugin may reuse the memory.
final class ReleaseLedger: @unchecked Sendable {
    // @unchecked: `entries` and `strays` are guarded by `lock`.
    /// The one ledger of the process (the trampolines are C functions).
    static let shared = ReleaseLedger()

    private struct Entry {
        var label: String
        var array: ArrayRelease?
        var schema: SchemaRelease?
        var calls = 0
        var marked: Bool?
    }

    private let lock = NSLock()
    private var entries: [UInt: Entry] = [:]
    private var strays = 0

    /// Interposes on every child (and grandchild, and dictionary) of a batch.
    ///
    /// - Returns: the keys to settle once the batch is released.
    func interposeChildren(of array: UnsafeMutablePointer<ArrowArray>, label: String, columnNames: [String],
                           memory: inout MemoryMap) -> [UInt] {
        var keys: [UInt] = []
        interpose(array, label: label, names: columnNames, depth: 0, memory: &memory, keys: &keys)
        return keys
    }

    private func interpose(_ array: UnsafeMutablePointer<ArrowArray>, label: String, names: [String], depth: Int,
                           memory: inout MemoryMap, keys: inout [UInt]) {
        let node = array.pointee
        guard depth < 4 else { return }
        var children: [(UnsafeMutablePointer<ArrowArray>, String)] = []
        let count = Int(clamping: node.n_children)
        if count > 0, count <= 100_000, memory.isReadable(node.children, count: count * 8) {
            for index in 0 ..< count {
                guard let child = node.children[index], memory.isReadable(child, count: MemoryLayout<ArrowArray>.size)
                else { continue }
                let name = depth == 0 && index < names.count ? " (\"\(names[index])\")" : ""
                let prefix = label.isEmpty ? "" : "\(label), "
                children.append((child, "\(prefix)\(depth == 0 ? "column" : "child") \(index + 1)\(name)"))
            }
        }
        if let dictionary = node.dictionary, memory.isReadable(dictionary, count: MemoryLayout<ArrowArray>.size) {
            children.append((dictionary, label.isEmpty ? "dictionary" : "\(label), dictionary"))
        }
        for (child, childLabel) in children where child.pointee.release != nil {
            let key = UInt(bitPattern: child)
            lock.withLock { entries[key] = Entry(label: childLabel, array: child.pointee.release) }
            child.pointee.release = countingArrayRelease
            keys.append(key)
            interpose(child, label: childLabel, names: [], depth: depth + 1, memory: &memory, keys: &keys)
        }
    }

    /// Interposes on every field of a schema.
    func interposeChildren(of schema: UnsafeMutablePointer<ArrowSchema>, label: String,
                           memory: inout MemoryMap) -> [UInt] {
        var keys: [UInt] = []
        let node = schema.pointee
        let count = Int(clamping: node.n_children)
        guard count > 0, count <= 100_000, memory.isReadable(node.children, count: count * 8) else { return keys }
        for index in 0 ..< count {
            guard let child = node.children[index], memory.isReadable(child, count: MemoryLayout<ArrowSchema>.size),
                  child.pointee.release != nil
            else { continue }
            let key = UInt(bitPattern: child)
            lock.withLock {
                entries[key] = Entry(label: "\(label), field \(index + 1)", schema: child.pointee.release)
            }
            child.pointee.release = countingSchemaRelease
            keys.append(key)
        }
        return keys
    }

    /// The problems of the children behind `keys`, now that their parent
    /// was released; forgets them.
    func settle(_ keys: [UInt]) -> [String] {
        lock.withLock {
            var problems: [String] = []
            for key in keys {
                guard let entry = entries.removeValue(forKey: key) else { continue }
                if entry.calls == 0 {
                    problems.append("\(entry.label): its release was never called after its parent was released "
                        + "(a parent's release must release every child it still holds)")
                } else if entry.calls > 1 {
                    problems.append("\(entry.label): released \(entry.calls) times (a double release)")
                } else if entry.marked == false {
                    problems.append("\(entry.label): its release did not mark it released (set release to NULL)")
                }
            }
            if strays > 0 {
                problems.append("a release callback was called \(strays) more time(s) on a struct the suite no longer tracks")
                strays = 0
            }
            return problems
        }
    }

    fileprivate func released(array: UnsafeMutablePointer<ArrowArray>) {
        let key = UInt(bitPattern: array)
        let original: ArrayRelease? = lock.withLock {
            guard var entry = entries[key] else {
                strays += 1
                return nil
            }
            entry.calls += 1
            entries[key] = entry
            return entry.calls == 1 ? entry.array : nil
        }
        guard let original else { return }
        original(array)
        let marked = array.pointee.release == nil
        lock.withLock { entries[key]?.marked = marked }
    }

    fileprivate func released(schema: UnsafeMutablePointer<ArrowSchema>) {
        let key = UInt(bitPattern: schema)
        let original: SchemaRelease? = lock.withLock {
            guard var entry = entries[key] else {
                strays += 1
                return nil
            }
            entry.calls += 1
            entries[key] = entry
            return entry.calls == 1 ? entry.schema : nil
        }
        guard let original else { return }
        original(schema)
        let marked = schema.pointee.release == nil
        lock.withLock { entries[key]?.marked = marked }
    }
}

private let countingArrayRelease: ArrayRelease = { array in
    guard let array else { return }
    ReleaseLedger.shared.released(array: array)
}

private let countingSchemaRelease: SchemaRelease = { schema in
    guard let schema else { return }
    ReleaseLedger.shared.released(schema: schema)
}

/// Counts the release calls of the batches the host hands a warehouse's
/// write(), which takes ownership of them: each must be released exactly
/// once, by the end of commit or rollback at the latest.
///
/// Every node of a tracked batch gets a counting trampoline as `release`
/// and a token as `private_data` (restored before the original release
/// runs), so calls are counted wherever the plugin moved the struct to,
/// and a release through a second copy of the same struct is a double
/// release the trampoline reports instead of forwarding.
final class HandedBatches: @unchecked Sendable {
    // @unchecked: `nodes`, `nextToken` and `strays` are guarded by `lock`.
    /// The one ledger of the process.
    static let shared = HandedBatches()

    private struct Node {
        var label: String
        var release: ArrayRelease
        var privateData: UnsafeMutableRawPointer?
        var calls = 0
    }

    private let lock = NSLock()
    private var nodes: [UInt: Node] = [:]
    private var nextToken: UInt = 0x1000
    private var strays = 0

    /// Starts counting the releases of `array` and its columns.
    ///
    /// - Returns: the tokens of the batch (first) and its columns.
    func track(_ array: UnsafeMutablePointer<ArrowArray>, label: String, columnNames: [String]) -> [UInt] {
        var tokens = [swap(array, label: label)]
        let count = Int(array.pointee.n_children)
        for index in 0 ..< count {
            guard let child = array.pointee.children[index], child.pointee.release != nil else { continue }
            let name = index < columnNames.count ? " (\"\(columnNames[index])\")" : ""
            tokens.append(swap(child, label: "\(label), column \(index + 1)\(name)"))
        }
        return tokens
    }

    private func swap(_ node: UnsafeMutablePointer<ArrowArray>, label: String) -> UInt {
        lock.withLock {
            nextToken += 16
            let token = nextToken
            nodes[token] = Node(label: label, release: node.pointee.release!, privateData: node.pointee.private_data)
            node.pointee.private_data = UnsafeMutableRawPointer(bitPattern: token)
            node.pointee.release = handedRelease
            return token
        }
    }

    /// How many times the node behind `token` was released.
    func calls(_ token: UInt) -> Int { lock.withLock { nodes[token]?.calls ?? 0 } }

    /// The label of the node behind `token`.
    func label(_ token: UInt) -> String { lock.withLock { nodes[token]?.label ?? "a batch" } }

    /// Problems of `tokens` now that every release should have happened:
    /// never released (a leak) or released more than once.
    func problems(_ tokens: [UInt], when: String) -> [String] {
        lock.withLock {
            var found: [String] = []
            for token in tokens {
                guard let node = nodes[token] else { continue }
                if node.calls == 0 {
                    found.append("\(node.label) was never released \(when) (a leak: write() takes ownership "
                        + "and must call release exactly once)")
                } else if node.calls > 1 {
                    found.append("\(node.label) was released \(node.calls) times (a double release)")
                }
            }
            if strays > 0 {
                found.append("a batch handed to write() was released again after it had been released "
                    + "(\(strays) extra call(s))")
                strays = 0
            }
            return found
        }
    }

    /// Forgets `tokens`.
    func forget(_ tokens: [UInt]) {
        lock.withLock { for token in tokens { nodes.removeValue(forKey: token) } }
    }

    fileprivate func released(_ array: UnsafeMutablePointer<ArrowArray>) {
        let token = UInt(bitPattern: array.pointee.private_data)
        let node: Node? = lock.withLock {
            guard var node = nodes[token] else {
                strays += 1
                return nil
            }
            node.calls += 1
            nodes[token] = node
            return node.calls == 1 ? node : nil
        }
        guard let node else { return }
        array.pointee.private_data = node.privateData
        array.pointee.release = node.release
        node.release(array)
    }
}

private let handedRelease: ArrayRelease = { array in
    guard let array else { return }
    HandedBatches.shared.released(array)
}
