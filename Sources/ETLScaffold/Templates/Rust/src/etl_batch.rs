//! Arrow batches built row by row, made by `etl-host plugins new`: columns
//! of int64, float64, bool and utf8, each nullable (a validity bitmap and a
//! null count), exported through the Arrow C Data Interface with release
//! callbacks that free them. You should not need to edit it.
//!
//! ```ignore
//! let mut batch = BatchBuilder::new(&[("n", ColumnType::Int64), ("label", ColumnType::Utf8)]);
//! batch.append_row(&[Value::Int64(1), Value::Utf8("row 1")])?;
//! batch.append_row(&[Value::Int64(2), Value::Null])?;
//! let array = batch.finish();   // an ArrowArray of 2 rows; the builder is empty again
//! ```

#![allow(dead_code)]

use crate::etl_ffi::*;
use crate::etl_sdk::{PluginError, PluginResult};
use std::ffi::{c_char, c_void, CString};
use std::ptr;

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnType {
    Int64,
    Float64,
    Bool,
    Utf8,
}

impl ColumnType {
    /// The Arrow format string.
    fn format(self) -> &'static std::ffi::CStr {
        match self {
            ColumnType::Int64 => c"l",
            ColumnType::Float64 => c"g",
            ColumnType::Bool => c"b",
            ColumnType::Utf8 => c"u",
        }
    }
}

/// One cell of a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Int64(i64),
    Float64(f64),
    Bool(bool),
    Utf8(&'a str),
}

/// One column being filled.
struct Column {
    name: CString,
    kind: ColumnType,
    length: usize,
    null_count: usize,
    validity: Vec<u8>, // 1 bit per value, 1 = valid
    offsets: Vec<i32>, // utf8: length + 1 offsets
    data: Vec<u8>,     // values: native-endian numbers, bits (bool) or utf8 bytes
}

fn set_bit(bits: &mut Vec<u8>, index: usize, value: bool) {
    if index / 8 >= bits.len() {
        bits.push(0);
    }
    if value {
        bits[index / 8] |= 1 << (index % 8);
    }
}

impl Column {
    fn new(name: &str, kind: ColumnType) -> Column {
        let mut column = Column {
            name: CString::new(name.replace('\0', " ")).unwrap_or_default(),
            kind,
            length: 0,
            null_count: 0,
            validity: Vec::new(),
            offsets: Vec::new(),
            data: Vec::new(),
        };
        column.reset();
        column
    }

    fn reset(&mut self) {
        self.length = 0;
        self.null_count = 0;
        self.validity.clear();
        self.data.clear();
        self.offsets.clear();
        if self.kind == ColumnType::Utf8 {
            self.offsets.push(0);
        }
    }

    /// Whether `value` fits this column (Null fits every column).
    fn accepts(&self, value: &Value) -> bool {
        matches!(
            (self.kind, value),
            (_, Value::Null)
                | (ColumnType::Int64, Value::Int64(_))
                | (ColumnType::Float64, Value::Float64(_))
                | (ColumnType::Bool, Value::Bool(_))
                | (ColumnType::Utf8, Value::Utf8(_))
        )
    }

    fn push(&mut self, value: &Value) {
        let index = self.length;
        match (self.kind, value) {
            (ColumnType::Int64, Value::Int64(number)) => self.data.extend_from_slice(&number.to_ne_bytes()),
            (ColumnType::Int64, _) => self.data.extend_from_slice(&0i64.to_ne_bytes()),
            (ColumnType::Float64, Value::Float64(number)) => self.data.extend_from_slice(&number.to_ne_bytes()),
            (ColumnType::Float64, _) => self.data.extend_from_slice(&0f64.to_ne_bytes()),
            (ColumnType::Bool, value) => set_bit(&mut self.data, index, *value == Value::Bool(true)),
            (ColumnType::Utf8, value) => {
                if let Value::Utf8(text) = value {
                    self.data.extend_from_slice(text.as_bytes());
                }
                self.offsets.push(self.data.len() as i32);
            }
        }
        let valid = *value != Value::Null;
        set_bit(&mut self.validity, index, valid);
        if !valid {
            self.null_count += 1;
        }
        self.length += 1;
    }
}

