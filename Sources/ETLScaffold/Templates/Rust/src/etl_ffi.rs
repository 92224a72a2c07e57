//! The C contract (etl_plugin.h), declared for Rust: `#[repr(C)]` mirrors
//! of its structs and its constants, for extractors and warehouses alike.
//! Made by `etl-host plugins new`; you should not need to edit it (your
//! plugin is in lib.rs, the safe layer in etl_sdk.rs and the files beside
//! it).
//!
//! Targets ABI 1.1. Later minor versions only append fields at the end of
//! these structs, and every struct starts with `struct_size`, so a plugin
//! built against 1.1 keeps loading in a host of any 1.x: it reads and writes
//! a host struct's field only when `has_field` says the struct holds it.

#![allow(non_camel_case_types, dead_code)]

use std::ffi::{c_char, c_int, c_void};

/// A status code of the contract (`etl_status`). Unknown codes mean
/// ETL_ERR_UNKNOWN.
pub type etl_status = i32;

pub const ETL_OK: etl_status = 0;
pub const ETL_ERR_UNKNOWN: etl_status = 1;
pub const ETL_ERR_INVALID_ARGUMENT: etl_status = 2;
pub const ETL_ERR_NOT_FOUND: etl_status = 3;
pub const ETL_ERR_IO: etl_status = 4;
pub const ETL_ERR_UNAUTHENTICATED: etl_status = 5;
pub const ETL_ERR_PERMISSION_DENIED: etl_status = 6;
pub const ETL_ERR_CANCELLED: etl_status = 7;
pub const ETL_ERR_NOT_IMPLEMENTED: etl_status = 8;
pub const ETL_ERR_ABI_MISMATCH: etl_status = 9;
pub const ETL_ERR_DATA: etl_status = 10;
pub const ETL_ERR_RATE_LIMITED: etl_status = 11;
pub const ETL_ERR_TIMEOUT: etl_status = 12;
pub const ETL_ERR_INTERNAL: etl_status = 13;
pub const ETL_ERR_RESOURCE_EXHAUSTED: etl_status = 14;

/// The ABI this project is written against: 1.1.
pub const ETL_ABI_VERSION_MAJOR: u32 = 1;
pub const ETL_ABI_VERSION_MINOR: u32 = 1;
pub const ETL_ABI_VERSION: u32 = (ETL_ABI_VERSION_MAJOR << 16) | ETL_ABI_VERSION_MINOR;

/// `etl_plugin.kind`.
pub const ETL_KIND_EXTRACTOR: i32 = 1;
pub const ETL_KIND_WAREHOUSE: i32 = 2;

/// `etl_plugin.capabilities` bits.
pub const ETL_CAP_INCREMENTAL: u64 = 1 << 0;
pub const ETL_CAP_SCHEMA_HINTS: u64 = 1 << 1;
pub const ETL_CAP_PARALLEL_STREAMS: u64 = 1 << 2;
pub const ETL_CAP_KEY_LISTING: u64 = 1 << 3;
pub const ETL_CAP_MODE_REPLACE: u64 = 1 << 8;
pub const ETL_CAP_MODE_APPEND: u64 = 1 << 9;
pub const ETL_CAP_MODE_UPSERT: u64 = 1 << 10;
pub const ETL_CAP_TRANSACTIONAL_STATE: u64 = 1 << 11;
pub const ETL_CAP_DELETIONS: u64 = 1 << 12;

/// `etl_table_request.mode`.
pub const ETL_MODE_REPLACE: i32 = 1;
pub const ETL_MODE_APPEND: i32 = 2;
pub const ETL_MODE_UPSERT: i32 = 3;

/// `etl_host_api.log` levels.
pub const ETL_LOG_DEBUG: i32 = 1;
pub const ETL_LOG_INFO: i32 = 2;
pub const ETL_LOG_WARN: i32 = 3;
pub const ETL_LOG_ERROR: i32 = 4;

