//! A small safe layer over etl_ffi.rs, made by `etl-host plugins new`: your
//! plugin (lib.rs) implements the `Extractor` trait (etl_extractor.rs) or
//! the `Warehouse` trait (etl_warehouse.rs) and never touches a raw
//! pointer. What it gives:
//!
//! - `PluginError`: a status and a message; it fills the host's etl_error
//!   (or becomes an errno and `get_last_error` text inside a stream).
//!   Messages do not name the plugin: the host adds `plugin 'x': ` once.
//! - `Config`: reads the config JSON by key, with errors naming the key
//!   ("config key 'count': must be an integer from 0 to 1000000000").
//! - `Descriptor` and `export_plugin`: the body of etl_plugin_init for
//!   both kinds (`export_extractor` and `export_warehouse` call it); every
//!   `extern "C"` function runs under `guarded` (`catch_unwind`), so no
//!   panic crosses into the host.
//!
//! Everything handed to the host carries a `release` callback that frees it
//! exactly once, and host structs are read or written only where their
//! `struct_size` covers the field (ABI 1.1, see etl_ffi.rs).

#![allow(dead_code)]

use crate::etl_ffi::*;
use std::ffi::{c_int, CStr, CString};
use std::mem::{offset_of, size_of};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// A failure: a status of the contract and a message without the plugin's
/// name.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginError {
    pub status: etl_status,
    pub message: String,
}

/// A result whose error is a `PluginError`.
pub type PluginResult<T> = Result<T, PluginError>;

impl PluginError {
    /// An error with any status.
    pub fn new(status: etl_status, message: impl Into<String>) -> PluginError {
        PluginError { status, message: message.into() }
    }
    /// A refused argument or config (sync exits 64 when open refuses one).
    pub fn invalid_argument(message: impl Into<String>) -> PluginError {
        PluginError::new(ETL_ERR_INVALID_ARGUMENT, message)
    }
    /// Something missing at the source.
    pub fn not_found(message: impl Into<String>) -> PluginError {
        PluginError::new(ETL_ERR_NOT_FOUND, message)
    }
    /// An I/O failure.
    pub fn io(message: impl Into<String>) -> PluginError {
        PluginError::new(ETL_ERR_IO, message)
    }
    /// Bad data at the source (inside a stream: EBADMSG, sync exits 65).
    pub fn data(message: impl Into<String>) -> PluginError {
        PluginError::new(ETL_ERR_DATA, message)
    }

    /// The errno `get_next` returns for this error.
    pub(crate) fn errno(&self) -> c_int {
        match self.status {
            ETL_ERR_DATA => EBADMSG,
            ETL_ERR_CANCELLED => ECANCELED,
            ETL_ERR_RESOURCE_EXHAUSTED => ENOMEM,
            _ => EIO,
        }
    }

    /// Fills the host's `error` (when it has room) and returns the status.
    unsafe fn fill(&self, error: *mut etl_error) -> etl_status {
        if error.is_null() || !has_field((*error).struct_size, offset_of!(etl_error, private_data), size_of::<usize>()) {
            return self.status;
        }
        let text = CString::new(self.message.replace('\0', " ")).unwrap_or_default();
        (*error).code = self.status;
        (*error).retryable = 0;
        (*error).message = text.into_raw();
        (*error).release = Some(release_error);
        (*error).private_data = ptr::null_mut();
        self.status
    }
}

unsafe extern "C" fn release_error(error: *mut etl_error) {
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe {
        if !(*error).message.is_null() {
            drop(CString::from_raw((*error).message));
        }
        (*error).message = ptr::null_mut();
        (*error).release = None;
    }));
}

/// The error of a panic caught in `what`: ETL_ERR_INTERNAL, "internal
/// error (a panic) in <what>: <the panic's message>".
pub(crate) fn panicked(what: &str, payload: Box<dyn std::any::Any + Send>) -> PluginError {
    let message = payload
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    PluginError::new(ETL_ERR_INTERNAL, format!("internal error (a panic) in {what}: {message}"))
}

/// Runs `body` with panics caught: a panic becomes ETL_ERR_INTERNAL
/// (`panicked`); never unwinds into the host.
pub(crate) fn guarded(error: *mut etl_error, what: &str, body: impl FnOnce() -> PluginResult<()>) -> etl_status {
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| Err(panicked(what, payload)));
    match outcome {
        Ok(()) => ETL_OK,
        Err(failure) => unsafe { failure.fill(error) },
    }
}

// ---------------------------------------------------------------------------
// The descriptor
// ---------------------------------------------------------------------------

