//! Unit test of the Rust warehouse template's batch reader
//! (Sources/ETLScaffold/Templates/Rust/src/etl_reader.rs), built by
//! RustReaderTemplateTests with plain rustc and run: schemas and batches
//! made by hand, every v1 type read back (with nulls, a sliced column and a
//! sliced batch), the metadata flags, and every refusal with its message.
//! Prints "N checks passed" and exits 0, or prints each failure and exits 1.

#[path = "../../../Sources/ETLScaffold/Templates/Rust/src/etl_ffi.rs"]
mod etl_ffi;
#[path = "../../../Sources/ETLScaffold/Templates/Rust/src/etl_reader.rs"]
mod etl_reader;
#[path = "../../../Sources/ETLScaffold/Templates/Rust/src/etl_sdk.rs"]
mod etl_sdk;

use etl_ffi::{ArrowArray, ArrowSchema, ETL_ERR_INVALID_ARGUMENT};
use etl_reader::{read_schema, Batch, Cell, Column, ColumnType};
use std::ffi::{c_char, c_void, CString};
use std::ptr;

/// Counts checks and failures.
struct Checks {
    passed: usize,
    failed: usize,
}

impl Checks {
    fn check(&mut self, ok: bool, what: &str) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            println!("FAILED: {what}");
        }
    }

    fn equal<T: PartialEq + std::fmt::Debug>(&mut self, actual: T, expected: T, what: &str) {
        let ok = actual == expected;
        self.check(ok, &format!("{what}: {actual:?} != {expected:?}"));
    }
}

fn text(value: &str) -> *const c_char {
    CString::new(value).unwrap().into_raw()
}

/// Arrow's binary metadata of `pairs`.
fn metadata(pairs: &[(&str, &str)]) -> *const c_char {
    let mut bytes = (pairs.len() as i32).to_ne_bytes().to_vec();
    for (key, value) in pairs {
        for part in [key, value] {
            bytes.extend_from_slice(&(part.len() as i32).to_ne_bytes());
            bytes.extend_from_slice(part.as_bytes());
        }
    }
    Box::leak(bytes.into_boxed_slice()).as_ptr().cast()
}

fn field(name: &str, format: &str, meta: *const c_char) -> *mut ArrowSchema {
    Box::into_raw(Box::new(ArrowSchema {
        format: text(format),
        name: text(name),
        metadata: meta,
        flags: 2,
        n_children: 0,
        children: ptr::null_mut(),
        dictionary: ptr::null_mut(),
        release: None,
        private_data: ptr::null_mut(),
    }))
}

fn schema(format: &str, fields: Vec<*mut ArrowSchema>) -> ArrowSchema {
    ArrowSchema {
        format: text(format),
        name: text(""),
        metadata: ptr::null(),
        flags: 0,
        n_children: fields.len() as i64,
        children: Box::leak(fields.into_boxed_slice()).as_mut_ptr(),
        dictionary: ptr::null_mut(),
        release: None,
        private_data: ptr::null_mut(),
    }
}

unsafe extern "C" fn release_nothing(array: *mut ArrowArray) {
    (*array).release = None;
}

fn bytes<T: Copy>(values: &[T]) -> *const c_void {
    Box::leak(values.to_vec().into_boxed_slice()).as_ptr().cast()
}

fn array(length: i64, null_count: i64, offset: i64, buffers: Vec<*const c_void>) -> *mut ArrowArray {
    Box::into_raw(Box::new(ArrowArray {
        length,
        null_count,
        offset,
        n_buffers: buffers.len() as i64,
        n_children: 0,
        buffers: Box::leak(buffers.into_boxed_slice()).as_mut_ptr(),
        children: ptr::null_mut(),
        dictionary: ptr::null_mut(),
        release: Some(release_nothing),
        private_data: ptr::null_mut(),
    }))
}

fn batch(length: i64, offset: i64, children: Vec<*mut ArrowArray>) -> ArrowArray {
    ArrowArray {
        length,
        null_count: 0,
        offset,
        n_buffers: 1,
        n_children: children.len() as i64,
        buffers: Box::leak(vec![ptr::null::<c_void>()].into_boxed_slice()).as_mut_ptr(),
        children: Box::leak(children.into_boxed_slice()).as_mut_ptr(),
        dictionary: ptr::null_mut(),
        release: Some(release_nothing),
        private_data: ptr::null_mut(),
    }
}

