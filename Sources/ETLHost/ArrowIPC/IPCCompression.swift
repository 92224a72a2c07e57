import CLZ4
import CZstd
#if canImport(Glibc)
import Glibc
#endif

/// How the buffers of an Arrow IPC record batch are compressed
/// (`BodyCompression` in Message.fbs: one codec for every buffer).
///
/// Each compressed buffer starts with its uncompressed length as a
/// little-endian int64, or -1 when the bytes that follow are stored as
/// they are because compressing them did not make them smaller. An empty
/// buffer stays empty (no prefix).
public enum IPCCompression: String, Sendable, CaseIterable, CustomStringConvertible {
    /// No compression (no `BodyCompression` in the messages).
    case none
    /// An LZ4 frame per buffer (`CompressionType.LZ4_FRAME`).
    case lz4
    /// A Zstandard frame per buffer, level 1 (`CompressionType.ZSTD`).
    case zstd

    /// What snapshots use unless told otherwise: zstd level 1 (measured on
    /// 1M rows of bench/generate.py output; see docs/SNAPSHOTS.md).
    public static let `default`: IPCCompression = .zstd

    /// The `CompressionType` value of Message.fbs, `nil` for none.
    var codecID: Int8? {
        switch self {
        case .none: nil
        case .lz4: 0
        case .zstd: 1
        }
    }

    /// The codec for a `CompressionType` value read from a file.
    init?(codecID: Int8) {
        switch codecID {
        case 0: self = .lz4
        case 1: self = .zstd
        default: return nil
        }
    }

    /// The name, e.g. `zstd`.
    public var description: String { rawValue }
}

/// Compresses and decompresses single buffers with one codec; keeps its
/// contexts between calls. Not thread-safe: one per writer or reader.
final class IPCCodec {
    let compression: IPCCompression
    private var zstdCompress: OpaquePointer?
    private var zstdDecompress: OpaquePointer?
    private var lz4Decompress: OpaquePointer?

    init(_ compression: IPCCompression) {
        self.compression = compression
    }

    deinit {
        if let zstdCompress { ZSTD_freeCCtx(zstdCompress) }
        if let zstdDecompress { ZSTD_freeDCtx(zstdDecompress) }
        if let lz4Decompress { LZ4F_freeDecompressionContext(lz4Decompress) }
    }

    /// The largest output ``compress(_:into:)`` may need for `count` bytes.
    func bound(_ count: Int) -> Int {
        switch compression {
        case .none: count
        case .lz4: LZ4F_compressFrameBound(count, nil)
        case .zstd: ZSTD_compressBound(count)
        }
    }

    /// Compresses `source` into `destination` (at least ``bound(_:)``
    /// bytes); returns the compressed size.
    func compress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawPointer, capacity: Int) throws -> Int {
        switch compression {
        case .none:
            destination.copyMemory(from: source.baseAddress!, byteCount: source.count)
            return source.count
        case .lz4:
            var preferences = LZ4F_preferences_t()
            preferences.frameInfo.contentSize = UInt64(source.count)
            let size = LZ4F_compressFrame(destination, capacity, source.baseAddress, source.count, &preferences)
            guard LZ4F_isError(size) == 0 else {
                throw ArrowIPCError("LZ4 compression failed: \(String(cString: LZ4F_getErrorName(size)))")
            }
            return size
        case .zstd:
            if zstdCompress == nil { zstdCompress = ZSTD_createCCtx() }
            let size = ZSTD_compressCCtx(zstdCompress, destination, capacity, source.baseAddress, source.count, 1)
            guard ZSTD_isError(size) == 0 else {
                throw ArrowIPCError("zstd compression failed: \(String(cString: ZSTD_getErrorName(size)))")
            }
            return size
        }
    }

    /// Decompresses `source` into exactly `count` bytes at `destination`.
    ///
    /// - Throws: ``ArrowIPCError`` when the data is damaged or does not
    ///   decompress to `count` bytes.
    func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawPointer, count: Int) throws {
        switch compression {
        case .none:
            guard source.count == count else { throw ArrowIPCError("a stored buffer has \(source.count) bytes, expected \(count)") }
            destination.copyMemory(from: source.baseAddress!, byteCount: count)
        case .lz4:
            if lz4Decompress == nil {
                var context: OpaquePointer?
                let status = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
                guard LZ4F_isError(status) == 0, let context else { throw ArrowIPCError("cannot create an LZ4 decompression context") }
                lz4Decompress = context
            }
            LZ4F_resetDecompressionContext(lz4Decompress)
            var written = 0
            var read = 0
            while true {
                var outSize = count - written
                var inSize = source.count - read
                let hint = LZ4F_decompress(lz4Decompress, destination + written, &outSize,
                                           source.baseAddress! + read, &inSize, nil)
                guard LZ4F_isError(hint) == 0 else {
                    throw ArrowIPCError("an LZ4 buffer is damaged: \(String(cString: LZ4F_getErrorName(hint)))")
                }
                written += outSize
                read += inSize
                if hint == 0 { break }
                guard inSize > 0 || outSize > 0, read < source.count || written < count else {
                    throw ArrowIPCError("an LZ4 buffer is truncated")
                }
            }
            guard written == count else { throw ArrowIPCError("an LZ4 buffer holds \(written) bytes, its prefix says \(count)") }
        case .zstd:
            if zstdDecompress == nil { zstdDecompress = ZSTD_createDCtx() }
            let size = ZSTD_decompressDCtx(zstdDecompress, destination, count, source.baseAddress, source.count)
            guard ZSTD_isError(size) == 0 else {
                throw ArrowIPCError("a zstd buffer is damaged: \(String(cString: ZSTD_getErrorName(size)))")
            }
            guard size == count else { throw ArrowIPCError("a zstd buffer holds \(size) bytes, its prefix says \(count)") }
        }
    }
}
