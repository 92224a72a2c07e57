//! passwd — an example etl-host extractor in Rust, with no crates.
//!
//! Reads the local user and group databases as two streams:
//!
//!   users   name (utf8), uid (int64), gid (int64), full_name (utf8, the
//!           first comma-separated part of the GECOS field; null when
//!           empty), gecos (utf8), home (utf8), shell (utf8)
//!   groups  name (utf8), gid (int64), members (utf8 marked as JSON: an
//!           array of user names)
//!
//! Config: {"passwd_file": "/etc/passwd", "group_file": "/etc/group"}, both
//! optional (those are the defaults). Empty lines, comments ('#') and NIS
//! compat entries ('+' or '-') are skipped. A malformed line is offered to
//! the host (`--max-bad-rows`) and skipped when it takes it; otherwise the
//! stream fails with ETL_STREAM_ERR_BAD_DATA (EBADMSG), naming the file and line.
//!
//! It declares the C contract of etl_plugin.h itself (`#[repr(C)]` structs,
//! `extern "C"` callbacks), builds Arrow batches by hand, and shows the
//! rules a plugin in a language with its own runtime must keep:
//!
//! - every allocation handed to the host carries a `release` callback that
//!   frees it, exactly once (`CString::into_raw` / `Box::into_raw` here,
//!   `from_raw` in the release);
//! - no panic crosses the boundary: every `extern "C"` function runs its
//!   body under `catch_unwind` and turns a panic into a status and message;
//! - fields of host-allocated structs are read or written only when the
//!   struct's `struct_size` covers them (`has_field`).
//!
//! Build: `make` (plain `rustc --crate-type cdylib`, see the Makefile).

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::mem::{offset_of, size_of};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

// ---------------------------------------------------------------------------
// The C contract (etl_plugin.h), declared for Rust
// ---------------------------------------------------------------------------

type etl_status = i32;

const ETL_OK: etl_status = 0;
const ETL_ERR_INVALID_ARGUMENT: etl_status = 2;
const ETL_ERR_NOT_FOUND: etl_status = 3;
const ETL_ERR_IO: etl_status = 4;
const ETL_ERR_ABI_MISMATCH: etl_status = 9;
const ETL_ERR_INTERNAL: etl_status = 13;

const ETL_ABI_VERSION_MAJOR: u32 = 1;
const ETL_ABI_VERSION_MINOR: u32 = 1;
const ETL_ABI_VERSION: u32 = (ETL_ABI_VERSION_MAJOR << 16) | ETL_ABI_VERSION_MINOR;

const ETL_KIND_EXTRACTOR: i32 = 1;
const ETL_CAP_SCHEMA_HINTS: u64 = 1 << 1;
const ETL_CAP_PARALLEL_STREAMS: u64 = 1 << 2;
const ETL_LOG_INFO: i32 = 2;

// snippet:stream-errno
// The stream errors of etl_plugin.h (ETL_STREAM_ERR_*, see its STREAM
// ERRORS table) are the platform's errno values, which rustc cannot read
// from <errno.h> without a crate: these are Linux's (asm-generic/errno.h),
// named as the header names them, and any other target refuses to build
// rather than send the host a wrong number.
#[cfg(not(target_os = "linux"))]
compile_error!("the ETL_STREAM_ERR_* values below are Linux's errno numbers: add this target's");
/// ETL_STREAM_ERR_IO (EIO): a permanent failure.
const ETL_STREAM_ERR_IO: c_int = 5;
/// ENOMEM: not in the header's table, so the host reads it as ETL_STREAM_ERR_IO.
const ENOMEM: c_int = 12;
/// ETL_STREAM_ERR_BAD_DATA (EBADMSG): malformed source data, exit 65.
const ETL_STREAM_ERR_BAD_DATA: c_int = 74;
/// ETL_STREAM_ERR_CANCELLED (ECANCELED): the read stopped after cancel().
const ETL_STREAM_ERR_CANCELLED: c_int = 125;
// end-snippet

const ARROW_FLAG_NULLABLE: i64 = 2;

#[repr(C)]
pub struct ArrowSchema {
    format: *const c_char,
    name: *const c_char,
    metadata: *const c_char,
    flags: i64,
    n_children: i64,
    children: *mut *mut ArrowSchema,
    dictionary: *mut ArrowSchema,
    release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    private_data: *mut c_void,
}

#[repr(C)]
pub struct ArrowArray {
    length: i64,
    null_count: i64,
    offset: i64,
    n_buffers: i64,
    n_children: i64,
    buffers: *mut *const c_void,
    children: *mut *mut ArrowArray,
    dictionary: *mut ArrowArray,
    release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    private_data: *mut c_void,
}

#[repr(C)]
pub struct ArrowArrayStream {
    get_schema: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowSchema) -> c_int>,
    get_next: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowArray) -> c_int>,
    get_last_error: Option<unsafe extern "C" fn(*mut ArrowArrayStream) -> *const c_char>,
    release: Option<unsafe extern "C" fn(*mut ArrowArrayStream)>,
    private_data: *mut c_void,
}

