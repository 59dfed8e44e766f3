//! Reading a file a user names: only a regular file, never more than a limit that fits what it
//! holds, and never blocking on a FIFO or reading a device without end.
//!
//! The path is checked before it is opened, opened non-blocking (so a FIFO swapped in meanwhile
//! cannot hang the shell), checked again on the open descriptor, and read one byte past its
//! limit, so that an oversize file is told apart without being read whole.

use crate::error::{Error, Result};
use std::fs::{File, Metadata, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// What a file holds, and the most of it the shell reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileKind {
    /// Names the contents in messages: "a KMS CiphertextBlob".
    pub name: &'static str,
    /// In bytes.
    pub limit: usize,
}

/// `kms decrypt --ciphertext-blob fileb://`: the KMS model's `CiphertextType` (max 6144).
pub const KMS_CIPHERTEXT: FileKind = FileKind {
    name: "a KMS CiphertextBlob",
    limit: 6144,
};

/// `kms encrypt --plaintext fileb://`: the KMS model's `PlaintextType` (max 4096).
pub const KMS_PLAINTEXT: FileKind = FileKind {
    name: "a KMS Plaintext",
    limit: 4096,
};

/// `keystore ... --trust-anchor-certificate file://`: the KMS model's
/// `TrustAnchorCertificateType` (max 5000 characters; a PEM certificate is ASCII).
pub const KMS_TRUST_ANCHOR: FileKind = FileKind {
    name: "a KMS TrustAnchorCertificate",
    limit: 5000,
};

/// `cloudhsmv2 initialize-cluster --signed-cert/--trust-anchor file://`: the CloudHSM v2
/// model's `Cert` (max 20000).
pub const CLOUDHSM_CERTIFICATE: FileKind = FileKind {
    name: "a CloudHSM certificate",
    limit: 20_000,
};

/// `key import pem --path`: an RSA-8192 public key is under 1.5 KiB of PEM, so 64 KiB leaves
/// room for any key the HSM takes and still stops a wrong file at once.
pub const PUBLIC_KEY_PEM: FileKind = FileKind {
    name: "a PEM public key",
    limit: 64 * 1024,
};

/// `--data-path` and `--signature-path` of sign, verify and unwrap: CloudHSM takes at most
/// 16 KiB of data in one single-part operation, which also holds any signature or wrapped key.
pub const HSM_DATA: FileKind = FileKind {
    name: "the data of one HSM operation",
    limit: 16 * 1024,
};

/// A quorum, registration or MFA token file (a few hundred bytes per HSM and approver).
pub const TOKEN_FILE: FileKind = FileKind {
    name: "a quorum token file",
    limit: 64 * 1024,
};

/// An approver's private key for `sim sign-token`.
pub const PRIVATE_KEY_PEM: FileKind = FileKind {
    name: "a PEM private key",
    limit: 64 * 1024,
};

/// `cluster mtls register-trust-anchor --path` and `--client-cert`: PEM certificates (a cluster
/// takes anchors of at most 6980 bytes; that rule is the cluster's, checked after reading).
pub const CERTIFICATE_PEM: FileKind = FileKind {
    name: "a PEM certificate",
    limit: 64 * 1024,
};

/// `--secrets`: `NAME=value` lines, a few dozen bytes each.
pub const SECRETS_FILE: FileKind = FileKind {
    name: "a secrets file",
    limit: 64 * 1024,
};

/// `--replay`: the longest golden transcript is far below 1 MiB.
pub const TRANSCRIPT: FileKind = FileKind {
    name: "a transcript",
    limit: 16 * 1024 * 1024,
};

/// `--history`: the line editor keeps at most 1000 entries and reads the file back whole at
/// start-up, so a file past 16 MiB is not one it wrote.
pub const HISTORY: FileKind = FileKind {
    name: "a history file",
    limit: 16 * 1024 * 1024,
};

/// `source FILE`: command lines, read one at a time (each within the line limit), so only a
/// bound against a wrong file.
pub const BATCH_FILE: FileKind = FileKind {
    name: "a file of command lines",
    limit: 1024 * 1024 * 1024,
};

/// The regular file at `path` opened for reading (non-blocking, so that a FIFO swapped in
/// cannot hang the shell), for a caller that reads it in pieces within `kind`'s limit.
pub fn open_regular(path: &Path, kind: FileKind) -> Result<File> {
    let file = open_checked_path(path, kind)?;
    check_open_file(path, &file, kind)?;
    Ok(file)
}

/// Opens `path` non-blocking once its path names a regular file within `kind`'s limit; the
/// caller checks the descriptor (the path may have been swapped since).
fn open_checked_path(path: &Path, kind: FileKind) -> Result<File> {
    let metadata = std::fs::metadata(path).map_err(|error| cannot_read(path, error))?;
    require_regular(path, &metadata, kind)?;
    require_within(path, metadata.len(), kind)?;
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|error| cannot_read(path, error))
}

/// Checks the file at `path` that the shell is about to open for writing and read back later
/// (the history), when there is one: a regular file within `kind`'s limit.
pub fn check_existing(path: &Path, kind: FileKind) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(metadata) => {
            require_regular(path, &metadata, kind)?;
            require_within(path, metadata.len(), kind)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(cannot_read(path, error)),
    }
}

/// The same check on a file already open, so that one swapped in after [`check_existing`] is
/// caught too.
pub fn check_open_file(path: &Path, file: &File, kind: FileKind) -> Result<()> {
    let metadata = file.metadata().map_err(|error| cannot_read(path, error))?;
    require_regular(path, &metadata, kind)?;
    require_within(path, metadata.len(), kind)
}

