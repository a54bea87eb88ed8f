#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod appearance;
pub mod cms;
pub mod document;
pub mod error;
pub mod filter;
pub mod object;
mod parse;
pub mod sample;
pub mod sign;
pub mod signer;
pub mod source;
pub mod timestamp;
pub mod verify;
pub mod write;

/// The hand-built PDFs of this crate's unit tests, for other crates' tests.
#[cfg(any(test, feature = "test-support"))]
pub mod testpdf;

pub use document::{Document, ReadOptions, XrefKind};
pub use error::{Error, Result};
pub use source::{FileSource, Source};