#[repr(C)]
pub struct etl_error {
    struct_size: u32,
    code: etl_status,
    message: *mut c_char,
    retryable: i32,
    release: Option<unsafe extern "C" fn(*mut etl_error)>,
    private_data: *mut c_void,
}

#[repr(C)]
pub struct etl_buffer {
    struct_size: u32,
    data: *const c_char,
    length: i64,
    release: Option<unsafe extern "C" fn(*mut etl_buffer)>,
    private_data: *mut c_void,
}

#[repr(C)]
pub struct etl_host_api {
    struct_size: u32,
    abi_version: u32,
    log: Option<unsafe extern "C" fn(*mut c_void, i32, *const c_char)>,
    progress: Option<unsafe extern "C" fn(*mut c_void, *const c_char, i64, i64)>,
    is_cancelled: Option<unsafe extern "C" fn(*mut c_void) -> i32>,
    reject: Option<
        unsafe extern "C" fn(*mut c_void, *const c_char, *const c_char, *const c_char, usize, *const c_char) -> i32,
    >,
}

#[repr(C)]
pub struct etl_open_request {
    struct_size: u32,
    config_json: *const c_char,
    host_context: *mut c_void,
}

#[repr(C)]
pub struct etl_read_request {
    struct_size: u32,
    stream: *const c_char,
    state_json: *const c_char,
    keys_only: i32, // since 1.1; only sent with ETL_CAP_KEY_LISTING
}

#[repr(C)]
pub struct etl_extractor_ops {
    struct_size: u32,
    discover: Option<unsafe extern "C" fn(*mut Instance, *mut etl_buffer, *mut etl_error) -> etl_status>,
    read: Option<
        unsafe extern "C" fn(*mut Instance, *const etl_read_request, *mut ArrowArrayStream, *mut etl_error) -> etl_status,
    >,
    checkpoint: Option<unsafe extern "C" fn(*mut Instance, *const c_char, *mut etl_buffer, *mut etl_error) -> etl_status>,
}

#[repr(C)]
pub struct etl_plugin {
    struct_size: u32,
    abi_version: u32,
    kind: i32,
    reserved0: i32,
    name: *const c_char,
    version: *const c_char,
    description: *const c_char,
    language: *const c_char,
    toolchain: *const c_char,
    config_schema: *const c_char,
    capabilities: u64,
    open: Option<unsafe extern "C" fn(*const etl_open_request, *mut *mut Instance, *mut etl_error) -> etl_status>,
    check: Option<unsafe extern "C" fn(*mut Instance, *mut etl_error) -> etl_status>,
    cancel: Option<unsafe extern "C" fn(*mut Instance)>,
    close: Option<unsafe extern "C" fn(*mut Instance)>,
    extractor: *const etl_extractor_ops,
    warehouse: *const c_void,
}

// snippet:has-field
/// ETL_HAS_FIELD: whether a struct of `struct_size` bytes (as its
/// allocator declared) holds the field at `offset` of `size` bytes.
fn has_field(struct_size: u32, offset: usize, size: usize) -> bool {
    struct_size as usize >= offset + size
}
// end-snippet

// ---------------------------------------------------------------------------
// Errors and the host
// ---------------------------------------------------------------------------

/// The host's service table, kept from etl_plugin_init.
static HOST: AtomicPtr<etl_host_api> = AtomicPtr::new(ptr::null_mut());

// snippet:errors
/// Fills the host's `error` with `code` and `message`; returns `code`. The
/// message is a CString the host frees by calling `release_error`.
unsafe fn fail(error: *mut etl_error, code: etl_status, message: &str) -> etl_status {
    if error.is_null() || !has_field((*error).struct_size, offset_of!(etl_error, private_data), size_of::<*mut c_void>()) {
        return code;
    }
    let text = CString::new(message.replace('\0', " ")).unwrap_or_default();
    (*error).code = code;
    (*error).retryable = 0;
    (*error).message = text.into_raw();
    (*error).release = Some(release_error);
    (*error).private_data = ptr::null_mut();
    code
}

unsafe extern "C" fn release_error(error: *mut etl_error) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if !(*error).message.is_null() {
            drop(CString::from_raw((*error).message));
        }
        (*error).message = ptr::null_mut();
        (*error).release = None;
    }));
}

/// Runs `body`, turning a panic into ETL_ERR_INTERNAL: no panic may
/// unwind into the host (it is C, and would abort or worse).
fn guarded(error: *mut etl_error, what: &str, body: impl FnOnce() -> etl_status) -> etl_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(status) => status,
        Err(_) => unsafe { fail(error, ETL_ERR_INTERNAL, &format!("internal error (a panic) in {what}")) },
    }
}
// end-snippet

/// The host table, if the host gave one.
fn host() -> Option<&'static etl_host_api> {
    unsafe { HOST.load(Ordering::Acquire).as_ref() }
}

