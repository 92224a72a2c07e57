import ETLHost
import Foundation

/// Which addresses of this process are readable, from `/proc/self/maps`:
/// lets the Arrow audit find out whether a buffer an offset points into
/// exists before touching it, so that an offset far past its data is
/// reported instead of crashing the worker.
///
/// What it cannot tell: how much of a readable region a buffer was
/// allocated. An offset a few bytes past its data usually lands in other
/// memory of the same heap and is not detected (the C Data Interface does
/// not carry buffer sizes).
struct MemoryMap {
    private struct Region {
        var start: UInt
        var end: UInt
    }

    private var regions: [Region] = []

    init() { reload() }

    /// Reads the readable regions again (memory is mapped as the plugin runs).
    mutating func reload() {
        guard let text = Self.readMaps() else {
            regions = []
            return
        }
        var found: [Region] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 2)
            guard fields.count >= 2, fields[1].first == "r" else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16)
            else { continue }
            if let last = found.last, last.end == start {
                found[found.count - 1].end = end
            } else {
                found.append(Region(start: start, end: end))
            }
        }
        regions = found
    }

    /// The whole of `/proc/self/maps` (its size is 0 to stat, so it is read
    /// to the end in a loop).
    private static func readMaps() -> String? {
        let descriptor = open("/proc/self/maps", O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0 ..< count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// How many of the `count` bytes from `address` are readable (a prefix).
    mutating func readableCount(from address: UnsafeRawPointer?, count: Int) -> Int {
        guard let address, count > 0 else { return 0 }
        let found = lookup(UInt(bitPattern: address), count: count)
        if found >= count { return found }
        reload()
        return lookup(UInt(bitPattern: address), count: count)
    }

    /// Whether all `count` bytes from `address` are readable.
    mutating func isReadable(_ address: UnsafeRawPointer?, count: Int) -> Bool {
        count <= 0 || readableCount(from: address, count: count) >= count
    }

    private func lookup(_ start: UInt, count: Int) -> Int {
        guard let region = regions.first(where: { $0.start <= start && start < $0.end }) else { return 0 }
        let available = region.end - start
        return available >= UInt(count) ? count : Int(available)
    }
}
