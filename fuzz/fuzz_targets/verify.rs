//! `kyso_pdf::verify::verify` on arbitrary bytes, both profiles. The verifier
//! must never panic, loop or blow memory, whatever the input.
#![no_main]

use kyso_pdf::verify::{Profile, VerifyOptions, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A fixed validation time (2025-01-01T00:00:00Z), so runs are reproducible.
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(1_735_689_600);
    for profile in [Profile::Strict, Profile::Multi] {
        let opts = VerifyOptions {
            profile,
            trust: vec![],
            original: None,
            now,
        };
        let report = verify(data, &opts);
        // With no trust anchor nothing can be fully valid.
        assert_ne!(
            report.indication,
            kyso_pdf::verify::report::Indication::TotalPassed,
            "TOTAL_PASSED without any trust anchor"
        );
    }
});
