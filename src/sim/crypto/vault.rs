//! Key material at rest: AES-256-GCM under a per-state master key kept in
//! `state_dir/master.key` (mode 0600).
//!
//! A sealed blob is `nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)` with a fresh random nonce.
//! The associated data is authenticated but not stored: the store passes something that names
//! the row (its key reference), so a blob copied into another row fails to open.

use super::material::SecretMaterial;
use super::{crypto_error, random_bytes};
use crate::error::{Error, Result};
use crate::intake::{self, FileKind};
use crate::sim::state_permissions;
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The master key file inside the state directory.
pub const MASTER_KEY_FILE_NAME: &str = "master.key";

const MASTER_KEY_LEN: usize = 32;
/// One byte more than a key is read, so a longer file is told apart from a key.
const MASTER_KEY_FILE: FileKind = FileKind {
    name: "a master key",
    limit: MASTER_KEY_LEN,
};
const TAG_LEN: usize = 16;

/// Seals and opens key material under the state's master key.
pub struct Vault {
    key: LessSafeKey,
}

impl Vault {
    /// Reads `state_dir/master.key` (the directory must exist: the store creates it), creating
    /// the key first when it does not exist. Creation is
    /// race-free between processes: the key is written and synced under a unique temporary name,
    /// then hard-linked to `master.key`, which fails if another process got there first; the
    /// loser then reads the winner's complete file, so every process ends with the same key.
    pub fn open_or_create(state_dir: &Path) -> Result<Vault> {
        let path = state_dir.join(MASTER_KEY_FILE_NAME);
        // A dangling symbolic link counts as there: it is refused, not written through.
        if fs::symlink_metadata(&path).is_err_and(|error| error.kind() == ErrorKind::NotFound) {
            create_master_key(state_dir, &path)?;
        }
        let bytes = zeroize::Zeroizing::new(read_master_key(&path)?);
        if bytes.len() != MASTER_KEY_LEN {
            return Err(Error::State {
                message: format!(
                    "{} is {} bytes, not {MASTER_KEY_LEN}: the master key is damaged",
                    path.display(),
                    bytes.len()
                ),
            });
        }
        let key = UnboundKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| crypto_error("The master key cannot be loaded"))?;
        Ok(Vault {
            key: LessSafeKey::new(key),
        })
    }

    /// Encrypts `plaintext`, binding it to `associated`.
    pub fn seal(&self, plaintext: &SecretMaterial, associated: &[u8]) -> Result<Vec<u8>> {
        let nonce_bytes = random_bytes(NONCE_LEN)?;
        let nonce = Nonce::try_assume_unique_for_key(&nonce_bytes)
            .map_err(|_| crypto_error("Sealing key material failed"))?;
        let mut sealed = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
        sealed.extend_from_slice(&nonce_bytes);
        // Plaintext until sealed in place: wiped if sealing fails half way.
        let mut body = zeroize::Zeroizing::new(plaintext.expose().to_vec());
        let tag = self
            .key
            .seal_in_place_separate_tag(nonce, Aad::from(associated), &mut body)
            .map_err(|_| crypto_error("Sealing key material failed"))?;
        sealed.extend_from_slice(&body);
        sealed.extend_from_slice(tag.as_ref());
        Ok(sealed)
    }

    /// Decrypts a blob from [`Vault::seal`] with the same `associated` data.
    pub fn open(&self, sealed: &[u8], associated: &[u8]) -> Result<SecretMaterial> {
        let damaged = || Error::State {
            message: "stored key material failed its integrity check: it was altered, or \
                      belongs to another key or another state directory"
                .to_owned(),
        };
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(damaged());
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| damaged())?;
        let mut opened = zeroize::Zeroizing::new(body.to_vec());
        let length = self
            .key
            .open_in_place(nonce, Aad::from(associated), &mut opened)
            .map_err(|_| damaged())?
            .len();
        opened.truncate(length);
        Ok(SecretMaterial::new(opened))
    }
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Vault { master_key: [REDACTED] }")
    }
}

/// The master key file's bytes (one more than a key at most): never through a symbolic link,
/// never when group or others can reach it, never blocking on a FIFO put in its place.
fn read_master_key(path: &Path) -> Result<Vec<u8>> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|error| {
            if error.raw_os_error() == Some(libc::ELOOP) {
                state_permissions::symlinked_master_key(path)
            } else {
                Error::io(format!("cannot read {}", path.display()), error)
            }
        })?;
    let metadata = file
        .metadata()
        .map_err(|error| Error::io(format!("cannot read {}", path.display()), error))?;
    if let Some(refusal) = state_permissions::loose_master_key(path, &metadata) {
        return Err(refusal);
    }
    intake::read_open_file(path, file, MASTER_KEY_FILE).map_err(|error| match error {
        Error::FileRefused { .. } => Error::State {
            message: format!(
                "{} is not a file of {MASTER_KEY_LEN} bytes: the master key is damaged",
                path.display()
            ),
        },
        other => other,
    })
}