fn host_log(ctx: *mut c_void, level: i32, message: &str) {
    if let Some(api) = host() {
        if has_field(api.struct_size, offset_of!(etl_host_api, log), size_of::<usize>()) {
            if let (Some(log), Ok(text)) = (api.log, CString::new(message)) {
                unsafe { log(ctx, level, text.as_ptr()) };
            }
        }
    }
}

fn host_progress(ctx: *mut c_void, stream: &CStr, done: i64) {
    if let Some(api) = host() {
        if has_field(api.struct_size, offset_of!(etl_host_api, progress), size_of::<usize>()) {
            if let Some(progress) = api.progress {
                unsafe { progress(ctx, stream.as_ptr(), done, -1) };
            }
        }
    }
}

fn host_cancelled(ctx: *mut c_void) -> bool {
    match host() {
        Some(api) if has_field(api.struct_size, offset_of!(etl_host_api, is_cancelled), size_of::<usize>()) => {
            api.is_cancelled.map_or(false, |f| unsafe { f(ctx) } != 0)
        }
        _ => false,
    }
}

/// Offers a malformed line to the host (`--max-bad-rows`); true when it
/// took it (skip the line and go on).
fn host_reject(ctx: *mut c_void, stream: &CStr, location: &str, raw: &[u8], reason: &str) -> bool {
    let api = match host() {
        Some(api) if has_field(api.struct_size, offset_of!(etl_host_api, reject), size_of::<usize>()) => api,
        _ => return false,
    };
    let (Some(reject), Ok(location), Ok(reason)) = (api.reject, CString::new(location), CString::new(reason)) else {
        return false;
    };
    unsafe { reject(ctx, stream.as_ptr(), location.as_ptr(), raw.as_ptr().cast(), raw.len(), reason.as_ptr()) != 0 }
}

// ---------------------------------------------------------------------------
// Config: a JSON object of strings
// ---------------------------------------------------------------------------

const CONFIG_SCHEMA: &CStr = c"{\"type\": \"object\", \"description\": \"Users and groups of the local account database.\", \"properties\": {\"passwd_file\": {\"type\": \"string\", \"default\": \"/etc/passwd\", \"description\": \"The passwd(5) file to read.\"}, \"group_file\": {\"type\": \"string\", \"default\": \"/etc/group\", \"description\": \"The group(5) file to read.\"}}, \"additionalProperties\": false}";

/// Reads a JSON string starting at `bytes[*pos]` (its opening quote).
fn json_string(bytes: &[u8], pos: &mut usize) -> Option<String> {
    if bytes.get(*pos) != Some(&b'"') {
        return None;
    }
    *pos += 1;
    let mut out: Vec<u8> = Vec::new();
    loop {
        let c = *bytes.get(*pos)?;
        *pos += 1;
        match c {
            b'"' => return String::from_utf8(out).ok(),
            b'\\' => {
                let e = *bytes.get(*pos)?;
                *pos += 1;
                let simple = match e {
                    b'"' => Some(b'"'),
                    b'\\' => Some(b'\\'),
                    b'/' => Some(b'/'),
                    b'b' => Some(8),
                    b'f' => Some(12),
                    b'n' => Some(b'\n'),
                    b'r' => Some(b'\r'),
                    b't' => Some(b'\t'),
                    _ => None,
                };
                if let Some(byte) = simple {
                    out.push(byte);
                    continue;
                }
                if e != b'u' {
                    return None;
                }
                let hex = |p: usize| -> Option<u32> { u32::from_str_radix(std::str::from_utf8(bytes.get(p..p + 4)?).ok()?, 16).ok() };
                let mut cp = hex(*pos)?;
                *pos += 4;
                if (0xD800..0xDC00).contains(&cp) {
                    if bytes.get(*pos..*pos + 2) != Some(b"\\u") {
                        return None;
                    }
                    let low = hex(*pos + 2)?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return None;
                    }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    *pos += 6;
                }
                let ch = char::from_u32(cp).filter(|&ch| ch != '\0')?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            0..=0x1F => return None,
            _ => out.push(c),
        }
    }
}

/// Parses `{"key": "value", ...}`; an error names what is wrong.
fn parse_config(text: &str) -> Result<Vec<(String, String)>, String> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    let ws = |pos: &mut usize| {
        while matches!(bytes.get(*pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            *pos += 1;
        }
    };
    let mut members = Vec::new();
    ws(&mut pos);
    if bytes.get(pos) != Some(&b'{') {
        return Err("the config is not a JSON object".into());
    }
    pos += 1;
    ws(&mut pos);
    if bytes.get(pos) == Some(&b'}') {
        return Ok(members);
    }
    loop {
        ws(&mut pos);
        let key = json_string(bytes, &mut pos).ok_or("the config is not valid JSON")?;
        ws(&mut pos);
        if bytes.get(pos) != Some(&b':') {
            return Err("the config is not valid JSON".into());
        }
        pos += 1;
        ws(&mut pos);
        let value = json_string(bytes, &mut pos).ok_or_else(|| format!("\"{key}\" must be a string"))?;
        members.push((key, value));
        ws(&mut pos);
        match bytes.get(pos) {
            Some(b',') => pos += 1,
            Some(b'}') => return Ok(members),
            _ => return Err("the config is not valid JSON".into()),
        }
    }
}

