//! __NAME__ — an etl-host extractor in Rust, made by `etl-host plugins new`.
//!
//! It reads one stream, "numbers", of `count` rows (config; default 10):
//!
//!   n       int64  1, 2, ..., count
//!   square  int64  n * n
//!   even    bool   whether n is even
//!   label   utf8   "row <n>"
//!
//! Make it yours: change the config schema, the catalog, the columns and the
//! rows, marked TODO below. This file has no FFI: the C contract
//! (etl_plugin.h, ABI 1.1) is mirrored in etl_ffi.rs, and etl_sdk.rs,
//! etl_batch.rs and etl_extractor.rs are a safe layer over it (errors,
//! config, Arrow batches, panics caught at the boundary). Errors do not name
//! the plugin: the host prefixes "plugin '__NAME__': " itself.
//!
//!   make                                          -> libetl___IDENT__.so
//!   etl-host plugins test ./libetl___IDENT__.so     the conformance checks
//!   etl-host plugins install ./libetl___IDENT__.so
//!   etl-host sync __NAME__ sqlite -s count=5

mod etl_batch;
mod etl_extractor;
mod etl_ffi;
mod etl_sdk;

use etl_batch::{BatchBuilder, ColumnType, Value};
use etl_extractor::{export_extractor, Extractor, Stream};
use etl_ffi::{etl_error, etl_host_api, etl_plugin, etl_status, ETL_CAP_SCHEMA_HINTS};
use etl_sdk::{Config, Descriptor, Host, PluginError, PluginResult};

/// Rows per batch.
const BATCH_ROWS: usize = 1000;
/// The largest count the config accepts.
const MAX_COUNT: i64 = 1_000_000_000;

/// TODO: what your plugin says about itself, and the config it accepts (a
/// JSON Schema; the host checks configs against it before open()).
static DESCRIPTOR: Descriptor = Descriptor {
    name: c"__NAME__",
    version: c"0.1.0",
    description: c"TODO: say what __NAME__ reads (now: a stream of `count` numbers).",
    config_schema: c"{\"type\": \"object\", \"properties\": {\"count\": {\"type\": \"integer\", \"default\": 10, \"description\": \"How many rows the numbers stream has (0 to 1000000000).\"}}, \"additionalProperties\": false}",
    capabilities: ETL_CAP_SCHEMA_HINTS, // TODO: | ETL_CAP_PARALLEL_STREAMS when streams may be read at once
};

/// An open instance: the config, read once.
struct Numbers {
    count: i64,
}

impl Extractor for Numbers {
    type Stream = NumbersStream;

    /// TODO: read your own keys. Errors name the key: "config key 'count':
    /// must be an integer from 0 to 1000000000".
    fn open(config: &Config) -> PluginResult<Numbers> {
        config.check_keys(&["count"])?;
        Ok(Numbers { count: config.int("count", 10, 0, MAX_COUNT)? })
    }

    /// TODO: your streams, their keys and column types.
    fn catalog(&self) -> String {
        concat!(
            "{\"streams\": [{\"name\": \"numbers\", \"primary_key\": [\"n\"], \"fields\": [",
            "{\"name\": \"n\", \"type\": \"integer\"}, {\"name\": \"square\", \"type\": \"integer\"}, ",
            "{\"name\": \"even\", \"type\": \"boolean\"}, {\"name\": \"label\", \"type\": \"string\"}]}]}"
        )
        .to_string()
    }

    /// The state is ignored: every read is a full read.
    fn read(&self, stream: &str, _state: Option<&str>) -> PluginResult<NumbersStream> {
        if stream != "numbers" {
            return Err(PluginError::invalid_argument(format!(
                "unknown stream '{stream}' (the only stream is 'numbers')"
            )));
        }
        Ok(NumbersStream { next: 1, count: self.count })
    }
}

/// The numbers stream being read.
struct NumbersStream {
    next: i64,
    count: i64,
}

impl Stream for NumbersStream {
    fn name(&self) -> &str {
        "numbers"
    }

    /// TODO: your columns, in order.
    fn columns(&self) -> Vec<(&'static str, ColumnType)> {
        vec![
            ("n", ColumnType::Int64),
            ("square", ColumnType::Int64),
            ("even", ColumnType::Bool),
            ("label", ColumnType::Utf8),
        ]
    }

    /// TODO: your rows: one value per column (or Value::Null).
    fn next_rows(&mut self, batch: &mut BatchBuilder, _host: &Host) -> PluginResult<()> {
        while self.next <= self.count && batch.row_count() < BATCH_ROWS {
            let n = self.next;
            let label = format!("row {n}");
            batch.append_row(&[Value::Int64(n), Value::Int64(n * n), Value::Bool(n % 2 == 0), Value::Utf8(&label)])?;
            self.next += 1;
        }
        Ok(())
    }
}

/// The one symbol the host looks up.
#[no_mangle]
pub unsafe extern "C" fn etl_plugin_init(
    host_abi: u32, host: *const etl_host_api, out: *mut etl_plugin, error: *mut etl_error,
) -> etl_status {
    export_extractor::<Numbers>(&DESCRIPTOR, host_abi, host, out, error)
}
