//! The one-shot faults the simulator row holds until something takes them: the ConnectionErrorCode
//! of `sim fail-next-connect` and the service exception of `sim fail-next-kms-call`.

use crate::backend::kms::{ConnectionErrorCode, OperationFamily, ServiceFault};
use crate::error::{Error, Result};
use rusqlite::Transaction;

/// Where a pending fault waits, and what it is.
#[derive(Clone, Copy)]
enum Slot {
    NextConnect,
    NextCall,
}

impl Slot {
    fn select(self) -> &'static str {
        match self {
            Slot::NextConnect => "SELECT next_connect_failure FROM simulator WHERE singleton = 1",
            Slot::NextCall => "SELECT next_call_failure FROM simulator WHERE singleton = 1",
        }
    }

    fn update(self) -> &'static str {
        match self {
            Slot::NextConnect => {
                "UPDATE simulator SET next_connect_failure = ?1 WHERE singleton = 1"
            }
            Slot::NextCall => "UPDATE simulator SET next_call_failure = ?1 WHERE singleton = 1",
        }
    }
}

fn set(tx: &Transaction<'_>, slot: Slot, value: Option<&str>) -> Result<()> {
    tx.prepare_cached(slot.update())?.execute([value])?;
    Ok(())
}

/// Empties the slot and returns what it held, read by `parse`, if `wanted` takes it; otherwise
/// the fault stays for a later call.
fn take<T: Copy>(
    tx: &Transaction<'_>,
    slot: Slot,
    parse: fn(&str) -> Option<T>,
    wanted: impl Fn(T) -> bool,
) -> Result<Option<T>> {
    let pending: Option<String> = tx
        .prepare_cached(slot.select())?
        .query_row([], |row| row.get(0))?;
    let Some(pending) = pending else {
        return Ok(None);
    };
    let fault = parse(&pending).ok_or_else(|| Error::State {
        message: format!("the pending fault {pending} is not one the simulator knows"),
    })?;
    if !wanted(fault) {
        return Ok(None);
    }
    set(tx, slot, None)?;
    Ok(Some(fault))
}

pub fn set_next_connect_failure(tx: &Transaction<'_>, code: ConnectionErrorCode) -> Result<()> {
    set(tx, Slot::NextConnect, Some(code.as_str()))
}

/// Taken by the next connection attempt that reaches the cluster's HSMs.
pub fn take_next_connect_failure(tx: &Transaction<'_>) -> Result<Option<ConnectionErrorCode>> {
    take(tx, Slot::NextConnect, ConnectionErrorCode::parse, |_| true)
}

pub fn set_next_call_failure(tx: &Transaction<'_>, fault: ServiceFault) -> Result<()> {
    set(tx, Slot::NextCall, Some(fault.as_str()))
}

/// Whether a call of `family` would take a pending fault (without taking it).
pub fn call_failure_pending(tx: &Transaction<'_>, family: OperationFamily) -> Result<bool> {
    let pending: Option<String> = tx
        .prepare_cached(Slot::NextCall.select())?
        .query_row([], |row| row.get(0))?;
    Ok(pending
        .as_deref()
        .and_then(ServiceFault::parse)
        .is_some_and(|fault| fault.declared_by(family)))
}

/// Taken by the next KMS API call whose input is valid and whose operation declares the fault.
pub fn take_next_call_failure(
    tx: &Transaction<'_>,
    family: OperationFamily,
) -> Result<Option<ServiceFault>> {
    take(tx, Slot::NextCall, ServiceFault::parse, |fault| {
        fault.declared_by(family)
    })
}