// ---------------------------------------------------------------------------
// The instance
// ---------------------------------------------------------------------------

/// An open instance (the C contract's opaque etl_instance).
pub struct Instance {
    passwd_file: String,
    group_file: String,
    ctx: *mut c_void,
    cancelled: AtomicBool, // set by cancel() from any thread
}

impl Instance {
    fn cancelled(&self) -> bool {
        if host_cancelled(self.ctx) {
            self.cancelled.store(true, Ordering::Release);
        }
        self.cancelled.load(Ordering::Acquire)
    }
}

unsafe extern "C" fn passwd_open(request: *const etl_open_request, out: *mut *mut Instance, error: *mut etl_error) -> etl_status {
    guarded(error, "open", || unsafe {
        if request.is_null()
            || out.is_null()
            || !has_field((*request).struct_size, offset_of!(etl_open_request, host_context), size_of::<usize>())
        {
            return fail(error, ETL_ERR_INVALID_ARGUMENT, "open() got no request");
        }
        let json = if (*request).config_json.is_null() { "{}".into() } else { CStr::from_ptr((*request).config_json).to_string_lossy() };
        let mut instance = Instance {
            passwd_file: "/etc/passwd".into(),
            group_file: "/etc/group".into(),
            ctx: (*request).host_context,
            cancelled: AtomicBool::new(false),
        };
        let members = match parse_config(&json) {
            Ok(members) => members,
            Err(why) => return fail(error, ETL_ERR_INVALID_ARGUMENT, &format!("bad config: {why}")),
        };
        for (key, value) in members {
            match key.as_str() {
                "passwd_file" => instance.passwd_file = value,
                "group_file" => instance.group_file = value,
                _ => {
                    return fail(
                        error,
                        ETL_ERR_INVALID_ARGUMENT,
                        &format!("unknown config key \"{key}\"; valid keys are \"group_file\", \"passwd_file\""),
                    )
                }
            }
        }
        host_log(instance.ctx, ETL_LOG_INFO, &format!("reading {} and {}", instance.passwd_file, instance.group_file));
        *out = Box::into_raw(Box::new(instance));
        ETL_OK
    })
}

unsafe extern "C" fn passwd_check(instance: *mut Instance, error: *mut etl_error) -> etl_status {
    guarded(error, "check", || unsafe {
        let instance = &*instance;
        for path in [&instance.passwd_file, &instance.group_file] {
            if let Err(e) = std::fs::File::open(path) {
                return fail(error, ETL_ERR_NOT_FOUND, &format!("cannot read '{path}': {e}"));
            }
        }
        ETL_OK
    })
}

unsafe extern "C" fn passwd_cancel(instance: *mut Instance) {
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe { (*instance).cancelled.store(true, Ordering::Release) }));
}

unsafe extern "C" fn passwd_close(instance: *mut Instance) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if !instance.is_null() {
            drop(unsafe { Box::from_raw(instance) });
        }
    }));
}

// ---------------------------------------------------------------------------
// Discover
// ---------------------------------------------------------------------------

const CATALOG: &str = concat!(
    "{\"streams\": [",
    "{\"name\": \"users\", \"primary_key\": [\"name\"], \"fields\": [",
    "{\"name\": \"name\", \"type\": \"string\"}, {\"name\": \"uid\", \"type\": \"integer\"}, ",
    "{\"name\": \"gid\", \"type\": \"integer\"}, {\"name\": \"full_name\", \"type\": \"string\"}, ",
    "{\"name\": \"gecos\", \"type\": \"string\"}, {\"name\": \"home\", \"type\": \"string\"}, ",
    "{\"name\": \"shell\", \"type\": \"string\"}]}, ",
    "{\"name\": \"groups\", \"primary_key\": [\"name\"], \"fields\": [",
    "{\"name\": \"name\", \"type\": \"string\"}, {\"name\": \"gid\", \"type\": \"integer\"}, ",
    "{\"name\": \"members\", \"type\": \"json\"}]}]}"
);

unsafe extern "C" fn release_buffer(buffer: *mut etl_buffer) {
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe {
        if !(*buffer).private_data.is_null() {
            drop(CString::from_raw((*buffer).private_data.cast()));
        }
        (*buffer).data = ptr::null();
        (*buffer).private_data = ptr::null_mut();
        (*buffer).release = None;
    }));
}

unsafe extern "C" fn passwd_discover(_instance: *mut Instance, catalog: *mut etl_buffer, error: *mut etl_error) -> etl_status {
    guarded(error, "discover", || unsafe {
        if catalog.is_null() {
            return fail(error, ETL_ERR_INVALID_ARGUMENT, "no catalog buffer");
        }
        let text = CString::new(CATALOG).expect("the catalog has no NUL");
        (*catalog).length = CATALOG.len() as i64;
        let raw = text.into_raw();
        (*catalog).data = raw;
        (*catalog).private_data = raw.cast();
        (*catalog).release = Some(release_buffer);
        ETL_OK
    })
}

