//! The simulator handles the server's blocking threads share: a SQLite connection is `Send` but
//! not `Sync`, so each request borrows a whole handle (its own connections) from an idle list
//! and gives it back, and the pool grows to the number of requests running at once. There is no
//! lock around the state itself: SQLite's own locking lets readers run side by side and keeps
//! writers (other shells included) from losing each other's updates.

use crate::backend::hsm::sim::SimHsm;
use crate::backend::kms::sim::SimKms;
use crate::error::Result;
use crate::sim::SimOptions;
use std::sync::Mutex;

/// One worker's view of the simulated world.
pub struct Handles {
    options: SimOptions,
    pub kms: SimKms,
    hsm: Option<SimHsm>,
}

impl Handles {
    /// The control plane, opened on first use.
    pub fn hsm(&mut self) -> Result<&mut SimHsm> {
        let hsm = match self.hsm.take() {
            Some(hsm) => hsm,
            None => SimHsm::open(&self.options)?,
        };
        Ok(self.hsm.insert(hsm))
    }
}

pub struct Pool {
    options: SimOptions,
    idle: Mutex<Vec<Handles>>,
}

impl Pool {
    pub fn new(options: SimOptions) -> Pool {
        Pool {
            options,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `work` with an idle handle (or a new one), on the calling thread; the handle goes
    /// back to the pool afterwards.
    pub fn with<T>(&self, work: impl FnOnce(&mut Handles) -> T) -> Result<T> {
        let idle = self.idle.lock().map(|mut idle| idle.pop());
        let mut handles = match idle {
            Ok(Some(handles)) => handles,
            _ => Handles {
                options: self.options.clone(),
                kms: SimKms::open(&self.options)?,
                hsm: None,
            },
        };
        let value = work(&mut handles);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(handles);
        }
        Ok(value)
    }
}