/// errno values `get_next` returns (Linux): EIO any failure, ENOMEM out of
/// memory, EBADMSG bad data (sync exits 65), ECANCELED cancelled.
pub const EIO: c_int = 5;
pub const ENOMEM: c_int = 12;
pub const EBADMSG: c_int = 74;
pub const ECANCELED: c_int = 125;

/// ArrowSchema.flags: the field may hold nulls.
pub const ARROW_FLAG_NULLABLE: i64 = 2;

/// The Arrow C Data Interface schema.
#[repr(C)]
pub struct ArrowSchema {
    pub format: *const c_char,
    pub name: *const c_char,
    pub metadata: *const c_char,
    pub flags: i64,
    pub n_children: i64,
    pub children: *mut *mut ArrowSchema,
    pub dictionary: *mut ArrowSchema,
    pub release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    pub private_data: *mut c_void,
}

/// The Arrow C Data Interface array.
#[repr(C)]
pub struct ArrowArray {
    pub length: i64,
    pub null_count: i64,
    pub offset: i64,
    pub n_buffers: i64,
    pub n_children: i64,
    pub buffers: *mut *const c_void,
    pub children: *mut *mut ArrowArray,
    pub dictionary: *mut ArrowArray,
    pub release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    pub private_data: *mut c_void,
}

/// The Arrow C Stream Interface.
#[repr(C)]
pub struct ArrowArrayStream {
    pub get_schema: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowSchema) -> c_int>,
    pub get_next: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowArray) -> c_int>,
    pub get_last_error: Option<unsafe extern "C" fn(*mut ArrowArrayStream) -> *const c_char>,
    pub release: Option<unsafe extern "C" fn(*mut ArrowArrayStream)>,
    pub private_data: *mut c_void,
}

/// An error the plugin fills (allocated by the host, which calls `release`).
#[repr(C)]
pub struct etl_error {
    pub struct_size: u32,
    pub code: etl_status,
    pub message: *mut c_char,
    pub retryable: i32,
    pub release: Option<unsafe extern "C" fn(*mut etl_error)>,
    pub private_data: *mut c_void,
}

/// Bytes the plugin hands the host (a catalog, a checkpoint).
#[repr(C)]
pub struct etl_buffer {
    pub struct_size: u32,
    pub data: *const c_char,
    pub length: i64,
    pub release: Option<unsafe extern "C" fn(*mut etl_buffer)>,
    pub private_data: *mut c_void,
}

/// The host's opaque context, passed back to its callbacks.
pub enum etl_host_context {}
/// The plugin's opaque instance.
pub enum etl_instance {}
/// A warehouse's opaque writer (one table being written).
pub enum etl_writer {}

/// The host's services.
#[repr(C)]
pub struct etl_host_api {
    pub struct_size: u32,
    pub abi_version: u32,
    pub log: Option<unsafe extern "C" fn(*mut etl_host_context, i32, *const c_char)>,
    pub progress: Option<unsafe extern "C" fn(*mut etl_host_context, *const c_char, i64, i64)>,
    pub is_cancelled: Option<unsafe extern "C" fn(*mut etl_host_context) -> i32>,
    pub reject: Option<
        unsafe extern "C" fn(*mut etl_host_context, *const c_char, *const c_char, *const c_char, usize, *const c_char) -> i32,
    >,
}

/// What `open` gets.
#[repr(C)]
pub struct etl_open_request {
    pub struct_size: u32,
    pub config_json: *const c_char,
    pub host_context: *mut etl_host_context,
}

/// What `read` gets.
#[repr(C)]
pub struct etl_read_request {
    pub struct_size: u32,
    pub stream: *const c_char,
    pub state_json: *const c_char,
    /// Since 1.1; only sent to plugins with ETL_CAP_KEY_LISTING.
    pub keys_only: i32,
}