fn column(name: &str, column_type: ColumnType) -> Column {
    Column { name: name.to_string(), column_type, json: false, untyped: false, decimal: None }
}

/// The refusal `Batch::new` gives, or "accepted".
fn refusal(columns: &[Column], array: &ArrowArray) -> String {
    match unsafe { Batch::new(columns, array) } {
        Ok(_) => "accepted".to_string(),
        Err(error) if error.status == ETL_ERR_INVALID_ARGUMENT => error.message,
        Err(error) => format!("status {}: {}", error.status, error.message),
    }
}

/// A utf8 column of `values` (None: null) with offsets and validity.
fn utf8(values: &[Option<&[u8]>]) -> *mut ArrowArray {
    let mut offsets = vec![0i32];
    let mut data = Vec::new();
    let mut validity = vec![0u8; values.len().div_ceil(8).max(1)];
    for (index, value) in values.iter().enumerate() {
        if let Some(value) = value {
            data.extend_from_slice(value);
            validity[index / 8] |= 1 << (index % 8);
        }
        offsets.push(data.len() as i32);
    }
    let nulls = values.iter().filter(|value| value.is_none()).count() as i64;
    array(values.len() as i64, nulls, 0, vec![bytes(&validity), bytes(&offsets), bytes(&data)])
}

