//! __NAME__ — an etl-host warehouse in Rust, made by `etl-host plugins new`.
//!
//! It writes each table as JSON Lines: table "orders" becomes
//! <dir>/orders.jsonl, one JSON object per row with the columns in order
//! (NULL as null, dates and timestamps as ISO 8601 text, binary as hex
//! text, JSON columns as JSON). Config: {"dir": "out"}, created if missing.
//!
//!   replace  rows go to a hidden temporary file in the directory, renamed
//!            over <table>.jsonl at commit: readers see the old file or the
//!            new one, never half of one.
//!   append   commit copies the old file and then the new rows into a
//!            temporary file and renames it: atomic too.
//!
//! Extractor states (state_get) and table schemas (schema_get) are small
//! files in <dir>/_etl/, each replaced atomically at commit, after the
//! data. A crash between the renames leaves the state one run behind (an
//! incremental run then reads some records again); that is why it does not
//! claim ETL_CAP_TRANSACTIONAL_STATE.
//!
//! Make it yours: write somewhere else in begin/write/commit (and Drop,
//! the rollback), marked TODO below. This file has no FFI: the C contract
//! (etl_plugin.h, ABI 1.1) is mirrored in etl_ffi.rs, and etl_sdk.rs,
//! etl_reader.rs and etl_warehouse.rs are a safe layer over it (errors,
//! config, the cells of each batch checked, panics caught at the boundary).
//! Errors do not name the plugin: the host prefixes "plugin '__NAME__': ".
//!
//!   make                                          -> libetl___IDENT__.so
//!   etl-host plugins test ./libetl___IDENT__.so -d dir=/tmp/__IDENT__-test
//!   etl-host plugins install ./libetl___IDENT__.so
//!   etl-host sync csv __NAME__ -s path=data.csv -d dir=out

mod etl_ffi;
mod etl_reader;
mod etl_sdk;
mod etl_warehouse;

use etl_ffi::{etl_error, etl_host_api, etl_plugin, etl_status, ETL_CAP_MODE_APPEND, ETL_CAP_MODE_REPLACE, ETL_ERR_NOT_IMPLEMENTED};
use etl_reader::{Batch, Cell};
use etl_sdk::{Config, Descriptor, PluginError, PluginResult};
use etl_warehouse::{export_warehouse, CommitRequest, TableRequest, TableWriter, Warehouse, WriteMode};
use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// TODO: what your plugin says about itself, and the config it accepts (a
/// JSON Schema; the host checks configs against it before open()).
static DESCRIPTOR: Descriptor = Descriptor {
    name: c"__NAME__",
    version: c"0.1.0",
    description: c"TODO: say where __NAME__ writes (now: JSON Lines files in a directory).",
    config_schema: c"{\"type\": \"object\", \"properties\": {\"dir\": {\"type\": \"string\", \"description\": \"The directory for the <table>.jsonl files, created if missing.\"}}, \"required\": [\"dir\"], \"additionalProperties\": false}",
    capabilities: ETL_CAP_MODE_REPLACE | ETL_CAP_MODE_APPEND,
};

/// An open instance: the tables' directory and `<dir>/_etl` for states
/// and schemas.
struct JsonLinesFolder {
    dir: PathBuf,
    meta_dir: PathBuf,
}

impl Warehouse for JsonLinesFolder {
    type Writer = TableFile;

    /// TODO: read your own keys. Errors name the key.
    fn open(config: &Config) -> PluginResult<JsonLinesFolder> {
        config.check_keys(&["dir"])?;
        let dir = PathBuf::from(config.required_string("dir")?);
        if dir.as_os_str().is_empty() {
            return Err(PluginError::invalid_argument("config key 'dir': must not be empty"));
        }
        let meta_dir = dir.join("_etl");
        fs::create_dir_all(&meta_dir).map_err(|error| io_error(&error, "create directory", &meta_dir))?;
        Ok(JsonLinesFolder { dir, meta_dir })
    }

    fn check(&self) -> PluginResult<()> {
        let probe = TempFile::create(&self.dir, "check")?;
        drop(probe); // removed: the directory is writable
        Ok(())
    }