// ---------------------------------------------------------------------------
// Arrow: columns, batches and schemas built by hand
// ---------------------------------------------------------------------------

/// One column being filled: utf8 (optionally marked JSON) or int64.
struct Column {
    name: &'static CStr,
    json: bool,
    int64: bool,
    length: i64,
    null_count: i64,
    validity: Vec<u8>, // 1 bit per value, 1 = valid
    offsets: Vec<i32>, // utf8: length + 1 offsets
    data: Vec<u8>,     // utf8 bytes, or int64 values as native bytes
}

impl Column {
    fn new(name: &'static CStr, int64: bool, json: bool) -> Column {
        Column { name, json, int64, length: 0, null_count: 0, validity: Vec::new(), offsets: vec![0], data: Vec::new() }
    }

    fn set_valid(&mut self, valid: bool) {
        let i = self.length as usize;
        if i / 8 >= self.validity.len() {
            self.validity.push(0);
        }
        if valid {
            self.validity[i / 8] |= 1 << (i % 8);
        } else {
            self.null_count += 1;
        }
        self.length += 1;
    }

    fn push_text(&mut self, value: Option<&str>) {
        if let Some(text) = value {
            self.data.extend_from_slice(text.as_bytes());
        }
        self.offsets.push(self.data.len() as i32);
        self.set_valid(value.is_some());
    }

    fn push_int(&mut self, value: i64) {
        self.data.extend_from_slice(&value.to_ne_bytes());
        self.set_valid(true);
    }
}

/// What a column array owns; freed by its own release callback, so that a
/// consumer may move a column out of the batch and release it later.
struct ColumnData {
    buffers: [*const c_void; 3],
    _validity: Vec<u8>,
    _offsets: Vec<i32>,
    _data: Vec<u8>,
}

/// What the batch owns: the column structs and the pointers to them.
struct BatchData {
    buffers: [*const c_void; 1],
    columns: Vec<ArrowArray>,
    column_ptrs: Vec<*mut ArrowArray>,
}

unsafe extern "C" fn release_column(array: *mut ArrowArray) {
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe {
        drop(Box::from_raw((*array).private_data.cast::<ColumnData>()));
        (*array).private_data = ptr::null_mut();
        (*array).release = None;
    }));
}

// snippet:release
unsafe extern "C" fn release_batch(array: *mut ArrowArray) {
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe {
        let data = Box::from_raw((*array).private_data.cast::<BatchData>());
        // Release the columns still in the batch: one the consumer moved
        // out has release == None here and is released by its new owner.
        for &column in &data.column_ptrs {
            if let Some(release) = (*column).release {
                release(column);
            }
        }
        drop(data);
        (*array).private_data = ptr::null_mut();
        (*array).release = None; // marks the array released
    }));
}
// end-snippet

/// Moves the columns (all of `rows` values) out as one "+s" batch.
fn export_batch(columns: Vec<Column>, rows: i64) -> ArrowArray {
    let mut arrays = Vec::with_capacity(columns.len());
    for column in columns {
        let mut data = Box::new(ColumnData {
            buffers: [ptr::null(); 3],
            _validity: column.validity,
            _offsets: column.offsets,
            _data: column.data,
        });
        // The Vecs' heap blocks do not move when the Vecs do.
        data.buffers[0] = if column.null_count > 0 { data._validity.as_ptr().cast() } else { ptr::null() };
        if column.int64 {
            data.buffers[1] = data._data.as_ptr().cast();
        } else {
            data.buffers[1] = data._offsets.as_ptr().cast();
            data.buffers[2] = data._data.as_ptr().cast();
        }
        let buffers = data.buffers.as_ptr() as *mut *const c_void;
        arrays.push(ArrowArray {
            length: column.length,
            null_count: column.null_count,
            offset: 0,
            n_buffers: if column.int64 { 2 } else { 3 },
            n_children: 0,
            buffers,
            children: ptr::null_mut(),
            dictionary: ptr::null_mut(),
            release: Some(release_column),
            private_data: Box::into_raw(data).cast(),
        });
    }
    let mut batch = Box::new(BatchData { buffers: [ptr::null()], columns: arrays, column_ptrs: Vec::new() });
    let n = batch.columns.len();
    batch.column_ptrs = batch.columns.iter_mut().map(|c| c as *mut ArrowArray).collect();
    let buffers = batch.buffers.as_mut_ptr();
    let children = batch.column_ptrs.as_mut_ptr();
    ArrowArray {
        length: rows,
        null_count: 0,
        offset: 0,
        n_buffers: 1,
        n_children: n as i64,
        buffers,
        children,
        dictionary: ptr::null_mut(),
        release: Some(release_batch),
        private_data: Box::into_raw(batch).cast(),
    }
}

