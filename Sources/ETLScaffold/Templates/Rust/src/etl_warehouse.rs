//! The C side of a warehouse, made by `etl-host plugins new`: the
//! `extern "C"` functions of etl_plugin.h, written once over the
//! `Warehouse` and `TableWriter` traits your plugin (lib.rs) implements.
//! You should not need to edit it.
//!
//! Every function runs its body under `guarded` (a panic becomes
//! ETL_ERR_INTERNAL), fills the host's etl_error from a `PluginError`, and
//! frees what it allocated through release callbacks. write() takes the
//! batch whatever happens and releases it once; commit() frees the writer
//! when it succeeds; rollback() drops it (your writer's `Drop` discards
//! what it wrote).

#![allow(dead_code)]

use crate::etl_ffi::*;
use crate::etl_reader::{read_schema, Batch, Column};
use crate::etl_sdk::{export_plugin, guarded, Config, Host, PluginError, PluginResult};
use std::borrow::Cow;
use std::ffi::{c_char, CStr, CString};
use std::marker::PhantomData;
use std::mem::{offset_of, size_of};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

pub use crate::etl_sdk::Descriptor;

/// How begin() treats the existing table (`etl_write_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Everything written replaces the table at commit, atomically.
    Replace,
    /// The rows are added to the table (created if missing).
    Append,
    /// Rows update those with the same key and the others are added.
    Upsert,
}

/// What begin() asks for, borrowed for the call.
pub struct TableRequest<'a> {
    /// The table, as the host normalized it.
    pub table: &'a str,
    /// The columns of every batch write() will get.
    pub columns: &'a [Column],
    pub mode: WriteMode,
    /// The key columns of an upsert (empty otherwise).
    pub key_columns: Vec<String>,
    /// The host's run id.
    pub run_id: Option<Cow<'a, str>>,
}

/// What commit() stores with the data, borrowed for the call.
pub struct CommitRequest<'a> {
    /// The extractor's state and the key to keep it under (None: leave the
    /// stored state as it is).
    pub state: Option<(Cow<'a, str>, Cow<'a, str>)>,
    /// The table's resolved schema, a JSON object (None: leave it).
    pub schema_json: Option<Cow<'a, str>>,
    /// The run record, a JSON object (may be None).
    pub run_json: Option<Cow<'a, str>>,
}

/// A warehouse: opened with a config, it writes tables and keeps the
/// states and schemas committed with them. One instance is never called
/// from two threads at once (cancel() aside, which the layer handles).
pub trait Warehouse: Sized + 'static {
    /// The writer begin() returns.
    type Writer: TableWriter;

    /// Opens an instance for `config`.
    fn open(config: &Config) -> PluginResult<Self>;

    /// Checks that the destination is reachable with this config.
    fn check(&self) -> PluginResult<()> {
        Ok(())
    }

    /// Starts writing one table. Refuse a mode you do not support with
    /// ETL_ERR_NOT_IMPLEMENTED (and leave its capability bit unset).
    fn begin(&self, request: &TableRequest) -> PluginResult<Self::Writer>;

    /// The state last committed under `key`, or None.
    fn state(&self, key: &str) -> PluginResult<Option<String>>;

    /// The schema last committed for `table`, or None.
    fn schema(&self, table: &str) -> PluginResult<Option<String>>;
}

/// One table being written. Dropping it without a successful commit is a
/// rollback: the table must stay exactly as it was.
pub trait TableWriter: 'static {
    /// Writes the rows of one batch (checked against the columns already).
    fn write(&mut self, batch: &Batch) -> PluginResult<()>;

    /// Makes everything written visible, with the state and schema of
    /// `request`. On an error nothing may be visible: the host then rolls
    /// back (drops the writer).
    fn commit(&mut self, request: &CommitRequest) -> PluginResult<()>;
}

/// An open instance, as the host holds it.
struct Instance<W: Warehouse> {
    warehouse: W,
    host: Host,
}

/// An open writer, as the host holds it: the plugin's writer, the columns
/// its batches are read with, and the instance (which outlives it).
struct Writer<W: Warehouse> {
    writer: W::Writer,
    table: String,
    columns: Vec<Column>,
    instance: *const Instance<W>,
}

unsafe fn instance<'a, W: Warehouse>(raw: *mut etl_instance) -> &'a Instance<W> {
    &*raw.cast::<Instance<W>>()
}