/// What the plugin says about itself in its descriptor. Every string is
/// static (the host keeps the pointers).
pub struct Descriptor {
    pub name: &'static CStr,
    pub version: &'static CStr,
    pub description: &'static CStr,
    /// The JSON Schema of the config; the host checks configs against it.
    pub config_schema: &'static CStr,
    /// ETL_CAP_* bits.
    pub capabilities: u64,
}

/// The body of `etl_plugin_init`, for either kind: checks the host's ABI,
/// keeps its service table, and fills `out` from `plugin` (its kind, entry
/// points and operation table, set by the caller) and `descriptor` (no
/// more of it than the host's `struct_size` holds).
pub(crate) unsafe fn export_plugin(
    descriptor: &Descriptor, mut plugin: etl_plugin, host_abi: u32, host: *const etl_host_api, out: *mut etl_plugin,
    error: *mut etl_error,
) -> etl_status {
    guarded(error, "etl_plugin_init", || unsafe {
        if out.is_null() {
            return Err(PluginError::invalid_argument("etl_plugin_init() got no descriptor"));
        }
        if host_abi >> 16 != ETL_ABI_VERSION_MAJOR {
            if has_field((*out).struct_size, offset_of!(etl_plugin, abi_version), size_of::<u32>()) {
                (*out).abi_version = ETL_ABI_VERSION;
            }
            return Err(PluginError::new(
                ETL_ERR_ABI_MISMATCH,
                format!(
                    "built for ABI {}.{}, the host offers {}.{}",
                    ETL_ABI_VERSION_MAJOR,
                    ETL_ABI_VERSION_MINOR,
                    host_abi >> 16,
                    host_abi & 0xFFFF
                ),
            ));
        }
        Host::keep_api(host);
        plugin.struct_size = size_of::<etl_plugin>() as u32;
        plugin.abi_version = ETL_ABI_VERSION;
        plugin.name = descriptor.name.as_ptr();
        plugin.version = descriptor.version.as_ptr();
        plugin.description = descriptor.description.as_ptr();
        plugin.language = c"rust".as_ptr();
        plugin.toolchain = ptr::null(); // the C ABI only: no runtime shared with the host
        plugin.config_schema = descriptor.config_schema.as_ptr();
        plugin.capabilities = descriptor.capabilities;
        // Write no more than the host's struct, then say how much was filled.
        let size = ((*out).struct_size as usize).min(size_of::<etl_plugin>());
        ptr::copy_nonoverlapping((&plugin as *const etl_plugin).cast::<u8>(), out.cast::<u8>(), size);
        (*out).struct_size = size as u32;
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// The host
// ---------------------------------------------------------------------------

/// The host's service table, kept from etl_plugin_init.
static HOST: AtomicPtr<etl_host_api> = AtomicPtr::new(ptr::null_mut());

fn host_api() -> Option<&'static etl_host_api> {
    unsafe { HOST.load(Ordering::Acquire).as_ref() }
}

/// The host as one open instance sees it: log, progress and cancellation.
pub struct Host {
    context: *mut etl_host_context,
    cancelled: AtomicBool, // set by cancel() from any thread
}

impl Host {
    /// Keeps the host's service table (etl_plugin_init).
    pub(crate) fn keep_api(api: *const etl_host_api) {
        HOST.store(api as *mut etl_host_api, Ordering::Release);
    }

    /// The host of an instance opened with `context`.
    pub(crate) fn new(context: *mut etl_host_context) -> Host {
        Host { context, cancelled: AtomicBool::new(false) }
    }

    /// Marks the instance cancelled (cancel(), from any thread).
    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, Ordering::Release);
    }

    /// Logs `message` at `level` (ETL_LOG_INFO, ...).
    pub fn log(&self, level: i32, message: &str) {
        let Some(api) = host_api() else { return };
        if has_field(api.struct_size, offset_of!(etl_host_api, log), size_of::<usize>()) {
            if let (Some(log), Ok(text)) = (api.log, CString::new(message)) {
                unsafe { log(self.context, level, text.as_ptr()) };
            }
        }
    }

    /// Reports `done` rows of `stream` read so far.
    pub fn progress(&self, stream: &str, done: i64) {
        let Some(api) = host_api() else { return };
        if has_field(api.struct_size, offset_of!(etl_host_api, progress), size_of::<usize>()) {
            if let (Some(progress), Ok(name)) = (api.progress, CString::new(stream)) {
                unsafe { progress(self.context, name.as_ptr(), done, -1) };
            }
        }
    }

    /// Whether the host or cancel() asked to stop.
    pub fn is_cancelled(&self) -> bool {
        if let Some(api) = host_api() {
            if has_field(api.struct_size, offset_of!(etl_host_api, is_cancelled), size_of::<usize>()) {
                if let Some(asked) = api.is_cancelled {
                    if unsafe { asked(self.context) } != 0 {
                        self.cancelled.store(true, Ordering::Release);
                    }
                }
            }
        }
        self.cancelled.load(Ordering::Acquire)
    }

    /// Offers a malformed record to the host (`--max-bad-rows`); true when it
    /// took it (skip the record and go on), false when the stream must fail.
    pub fn reject(&self, stream: &str, location: &str, raw: &[u8], reason: &str) -> bool {
        let Some(api) = host_api() else { return false };
        if !has_field(api.struct_size, offset_of!(etl_host_api, reject), size_of::<usize>()) {
            return false;
        }
        let (Some(reject), Ok(stream), Ok(location), Ok(reason)) =
            (api.reject, CString::new(stream), CString::new(location), CString::new(reason))
        else {
            return false;
        };
        unsafe {
            reject(self.context, stream.as_ptr(), location.as_ptr(), raw.as_ptr().cast(), raw.len(), reason.as_ptr()) != 0
        }
    }
}

