//! Reads the Arrow batches a warehouse receives, made by `etl-host plugins
//! new`: the Rust twin of etl_reader.h. You should not need to edit it.
//!
//! - `read_schema` turns begin()'s "+s" schema into `Column`s: name, type
//!   (the v1 formats of etl_plugin.h) and what the field metadata says (a
//!   JSON column, a decimal, untyped text). Any other format is refused.
//! - `Batch::new` checks a batch against those columns before anything is
//!   read: the column count, lengths and offsets, buffers present, every
//!   null_count, offsets that start at 0 and never go back, UTF-8 text.
//!   After that `Batch::cell` cannot fail and never reads out of bounds.
//!
//! Buffers are read byte by byte (`from_ne_bytes`), so nothing relies on
//! the producer's alignment.

#![allow(dead_code)]

use crate::etl_ffi::{ArrowArray, ArrowSchema};
use crate::etl_sdk::{PluginError, PluginResult};
use std::ffi::{c_char, CStr};
use std::slice;

/// The type of a column: the v1 formats of etl_plugin.h.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// "n": every value missing.
    Null,
    /// "b".
    Bool,
    /// "l".
    Int64,
    /// "g".
    Float64,
    /// "u" (int32 offsets).
    Utf8,
    /// "z" (int32 offsets).
    Binary,
    /// "tdD": days since 1970-01-01.
    Date32,
    /// "tsu:UTC": microseconds since the epoch, UTC.
    TimestampUs,
}

impl ColumnType {
    fn from_format(format: &str) -> Option<ColumnType> {
        Some(match format {
            "n" => ColumnType::Null,
            "b" => ColumnType::Bool,
            "l" => ColumnType::Int64,
            "g" => ColumnType::Float64,
            "u" => ColumnType::Utf8,
            "z" => ColumnType::Binary,
            "tdD" => ColumnType::Date32,
            "tsu:UTC" => ColumnType::TimestampUs,
            _ => return None,
        })
    }

    /// The buffers an array of this type has: validity, then values (and
    /// offsets before the values of utf8 and binary).
    fn buffer_count(self) -> i64 {
        match self {
            ColumnType::Null => 0,
            ColumnType::Utf8 | ColumnType::Binary => 3,
            _ => 2,
        }
    }
}

/// One column of the table being written.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub column_type: ColumnType,
    /// utf8 holding JSON documents (`ARROW:extension:name = arrow.json`).
    pub json: bool,
    /// utf8 holding raw text the host could not type (`etl.untyped = 1`).
    pub untyped: bool,
    /// utf8 holding exact decimals: (precision, scale) from `etl.decimal`.
    pub decimal: Option<(u32, u32)>,
}