/// What one field's schema owns (its metadata, for JSON columns).
struct FieldData {
    _metadata: Vec<u8>,
}

/// What the struct schema owns: the field structs and pointers to them.
struct SchemaData {
    fields: Vec<ArrowSchema>,
    field_ptrs: Vec<*mut ArrowSchema>,
}

unsafe extern "C" fn release_field(schema: *mut ArrowSchema) {
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe {
        if !(*schema).private_data.is_null() {
            drop(Box::from_raw((*schema).private_data.cast::<FieldData>()));
        }
        (*schema).private_data = ptr::null_mut();
        (*schema).release = None;
    }));
}

unsafe extern "C" fn release_schema(schema: *mut ArrowSchema) {
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe {
        let data = Box::from_raw((*schema).private_data.cast::<SchemaData>());
        for &field in &data.field_ptrs {
            if let Some(release) = (*field).release {
                release(field);
            }
        }
        drop(data);
        (*schema).private_data = ptr::null_mut();
        (*schema).release = None;
    }));
}

/// Arrow's field metadata encoding: int32 pair count, then for each pair
/// int32 length + key bytes, int32 length + value bytes (native endian).
fn metadata(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(pairs.len() as i32).to_ne_bytes());
    for (key, value) in pairs {
        out.extend_from_slice(&(key.len() as i32).to_ne_bytes());
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(&(value.len() as i32).to_ne_bytes());
        out.extend_from_slice(value.as_bytes());
    }
    out
}

/// The "+s" schema of a batch of `columns` (names, types, JSON marks).
fn export_schema(columns: &[Column]) -> ArrowSchema {
    let fields = columns
        .iter()
        .map(|column| {
            let meta = if column.json { metadata(&[("ARROW:extension:name", "arrow.json")]) } else { Vec::new() };
            let data = Box::new(FieldData { _metadata: meta });
            ArrowSchema {
                format: if column.int64 { c"l".as_ptr() } else { c"u".as_ptr() },
                name: column.name.as_ptr(), // static
                metadata: if data._metadata.is_empty() { ptr::null() } else { data._metadata.as_ptr().cast() },
                flags: ARROW_FLAG_NULLABLE,
                n_children: 0,
                children: ptr::null_mut(),
                dictionary: ptr::null_mut(),
                release: Some(release_field),
                private_data: Box::into_raw(data).cast(),
            }
        })
        .collect();
    let mut data = Box::new(SchemaData { fields, field_ptrs: Vec::new() });
    data.field_ptrs = data.fields.iter_mut().map(|f| f as *mut ArrowSchema).collect();
    ArrowSchema {
        format: c"+s".as_ptr(),
        name: c"".as_ptr(),
        metadata: ptr::null(),
        flags: 0,
        n_children: data.field_ptrs.len() as i64,
        children: data.field_ptrs.as_mut_ptr(),
        dictionary: ptr::null_mut(),
        release: Some(release_schema),
        private_data: Box::into_raw(data).cast(),
    }
}

// ---------------------------------------------------------------------------
// The streams
// ---------------------------------------------------------------------------

/// Rows per batch.
const BATCH_ROWS: usize = 1024;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Users,
    Groups,
}

impl Kind {
    fn name(self) -> &'static CStr {
        match self {
            Kind::Users => c"users",
            Kind::Groups => c"groups",
        }
    }

    fn columns(self) -> Vec<Column> {
        match self {
            Kind::Users => vec![
                Column::new(c"name", false, false),
                Column::new(c"uid", true, false),
                Column::new(c"gid", true, false),
                Column::new(c"full_name", false, false),
                Column::new(c"gecos", false, false),
                Column::new(c"home", false, false),
                Column::new(c"shell", false, false),
            ],
            Kind::Groups => vec![
                Column::new(c"name", false, false),
                Column::new(c"gid", true, false),
                Column::new(c"members", false, true),
            ],
        }
    }
}

/// One stream being read: the file's bytes and where the next line starts.
struct Stream {
    instance: *const Instance,
    kind: Kind,
    path: String,
    text: Vec<u8>,
    pos: usize,
    line: usize,
    rows_done: i64,
    last_error: Option<CString>,
}