/// Builds batches of a fixed set of columns, row by row.
pub struct BatchBuilder {
    columns: Vec<Column>,
    rows: usize,
}

/// The largest utf8 data a batch column holds (32-bit offsets).
const MAX_UTF8_BYTES: usize = i32::MAX as usize;

impl BatchBuilder {
    /// A builder of columns `(name, type)`, in order.
    pub fn new(columns: &[(&str, ColumnType)]) -> BatchBuilder {
        BatchBuilder { columns: columns.iter().map(|(name, kind)| Column::new(name, *kind)).collect(), rows: 0 }
    }

    /// The rows appended since the last `finish`.
    pub fn row_count(&self) -> usize {
        self.rows
    }

    /// Appends one row: one value per column, in order, of the column's
    /// type or Null. A wrong row appends nothing and fails.
    pub fn append_row(&mut self, row: &[Value]) -> PluginResult<()> {
        if row.len() != self.columns.len() {
            return Err(PluginError::new(
                ETL_ERR_INTERNAL,
                format!("a row of {} values for {} columns", row.len(), self.columns.len()),
            ));
        }
        for (column, value) in self.columns.iter().zip(row) {
            if !column.accepts(value) {
                return Err(PluginError::new(
                    ETL_ERR_INTERNAL,
                    format!("column '{}' is {:?}, not {:?}", column.name.to_string_lossy(), column.kind, value),
                ));
            }
            if let Value::Utf8(text) = value {
                if column.data.len() + text.len() > MAX_UTF8_BYTES {
                    return Err(PluginError::new(
                        ETL_ERR_RESOURCE_EXHAUSTED,
                        format!("column '{}': over 2 GiB of text in one batch", column.name.to_string_lossy()),
                    ));
                }
            }
        }
        for (column, value) in self.columns.iter_mut().zip(row) {
            column.push(value);
        }
        self.rows += 1;
        Ok(())
    }

    /// The batch of the rows appended so far (a struct array, one child per
    /// column); the builder starts over, empty.
    pub fn finish(&mut self) -> ArrowArray {
        let children: Vec<ArrowArray> = self.columns.iter_mut().map(export_column).collect();
        let length = self.rows as i64;
        self.rows = 0;
        export_struct(children, length)
    }

    /// The schema of the batches: a struct ("+s") of nullable fields.
    pub fn schema(&self) -> ArrowSchema {
        let fields: Vec<ArrowSchema> = self
            .columns
            .iter()
            .map(|column| {
                let name = column.name.clone().into_raw();
                ArrowSchema {
                    format: column.kind.format().as_ptr(), // static
                    name,
                    metadata: ptr::null(),
                    flags: ARROW_FLAG_NULLABLE,
                    n_children: 0,
                    children: ptr::null_mut(),
                    dictionary: ptr::null_mut(),
                    release: Some(release_field),
                    private_data: name.cast(),
                }
            })
            .collect();
        let mut owned = Box::new(Children { items: fields, pointers: Vec::new() });
        owned.pointers = owned.items.iter_mut().map(|field| field as *mut ArrowSchema).collect();
        ArrowSchema {
            format: c"+s".as_ptr(),
            name: c"".as_ptr(),
            metadata: ptr::null(),
            flags: 0,
            n_children: owned.pointers.len() as i64,
            children: owned.pointers.as_mut_ptr(),
            dictionary: ptr::null_mut(),
            release: Some(release_schema),
            private_data: Box::into_raw(owned).cast(),
        }
    }
}

/// Children and the pointer array the parent's `children` points at.
struct Children<T> {
    items: Vec<T>,
    pointers: Vec<*mut T>,
}