/// One value of a batch, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Null,
    Bool(bool),
    Int64(i64),
    Float64(f64),
    Utf8(&'a str),
    Binary(&'a [u8]),
    /// Days since 1970-01-01.
    Date32(i32),
    /// Microseconds since 1970-01-01T00:00:00Z.
    TimestampUs(i64),
}

unsafe fn c_text(raw: *const c_char) -> Option<String> {
    if raw.is_null() {
        None
    } else {
        Some(CStr::from_ptr(raw).to_string_lossy().into_owned())
    }
}

/// The columns of a "+s" schema (borrowed: everything is copied).
///
/// Errors (ETL_ERR_INVALID_ARGUMENT) name the column: "column 'at' has
/// format 'tsn:', which ABI v1 does not define".
pub unsafe fn read_schema(schema: *const ArrowSchema) -> PluginResult<Vec<Column>> {
    if schema.is_null() || c_text((*schema).format).as_deref() != Some("+s") || (*schema).n_children < 0 {
        return Err(PluginError::invalid_argument("the schema is not a struct (format '+s')"));
    }
    let count = (*schema).n_children as usize;
    if count > 0 && (*schema).children.is_null() {
        return Err(PluginError::invalid_argument("the schema has no children array"));
    }
    let mut columns = Vec::with_capacity(count);
    for index in 0..count {
        let field = *(*schema).children.add(index);
        if field.is_null() {
            return Err(PluginError::invalid_argument(format!("column {index} of the schema is missing")));
        }
        let name = c_text((*field).name)
            .filter(|name| !name.is_empty())
            .ok_or_else(|| PluginError::invalid_argument(format!("column {index} of the schema has no name")))?;
        let format = c_text((*field).format).unwrap_or_else(|| "(null)".to_string());
        let column_type = ColumnType::from_format(&format).ok_or_else(|| {
            PluginError::invalid_argument(format!("column '{name}' has format '{format}', which ABI v1 does not define"))
        })?;
        let mut column = Column { name, column_type, json: false, untyped: false, decimal: None };
        let metadata = read_metadata((*field).metadata)
            .ok_or_else(|| PluginError::invalid_argument(format!("column '{}' has malformed metadata", column.name)))?;
        for (key, value) in metadata {
            match key.as_str() {
                "ARROW:extension:name" if value == "arrow.json" => column.json = true,
                "etl.untyped" if value == "1" => column.untyped = true,
                "etl.decimal" => {
                    let parts: Vec<Option<u32>> = value.split(',').map(|part| part.trim().parse().ok()).collect();
                    match parts.as_slice() {
                        [Some(precision), Some(scale)] => column.decimal = Some((*precision, *scale)),
                        _ => {
                            return Err(PluginError::invalid_argument(format!(
                                "column '{}' has etl.decimal '{value}', not <precision>,<scale>",
                                column.name
                            )))
                        }
                    }
                }
                _ => {}
            }
        }
        columns.push(column);
    }
    Ok(columns)
}

/// Arrow's binary metadata: an int32 count, then for each pair an int32
/// length and the key's bytes, an int32 length and the value's bytes.
/// None when malformed.
unsafe fn read_metadata(raw: *const c_char) -> Option<Vec<(String, String)>> {
    if raw.is_null() {
        return Some(Vec::new());
    }
    let raw = raw.cast::<u8>();
    let int = |at: usize| -> i32 { i32::from_ne_bytes(*raw.add(at).cast::<[u8; 4]>()) };
    let pairs = int(0);
    if !(0..=10_000).contains(&pairs) {
        return None;
    }
    let mut at = 4usize;
    let mut out = Vec::with_capacity(pairs as usize);
    for _ in 0..pairs {
        let mut text = || -> Option<String> {
            let length = int(at);
            if !(0..=1 << 20).contains(&length) {
                return None;
            }
            let bytes = slice::from_raw_parts(raw.add(at + 4), length as usize);
            at += 4 + length as usize;
            String::from_utf8(bytes.to_vec()).ok()
        };
        let key = text()?;
        let value = text()?;
        out.push((key, value));
    }
    Some(out)
}

/// The checked buffers of one column of a batch.
struct ColumnView<'a> {
    column_type: ColumnType,
    /// The first row's index in the buffers (the child's offset plus the
    /// batch's).
    first: usize,
    validity: Option<&'a [u8]>,
    /// int32 offsets of utf8 and binary (rows + 1 of them, from `first`).
    offsets: &'a [u8],
    values: &'a [u8],
}

fn bit(bytes: &[u8], index: usize) -> bool {
    bytes[index / 8] >> (index % 8) & 1 == 1
}

impl<'a> ColumnView<'a> {
    fn is_null(&self, row: usize) -> bool {
        self.column_type == ColumnType::Null || self.validity.is_some_and(|bits| !bit(bits, self.first + row))
    }

    fn offset(&self, index: usize) -> usize {
        let at = index * 4;
        i32::from_ne_bytes(self.offsets[at..at + 4].try_into().unwrap()) as usize
    }

    fn bytes(&self, row: usize) -> &'a [u8] {
        &self.values[self.offset(self.first + row)..self.offset(self.first + row + 1)]
    }

    fn fixed<const N: usize>(&self, row: usize) -> [u8; N] {
        let at = (self.first + row) * N;
        self.values[at..at + N].try_into().unwrap()
    }
}

/// A batch checked against its columns, borrowed from the `ArrowArray`
/// for as long as it lives (the caller releases the array afterwards).
pub struct Batch<'a> {
    columns: &'a [Column],
    rows: usize,
    views: Vec<ColumnView<'a>>,
}

