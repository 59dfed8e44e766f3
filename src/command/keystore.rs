//! `keystore ...`: the KMS custom key store lifecycle with the AWS CLI's flag names. `data` is
//! the KMS API's response object; failures are `"<ExceptionName>: <message>"`.

use super::text;
use super::{Context, Reply, ReplyData};
use crate::backend::kms::{
    CreateRequest, DescribeRequest, DescribeResponse, KmsBackend, UpdateRequest,
};
use crate::error::{Error, Result};
use crate::intake::KMS_TRUST_ANCHOR;
use crate::output::Progress;
use crate::parse::Invocation;
use serde::Serialize;
use std::time::Duration;

/// The username whose secrets-file line (and prompt) gives the key store password.
const PASSWORD_OWNER: &str = "kmsuser";
/// How often `--wait` reads the store's state again.
const WAIT_POLL: Duration = Duration::from_millis(100);

/// The empty response object `{}`.
#[derive(Debug, Serialize)]
pub struct Empty {}

fn empty() -> Reply {
    Reply::data(ReplyData::Empty(Empty {}))
}

pub fn create(context: &mut Context<'_>, invocation: &mut Invocation<'_>) -> Result<Reply> {
    let trust_anchor_pem = super::text_argument(
        text(invocation, "trust-anchor-certificate"),
        KMS_TRUST_ANCHOR,
    )?;
    let password = context.secret(invocation, "key-store-password", PASSWORD_OWNER)?;
    let response = context.kms.create_custom_key_store(&CreateRequest {
        name: text(invocation, "custom-key-store-name"),
        cluster_id: text(invocation, "cloud-hsm-cluster-id"),
        trust_anchor_pem: &trust_anchor_pem,
        password: &password,
    })?;
    Ok(Reply::data(ReplyData::KeyStoreCreated(response)))
}

pub fn describe(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let response = context.kms.describe_custom_key_stores(&DescribeRequest {
        id: invocation.text("custom-key-store-id"),
        name: invocation.text("custom-key-store-name"),
        limit: invocation.integer("limit"),
        marker: invocation.text("marker"),
    })?;
    Ok(Reply::data(ReplyData::KeyStores(response)))
}

pub fn update(context: &mut Context<'_>, invocation: &mut Invocation<'_>) -> Result<Reply> {
    let password = invocation.take_secret("key-store-password");
    context.kms.update_custom_key_store(&UpdateRequest {
        id: text(invocation, "custom-key-store-id"),
        new_name: invocation.text("new-custom-key-store-name"),
        password: password.as_ref(),
        cluster_id: invocation.text("cloud-hsm-cluster-id"),
    })?;
    Ok(empty())
}

pub fn delete(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    context
        .kms
        .delete_custom_key_store(text(invocation, "custom-key-store-id"))?;
    Ok(empty())
}

/// Without `--wait`, the API's empty reply. With it, the store's description once the
/// connection settles; a connection that ends FAILED is an error naming the code and its fix.
pub fn connect(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let id = text(invocation, "custom-key-store-id");
    context.kms.connect_custom_key_store(id)?;
    if !invocation.switch("wait") {
        return Ok(empty());
    }
    let settled = wait_until_final(context.kms, context.progress, id)?;
    if let Some(code) = settled
        .custom_key_stores
        .first()
        .and_then(|store| store.connection_error_code)
    {
        let (meaning, fix) = code.meaning_and_fix();
        return Err(Error::ConnectFailed {
            id: id.to_owned(),
            code: code.as_str(),
            meaning,
            fix,
        });
    }
    Ok(Reply::data(ReplyData::KeyStores(settled)))
}

/// Without `--wait`, the API's empty reply; with it, the store's description once disconnected.
pub fn disconnect(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let id = text(invocation, "custom-key-store-id");
    context.kms.disconnect_custom_key_store(id)?;
    if !invocation.switch("wait") {
        return Ok(empty());
    }
    let settled = wait_until_final(context.kms, context.progress, id)?;
    Ok(Reply::data(ReplyData::KeyStores(settled)))
}

pub fn check_prerequisites(
    context: &mut Context<'_>,
    invocation: &Invocation<'_>,
) -> Result<Reply> {
    let trust_anchor_pem = invocation
        .text("trust-anchor-certificate")
        .map(|value| super::text_argument(value, KMS_TRUST_ANCHOR))
        .transpose()?;
    let report = context.kms.check_prerequisites(
        text(invocation, "cloud-hsm-cluster-id"),
        trust_anchor_pem.as_deref(),
    )?;
    Ok(Reply::data(ReplyData::Prerequisites(report)))
}

/// Reads the store again every [`WAIT_POLL`] until it is no longer CONNECTING or DISCONNECTING;
/// the description that says so.
fn wait_until_final(
    kms: &mut dyn KmsBackend,
    progress: &mut Progress,
    id: &str,
) -> Result<DescribeResponse> {
    let result = poll_until_final(kms, progress, id);
    progress.finish();
    result
}

fn poll_until_final(
    kms: &mut dyn KmsBackend,
    progress: &mut Progress,
    id: &str,
) -> Result<DescribeResponse> {
    loop {
        let response = kms.describe_custom_key_stores(&DescribeRequest {
            id: Some(id),
            ..DescribeRequest::default()
        })?;
        let state = response
            .custom_key_stores
            .first()
            .map(|entry| entry.connection_state)
            .ok_or_else(|| Error::State {
                message: format!("key store {id} vanished while waiting for it"),
            })?;
        if state.is_final() {
            return Ok(response);
        }
        progress.tick(&format!("{id}: {}", state.as_str()));
        kms.let_time_pass(WAIT_POLL)?;
    }
}

#[cfg(test)]
mod tests {
    use crate::backend::kms::ConnectionErrorCode;
    use crate::table::CommandTable;

    /// The fixes name this shell's commands in prose: each must be a command of the table, and
    /// each flag after it one of its flags, so that the advice cannot drift from the language.
    #[test]
    fn every_fix_names_commands_and_flags_of_the_table() {
        let table = CommandTable::builtin();
        for code in ConnectionErrorCode::ALL {
            let (_, fix) = code.meaning_and_fix();
            let words: Vec<&str> = fix
                .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
                .filter(|word| !word.is_empty())
                .collect();
            let command_at = |at: usize| {
                words
                    .get(at..at + 2)
                    .and_then(|pair| table.by_path(&pair.join(" ")))
            };
            let mut named = 0;
            let mut current = None;
            for (at, word) in words.iter().enumerate() {
                if let Some(spec) = command_at(at) {
                    named += 1;
                    current = Some(spec);
                } else if let (Some(spec), Some(flag)) = (current, word.strip_prefix("--")) {
                    assert!(
                        spec.arg(flag).is_some(),
                        "{}: --{flag} is not a flag of {}",
                        code.as_str(),
                        spec.path
                    );
                }
            }
            let says_wait = code == ConnectionErrorCode::InternalError;
            assert!(
                named > 0 || says_wait,
                "{}: the fix names no command: {fix}",
                code.as_str()
            );
        }
    }
}
