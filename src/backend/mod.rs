//! Backends behind traits: what the commands need from an HSM cluster and from KMS custom key
//! stores, and their implementations.

#[cfg(feature = "aws")]
pub mod aws;
pub mod hsm;
pub mod kms;
