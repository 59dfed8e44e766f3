//! Backends behind traits: what the commands need from an HSM cluster, and its implementations.

pub mod hsm;
pub mod sim;
