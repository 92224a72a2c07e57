/// The object behind an `etl_writer*`: freed by a successful commit or by
/// rollback. It keeps its instance alive.
final class WriterBox {
    let writer: any TableWriter
    let request: TableRequest
    let instance: WarehouseInstance

    init(writer: any TableWriter, request: TableRequest, instance: WarehouseInstance) {
        self.writer = writer
        self.request = request
        self.instance = instance
        instance.openWriters += 1
    }

    deinit { instance.openWriters -= 1 }

    static func from(_ handle: OpaquePointer?) -> WriterBox? {
        guard let handle else { return nil }
        return Unmanaged<WriterBox>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }

    static func release(_ handle: OpaquePointer) {
        Unmanaged<WriterBox>.fromOpaque(UnsafeRawPointer(handle)).release()
    }
}
