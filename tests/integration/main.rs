//! The one integration test binary: runs the real `cloudhsm-shell` and checks what it prints.

#[cfg(feature = "aws")]
mod across_clusters;
mod aws;
mod batch;
mod cloudhsmv2;
mod clusters;
mod concurrency;
mod conformance;
mod crash;
mod demo;
mod file_arguments;
mod fixtures;
mod golden;
mod interop;
mod key_fixtures;
mod key_generate;
mod key_sessions;
mod keystore;
mod kms;
mod leaks;
mod pkcs11;
mod quorum;
mod rbac;
mod readme;
mod repl;
mod safety;
mod scripts;
mod serve;
mod sign_cache;
mod single;
mod softhsm;
mod source;
mod state_permissions;
mod test;
mod transcript;
mod wrap_rules;
