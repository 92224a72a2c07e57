/// Where a ``CSVReader`` gets its bytes from.
public protocol CSVInput: AnyObject {
    /// Reads up to `buffer.count` bytes into `buffer` and returns how many;
    /// 0 means the end of the input.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(PluginError) -> Int
}