/// What a column array owns: its buffers and the pointer array to them.
/// Freed by its own release, so the host may move a column out of a batch.
struct ColumnBuffers {
    pointers: [*const c_void; 3],
    _validity: Vec<u8>,
    _offsets: Vec<i32>,
    _data: Vec<u8>,
}

fn export_column(column: &mut Column) -> ArrowArray {
    let validity = std::mem::take(&mut column.validity);
    let offsets = std::mem::take(&mut column.offsets);
    let data = std::mem::take(&mut column.data);
    let (length, null_count, kind) = (column.length as i64, column.null_count as i64, column.kind);
    column.reset();
    let mut owned = Box::new(ColumnBuffers {
        pointers: [ptr::null(); 3],
        _validity: validity,
        _offsets: offsets,
        _data: data,
    });
    owned.pointers[0] = if null_count == 0 { ptr::null() } else { owned._validity.as_ptr().cast() };
    let n_buffers = if kind == ColumnType::Utf8 {
        owned.pointers[1] = owned._offsets.as_ptr().cast();
        owned.pointers[2] = owned._data.as_ptr().cast();
        3
    } else {
        owned.pointers[1] = owned._data.as_ptr().cast();
        2
    };
    ArrowArray {
        length,
        null_count,
        offset: 0,
        n_buffers,
        n_children: 0,
        buffers: owned.pointers.as_mut_ptr(),
        children: ptr::null_mut(),
        dictionary: ptr::null_mut(),
        release: Some(release_column),
        private_data: Box::into_raw(owned).cast(),
    }
}

fn export_struct(children: Vec<ArrowArray>, length: i64) -> ArrowArray {
    let mut owned = Box::new((Children { items: children, pointers: Vec::new() }, [ptr::null::<c_void>(); 1]));
    owned.0.pointers = owned.0.items.iter_mut().map(|child| child as *mut ArrowArray).collect();
    ArrowArray {
        length,
        null_count: 0,
        offset: 0,
        n_buffers: 1, // the struct's validity: none
        n_children: owned.0.pointers.len() as i64,
        buffers: owned.1.as_mut_ptr(),
        children: owned.0.pointers.as_mut_ptr(),
        dictionary: ptr::null_mut(),
        release: Some(release_struct),
        private_data: Box::into_raw(owned).cast(),
    }
}

unsafe extern "C" fn release_column(array: *mut ArrowArray) {
    let _ = std::panic::catch_unwind(|| unsafe {
        if (*array).release.is_none() {
            return;
        }
        drop(Box::from_raw((*array).private_data.cast::<ColumnBuffers>()));
        (*array).release = None;
    });
}

unsafe extern "C" fn release_struct(array: *mut ArrowArray) {
    let _ = std::panic::catch_unwind(|| unsafe {
        if (*array).release.is_none() {
            return;
        }
        let owned = Box::from_raw((*array).private_data.cast::<(Children<ArrowArray>, [*const c_void; 1])>());
        // A child the host moved out has release == NULL already.
        for &child in &owned.0.pointers {
            if let Some(release) = (*child).release {
                release(child);
            }
        }
        drop(owned);
        (*array).release = None;
    });
}

unsafe extern "C" fn release_field(schema: *mut ArrowSchema) {
    let _ = std::panic::catch_unwind(|| unsafe {
        if (*schema).release.is_none() {
            return;
        }
        drop(CString::from_raw((*schema).private_data.cast::<c_char>()));
        (*schema).release = None;
    });
}

unsafe extern "C" fn release_schema(schema: *mut ArrowSchema) {
    let _ = std::panic::catch_unwind(|| unsafe {
        if (*schema).release.is_none() {
            return;
        }
        let owned = Box::from_raw((*schema).private_data.cast::<Children<ArrowSchema>>());
        for &field in &owned.pointers {
            if let Some(release) = (*field).release {
                release(field);
            }
        }
        drop(owned);
        (*schema).release = None;
    });
}