fn main() {
    let mut checks = Checks { passed: 0, failed: 0 };
    unsafe {
        // Every v1 type, with its metadata.
        let full = schema("+s", vec![
            field("id", "l", ptr::null()),
            field("ratio", "g", ptr::null()),
            field("flag", "b", ptr::null()),
            field("name", "u", ptr::null()),
            field("blob", "z", ptr::null()),
            field("day", "tdD", ptr::null()),
            field("at", "tsu:UTC", ptr::null()),
            field("nothing", "n", ptr::null()),
            field("doc", "u", metadata(&[("ARROW:extension:name", "arrow.json")])),
            field("price", "u", metadata(&[("etl.decimal", "10,2"), ("other", "x")])),
            field("raw", "u", metadata(&[("etl.untyped", "1")])),
        ]);
        let columns = read_schema(&full).expect("the schema reads");
        checks.equal(columns.len(), 11, "column count");
        checks.equal(
            columns.iter().map(|c| c.column_type).collect::<Vec<_>>(),
            vec![
                ColumnType::Int64, ColumnType::Float64, ColumnType::Bool, ColumnType::Utf8, ColumnType::Binary,
                ColumnType::Date32, ColumnType::TimestampUs, ColumnType::Null, ColumnType::Utf8, ColumnType::Utf8,
                ColumnType::Utf8,
            ],
            "types",
        );
        checks.equal(columns[0].name.as_str(), "id", "name");
        checks.equal((columns[8].json, columns[9].decimal, columns[10].untyped), (true, Some((10, 2)), true), "metadata flags");
        checks.equal((columns[3].json, columns[3].decimal, columns[3].untyped), (false, None, false), "no metadata");

        // Four rows: a null in row 2 (validity bit 2 clear) of every column but id.
        let valid = bytes(&[0b1011u8]);
        let rows = 4;
        let children = vec![
            array(rows, 0, 0, vec![ptr::null(), bytes(&[1i64, -2, 3, i64::MAX])]),
            array(rows, 1, 0, vec![valid, bytes(&[0.5f64, -0.0, 9.0, f64::INFINITY])]),
            array(rows, 1, 0, vec![valid, bytes(&[0b1001u8])]),
            utf8(&[Some("Zoë".as_bytes()), Some(b""), None, Some("☕".as_bytes())]),
            utf8(&[Some(&[0, 255]), Some(b""), None, Some(&[7])]),
            array(rows, 1, 0, vec![valid, bytes(&[0i32, -1, 0, 19_000])]),
            array(rows, 1, 0, vec![valid, bytes(&[0i64, -1, 0, 1_700_000_000_000_000])]),
            array(rows, rows, 0, vec![]),
            utf8(&[Some(b"{\"a\": 1}"), Some(b"[]"), None, Some(b"null")]),
            utf8(&[Some(b"1.50"), Some(b"-2.00"), None, Some(b"0.01")]),
            utf8(&[Some(b"x"), Some(b"y"), None, Some(b"z")]),
        ];
        let whole = batch(rows, 0, children.clone());
        match Batch::new(&columns, &whole) {
            Err(error) => checks.check(false, &format!("the batch is accepted: {}", error.message)),
            Ok(read) => {
                checks.equal(read.row_count(), 4, "row count");
                checks.equal(read.cell(1, 0), Cell::Int64(-2), "int64");
                checks.equal(read.cell(3, 0), Cell::Int64(i64::MAX), "int64 max");
                checks.equal(read.cell(0, 1), Cell::Float64(0.5), "float64");
                checks.equal(read.cell(3, 1), Cell::Float64(f64::INFINITY), "float64 infinity");
                checks.equal(read.cell(2, 1), Cell::Null, "float64 null");
                checks.equal((read.cell(0, 2), read.cell(1, 2), read.cell(3, 2)), (Cell::Bool(true), Cell::Bool(false), Cell::Bool(true)), "bool");
                checks.equal((read.cell(0, 3), read.cell(1, 3), read.cell(2, 3)), (Cell::Utf8("Zoë"), Cell::Utf8(""), Cell::Null), "utf8");
                checks.equal(read.cell(3, 3), Cell::Utf8("☕"), "utf8 multibyte");
                checks.equal((read.cell(0, 4), read.cell(3, 4)), (Cell::Binary(&[0, 255]), Cell::Binary(&[7])), "binary");
                checks.equal((read.cell(1, 5), read.cell(3, 5)), (Cell::Date32(-1), Cell::Date32(19_000)), "date32");
                checks.equal((read.cell(1, 6), read.cell(2, 6)), (Cell::TimestampUs(-1), Cell::Null), "timestamp");
                checks.equal((read.cell(0, 7), read.cell(3, 7)), (Cell::Null, Cell::Null), "null column");
                checks.equal(read.cell(0, 8), Cell::Utf8("{\"a\": 1}"), "json text");
            }
        }

        // A slice: the batch starts at row 1 (its offset) and the utf8 column
        // at row 1 of its own buffers (the child's offset), so the batch's
        // rows are the int64 column's 1 and 2 and the utf8 column's 2
        // (null: validity bit 2 is clear) and 3.
        let two = [column("n", ColumnType::Int64), column("s", ColumnType::Utf8)];
        let sliced_text = array(3, 1, 1, vec![bytes(&[0b1011u8]), bytes(&[0i32, 1, 3, 3, 6]), bytes(b"abbccc")]);
        let sliced = batch(2, 1, vec![array(3, 0, 0, vec![ptr::null(), bytes(&[10i64, 20, 30])]), sliced_text]);
        match Batch::new(&two, &sliced) {
            Err(error) => checks.check(false, &format!("the slice is accepted: {}", error.message)),
            Ok(read) => {
                checks.equal(read.row_count(), 2, "slice row count");
                checks.equal((read.cell(0, 0), read.cell(1, 0)), (Cell::Int64(20), Cell::Int64(30)), "slice int64");
                checks.equal((read.cell(0, 1), read.cell(1, 1)), (Cell::Null, Cell::Utf8("ccc")), "slice utf8");
            }
        }

        // An empty batch with empty buffers is fine.
        let empty = batch(0, 0, vec![array(0, 0, 0, vec![ptr::null(), ptr::null()]), array(0, 0, 0, vec![ptr::null(), bytes(&[0i32]), ptr::null()])]);
        checks.equal(refusal(&two, &empty), "accepted".to_string(), "empty batch");
        // A null column with a validity buffer (some producers send one) is fine too.
        let nothing = [column("x", ColumnType::Null)];
        checks.equal(refusal(&nothing, &batch(2, 0, vec![array(2, 2, 0, vec![bytes(&[0u8])])])), "accepted".to_string(), "null with a buffer");

        // Schema refusals.
        let refused = |schema: &ArrowSchema| match read_schema(schema) {
            Ok(_) => "accepted".to_string(),
            Err(error) => error.message,
        };
        checks.equal(refused(&schema("+s", vec![field("at", "tsn:", ptr::null())])),
                     "column 'at' has format 'tsn:', which ABI v1 does not define".to_string(), "unknown format");
        checks.equal(refused(&schema("+l", vec![])), "the schema is not a struct (format '+s')".to_string(), "not a struct");
        checks.equal(refused(&schema("+s", vec![field("", "l", ptr::null())])), "column 0 of the schema has no name".to_string(), "no name");
        checks.equal(refused(&schema("+s", vec![field("d", "u", metadata(&[("etl.decimal", "ten")]))])),
                     "column 'd' has etl.decimal 'ten', not <precision>,<scale>".to_string(), "bad decimal");

        // Batch refusals, each naming the column and what is wrong.
        let ints = |values: &[i64]| array(values.len() as i64, 0, 0, vec![ptr::null(), bytes(values)]);
        let text_column = |offsets: &[i32], data: &[u8]| array(offsets.len() as i64 - 1, 0, 0, vec![ptr::null(), bytes(offsets), bytes(data)]);
        checks.equal(refusal(&two, &batch(1, 0, vec![ints(&[1])])), "the batch has 1 columns and length 1, the schema 2 columns".to_string(), "column count");
        checks.equal(refusal(&two, &batch(2, 0, vec![ints(&[1]), text_column(&[0, 1, 2], b"ab")])),
                     "column 'n': its length 1 is shorter than the batch's 2".to_string(), "short column");
        let released = ints(&[1]);
        (*released).release = None;
        checks.equal(refusal(&two, &batch(1, 0, vec![released, text_column(&[0, 1], b"a")])),
                     "column 'n': it is missing from the batch".to_string(), "released column");
        checks.equal(refusal(&two, &batch(1, 0, vec![array(1, 0, 0, vec![ptr::null()]), text_column(&[0, 1], b"a")])),
                     "column 'n': it has 1 buffers, its type has 2".to_string(), "buffer count");
        checks.equal(refusal(&two, &batch(1, 0, vec![array(1, 0, 0, vec![ptr::null(), ptr::null()]), text_column(&[0, 1], b"a")])),
                     "column 'n': its values buffer is missing".to_string(), "no values");
        checks.equal(refusal(&two, &batch(2, 0, vec![ints(&[1, 2]), text_column(&[1, 2, 3], b"abc")])),
                     "column 's': its offsets start at 1, not 0".to_string(), "offsets from 1");
        checks.equal(refusal(&two, &batch(2, 0, vec![ints(&[1, 2]), text_column(&[0, 2, 1], b"ab")])),
                     "column 's': its offsets go back at row 1".to_string(), "offsets go back");
        checks.equal(refusal(&two, &batch(2, 0, vec![ints(&[1, 2]), text_column(&[0, 1, 2], &[b'a', 0xFF])])),
                     "column 's': row 1 is not valid UTF-8".to_string(), "bad UTF-8");
        checks.equal(refusal(&two, &batch(1, 0, vec![ints(&[1]), array(1, 0, 0, vec![bytes(&[0u8]), bytes(&[0i32, 1]), bytes(b"a")])])),
                     "column 's': its null_count is 0, its validity holds 1 nulls".to_string(), "null_count");
        checks.equal(refusal(&two, &batch(1, 0, vec![ints(&[1]), array(1, 0, 0, vec![ptr::null(), ptr::null(), bytes(b"a")])])),
                     "column 's': its offsets buffer is missing".to_string(), "no offsets");
        // The same bytes as binary are fine: only utf8 must be UTF-8.
        let binary = [column("n", ColumnType::Int64), column("b", ColumnType::Binary)];
        checks.equal(refusal(&binary, &batch(2, 0, vec![ints(&[1, 2]), text_column(&[0, 1, 2], &[b'a', 0xFF])])),
                     "accepted".to_string(), "binary is not UTF-8-checked");
    }
    println!("{} checks passed", checks.passed);
    if checks.failed > 0 {
        println!("{} checks failed", checks.failed);
        std::process::exit(1);
    }
}
