//! The pending `sim fail-next-kms-call` fault: set by the command, taken by the next KMS call.

use crate::backend::kms::ServiceFault;
use crate::error::{Error, Result};
use rusqlite::Transaction;

pub fn set_next_call_failure(tx: &Transaction<'_>, fault: ServiceFault) -> Result<()> {
    tx.prepare_cached("UPDATE simulator SET next_call_failure = ?1 WHERE singleton = 1")?
        .execute([fault.as_str()])?;
    Ok(())
}

/// Takes the pending fault, if there is one.
pub fn take_next_call_failure(tx: &Transaction<'_>) -> Result<Option<ServiceFault>> {
    let pending: Option<String> = tx
        .prepare_cached("SELECT next_call_failure FROM simulator WHERE singleton = 1")?
        .query_row([], |row| row.get(0))?;
    let Some(pending) = pending else {
        return Ok(None);
    };
    tx.prepare_cached("UPDATE simulator SET next_call_failure = NULL WHERE singleton = 1")?
        .execute([])?;
    ServiceFault::parse(&pending)
        .map(Some)
        .ok_or_else(|| Error::State {
            message: format!("the pending KMS call failure {pending} is not a service fault"),
        })
}
