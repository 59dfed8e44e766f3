//! Session transcripts: the text format that `--record` writes, `--replay` verifies and the
//! golden tests under `tests/golden/` are made of.

pub mod format;
pub mod record;
pub mod replay;
pub mod varying;