// ---------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------

/// A JSON value of the config's top level (nested values are kept as
/// `Nested`, unread).
#[derive(Debug, Clone, PartialEq)]
enum JsonValue {
    Null,
    Bool(bool),
    Number(String),
    Text(String),
    Nested,
}

/// The config JSON object, read by key.
pub struct Config {
    members: Vec<(String, JsonValue)>,
}

impl Config {
    /// Parses a JSON object; refuses other JSON, bad JSON and a key given twice.
    pub fn parse(text: &str) -> PluginResult<Config> {
        let mut parser = JsonParser { bytes: text.as_bytes(), pos: 0 };
        let members = parser.object().map_err(|what| {
            PluginError::invalid_argument(format!("the config is not valid JSON: {what} at byte {}", parser.pos))
        })?;
        for (index, (key, _)) in members.iter().enumerate() {
            if members[..index].iter().any(|(other, _)| other == key) {
                return Err(PluginError::invalid_argument(format!("config key '{key}' appears twice")));
            }
        }
        Ok(Config { members })
    }

    /// Refuses a key not in `known`: "config key 'x' is unknown (known keys: a, b)".
    pub fn check_keys(&self, known: &[&str]) -> PluginResult<()> {
        match self.members.iter().find(|(key, _)| !known.contains(&key.as_str())) {
            Some((key, _)) => Err(PluginError::invalid_argument(format!(
                "config key '{key}' is unknown (known keys: {})",
                known.join(", ")
            ))),
            None => Ok(()),
        }
    }

    fn value(&self, key: &str) -> Option<&JsonValue> {
        self.members.iter().find(|(name, _)| name == key).map(|(_, value)| value).filter(|v| **v != JsonValue::Null)
    }

    /// An integer from `min` to `max`, or `default` when the key is absent.
    pub fn int(&self, key: &str, default: i64, min: i64, max: i64) -> PluginResult<i64> {
        let Some(value) = self.value(key) else { return Ok(default) };
        let range = || PluginError::invalid_argument(format!("config key '{key}': must be an integer from {min} to {max}"));
        match value {
            JsonValue::Number(text) => match text.parse::<i64>() {
                Ok(number) if (min..=max).contains(&number) => Ok(number),
                Ok(_) => Err(range()),
                Err(_) if text.bytes().all(|b| b.is_ascii_digit() || b == b'-') => Err(range()),
                Err(_) => Err(PluginError::invalid_argument(format!("config key '{key}': must be an integer"))),
            },
            _ => Err(PluginError::invalid_argument(format!("config key '{key}': must be an integer"))),
        }
    }

    /// A number, or `default` when the key is absent.
    pub fn number(&self, key: &str, default: f64) -> PluginResult<f64> {
        match self.value(key) {
            None => Ok(default),
            Some(JsonValue::Number(text)) => text
                .parse::<f64>()
                .map_err(|_| PluginError::invalid_argument(format!("config key '{key}': must be a number"))),
            Some(_) => Err(PluginError::invalid_argument(format!("config key '{key}': must be a number"))),
        }
    }

    /// true or false, or `default` when the key is absent.
    pub fn bool(&self, key: &str, default: bool) -> PluginResult<bool> {
        match self.value(key) {
            None => Ok(default),
            Some(JsonValue::Bool(value)) => Ok(*value),
            Some(_) => Err(PluginError::invalid_argument(format!("config key '{key}': must be true or false"))),
        }
    }