/// Appends `s` as a JSON string.
fn json_quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Parses one line into the columns; Err(reason) when malformed.
fn parse_line(kind: Kind, line: &str, columns: &mut [Column]) -> Result<(), String> {
    let fields: Vec<&str> = line.split(':').collect();
    let want = if kind == Kind::Users { 7 } else { 4 };
    if fields.len() != want {
        return Err(format!("expected {want} ':'-separated fields, found {}", fields.len()));
    }
    if fields[0].is_empty() {
        return Err("the name is empty".into());
    }
    let number = |index: usize, what: &str| -> Result<i64, String> {
        fields[index].parse::<u32>().map(i64::from).map_err(|_| format!("the {what} is not a number from 0 to 4294967295"))
    };
    match kind {
        Kind::Users => {
            let (uid, gid) = (number(2, "uid")?, number(3, "gid")?);
            let full_name = fields[4].split(',').next().filter(|s| !s.is_empty());
            columns[0].push_text(Some(fields[0]));
            columns[1].push_int(uid);
            columns[2].push_int(gid);
            columns[3].push_text(full_name);
            columns[4].push_text(Some(fields[4]));
            columns[5].push_text(Some(fields[5]));
            columns[6].push_text(Some(fields[6]));
        }
        Kind::Groups => {
            let gid = number(2, "gid")?;
            let mut members = String::from("[");
            for (i, member) in fields[3].split(',').filter(|m| !m.is_empty()).enumerate() {
                if i > 0 {
                    members.push(',');
                }
                json_quote(member, &mut members);
            }
            members.push(']');
            columns[0].push_text(Some(fields[0]));
            columns[1].push_int(gid);
            columns[2].push_text(Some(&members));
        }
    }
    Ok(())
}

impl Stream {
    /// Fills the next batch; Ok(None) at the end; Err((errno, message)).
    fn next_batch(&mut self) -> Result<Option<ArrowArray>, (c_int, String)> {
        let instance = unsafe { &*self.instance };
        if instance.cancelled() {
            return Err((ETL_STREAM_ERR_CANCELLED, "cancelled".into()));
        }
        let mut columns = self.kind.columns();
        let mut rows = 0usize;
        while rows < BATCH_ROWS && self.pos < self.text.len() {
            let end = self.text[self.pos..].iter().position(|&b| b == b'\n').map_or(self.text.len(), |i| self.pos + i);
            let mut raw = &self.text[self.pos..end];
            self.pos = end + 1;
            self.line += 1;
            if raw.last() == Some(&b'\r') {
                raw = &raw[..raw.len() - 1];
            }
            if raw.is_empty() || matches!(raw[0], b'#' | b'+' | b'-') {
                continue;
            }
            let line = String::from_utf8_lossy(raw);
            // parse into scratch columns first, so that a bad line adds nothing
            let mut scratch = self.kind.columns();
            match parse_line(self.kind, &line, &mut scratch) {
                Ok(()) => {
                    for (column, value) in columns.iter_mut().zip(scratch) {
                        column.append(value);
                    }
                    rows += 1;
                }
                Err(reason) => {
                    let location = format!("{} line {}", self.path, self.line);
                    if host_reject(instance.ctx, self.kind.name(), &location, raw, &reason) {
                        continue;
                    }
                    return Err((ETL_STREAM_ERR_BAD_DATA, format!("{location}: {reason}")));
                }
            }
        }
        if rows == 0 {
            return Ok(None);
        }
        self.rows_done += rows as i64;
        host_progress(instance.ctx, self.kind.name(), self.rows_done);
        Ok(Some(export_batch(columns, rows as i64)))
    }
}

impl Column {
    /// Appends the single value of `other` (a one-row column).
    fn append(&mut self, other: Column) {
        let valid = other.null_count == 0;
        if self.int64 {
            self.data.extend_from_slice(&other.data);
        } else {
            self.data.extend_from_slice(&other.data);
            self.offsets.push(self.data.len() as i32);
        }
        self.set_valid(valid);
    }
}

unsafe fn stream_state<'a>(stream: *mut ArrowArrayStream) -> &'a mut Stream {
    &mut *(*stream).private_data.cast::<Stream>()
}

unsafe extern "C" fn stream_get_schema(stream: *mut ArrowArrayStream, out: *mut ArrowSchema) -> c_int {
    match catch_unwind(AssertUnwindSafe(|| unsafe {
        let state = stream_state(stream);
        out.write(export_schema(&state.kind.columns()));
    })) {
        Ok(()) => 0,
        Err(_) => ENOMEM,
    }
}

// snippet:get-next
unsafe extern "C" fn stream_get_next(stream: *mut ArrowArrayStream, out: *mut ArrowArray) -> c_int {
    let result = catch_unwind(AssertUnwindSafe(|| unsafe {
        let state = stream_state(stream);
        match state.next_batch() {
            Ok(Some(batch)) => {
                out.write(batch);
                0
            }
            Ok(None) => {
                // the end of the stream: a released array (release == NULL)
                out.write(ArrowArray {
                    length: 0,
                    null_count: 0,
                    offset: 0,
                    n_buffers: 0,
                    n_children: 0,
                    buffers: ptr::null_mut(),
                    children: ptr::null_mut(),
                    dictionary: ptr::null_mut(),
                    release: None,
                    private_data: ptr::null_mut(),
                });
                0
            }
            Err((errno, message)) => {
                state.last_error = CString::new(message).ok();
                errno
            }
        }
    }));
    result.unwrap_or_else(|_| {
        unsafe { stream_state(stream).last_error = Some(c"internal error (a panic) in get_next".into()) };
        ETL_STREAM_ERR_IO
    })
}
// end-snippet

