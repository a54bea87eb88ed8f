//! `Document::open` (strict reading) then `pages()` on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = kyso_pdf::Document::open(data) {
        if let Ok(pages) = doc.pages() {
            for page in &pages {
                std::hint::black_box(page);
            }
        }
    }
});