    /// A string, or None when the key is absent.
    pub fn string(&self, key: &str) -> PluginResult<Option<String>> {
        match self.value(key) {
            None => Ok(None),
            Some(JsonValue::Text(text)) if text.contains('\0') => {
                Err(PluginError::invalid_argument(format!("config key '{key}': must not contain \\u0000")))
            }
            Some(JsonValue::Text(text)) => Ok(Some(text.clone())),
            Some(_) => Err(PluginError::invalid_argument(format!("config key '{key}': must be a string"))),
        }
    }

    /// A string that must be there: "config key 'path' is missing".
    pub fn required_string(&self, key: &str) -> PluginResult<String> {
        self.string(key)?.ok_or_else(|| PluginError::invalid_argument(format!("config key '{key}' is missing")))
    }
}

/// A JSON reader for the config's top-level object.
struct JsonParser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl JsonParser<'_> {
    fn space(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &'static str) -> Result<(), &'static str> {
        self.space();
        if self.bytes.get(self.pos) != Some(&byte) {
            return Err(what);
        }
        self.pos += 1;
        Ok(())
    }

    fn object(&mut self) -> Result<Vec<(String, JsonValue)>, &'static str> {
        self.expect(b'{', "expected an object")?;
        let mut members = Vec::new();
        self.space();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
        } else {
            loop {
                self.space();
                let key = self.string()?;
                self.expect(b':', "expected ':'")?;
                let value = self.value()?;
                members.push((key, value));
                self.space();
                match self.bytes.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err("expected ',' or '}'"),
                }
            }
        }
        self.space();
        if self.pos != self.bytes.len() {
            return Err("unexpected text after the object");
        }
        Ok(members)
    }

    fn value(&mut self) -> Result<JsonValue, &'static str> {
        self.space();
        let rest = &self.bytes[self.pos.min(self.bytes.len())..];
        for (word, value) in [("true", JsonValue::Bool(true)), ("false", JsonValue::Bool(false)), ("null", JsonValue::Null)] {
            if rest.starts_with(word.as_bytes()) {
                self.pos += word.len();
                return Ok(value);
            }
        }
        match rest.first() {
            Some(b'"') => Ok(JsonValue::Text(self.string()?)),
            Some(b'{' | b'[') => self.skip_nested().map(|()| JsonValue::Nested),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.pos;
                while matches!(self.bytes.get(self.pos), Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')) {
                    self.pos += 1;
                }
                let text = std::str::from_utf8(&self.bytes[start..self.pos]).map_err(|_| "bad number")?;
                text.parse::<f64>().map_err(|_| "bad number")?;
                Ok(JsonValue::Number(text.to_string()))
            }
            _ => Err("expected a value"),
        }
    }

    /// Skips an object or array (strings inside are read, so brackets in them do not count).
    fn skip_nested(&mut self) -> Result<(), &'static str> {
        let mut depth = 0usize;
        loop {
            match self.bytes.get(self.pos) {
                None => return Err("unterminated object or array"),
                Some(b'"') => {
                    self.string()?;
                    continue;
                }
                Some(b'{' | b'[') => depth += 1,
                Some(b'}' | b']') => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
    }

    fn string(&mut self) -> Result<String, &'static str> {
        if self.bytes.get(self.pos) != Some(&b'"') {
            return Err("expected a string");
        }
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let byte = *self.bytes.get(self.pos).ok_or("unterminated string")?;
            self.pos += 1;
            match byte {
                b'"' => return String::from_utf8(out).map_err(|_| "invalid UTF-8"),
                b'\\' => {
                    let escape = *self.bytes.get(self.pos).ok_or("unterminated string")?;
                    self.pos += 1;
                    let simple = match escape {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 8,
                        b'f' => 12,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            let character = self.unicode_escape()?;
                            out.extend_from_slice(character.encode_utf8(&mut [0u8; 4]).as_bytes());
                            continue;
                        }
                        _ => return Err("bad escape"),
                    };
                    out.push(simple);
                }
                0..=0x1F => return Err("control character in a string"),
                _ => out.push(byte),
            }
        }
    }

    fn unicode_escape(&mut self) -> Result<char, &'static str> {
        let hex = |parser: &mut Self| -> Result<u32, &'static str> {
            let digits = parser.bytes.get(parser.pos..parser.pos + 4).ok_or("bad \\u escape")?;
            parser.pos += 4;
            u32::from_str_radix(std::str::from_utf8(digits).map_err(|_| "bad \\u escape")?, 16).map_err(|_| "bad \\u escape")
        };
        let mut code = hex(self)?;
        if (0xD800..0xDC00).contains(&code) {
            if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                return Err("bad surrogate pair");
            }
            self.pos += 2;
            let low = hex(self)?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err("bad surrogate pair");
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        }
        char::from_u32(code).ok_or("bad \\u escape")
    }
}
