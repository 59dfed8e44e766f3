//! The state directory and its SQLite database: file modes, pragmas, and one write transaction
//! per command.

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::time::Duration;

/// The database file inside the state directory.
pub const STATE_FILE_NAME: &str = "state.sqlite3";

/// How long a command waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Room for every statement the simulator prepares, so hot paths never re-prepare.
const STATEMENT_CACHE_CAPACITY: usize = 64;

/// An open simulator database.
#[derive(Debug)]
pub struct Store {
    connection: Connection,
    /// Write transactions this connection began, committed or not: SQLite's data version
    /// only moves for other connections' commits.
    own_writes: u64,
}

/// What the database held at one moment, as far as this connection can tell cheaply: equal
/// marks mean nobody (this connection or another) has committed a change in between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    data_version: i64,
    own_writes: u64,
}

impl Store {
    /// Opens (creating if needed) `state_dir/state.sqlite3` with the pragmas every connection
    /// needs. The schema is not touched here: that happens in the first transaction.
    /// A state others could read or change is refused first, before anything is created.
    pub fn open(state_dir: &Path) -> Result<Store> {
        super::state_permissions::check(state_dir)?;
        create_private_dir(state_dir)?;
        let path = state_dir.join(STATE_FILE_NAME);
        create_private_file(&path)?;
        let mut connection = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|error| Error::State {
            message: format!("cannot open {}: {error}", path.display()),
        })?;
        // The busy handler comes first: switching to WAL needs a lock another process may hold.
        connection.busy_handler(Some(wait_for_lock))?;
        let journal_mode: String = connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(busy_or_state)?;
        if !journal_mode.eq_ignore_ascii_case("wal") {
            return Err(Error::State {
                message: format!(
                    "{} cannot use write-ahead logging (journal mode stayed {journal_mode}): \
                     put the state directory on a local file system",
                    path.display()
                ),
            });
        }
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        Ok(Store {
            connection,
            own_writes: 0,
        })
    }

    /// Runs `work` in one `BEGIN IMMEDIATE` transaction: committed when it returns `Ok`, rolled
    /// back otherwise.
    ///
    /// Taking the write lock up front means two processes never interleave a read and a write
    /// of the same rows, so no update is lost. A value that must be committed and still be
    /// reported as a failure (a counted failed login) is returned as `Ok(Err(..))`.
    pub fn transaction<T>(
        &mut self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        self.own_writes += 1;
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(busy_or_state)?;
        let value = work(&tx)?;
        tx.commit().map_err(busy_or_state)?;
        Ok(value)
    }

    /// Runs `work`, which only reads, in one deferred transaction: a consistent snapshot without
    /// the write lock, so that signing and listing never wait for, or hold up, a writer.
    pub fn read<T>(&mut self, work: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(busy_or_state)?;
        let value = work(&tx)?;
        tx.commit().map_err(busy_or_state)?;
        Ok(value)
    }

    /// Like [`Store::read`], with the [`Mark`] of the snapshot `work` read.
    pub fn read_marked<T>(
        &mut self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<(T, Mark)> {
        let own_writes = self.own_writes;
        self.read(|tx| {
            let data_version = data_version(tx)?;
            Ok((
                work(tx)?,
                Mark {
                    data_version,
                    own_writes,
                },
            ))
        })
    }

    /// The database's mark now: one `PRAGMA data_version`, far cheaper than reading rows.
    pub fn mark(&mut self) -> Result<Mark> {
        Ok(Mark {
            data_version: data_version(&self.connection).map_err(busy_or_state)?,
            own_writes: self.own_writes,
        })
    }

    /// Folds the write-ahead log into the database file, for callers that read the file itself.
    pub fn checkpoint(&self) -> Result<()> {
        self.connection
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

fn data_version(connection: &Connection) -> rusqlite::Result<i64> {
    connection
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |row| row.get(0))
}

/// SQLite's busy handler: whether to try the lock again after the `attempt`th refusal.
///
/// Writers hold the lock for well under a millisecond, so the waits start short (50 µs) and
/// grow to 5 ms, instead of SQLite's default steps of up to 100 ms that leave a lock free most
/// of the time a busy server's writers sleep; in all, about [`BUSY_TIMEOUT`].
fn wait_for_lock(attempt: i32) -> bool {
    const FIRST: Duration = Duration::from_micros(50);
    const LONGEST: Duration = Duration::from_millis(5);
    let attempt = u32::try_from(attempt).unwrap_or(0);
    let wait = FIRST.saturating_mul(attempt + 1).min(LONGEST);
    // 100 growing waits take about 0.25 s; the rest are LONGEST each.
    let growing = Duration::from_millis(250);
    let most =
        100 + (BUSY_TIMEOUT.saturating_sub(growing).as_millis() / LONGEST.as_millis()) as u32;
    if attempt >= most {
        return false;
    }
    std::thread::sleep(wait);
    true
}

/// Names the one failure a user can act on: another process holding the state too long.
fn busy_or_state(error: rusqlite::Error) -> Error {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            Error::State {
                message: format!(
                    "another process kept the state database locked for more than {} s: try again",
                    BUSY_TIMEOUT.as_secs()
                ),
            }
        }
        _ => error.into(),
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|error| {
            Error::io(
                format!("Cannot create state directory {}", dir.display()),
                error,
            )
        })
}

/// Creates the database file 0600 before SQLite sees it; SQLite then gives its `-wal` and
/// `-shm` files the same mode. An existing file is left as it is.
fn create_private_file(path: &Path) -> Result<()> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map(drop)
        .map_err(|error| Error::io(format!("Cannot create {}", path.display()), error))
}

/// Writes `contents` to `path` with mode 0600, replacing any older file in one rename so that a
/// reader never sees half a file.
pub fn write_private_file(path: &Path, contents: &str) -> Result<()> {
    let mut staging_name = path.as_os_str().to_owned();
    staging_name.push(".partial");
    let staging = Path::new(&staging_name);
    let context = || format!("Cannot write {}", path.display());
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(staging)
        .map_err(|error| Error::io(context(), error))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|error| Error::io(context(), error))?;
    std::fs::rename(staging, path).map_err(|error| Error::io(context(), error))
}
