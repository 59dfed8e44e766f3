//! A state others could read or change is refused at start-up, as OpenSSH refuses a loose
//! private key: exit status 2, one line naming the path, its mode and the command that fixes
//! it, and nothing in the state directory touched.

use crate::test::Test;
use serde_json::json;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A state made by one run of the shell.
fn made_state() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("cannot create a temp dir");
    let state = dir.path().join("state");
    let output = Test::new()
        .state(&state)
        .args(["keystore", "describe"])
        .command()
        .output()
        .expect("cannot run the shell");
    assert!(output.status.success(), "{output:?}");
    (dir, state)
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path)
        .expect("cannot stat")
        .permissions()
        .mode()
        & 0o7777
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("cannot chmod");
}

/// Every entry of the state directory with its mode and contents (or link target).
fn snapshot(state: &Path) -> Vec<(String, u32, Vec<u8>)> {
    let mut entries: Vec<_> = fs::read_dir(state)
        .expect("cannot list the state")
        .map(|entry| {
            let path = entry.expect("cannot read an entry").path();
            let contents = match fs::read_link(&path) {
                Ok(target) => target.into_os_string().into_encoded_bytes(),
                Err(_) => fs::read(&path).expect("cannot read a state file"),
            };
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, mode(&path), contents)
        })
        .collect();
    entries.sort();
    entries.push((".".to_owned(), mode(state), Vec::new()));
    entries
}

/// Runs the shell on `state` and checks it refuses with `message`, changing nothing.
fn assert_refused(state: &Path, message: &str) {
    let before = snapshot(state);
    Test::new()
        .state(state)
        .args(["keystore", "describe"])
        .stdout_json(vec![json!({"error_code": 1, "data": message})])
        .status(2)
        .run();
    assert_eq!(snapshot(state), before);
}

#[test]
fn a_fresh_state_is_private() {
    let (_dir, state) = made_state();
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&state.join("master.key")), 0o600);
    assert_eq!(mode(&state.join("state.sqlite3")), 0o600);
}

#[test]
fn a_state_directory_others_can_write_to_is_refused() {
    for loose in [0o777, 0o770] {
        let (_dir, state) = made_state();
        chmod(&state, loose);
        assert_refused(
            &state,
            &format!(
                "{0}: the state directory has mode {loose:04o}: group or others can change it; \
                 run chmod 700 {0}",
                state.display()
            ),
        );
    }
}

#[test]
fn a_state_file_others_can_read_is_refused() {
    for name in ["master.key", "state.sqlite3"] {
        let (_dir, state) = made_state();
        let path = state.join(name);
        chmod(&path, 0o644);
        assert_refused(
            &state,
            &format!(
                "{0}: it has mode 0644: group or others can read or change it; run chmod 600 {0}",
                path.display()
            ),
        );
    }
}

#[test]
fn a_symlinked_master_key_is_not_followed() {
    let (dir, state) = made_state();
    let path = state.join("master.key");
    let elsewhere = dir.path().join("elsewhere.key");
    fs::rename(&path, &elsewhere).expect("cannot move the master key");
    std::os::unix::fs::symlink(&elsewhere, &path).expect("cannot link");
    assert_refused(
        &state,
        &format!(
            "{}: it is a symbolic link, which the shell does not follow; put the file itself in \
             the state directory",
            path.display()
        ),
    );
}