fn create_master_key(state_dir: &Path, path: &Path) -> Result<()> {
    let key = random_bytes(MASTER_KEY_LEN)?;
    let suffix: String = random_bytes(8)?
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let temporary = state_dir.join(format!(
        ".{MASTER_KEY_FILE_NAME}.{}.{suffix}",
        std::process::id()
    ));
    let io_error =
        |what: &str, error| Error::io(format!("cannot {what} {}", path.display()), error);
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(&key)?;
            file.sync_all()
        });
    let linked = written.and_then(|()| match fs::hard_link(&temporary, path) {
        Err(error) if error.kind() == ErrorKind::AlreadyExists => Ok(()),
        other => other,
    });
    // The temporary name is ours alone; remove it whether or not the link was made.
    let removed = fs::remove_file(&temporary);
    linked.map_err(|error| io_error("create", error))?;
    removed.map_err(|error| io_error("clean up after creating", error))?;
    File::open(state_dir)
        .and_then(|directory| directory.sync_all())
        .map_err(|error| io_error("sync the directory of", error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn material(text: &str) -> SecretMaterial {
        SecretMaterial::new(text.as_bytes().to_vec())
    }

    #[test]
    fn seal_then_open_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::open_or_create(dir.path()).unwrap();
        let sealed = vault.seal(&material("key bytes"), b"0x01").unwrap();
        assert_eq!(sealed.len(), NONCE_LEN + 9 + TAG_LEN);
        assert!(!sealed.windows(9).any(|window| window == b"key bytes"));
        assert_eq!(vault.open(&sealed, b"0x01").unwrap().expose(), b"key bytes");
        // Fresh nonces: sealing twice gives different blobs.
        assert_ne!(sealed, vault.seal(&material("key bytes"), b"0x01").unwrap());
        assert_eq!(format!("{vault:?}"), "Vault { master_key: [REDACTED] }");
    }

    #[test]
    fn tampering_and_other_associated_data_are_detected() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::open_or_create(dir.path()).unwrap();
        let sealed = vault.seal(&material("key bytes"), b"0x01").unwrap();
        for position in [0, NONCE_LEN, sealed.len() - 1] {
            let mut tampered = sealed.clone();
            tampered[position] ^= 1;
            assert!(vault.open(&tampered, b"0x01").is_err());
        }
        let error = vault.open(&sealed, b"0x02").unwrap_err();
        assert!(
            error.to_string().contains("failed its integrity check"),
            "{error}"
        );
        assert!(vault.open(&sealed[..20], b"0x01").is_err());
    }

    #[test]
    fn the_master_key_is_private_and_shared_by_every_opening() {
        let dir = tempfile::tempdir().unwrap();
        let first = Vault::open_or_create(dir.path()).unwrap();
        let path = dir.path().join(MASTER_KEY_FILE_NAME);
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(fs::read(&path).unwrap().len(), MASTER_KEY_LEN);
        let second = Vault::open_or_create(dir.path()).unwrap();
        let sealed = first.seal(&material("shared"), b"ref").unwrap();
        assert_eq!(second.open(&sealed, b"ref").unwrap().expose(), b"shared");
        // Only master.key remains: no temporary file is left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn concurrent_creation_agrees_on_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let vaults: Vec<Vault> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| Vault::open_or_create(dir.path()).unwrap()))
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().unwrap())
                .collect()
        });
        let sealed = vaults[0].seal(&material("race"), b"").unwrap();
        for vault in &vaults {
            assert_eq!(vault.open(&sealed, b"").unwrap().expose(), b"race");
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn empty_material_seals_to_the_shortest_blob_that_opens() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::open_or_create(dir.path()).unwrap();
        let sealed = vault.seal(&material(""), b"row").unwrap();
        assert_eq!(sealed.len(), NONCE_LEN + TAG_LEN);
        assert_eq!(vault.open(&sealed, b"row").unwrap().expose(), b"");
        assert!(
            vault
                .open(&sealed[..NONCE_LEN + TAG_LEN - 1], b"row")
                .is_err()
        );
        assert!(vault.open(&sealed, b"").is_err());
    }

    #[test]
    fn a_damaged_master_key_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MASTER_KEY_FILE_NAME);
        fs::write(&path, b"short").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let error = Vault::open_or_create(dir.path()).unwrap_err().to_string();
        assert!(error.contains("is 5 bytes, not 32"), "{error}");
        fs::write(&path, [7u8; 33]).unwrap();
        let error = Vault::open_or_create(dir.path()).unwrap_err().to_string();
        assert!(error.contains("is not a file of 32 bytes"), "{error}");
    }

    #[test]
    fn a_symlinked_or_loose_master_key_is_refused_even_when_opened_directly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MASTER_KEY_FILE_NAME);
        let elsewhere = dir.path().join("elsewhere.key");
        fs::write(&elsewhere, [7u8; MASTER_KEY_LEN]).unwrap();
        fs::set_permissions(&elsewhere, fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        assert_eq!(
            Vault::open_or_create(dir.path()).unwrap_err().to_string(),
            format!(
                "{}: it is a symbolic link, which the shell does not follow; put the file \
                 itself in the state directory",
                path.display()
            )
        );
        fs::remove_file(&path).unwrap();
        fs::rename(&elsewhere, &path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        assert_eq!(
            Vault::open_or_create(dir.path()).unwrap_err().to_string(),
            format!(
                "{0}: it has mode 0640: group or others can read or change it; run chmod 600 {0}",
                path.display()
            )
        );
    }
}