unsafe extern "C" fn stream_get_last_error(stream: *mut ArrowArrayStream) -> *const c_char {
    catch_unwind(AssertUnwindSafe(|| unsafe { stream_state(stream).last_error.as_ref().map_or(ptr::null(), |e| e.as_ptr()) }))
        .unwrap_or(ptr::null())
}

unsafe extern "C" fn stream_release(stream: *mut ArrowArrayStream) {
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe {
        if (*stream).release.is_none() {
            return;
        }
        drop(Box::from_raw((*stream).private_data.cast::<Stream>()));
        (*stream).private_data = ptr::null_mut();
        (*stream).release = None;
    }));
}

unsafe extern "C" fn passwd_read(
    instance: *mut Instance, request: *const etl_read_request, out: *mut ArrowArrayStream, error: *mut etl_error,
) -> etl_status {
    guarded(error, "read", || unsafe {
        if request.is_null()
            || out.is_null()
            || !has_field((*request).struct_size, offset_of!(etl_read_request, stream), size_of::<usize>())
            || (*request).stream.is_null()
        {
            return fail(error, ETL_ERR_INVALID_ARGUMENT, "read() needs a stream name");
        }
        let name = CStr::from_ptr((*request).stream).to_string_lossy();
        let kind = match name.as_ref() {
            "users" => Kind::Users,
            "groups" => Kind::Groups,
            other => {
                return fail(
                    error,
                    ETL_ERR_INVALID_ARGUMENT,
                    &format!("unknown stream '{other}' (the streams are 'users' and 'groups')"),
                )
            }
        };
        // request.state_json is ignored: every read is a full read.
        let path = if kind == Kind::Users { &(*instance).passwd_file } else { &(*instance).group_file };
        let text = match std::fs::read(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return fail(error, ETL_ERR_NOT_FOUND, &format!("cannot read '{path}': {e}"))
            }
            Err(e) => return fail(error, ETL_ERR_IO, &format!("cannot read '{path}': {e}")),
        };
        let state = Box::new(Stream {
            instance,
            kind,
            path: path.clone(),
            text,
            pos: 0,
            line: 0,
            rows_done: 0,
            last_error: None,
        });
        out.write(ArrowArrayStream {
            get_schema: Some(stream_get_schema),
            get_next: Some(stream_get_next),
            get_last_error: Some(stream_get_last_error),
            release: Some(stream_release),
            private_data: Box::into_raw(state).cast(),
        });
        ETL_OK
    })
}

// ---------------------------------------------------------------------------
// The entry point
// ---------------------------------------------------------------------------

static EXTRACTOR: etl_extractor_ops = etl_extractor_ops {
    struct_size: size_of::<etl_extractor_ops>() as u32,
    discover: Some(passwd_discover),
    read: Some(passwd_read),
    checkpoint: None, // not incremental
};

// snippet:entry
#[no_mangle]
pub unsafe extern "C" fn etl_plugin_init(
    host_abi: u32, host: *const etl_host_api, out: *mut etl_plugin, error: *mut etl_error,
) -> etl_status {
    guarded(error, "etl_plugin_init", || unsafe {
        if out.is_null() {
            return ETL_ERR_INVALID_ARGUMENT;
        }
        if host_abi >> 16 != ETL_ABI_VERSION_MAJOR {
            if has_field((*out).struct_size, offset_of!(etl_plugin, abi_version), size_of::<u32>()) {
                (*out).abi_version = ETL_ABI_VERSION;
            }
            let message = format!(
                "built for ABI {}.{}, host offers {}.{}",
                ETL_ABI_VERSION_MAJOR,
                ETL_ABI_VERSION_MINOR,
                host_abi >> 16,
                host_abi & 0xFFFF
            );
            return fail(error, ETL_ERR_ABI_MISMATCH, &message);
        }
        HOST.store(host as *mut etl_host_api, Ordering::Release);
        let descriptor = etl_plugin {
            struct_size: 0, // set below
            abi_version: ETL_ABI_VERSION,
            kind: ETL_KIND_EXTRACTOR,
            reserved0: 0,
            name: c"passwd".as_ptr(),
            version: c"1.0.0".as_ptr(),
            description: c"Users and groups from /etc/passwd and /etc/group (or files like them).".as_ptr(),
            language: c"rust".as_ptr(),
            toolchain: ptr::null(), // rustc: C ABI only, no runtime shared with the host
            config_schema: CONFIG_SCHEMA.as_ptr(),
            capabilities: ETL_CAP_SCHEMA_HINTS | ETL_CAP_PARALLEL_STREAMS,
            open: Some(passwd_open),
            check: Some(passwd_check),
            cancel: Some(passwd_cancel),
            close: Some(passwd_close),
            extractor: &EXTRACTOR,
            warehouse: ptr::null(),
        };
        // Write no more than the host's struct, then say how much we filled.
        let n = ((*out).struct_size as usize).min(size_of::<etl_plugin>());
        ptr::copy_nonoverlapping((&descriptor as *const etl_plugin).cast::<u8>(), out.cast::<u8>(), n);
        (*out).struct_size = n as u32;
        ETL_OK
    })
}
// end-snippet
