//! MFA (token-sign): the second factor of `login ... mfa-token-sign`, and `user change-mfa
//! token-sign`; their unsigned tokens go to a file and come back signed, through a prompt or a
//! second run.

use super::quorum::{approval, read_token_file};
use super::{Context, Reply, ReplyData, UserRef, actor, role, text, user_path, username};
use super::{user::check_may_change, write_private_file};
use crate::backend::hsm::quorum::{
    MfaChange, MfaRegistration, SignedHsmToken, TokenFile, new_mfa_token_file, signed_hsm_tokens,
};
use crate::backend::hsm::{Login, Role};
use crate::error::{Error, Result};
use crate::intake;
use crate::parse::Invocation;
use crate::secret::Secret;

/// The CloudHSM CLI's question for the signed file.
const SIGNED_FILE_PROMPT: &str =
    "Enter signed token file path (press enter if same as the unsigned token file):";
const PUBLIC_KEY_PROMPT: &str = "Enter public key PEM file path:";

/// The second factor of `login ... mfa-token-sign`: the signed tokens of an earlier run, or of
/// tokens issued now; the login happens only with both factors.
pub(super) fn login(
    context: &mut Context<'_>,
    invocation: &Invocation<'_>,
    username: &str,
    role: Role,
    password: &Secret,
) -> Result<Login> {
    let tokens = match completed_run(context, invocation, username)? {
        Some(tokens) => tokens,
        None => {
            let digests = context.hsm.begin_mfa_login(username, role)?;
            signed_answer(context, invocation, &digests)?
        }
    };
    context.hsm.mfa_login(username, role, password, &tokens)
}

pub fn change_mfa(context: &mut Context<'_>, invocation: &mut Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let username = username(invocation)?;
    let role = role(invocation)?;
    check_may_change(context, &actor, &username, role)?;
    let password = context.secret(invocation, "change-password", &username)?;
    let approval = approval(invocation)?;
    let registered = if invocation.switch("deregister") {
        None
    } else {
        let tokens = match completed_run(context, invocation, &username)? {
            Some(tokens) => tokens,
            None => {
                let digests = context
                    .hsm
                    .begin_mfa_registration(&actor, &username, role)?;
                signed_answer(context, invocation, &digests)?
            }
        };
        Some((tokens, public_key(context, invocation)?))
    };
    let change = MfaChange {
        username: &username,
        role,
        password: &password,
        registration: registered
            .as_ref()
            .map(|(tokens, public_key_pem)| MfaRegistration {
                public_key_pem,
                tokens,
                also_quorum: invocation.switch("change-quorum"),
            }),
        approval: approval.as_ref(),
    };
    context.hsm.change_mfa(&actor, &change)?;
    Ok(Reply::data(ReplyData::User(UserRef { username, role })))
}

/// The signed tokens that complete an earlier run of the command: the `--signed-token` file,
/// or the file the secrets file names for the user once it holds signatures (before that the
/// command issues new tokens).
fn completed_run(
    context: &Context<'_>,
    invocation: &Invocation<'_>,
    username: &str,
) -> Result<Option<Vec<SignedHsmToken>>> {
    if let Some(path) = invocation.text("signed-token") {
        return signed_tokens(path).map(Some);
    }
    let Some(path) = context.secrets.signed_token_path(username) else {
        return Ok(None);
    };
    match read_token_file(&path) {
        Ok(TokenFile::PerHsm(file)) if file.is_signed() => signed_hsm_tokens(&file).map(Some),
        _ => Ok(None),
    }
}

/// Writes the unsigned tokens to `--token` (0600), then asks where the signed file is; where
/// nothing may be asked, stops with what to do next.
fn signed_answer(
    context: &mut Context<'_>,
    invocation: &Invocation<'_>,
    digests: &[Vec<u8>],
) -> Result<Vec<SignedHsmToken>> {
    let token_path = text(invocation, "token");
    write_private_file(token_path, new_mfa_token_file(digests).to_text().as_bytes())?;
    let Some(answer) = context.secrets.ask_line(SIGNED_FILE_PROMPT)? else {
        return Err(Error::MfaTokensAwaitSignature {
            path: token_path.to_owned(),
        });
    };
    let answer = answer.trim();
    signed_tokens(if answer.is_empty() {
        token_path
    } else {
        answer
    })
}

fn signed_tokens(path: &str) -> Result<Vec<SignedHsmToken>> {
    match read_token_file(path)? {
        TokenFile::PerHsm(file) => signed_hsm_tokens(&file),
        TokenFile::Quorum(_) => Err(not_a_per_hsm_file()),
    }
}

fn not_a_per_hsm_file() -> Error {
    Error::InvalidInput {
        what: "signed token file",
        reason: "it is a quorum token; MFA takes the file of unsigned tokens this command wrote, \
                 with every token signed"
            .to_owned(),
    }
}

/// The PEM of `--public-key`, or of the file the operator names when asked.
fn public_key(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<String> {
    let path = match invocation.text("public-key") {
        Some(path) => path.to_owned(),
        None => context
            .secrets
            .ask_line(PUBLIC_KEY_PROMPT)?
            .ok_or_else(|| Error::InvalidInput {
                what: "public key",
                reason: "give --public-key FILE, the PEM public key whose private key signed \
                         the tokens"
                    .to_owned(),
            })?,
    };
    intake::read_text(&user_path(path.trim()), intake::PUBLIC_KEY_PEM)
}