unsafe fn writer<'a, W: Warehouse>(raw: *mut etl_writer) -> &'a mut Writer<W> {
    &mut *raw.cast::<Writer<W>>()
}

/// Reads an optional C string argument.
unsafe fn text<'a>(raw: *const c_char) -> Option<Cow<'a, str>> {
    if raw.is_null() {
        None
    } else {
        Some(CStr::from_ptr(raw).to_string_lossy())
    }
}

unsafe extern "C" fn open<W: Warehouse>(
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
        let warehouse = W::open(&Config::parse(&json)?)?;
        let host = Host::new((*request).host_context);
        *out = Box::into_raw(Box::new(Instance { warehouse, host })).cast();
        Ok(())
    })
}

unsafe extern "C" fn check<W: Warehouse>(raw: *mut etl_instance, error: *mut etl_error) -> etl_status {
    guarded(error, "check", || unsafe { instance::<W>(raw).warehouse.check() })
}

unsafe extern "C" fn cancel<W: Warehouse>(raw: *mut etl_instance) {
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe { instance::<W>(raw).host.cancel() }));
}

unsafe extern "C" fn close<W: Warehouse>(raw: *mut etl_instance) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if !raw.is_null() {
            drop(unsafe { Box::from_raw(raw.cast::<Instance<W>>()) });
        }
    }));
}

unsafe extern "C" fn begin<W: Warehouse>(
    raw: *mut etl_instance, request: *const etl_table_request, out: *mut *mut etl_writer, error: *mut etl_error,
) -> etl_status {
    guarded(error, "begin", || unsafe {
        if request.is_null() || out.is_null() || (*request).table.is_null() || (*request).schema.is_null() {
            return Err(PluginError::invalid_argument("begin() needs a table and a schema"));
        }
        let request = &*request;
        let table = text(request.table).unwrap_or_default();
        let mode = match request.mode {
            ETL_MODE_REPLACE => WriteMode::Replace,
            ETL_MODE_APPEND => WriteMode::Append,
            ETL_MODE_UPSERT => WriteMode::Upsert,
            other => return Err(PluginError::new(ETL_ERR_NOT_IMPLEMENTED, format!("write mode {other} is unknown"))),
        };
        // The schema is borrowed: read_schema copies each column.
        let columns = read_schema(request.schema)
            .map_err(|failure| PluginError::new(failure.status, format!("table '{table}': {}", failure.message)))?;
        let mut key_columns = Vec::new();
        if !request.key_columns.is_null() {
            for index in 0..request.key_column_count.max(0) as usize {
                key_columns.extend(text(*request.key_columns.add(index)).map(|name| name.into_owned()));
            }
        }
        let instance = instance::<W>(raw);
        let table_request = TableRequest { table: &table, columns: &columns, mode, key_columns, run_id: text(request.run_id) };
        let plugin_writer = instance.warehouse.begin(&table_request)?;
        let owned = Writer::<W> { writer: plugin_writer, table: table.into_owned(), columns, instance };
        *out = Box::into_raw(Box::new(owned)).cast();
        Ok(())
    })
}

/// A batch moved out of the host's struct: released exactly once, when it
/// goes out of scope (also on an error or a panic).
struct OwnedBatch(ArrowArray);

impl Drop for OwnedBatch {
    fn drop(&mut self) {
        if let Some(release) = self.0.release {
            unsafe { release(&mut self.0) };
        }
    }
}

unsafe extern "C" fn write<W: Warehouse>(raw: *mut etl_writer, batch: *mut ArrowArray, error: *mut etl_error) -> etl_status {
    // write() takes the batch whatever happens: move it out first (copy the
    // struct, mark the host's released).
    if batch.is_null() || (*batch).release.is_none() {
        return guarded(error, "write", || Err(PluginError::invalid_argument("write() got no batch")));
    }
    let owned = OwnedBatch(ptr::read(batch));
    (*batch).release = None;
    guarded(error, "write", || unsafe {
        let writer = writer::<W>(raw);
        if (*writer.instance).host.is_cancelled() {
            return Err(PluginError::new(ETL_ERR_CANCELLED, "cancelled"));
        }
        let rows = Batch::new(&writer.columns, &owned.0)
            .map_err(|failure| PluginError::new(failure.status, format!("a batch for '{}': {}", writer.table, failure.message)))?;
        writer.writer.write(&rows)
    })
}

