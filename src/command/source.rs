//! `source FILE`: asks the mode to run a file's command lines through the same funnel, as
//! `--file` does; the mode reads the file, since only it holds the recorder and the line loop.

use super::Reply;
use crate::error::{Error, Result};
use crate::parse::Invocation;
use std::path::PathBuf;

/// The file a `source` line names, and whether its lines go on after a failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    pub keep_going: bool,
}

pub fn source(invocation: &Invocation<'_>) -> Result<Reply> {
    let path = invocation.text("file").ok_or(Error::InvalidInput {
        what: "source",
        reason: "it needs a FILE".to_owned(),
    })?;
    Ok(Reply::Source(SourceFile {
        path: PathBuf::from(path),
        keep_going: invocation.switch("keep-going"),
    }))
}
