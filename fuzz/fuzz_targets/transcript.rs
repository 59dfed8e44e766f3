//! Fuzzes the transcript reader: any text parses without panicking, what it parsed writes back
//! to a text that parses the same, and every entry's output matches itself.
#![no_main]

use cloudhsm_shell::transcript::format::{self, Transcript};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|text: &str| {
    let transcript = Transcript::parse(text);
    let mut again = Transcript::parse(&transcript.write());
    for (entry, original) in again.entries.iter_mut().zip(&transcript.entries) {
        entry.line_number = original.line_number;
    }
    assert_eq!(
        again, transcript,
        "writing and reading changed the transcript"
    );
    let state_dir = Path::new("/tmp/fuzz-state");
    for entry in &transcript.entries {
        assert!(format::matches(&entry.stdout, &entry.stdout));
        let portable = format::portable_line(&entry.line, state_dir);
        let runnable = format::runnable_line(&portable, state_dir);
        if !entry.line.contains(format::STATE_DIR_TOKEN) {
            assert_eq!(
                runnable, entry.line,
                "the state directory token did not round-trip"
            );
        }
    }
});
