/// A filled descriptor whose pointers are all static: safe to share.
struct StaticDescriptor: @unchecked Sendable {
    let plugin: etl_plugin
}
