//! The C side of an extractor, made by `etl-host plugins new`: the
//! `extern "C"` functions of etl_plugin.h, written once over the
//! `Extractor` and `Stream` traits your plugin (lib.rs) implements. You
//! should not need to edit it.
//!
//! Every function runs its body under `catch_unwind` (a panic becomes
//! ETL_ERR_INTERNAL, or EIO in a stream), fills the host's etl_error from a
//! `PluginError`, and frees what it allocated through release callbacks.

#![allow(dead_code)]

use crate::etl_batch::{BatchBuilder, ColumnType};
use crate::etl_ffi::*;
use crate::etl_sdk::{export_plugin, guarded, panicked, Config, Host, PluginError, PluginResult};
use std::ffi::{c_char, c_int, CStr, CString};
use std::marker::PhantomData;
use std::mem::{offset_of, size_of};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

pub use crate::etl_sdk::Descriptor;

/// An extractor: opened with a config, it describes its streams and reads
/// them. One instance is never called from two threads at once.
pub trait Extractor: Sized + 'static {
    /// The stream `read` returns.
    type Stream: Stream;

    /// Opens an instance for `config` (the host's log and cancellation come
    /// with each call that needs them).
    fn open(config: &Config) -> PluginResult<Self>;

    /// Checks that the source is reachable with this config.
    fn check(&self) -> PluginResult<()> {
        Ok(())
    }

    /// The catalog, as JSON: `{"streams": [{"name": ..., "fields": [...]}]}`.
    fn catalog(&self) -> String;

    /// Starts reading `stream` from `state` (the last checkpoint, or None).
    fn read(&self, stream: &str, state: Option<&str>) -> PluginResult<Self::Stream>;
}

/// One stream being read.
pub trait Stream: 'static {
    /// The stream's name.
    fn name(&self) -> &str;

    /// The columns of every batch, in order.
    fn columns(&self) -> Vec<(&'static str, ColumnType)>;

    /// Appends the next rows to `batch` (up to about a thousand); appends
    /// none at the end of the stream. `host` reports progress and
    /// cancellation. Errors: `PluginError::data` for bad source data (sync
    /// exits 65), others for failures.
    fn next_rows(&mut self, batch: &mut BatchBuilder, host: &Host) -> PluginResult<()>;
}

/// An open instance, as the host holds it.
struct Instance<E: Extractor> {
    extractor: E,
    host: Host,
}

unsafe fn instance<'a, E: Extractor>(raw: *mut etl_instance) -> &'a Instance<E> {
    &*raw.cast::<Instance<E>>()
}

/// Reads an optional C string argument.
unsafe fn text<'a>(raw: *const c_char) -> Option<std::borrow::Cow<'a, str>> {
    if raw.is_null() {
        None
    } else {
        Some(CStr::from_ptr(raw).to_string_lossy())
    }
}

unsafe extern "C" fn open<E: Extractor>(
    request: *const etl_open_request, out: *mut *mut etl_instance, error: *mut etl_error,
) -> etl_status {
    guarded(error, "open", || unsafe {
        if request.is_null()
            || out.is_null()
            || !has_field((*request).struct_size, offset_of!(etl_open_request, host_context), size_of::<usize>())
        {
            return Err(PluginError::invalid_argument("open() got no request"));
        }
        let json = text((*request).config_json).unwrap_or("{}".into());
        let extractor = E::open(&Config::parse(&json)?)?;
        let host = Host::new((*request).host_context);
        *out = Box::into_raw(Box::new(Instance { extractor, host })).cast();
        Ok(())
    })
}

unsafe extern "C" fn check<E: Extractor>(raw: *mut etl_instance, error: *mut etl_error) -> etl_status {
    guarded(error, "check", || unsafe { instance::<E>(raw).extractor.check() })
}

unsafe extern "C" fn cancel<E: Extractor>(raw: *mut etl_instance) {
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe { instance::<E>(raw).host.cancel() }));
}

unsafe extern "C" fn close<E: Extractor>(raw: *mut etl_instance) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if !raw.is_null() {
            drop(unsafe { Box::from_raw(raw.cast::<Instance<E>>()) });
        }
    }));
}

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

unsafe extern "C" fn discover<E: Extractor>(
    raw: *mut etl_instance, catalog: *mut etl_buffer, error: *mut etl_error,
) -> etl_status {
    guarded(error, "discover", || unsafe {
        if catalog.is_null() {
            return Err(PluginError::invalid_argument("no catalog buffer"));
        }
        let json = CString::new(instance::<E>(raw).extractor.catalog())
            .map_err(|_| PluginError::new(ETL_ERR_INTERNAL, "the catalog contains a NUL byte"))?;
        (*catalog).length = json.as_bytes().len() as i64;
        let data = json.into_raw();
        (*catalog).data = data;
        (*catalog).private_data = data.cast();
        (*catalog).release = Some(release_buffer);
        Ok(())
    })
}

/// A stream handed to the host: the plugin's stream, its builder and the
/// instance's host (the instance outlives its streams).
struct StreamState<E: Extractor> {
    stream: E::Stream,
    batch: BatchBuilder,
    host: *const Host,
    rows_done: i64,
    last_error: Option<CString>,
}

