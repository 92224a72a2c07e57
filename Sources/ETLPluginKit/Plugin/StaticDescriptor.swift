/// A filled descriptor whose pointers are all static: safe to share.
struct StaticDescriptor: @unchecked Sendable {
    // @unchecked: etl_plugin holds raw pointers, all to static data, and is never mutated.
    let plugin: etl_plugin
}