/// The extractor operations.
#[repr(C)]
pub struct etl_extractor_ops {
    pub struct_size: u32,
    pub discover: Option<unsafe extern "C" fn(*mut etl_instance, *mut etl_buffer, *mut etl_error) -> etl_status>,
    pub read: Option<
        unsafe extern "C" fn(*mut etl_instance, *const etl_read_request, *mut ArrowArrayStream, *mut etl_error) -> etl_status,
    >,
    pub checkpoint:
        Option<unsafe extern "C" fn(*mut etl_instance, *const c_char, *mut etl_buffer, *mut etl_error) -> etl_status>,
}

/// What a warehouse's `begin` gets.
#[repr(C)]
pub struct etl_table_request {
    pub struct_size: u32,
    pub table: *const c_char,
    pub schema: *const ArrowSchema,
    pub mode: i32,
    pub key_column_count: i32,
    pub key_columns: *const *const c_char,
    pub run_id: *const c_char,
    /// Since 1.1; non-zero only for warehouses with ETL_CAP_DELETIONS.
    pub deletions: i32,
}

/// What a warehouse's `commit` gets.
#[repr(C)]
pub struct etl_commit_request {
    pub struct_size: u32,
    pub state_key: *const c_char,
    pub state_json: *const c_char,
    pub run_json: *const c_char,
    pub schema_json: *const c_char,
}

/// The warehouse operations (through 1.1's `write_present_keys`).
#[repr(C)]
pub struct etl_warehouse_ops {
    pub struct_size: u32,
    pub begin: Option<
        unsafe extern "C" fn(*mut etl_instance, *const etl_table_request, *mut *mut etl_writer, *mut etl_error) -> etl_status,
    >,
    pub write: Option<unsafe extern "C" fn(*mut etl_writer, *mut ArrowArray, *mut etl_error) -> etl_status>,
    pub commit: Option<unsafe extern "C" fn(*mut etl_writer, *const etl_commit_request, *mut etl_error) -> etl_status>,
    pub rollback: Option<unsafe extern "C" fn(*mut etl_writer)>,
    pub state_get:
        Option<unsafe extern "C" fn(*mut etl_instance, *const c_char, *mut etl_buffer, *mut etl_error) -> etl_status>,
    pub table_schema:
        Option<unsafe extern "C" fn(*mut etl_instance, *const c_char, *mut ArrowSchema, *mut etl_error) -> etl_status>,
    pub schema_get:
        Option<unsafe extern "C" fn(*mut etl_instance, *const c_char, *mut etl_buffer, *mut etl_error) -> etl_status>,
    pub write_present_keys: Option<unsafe extern "C" fn(*mut etl_writer, *mut ArrowArray, *mut etl_error) -> etl_status>,
}

/// The descriptor `etl_plugin_init` fills.
#[repr(C)]
pub struct etl_plugin {
    pub struct_size: u32,
    pub abi_version: u32,
    pub kind: i32,
    pub reserved0: i32,
    pub name: *const c_char,
    pub version: *const c_char,
    pub description: *const c_char,
    pub language: *const c_char,
    pub toolchain: *const c_char,
    pub config_schema: *const c_char,
    pub capabilities: u64,
    pub open:
        Option<unsafe extern "C" fn(*const etl_open_request, *mut *mut etl_instance, *mut etl_error) -> etl_status>,
    pub check: Option<unsafe extern "C" fn(*mut etl_instance, *mut etl_error) -> etl_status>,
    pub cancel: Option<unsafe extern "C" fn(*mut etl_instance)>,
    pub close: Option<unsafe extern "C" fn(*mut etl_instance)>,
    pub extractor: *const etl_extractor_ops,
    pub warehouse: *const etl_warehouse_ops,
}

/// ETL_HAS_FIELD: whether a struct of `struct_size` bytes (as its allocator
/// declared) holds the field at `offset` of `size` bytes.
pub fn has_field(struct_size: u32, offset: usize, size: usize) -> bool {
    struct_size as usize >= offset + size
}