/// The bytes of the regular file at `path`, at most `kind.limit` of them. Symbolic links are
/// followed, as any file argument of the AWS CLI.
pub fn read_bytes(path: &Path, kind: FileKind) -> Result<Vec<u8>> {
    // read_open_file checks the descriptor itself.
    read_open_file(path, open_checked_path(path, kind)?, kind)
}

/// The text of the regular file at `path`, as [`read_bytes`] reads it; refused unless UTF-8.
/// The bytes of a refused file are wiped: it may be a secrets file.
pub fn read_text(path: &Path, kind: FileKind) -> Result<String> {
    String::from_utf8(read_bytes(path, kind)?).map_err(|error| {
        zeroize::Zeroize::zeroize(&mut error.into_bytes());
        refused(path, "it is not UTF-8 text")
    })
}

/// Reads `file`, already open at `path`, after checking on the descriptor that it is a regular
/// file: the path may have been swapped since it was checked.
pub fn read_open_file(path: &Path, file: File, kind: FileKind) -> Result<Vec<u8>> {
    let metadata = file.metadata().map_err(|error| cannot_read(path, error))?;
    require_regular(path, &metadata, kind)?;
    let expected = usize::try_from(metadata.len()).unwrap_or(kind.limit);
    let mut bytes = Vec::with_capacity(expected.min(kind.limit) + 1);
    let limit = u64::try_from(kind.limit).unwrap_or(u64::MAX);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| cannot_read(path, error))?;
    require_within(path, u64::try_from(bytes.len()).unwrap_or(u64::MAX), kind)?;
    Ok(bytes)
}

fn require_regular(path: &Path, metadata: &Metadata, kind: FileKind) -> Result<()> {
    let file_type = metadata.file_type();
    if file_type.is_file() {
        return Ok(());
    }
    let what = if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "a special file"
    };
    Err(refused(
        path,
        &format!(
            "it is {what}, not a regular file; give a file of at most {} bytes ({})",
            kind.limit, kind.name
        ),
    ))
}

fn require_within(path: &Path, size: u64, kind: FileKind) -> Result<()> {
    if size <= u64::try_from(kind.limit).unwrap_or(u64::MAX) {
        return Ok(());
    }
    Err(refused(
        path,
        &format!(
            "it is larger than {} bytes, the limit for {}",
            kind.limit, kind.name
        ),
    ))
}

fn refused(path: &Path, reason: &str) -> Error {
    Error::FileRefused {
        path: path.to_owned(),
        reason: reason.to_owned(),
    }
}

/// The wording every file read has always used for an I/O failure (no such file, no access).
fn cannot_read(path: &Path, error: std::io::Error) -> Error {
    Error::io(format!("Cannot read {}", path.display()), error)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: FileKind = FileKind {
        name: "a test file",
        limit: 4,
    };

    #[test]
    fn a_file_within_its_limit_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("four");
        std::fs::write(&path, b"1234").unwrap();
        assert_eq!(read_bytes(&path, TINY).unwrap(), b"1234");
        assert_eq!(read_text(&path, TINY).unwrap(), "1234");
    }

    #[test]
    fn one_byte_over_the_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("five");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(
            read_bytes(&path, TINY).unwrap_err().to_string(),
            format!(
                "Cannot read {}: it is larger than 4 bytes, the limit for a test file",
                path.display()
            )
        );
    }

    #[test]
    fn an_open_file_is_read_one_byte_past_its_limit_and_no_further() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grew");
        std::fs::write(&path, b"123456789").unwrap();
        let file = File::open(&path).unwrap();
        assert!(
            read_open_file(&path, file, TINY)
                .unwrap_err()
                .to_string()
                .contains("larger than 4 bytes")
        );
    }

    #[test]
    fn a_fifo_is_refused_by_its_path_and_by_its_open_descriptor() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        let expected = format!(
            "Cannot read {}: it is a FIFO, not a regular file; give a file of at most 4 bytes \
             (a test file)",
            path.display()
        );
        assert_eq!(read_bytes(&path, TINY).unwrap_err().to_string(), expected);
        // A FIFO swapped in after the path was checked: opening it does not block, reading does
        // not start.
        let swapped = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&path)
            .unwrap();
        assert_eq!(
            read_open_file(&path, swapped, TINY)
                .unwrap_err()
                .to_string(),
            expected
        );
    }

    #[test]
    fn devices_and_directories_are_refused_by_type() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read_bytes(Path::new("/dev/zero"), TINY)
                .unwrap_err()
                .to_string(),
            "Cannot read /dev/zero: it is a character device, not a regular file; give a file \
             of at most 4 bytes (a test file)"
        );
        assert!(
            read_bytes(dir.path(), TINY)
                .unwrap_err()
                .to_string()
                .contains("it is a directory, not a regular file")
        );
    }

    #[test]
    fn text_must_be_utf8_and_a_missing_file_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("binary");
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(
            read_text(&path, TINY)
                .unwrap_err()
                .to_string()
                .ends_with("it is not UTF-8 text")
        );
        let missing = dir.path().join("missing");
        assert_eq!(
            read_bytes(&missing, TINY).unwrap_err().to_string(),
            format!(
                "Cannot read {}: No such file or directory (os error 2)",
                missing.display()
            )
        );
    }
}