    fn begin(&self, request: &TableRequest) -> PluginResult<TableFile> {
        if request.mode == WriteMode::Upsert {
            return Err(PluginError::new(ETL_ERR_NOT_IMPLEMENTED, "write mode upsert is not supported (replace and append are)"));
        }
        let table = request.table;
        if table.is_empty() || table.starts_with('.') || table.contains('/') || table.len() > 200 {
            return Err(PluginError::invalid_argument(format!("table name '{table}' cannot be a file name")));
        }
        let keys = request.columns.iter().map(|column| json_string(&column.name) + ":").collect();
        let file_name = format!("{table}.jsonl");
        // TODO: start writing to your destination. Here: a new hidden file in
        // the same directory (a rename replaces atomically only there).
        let rows = TempFile::create(&self.dir, &file_name)?;
        Ok(TableFile {
            mode: request.mode,
            dir: self.dir.clone(),
            final_path: self.dir.join(&file_name),
            file_name,
            state_dir: self.meta_dir.clone(),
            schema_path: self.meta_dir.join(format!("schema-{table}.json")),
            keys,
            rows,
            line: String::new(),
        })
    }

    fn state(&self, key: &str) -> PluginResult<Option<String>> {
        read_if_present(&state_path(&self.meta_dir, key))
    }

    fn schema(&self, table: &str) -> PluginResult<Option<String>> {
        if table.contains('/') {
            return Err(PluginError::invalid_argument("the table is not a file name"));
        }
        read_if_present(&self.meta_dir.join(format!("schema-{table}.json")))
    }
}

/// One table being written: its new rows in a temporary file.
struct TableFile {
    mode: WriteMode,
    dir: PathBuf,
    file_name: String,
    final_path: PathBuf,
    state_dir: PathBuf,
    schema_path: PathBuf,
    /// Per column: its name as a JSON key and ':'.
    keys: Vec<String>,
    rows: TempFile,
    line: String,
}

impl TableWriter for TableFile {
    fn write(&mut self, batch: &Batch) -> PluginResult<()> {
        for row in 0..batch.row_count() {
            self.line.clear();
            self.line.push('{');
            for (column, key) in self.keys.iter().enumerate() {
                if column > 0 {
                    self.line.push(',');
                }
                self.line.push_str(key);
                append_cell(&mut self.line, batch.cell(row, column), batch.columns()[column].json);
            }
            self.line.push_str("}\n");
            // TODO: send the row to your destination.
            self.rows.write(self.line.as_bytes())?;
        }
        Ok(())
    }

