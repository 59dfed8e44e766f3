//! The one integration test binary: runs the real `cloudhsm-shell` and checks what it prints.

mod batch;
mod concurrency;
mod fixtures;
mod golden;
mod repl;
mod safety;
mod single;
mod test;
mod transcript;
