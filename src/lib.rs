//! cloudhsm-shell: an admin shell for AWS CloudHSM clusters and KMS custom key stores, with an
//! embedded simulator.
//!
//! # Layout
//!
//! A line flows `parse::lex` → `parse::bind` (against `table::CommandTable`, loaded from
//! `grammar/commands.toml`) → `shell::Shell::run_line` → `session` (the role gate) →
//! `command::<noun>` → a backend trait (`backend::hsm::HsmBackend`) → a domain value →
//! `output` (the only place that serializes). Every mode (`repl`, `batch`, single command,
//! transcript replay) calls the same `run_line`.
//!
//! - `app`: process arguments and mode selection; `config`: the `Config` built once.
//! - `table`: the table, help, completion and the generated reference.
//! - `parse`: lexing and binding, pure.
//! - `shell`, `session`, `prompt`: the funnel, the login state, where secrets come from.
//! - `command`: one file per noun.
//! - `backend`: the HSM and KMS traits with their domain values, the control-plane and fault
//!   traits (`backend::hsm::cluster_control`), and the thin adapters onto each world.
//! - `sim`: the simulated world both simulator adapters share: SQLite state, cluster model,
//!   network faults, users, keys, KMS key stores, clock and the simulator's crypto.
//! - `intake`: reading a file a user names (regular files only, each kind with its size
//!   limit).
//! - `output`: the `{"error_code": .., "data": ..}` envelope, JSON and colour.
//! - `transcript`: the session transcript format that recording writes and replay verifies.
//! - `server`: `serve`, the simulated world over the AWS wire protocols (awsJson1.1 for KMS,
//!   awsJson1.1 and RPC v2 CBOR for CloudHSM v2), each request one call of a backend trait.

pub mod app;
pub mod backend;
pub mod batch;
pub mod command;
pub mod config;
pub mod error;
pub mod intake;
pub mod output;
pub mod parse;
pub mod prompt;
pub mod repl;
pub mod secret;
pub mod server;
pub mod session;
pub mod shell;
pub mod sim;
pub mod single;
pub mod table;
pub mod transcript;