impl<'a> Batch<'a> {
    /// Checks `array` (a "+s" batch of `columns`) and returns a reader of
    /// its cells. Errors (ETL_ERR_INVALID_ARGUMENT) name the column and
    /// what is wrong: "column 'name': offsets go back at row 3".
    pub unsafe fn new(columns: &'a [Column], array: &'a ArrowArray) -> PluginResult<Batch<'a>> {
        if array.length < 0 || array.offset < 0 || array.n_children != columns.len() as i64 {
            return Err(PluginError::invalid_argument(format!(
                "the batch has {} columns and length {}, the schema {} columns",
                array.n_children,
                array.length,
                columns.len()
            )));
        }
        if !columns.is_empty() && array.children.is_null() {
            return Err(PluginError::invalid_argument("the batch has no children array"));
        }
        let rows = array.length as usize;
        let mut views = Vec::with_capacity(columns.len());
        for (index, column) in columns.iter().enumerate() {
            let child = *array.children.add(index);
            let view = if child.is_null() || (*child).release.is_none() {
                Err("it is missing from the batch".to_string())
            } else {
                Self::check(column.column_type, &*child, array.offset as usize, rows)
            };
            views.push(view.map_err(|what| PluginError::invalid_argument(format!("column '{}': {what}", column.name)))?);
        }
        Ok(Batch { columns, rows, views })
    }

    /// Checks one column's array; the buffers' extents come from its
    /// length, offset and (for utf8 and binary) its last offset.
    unsafe fn check(column_type: ColumnType, child: &'a ArrowArray, parent_offset: usize, rows: usize) -> Result<ColumnView<'a>, String> {
        if child.offset < 0 || child.length < 0 || (child.length as usize) < parent_offset + rows {
            return Err(format!("its length {} is shorter than the batch's {}", child.length, parent_offset + rows));
        }
        let first = child.offset as usize + parent_offset;
        let end = child.offset as usize + child.length as usize; // the rows its buffers hold
        let buffer = |index: usize| -> *const u8 {
            if child.buffers.is_null() {
                std::ptr::null()
            } else {
                (*child.buffers.add(index)).cast::<u8>()
            }
        };
        let mut view = ColumnView { column_type, first, validity: None, offsets: &[], values: &[] };
        if column_type == ColumnType::Null {
            return Ok(view); // every value is null, whatever its buffers
        }
        if child.n_buffers != column_type.buffer_count() || child.buffers.is_null() {
            return Err(format!("it has {} buffers, its type has {}", child.n_buffers, column_type.buffer_count()));
        }
        if !buffer(0).is_null() {
            view.validity = Some(slice::from_raw_parts(buffer(0), end.div_ceil(8)));
        }
        let value_buffer = if matches!(column_type, ColumnType::Utf8 | ColumnType::Binary) { 2 } else { 1 };
        if rows > 0 && buffer(value_buffer).is_null() && !matches!(column_type, ColumnType::Utf8 | ColumnType::Binary) {
            return Err("its values buffer is missing".to_string());
        }
        match column_type {
            ColumnType::Utf8 | ColumnType::Binary => {
                if buffer(1).is_null() {
                    return Err("its offsets buffer is missing".to_string());
                }
                view.offsets = slice::from_raw_parts(buffer(1), (end + 1) * 4);
                let offset = |index: usize| i32::from_ne_bytes(view.offsets[index * 4..index * 4 + 4].try_into().unwrap());
                if child.offset == 0 && offset(0) != 0 {
                    return Err(format!("its offsets start at {}, not 0", offset(0)));
                }
                for index in child.offset as usize..end {
                    if offset(index) < 0 || offset(index + 1) < offset(index) {
                        return Err(format!("its offsets go back at row {}", index - child.offset as usize));
                    }
                }
                let total = offset(end) as usize;
                if total > 0 && buffer(2).is_null() {
                    return Err("its data buffer is missing".to_string());
                }
                view.values = if total == 0 { &[] } else { slice::from_raw_parts(buffer(2), total) };
            }
            ColumnType::Bool => view.values = if end == 0 { &[] } else { slice::from_raw_parts(buffer(1), end.div_ceil(8)) },
            ColumnType::Date32 => view.values = if end == 0 { &[] } else { slice::from_raw_parts(buffer(1), end * 4) },
            _ => view.values = if end == 0 { &[] } else { slice::from_raw_parts(buffer(1), end * 8) },
        }
        // null_count: -1 means "not computed"; anything else must be right.
        let nulls = (0..child.length as usize).filter(|row| view.validity.is_some_and(|bits| !bit(bits, child.offset as usize + row))).count();
        if child.null_count != -1 && child.null_count != nulls as i64 {
            return Err(format!("its null_count is {}, its validity holds {nulls} nulls", child.null_count));
        }
        if column_type == ColumnType::Utf8 {
            for row in 0..rows {
                if !view.is_null(row) && std::str::from_utf8(view.bytes(row)).is_err() {
                    return Err(format!("row {row} is not valid UTF-8"));
                }
            }
        }
        Ok(view)
    }

    /// The number of rows.
    pub fn row_count(&self) -> usize {
        self.rows
    }

    /// The columns, as `read_schema` read them.
    pub fn columns(&self) -> &'a [Column] {
        self.columns
    }

    /// The value at `row`, `column` (both in range: panics otherwise).
    pub fn cell(&self, row: usize, column: usize) -> Cell<'a> {
        assert!(row < self.rows, "row {row} of a batch of {} rows", self.rows);
        let view = &self.views[column];
        if view.is_null(row) {
            return Cell::Null;
        }
        match view.column_type {
            ColumnType::Null => Cell::Null,
            ColumnType::Bool => Cell::Bool(bit(view.values, view.first + row)),
            ColumnType::Int64 => Cell::Int64(i64::from_ne_bytes(view.fixed(row))),
            ColumnType::Float64 => Cell::Float64(f64::from_ne_bytes(view.fixed(row))),
            ColumnType::Date32 => Cell::Date32(i32::from_ne_bytes(view.fixed(row))),
            ColumnType::TimestampUs => Cell::TimestampUs(i64::from_ne_bytes(view.fixed(row))),
            // checked by Batch::new
            ColumnType::Utf8 => Cell::Utf8(std::str::from_utf8(view.bytes(row)).unwrap_or_default()),
            ColumnType::Binary => Cell::Binary(view.bytes(row)),
        }
    }
}