unsafe fn state<'a, E: Extractor>(stream: *mut ArrowArrayStream) -> &'a mut StreamState<E> {
    &mut *(*stream).private_data.cast::<StreamState<E>>()
}

unsafe extern "C" fn get_schema<E: Extractor>(stream: *mut ArrowArrayStream, out: *mut ArrowSchema) -> c_int {
    catch_unwind(AssertUnwindSafe(|| unsafe {
        out.write(state::<E>(stream).batch.schema());
        0
    }))
    .unwrap_or(ENOMEM)
}

unsafe extern "C" fn get_next<E: Extractor>(stream: *mut ArrowArrayStream, out: *mut ArrowArray) -> c_int {
    let outcome = catch_unwind(AssertUnwindSafe(|| unsafe {
        let state = state::<E>(stream);
        let host = &*state.host;
        if host.is_cancelled() {
            return Err(PluginError::new(ETL_ERR_CANCELLED, "cancelled"));
        }
        state.stream.next_rows(&mut state.batch, host)?;
        if state.batch.row_count() == 0 {
            // the end of the stream: a released array (release == NULL)
            out.write(std::mem::zeroed());
            return Ok(());
        }
        let batch = state.batch.finish();
        state.rows_done += batch.length;
        host.progress(state.stream.name(), state.rows_done);
        out.write(batch);
        Ok(())
    }))
    .unwrap_or_else(|payload| Err(panicked("get_next", payload)));
    match outcome {
        Ok(()) => 0,
        Err(failure) => {
            unsafe { state::<E>(stream).last_error = CString::new(failure.message.replace('\0', " ")).ok() };
            failure.errno()
        }
    }
}

unsafe extern "C" fn get_last_error<E: Extractor>(stream: *mut ArrowArrayStream) -> *const c_char {
    catch_unwind(AssertUnwindSafe(|| unsafe { state::<E>(stream).last_error.as_ref().map_or(ptr::null(), |e| e.as_ptr()) }))
        .unwrap_or(ptr::null())
}

unsafe extern "C" fn release_stream<E: Extractor>(stream: *mut ArrowArrayStream) {
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe {
        if (*stream).release.is_none() {
            return;
        }
        drop(Box::from_raw((*stream).private_data.cast::<StreamState<E>>()));
        (*stream).private_data = ptr::null_mut();
        (*stream).release = None;
    }));
}

unsafe extern "C" fn read<E: Extractor>(
    raw: *mut etl_instance, request: *const etl_read_request, out: *mut ArrowArrayStream, error: *mut etl_error,
) -> etl_status {
    guarded(error, "read", || unsafe {
        if request.is_null()
            || out.is_null()
            || !has_field((*request).struct_size, offset_of!(etl_read_request, state_json), size_of::<usize>())
            || (*request).stream.is_null()
        {
            return Err(PluginError::invalid_argument("read() needs a stream name"));
        }
        let instance = instance::<E>(raw);
        let name = text((*request).stream).unwrap_or_default();
        let state_json = text((*request).state_json);
        let stream = instance.extractor.read(&name, state_json.as_deref())?;
        let batch = BatchBuilder::new(&stream.columns());
        let owned = Box::new(StreamState::<E> { stream, batch, host: &instance.host, rows_done: 0, last_error: None });
        out.write(ArrowArrayStream {
            get_schema: Some(get_schema::<E>),
            get_next: Some(get_next::<E>),
            get_last_error: Some(get_last_error::<E>),
            release: Some(release_stream::<E>),
            private_data: Box::into_raw(owned).cast(),
        });
        Ok(())
    })
}

/// The operation table of `E`.
struct Operations<E>(PhantomData<E>);

impl<E: Extractor> Operations<E> {
    const EXTRACTOR: etl_extractor_ops = etl_extractor_ops {
        struct_size: size_of::<etl_extractor_ops>() as u32,
        discover: Some(discover::<E>),
        read: Some(read::<E>),
        checkpoint: None, // TODO for an incremental extractor: add a checkpoint op
    };
}

/// The body of `etl_plugin_init` for the extractor `E`: checks the host's
/// ABI, keeps its service table and fills the descriptor (no more of it
/// than the host's `struct_size` holds).
pub unsafe fn export_extractor<E: Extractor>(
    descriptor: &Descriptor, host_abi: u32, host: *const etl_host_api, out: *mut etl_plugin, error: *mut etl_error,
) -> etl_status {
    let mut plugin: etl_plugin = std::mem::zeroed();
    plugin.kind = ETL_KIND_EXTRACTOR;
    plugin.open = Some(open::<E>);
    plugin.check = Some(check::<E>);
    plugin.cancel = Some(cancel::<E>);
    plugin.close = Some(close::<E>);
    // A leaked copy of the table: the host keeps the pointer, and a plugin
    // is never unloaded.
    plugin.extractor = Box::leak(Box::new(Operations::<E>::EXTRACTOR));
    export_plugin(descriptor, plugin, host_abi, host, out, error)
}
