/// An open extractor.
final class ExtractorInstance: PluginInstance {
    let extractor: any Extractor

    init(extractor: any Extractor, host: HostContext) {
        self.extractor = extractor
        super.init(host: host)
    }

    override func check() throws { try extractor.check() }

    override func cancelHook() { extractor.cancel() }
}
