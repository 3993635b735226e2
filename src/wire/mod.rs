//! The protobuf wire format, and nothing about GenAI: reading only the fields we ask for, and writing a batch back
//! with new attributes spliced in while every other byte is copied as it came (unknown fields included).

mod any_value;
mod batch_index;
mod error;
mod fields;
mod kv_encode;
pub mod otlp;
mod splice;
mod varint;

pub use any_value::{read_any_value, utf8, AnyValue};
pub use batch_index::BatchIndex;
pub use error::WireError;
pub use fields::{FieldReader, WireValue};
pub use kv_encode::{encode_kv_raw, encode_kv_string};
pub use splice::{write_batch, WireEdits};
pub use varint::encode_varint;