    fn commit(&mut self, request: &CommitRequest) -> PluginResult<()> {
        self.rows.finish()?;
        // Everything that can fail comes first, into temporary files.
        let mut merged = None;
        if self.mode == WriteMode::Append {
            // old rows + new rows, in a new file
            let mut file = TempFile::create(&self.dir, &self.file_name)?;
            match File::open(&self.final_path) {
                Ok(mut old) => file.copy_from(&mut old, &self.final_path)?,
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => return Err(io_error(&error, "read", &self.final_path)),
            }
            let mut rows = File::open(&self.rows.path).map_err(|error| io_error(&error, "read", &self.rows.path))?;
            file.copy_from(&mut rows, &self.rows.path)?;
            file.finish()?;
            merged = Some(file);
        }
        let mut state = None;
        if let Some((key, json)) = &request.state {
            state = Some((TempFile::with_text(&self.state_dir, "state", json)?, state_path(&self.state_dir, key)));
        }
        let mut schema = None;
        if let Some(json) = &request.schema_json {
            schema = Some((TempFile::with_text(&self.state_dir, "schema", json)?, self.schema_path.clone()));
        }
        // Then the renames: the data, then what describes it.
        merged.as_mut().unwrap_or(&mut self.rows).rename_to(&self.final_path)?;
        for (file, path) in [state, schema].into_iter().flatten() {
            // on failure the next run sees the old state or schema
            let mut file = file;
            let _ = file.rename_to(&path);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

/// Fails with the errno of `error` after "cannot <what> '<path>'":
/// ETL_ERR_RESOURCE_EXHAUSTED for a full disk, ETL_ERR_PERMISSION_DENIED,
/// else ETL_ERR_IO.
fn io_error(error: &io::Error, what: &str, path: &Path) -> PluginError {
    let message = format!("cannot {what} '{}': {error}", path.display());
    match error.raw_os_error() {
        Some(28) => PluginError::new(etl_ffi::ETL_ERR_RESOURCE_EXHAUSTED, message), // ENOSPC
        _ if error.kind() == io::ErrorKind::PermissionDenied => PluginError::new(etl_ffi::ETL_ERR_PERMISSION_DENIED, message),
        Some(30) => PluginError::new(etl_ffi::ETL_ERR_PERMISSION_DENIED, message), // EROFS
        _ => PluginError::io(message),
    }
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A hidden file "<dir>/.<base>.<pid>-<n>.tmp", removed when dropped unless
/// it was renamed.
struct TempFile {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    renamed: bool,
}

impl TempFile {
    fn create(dir: &Path, base: &str) -> PluginResult<TempFile> {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed) + 1;
        let path = dir.join(format!(".{base}.{}-{n}.tmp", std::process::id()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|error| io_error(&error, "create a temporary file in", dir))?;
        Ok(TempFile { path, out: Some(BufWriter::new(file)), renamed: false })
    }

    /// A finished temporary file holding `text`.
    fn with_text(dir: &Path, base: &str, text: &str) -> PluginResult<TempFile> {
        let mut file = TempFile::create(dir, base)?;
        file.write(text.as_bytes())?;
        file.finish()?;
        Ok(file)
    }

    fn write(&mut self, bytes: &[u8]) -> PluginResult<()> {
        let out = self.out.as_mut().ok_or_else(|| PluginError::io("the file is already closed"))?;
        out.write_all(bytes).map_err(|error| io_error(&error, "write", &self.path))
    }

    fn copy_from(&mut self, from: &mut File, from_path: &Path) -> PluginResult<()> {
        let out = self.out.as_mut().ok_or_else(|| PluginError::io("the file is already closed"))?;
        io::copy(from, out).map_err(|error| io_error(&error, "copy", from_path)).map(|_| ())
    }

    /// Flushes, fsyncs and closes (once).
    fn finish(&mut self) -> PluginResult<()> {
        if let Some(out) = self.out.take() {
            let file = out.into_inner().map_err(|error| io_error(error.error(), "write", &self.path))?;
            file.sync_all().map_err(|error| io_error(&error, "write", &self.path))?;
        }
        Ok(())
    }

    fn rename_to(&mut self, path: &Path) -> PluginResult<()> {
        self.finish()?;
        fs::rename(&self.path, path).map_err(|error| io_error(&error, "rename a temporary file to", path))?;
        self.renamed = true;
        Ok(())
    }
}

impl Drop for TempFile {
    /// The rollback of whatever was not renamed: the file goes.
    fn drop(&mut self) {
        self.out = None;
        if !self.renamed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// "<meta_dir>/state-<hex of key>.json": any key becomes a file name.
fn state_path(meta_dir: &Path, key: &str) -> PathBuf {
    let hex: String = key.bytes().map(|byte| format!("{byte:02x}")).collect();
    meta_dir.join(format!("state-{hex}.json"))
}

/// The file's text, or None when it does not exist.
fn read_if_present(path: &Path) -> PluginResult<Option<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(io_error(&error, "read", path)),
    }
}

// ---------------------------------------------------------------------------
// Values as JSON
// ---------------------------------------------------------------------------

/// `text` as a JSON string.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Civil date (year, month, day) of a day count since 1970-01-01
/// (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Appends `cell` as JSON; `json` when its column holds JSON documents
/// (written as they are).
fn append_cell(out: &mut String, cell: Cell, json: bool) {
    match cell {
        Cell::Null => out.push_str("null"),
        Cell::Bool(value) => out.push_str(if value { "true" } else { "false" }),
        Cell::Int64(value) => {
            let _ = write!(out, "{value}");
        }
        Cell::Float64(value) if !value.is_finite() => out.push_str("null"), // JSON has neither NaN nor infinities
        Cell::Float64(value) => {
            // the shortest exact form; an exponent for very large and small magnitudes
            let magnitude = value.abs();
            let _ = if magnitude != 0.0 && !(1e-5..1e16).contains(&magnitude) { write!(out, "{value:e}") } else { write!(out, "{value}") };
        }
        Cell::Date32(days) => {
            let (year, month, day) = civil_from_days(i64::from(days));
            let _ = write!(out, "\"{year:04}-{month:02}-{day:02}\"");
        }
        Cell::TimestampUs(micros) => {
            let seconds = micros.div_euclid(1_000_000);
            let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
            let rest = seconds.rem_euclid(86_400);
            let _ = write!(
                out,
                "\"{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z\"",
                rest / 3600,
                rest / 60 % 60,
                rest % 60,
                micros.rem_euclid(1_000_000)
            );
        }
        Cell::Utf8(text) if json => out.push_str(text),
        Cell::Utf8(text) => out.push_str(&json_string(text)),
        Cell::Binary(bytes) => {
            out.push('"');
            for byte in bytes {
                let _ = write!(out, "{byte:02x}");
            }
            out.push('"');
        }
    }
}

/// The one symbol the host looks up.
#[no_mangle]
pub unsafe extern "C" fn etl_plugin_init(
    host_abi: u32, host: *const etl_host_api, out: *mut etl_plugin, error: *mut etl_error,
) -> etl_status {
    export_warehouse::<JsonLinesFolder>(&DESCRIPTOR, host_abi, host, out, error)
}