unsafe extern "C" fn commit<W: Warehouse>(
    raw: *mut etl_writer, request: *const etl_commit_request, error: *mut etl_error,
) -> etl_status {
    let status = guarded(error, "commit", || unsafe {
        if request.is_null() {
            return Err(PluginError::invalid_argument("no commit request"));
        }
        let request = &*request;
        let state = match (text(request.state_key), text(request.state_json)) {
            (Some(key), Some(json)) => Some((key, json)),
            _ => None,
        };
        let field = |offset: usize| has_field(request.struct_size, offset, size_of::<usize>());
        let commit = CommitRequest {
            state,
            schema_json: if field(offset_of!(etl_commit_request, schema_json)) { text(request.schema_json) } else { None },
            run_json: if field(offset_of!(etl_commit_request, run_json)) { text(request.run_json) } else { None },
        };
        writer::<W>(raw).writer.commit(&commit)
    });
    if status == ETL_OK {
        // on ETL_OK the writer is gone
        let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(raw.cast::<Writer<W>>()) })));
    }
    status
}

unsafe extern "C" fn rollback<W: Warehouse>(raw: *mut etl_writer) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if !raw.is_null() {
            drop(unsafe { Box::from_raw(raw.cast::<Writer<W>>()) }); // the writer's Drop discards its rows
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

/// Hands `found` to the host in `out`, or ETL_ERR_NOT_FOUND "no <what> stored".
unsafe fn answer(found: Option<String>, out: *mut etl_buffer, what: &str) -> PluginResult<()> {
    let Some(json) = found else {
        return Err(PluginError::not_found(format!("no {what} stored")));
    };
    let json = CString::new(json).map_err(|_| PluginError::new(ETL_ERR_INTERNAL, format!("the stored {what} contains a NUL byte")))?;
    (*out).length = json.as_bytes().len() as i64;
    let data = json.into_raw();
    (*out).data = data;
    (*out).private_data = data.cast();
    (*out).release = Some(release_buffer);
    Ok(())
}

unsafe extern "C" fn state_get<W: Warehouse>(
    raw: *mut etl_instance, key: *const c_char, out: *mut etl_buffer, error: *mut etl_error,
) -> etl_status {
    guarded(error, "state_get", || unsafe {
        let (Some(key), false) = (text(key), out.is_null()) else {
            return Err(PluginError::invalid_argument("state_get() needs a key and a buffer"));
        };
        answer(instance::<W>(raw).warehouse.state(&key)?, out, "state")
    })
}

unsafe extern "C" fn schema_get<W: Warehouse>(
    raw: *mut etl_instance, table: *const c_char, out: *mut etl_buffer, error: *mut etl_error,
) -> etl_status {
    guarded(error, "schema_get", || unsafe {
        let (Some(table), false) = (text(table), out.is_null()) else {
            return Err(PluginError::invalid_argument("schema_get() needs a table and a buffer"));
        };
        answer(instance::<W>(raw).warehouse.schema(&table)?, out, "schema")
    })
}

/// The operation table of `W`.
struct Operations<W>(PhantomData<W>);

impl<W: Warehouse> Operations<W> {
    const WAREHOUSE: etl_warehouse_ops = etl_warehouse_ops {
        struct_size: size_of::<etl_warehouse_ops>() as u32,
        begin: Some(begin::<W>),
        write: Some(write::<W>),
        commit: Some(commit::<W>),
        rollback: Some(rollback::<W>),
        state_get: Some(state_get::<W>),
        table_schema: None, // optional
        schema_get: Some(schema_get::<W>),
        write_present_keys: None, // no deletion detection
    };
}

/// The body of `etl_plugin_init` for the warehouse `W`: checks the host's
/// ABI, keeps its service table and fills the descriptor (no more of it
/// than the host's `struct_size` holds).
pub unsafe fn export_warehouse<W: Warehouse>(
    descriptor: &Descriptor, host_abi: u32, host: *const etl_host_api, out: *mut etl_plugin, error: *mut etl_error,
) -> etl_status {
    let mut plugin: etl_plugin = std::mem::zeroed();
    plugin.kind = ETL_KIND_WAREHOUSE;
    plugin.open = Some(open::<W>);
    plugin.check = Some(check::<W>);
    plugin.cancel = Some(cancel::<W>);
    plugin.close = Some(close::<W>);
    // A leaked copy of the table: the host keeps the pointer, and a plugin
    // is never unloaded.
    plugin.warehouse = Box::leak(Box::new(Operations::<W>::WAREHOUSE));
    export_plugin(descriptor, plugin, host_abi, host, out, error)
}
