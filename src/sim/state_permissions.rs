//! The state is refused when others could read or change it, as OpenSSH refuses a private key
//! others can read: a group- or world-writable state directory, or a state file (master key,
//! database and its WAL/SHM side files) open to group or others, or a symbolic link in its place.

use super::crypto::MASTER_KEY_FILE_NAME;
use super::store::STATE_FILE_NAME;
use crate::error::{Error, Result};
use std::fs::Metadata;
use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The files of a state directory that hold keys or the database.
const PRIVATE_FILES: [&str; 4] = [
    MASTER_KEY_FILE_NAME,
    STATE_FILE_NAME,
    "state.sqlite3-wal",
    "state.sqlite3-shm",
];

/// Checks what exists of the state in `state_dir`; a part that does not exist yet is created
/// private later. Runs before anything is created or opened, so a refusal changes nothing.
pub fn check(state_dir: &Path) -> Result<()> {
    let Some(directory) = existing(state_dir, std::fs::metadata(state_dir))? else {
        return Ok(());
    };
    let mode = mode_of(&directory);
    if directory.is_dir() && mode & 0o022 != 0 {
        return Err(unsafe_state(
            state_dir,
            format!("the state directory has mode {mode:04o}: group or others can change it"),
            format!("run chmod 700 {}", state_dir.display()),
        ));
    }
    for name in PRIVATE_FILES {
        let path = state_dir.join(name);
        let Some(file) = existing(&path, std::fs::symlink_metadata(&path))? else {
            continue;
        };
        if file.file_type().is_symlink() {
            return Err(unsafe_state(
                &path,
                "it is a symbolic link, which the shell does not follow".to_owned(),
                "put the file itself in the state directory".to_owned(),
            ));
        }
        let mode = mode_of(&file);
        if mode & 0o077 != 0 {
            return Err(unsafe_state(
                &path,
                format!("it has mode {mode:04o}: group or others can read or change it"),
                format!("run chmod 600 {}", path.display()),
            ));
        }
    }
    Ok(())
}

/// The refusal of a master key found to be a symbolic link when it is opened.
pub fn symlinked_master_key(path: &Path) -> Error {
    unsafe_state(
        path,
        "it is a symbolic link, which the shell does not follow".to_owned(),
        "put the file itself in the state directory".to_owned(),
    )
}

/// The refusal of a master key found open to group or others when it is opened.
pub fn loose_master_key(path: &Path, metadata: &Metadata) -> Option<Error> {
    let mode = mode_of(metadata);
    (mode & 0o077 != 0).then(|| {
        unsafe_state(
            path,
            format!("it has mode {mode:04o}: group or others can read or change it"),
            format!("run chmod 600 {}", path.display()),
        )
    })
}

fn existing(path: &Path, metadata: std::io::Result<Metadata>) -> Result<Option<Metadata>> {
    match metadata {
        Ok(metadata) => Ok(Some(metadata)),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(Error::io(
            format!("Cannot inspect {}", path.display()),
            error,
        )),
    }
}

fn mode_of(metadata: &Metadata) -> u32 {
    metadata.permissions().mode() & 0o7777
}

fn unsafe_state(path: &Path, problem: String, remedy: String) -> Error {
    Error::UnsafeState {
        path: path.to_owned(),
        problem,
        remedy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn chmod(path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_missing_or_private_state_passes() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check(&dir.path().join("not-yet")).is_ok());
        chmod(dir.path(), 0o755);
        fs::write(dir.path().join(STATE_FILE_NAME), b"").unwrap();
        chmod(&dir.path().join(STATE_FILE_NAME), 0o600);
        assert!(check(dir.path()).is_ok());
    }

    #[test]
    fn a_loose_side_file_is_refused_with_its_fix() {
        let dir = tempfile::tempdir().unwrap();
        let wal = dir.path().join("state.sqlite3-wal");
        fs::write(&wal, b"").unwrap();
        chmod(&wal, 0o640);
        assert_eq!(
            check(dir.path()).unwrap_err().to_string(),
            format!(
                "{0}: it has mode 0640: group or others can read or change it; run chmod 600 {0}",
                wal.display()
            )
        );
    }
}
