/// An open warehouse.
final class WarehouseInstance: PluginInstance {
    let warehouse: any Warehouse
    let capabilities: PluginCapabilities
    /// Writers begun on this instance and not yet committed or rolled
    /// back; SQL operations are refused while there is one.
    var openWriters = 0

    init(warehouse: any Warehouse, capabilities: PluginCapabilities, host: HostContext) {
        self.warehouse = warehouse
        self.capabilities = capabilities
        super.init(host: host)
    }

    override func check() throws { try warehouse.check() }

    override func cancelHook() { warehouse.cancel() }
}
