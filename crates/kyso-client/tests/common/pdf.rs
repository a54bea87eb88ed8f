//! A valid PDF of `n` pages, made here (shared by the meeting tests and
//! `examples/bench_meeting.rs`).

/// A PDF of `n` pages, each with a line of text.
pub fn pages(n: usize, text: &str) -> Vec<u8> {
    let pages: Vec<String> = (1..=n)
        .map(|p| kyso_pdf::testpdf::text_line(&format!("{text} - {p}")))
        .collect();
    kyso_pdf::testpdf::pages(&pages)
}
