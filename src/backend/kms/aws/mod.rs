//! AWS KMS behind the KMS trait (`--aws`): each call is one request through `aws-sdk-kms`, run
//! to completion on the runtime of [`AwsClients`]; answers become the same domain values as the
//! simulator's (`convert`), and errors the same `ExceptionName: message` lines.
//!
//! KMS checks the requests itself, so nothing is validated here beyond what the SDK needs (an
//! `Integer` member must fit 32 bits). The key store password goes from its [`Secret`] straight
//! into the request; the SDK redacts it in its own `Debug` output.

mod convert;
mod prerequisites;

use super::{
    CancelDeletionResponse, CreateKeyRequest, CreateRequest, CreateResponse, DecryptRequest,
    DecryptResponse, DescribeRequest, DescribeResponse, EncryptRequest, EncryptResponse,
    EncryptionContext, GenerateRandomResponse, KeyMetadataResponse, KmsBackend, KmsSimFaults,
    ListKeysResponse, PrerequisiteReport, ScheduleDeletionResponse, UpdateRequest,
    encryption_context, validation_error,
};
use crate::backend::aws::{AwsClients, Service};
use crate::error::Result;
use crate::sim::kms::SimKms;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeySpec, KeyUsageType, OriginType};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

/// The first pause of a `--wait` on AWS, unless the command asks for a longer one.
const FIRST_PAUSE: Duration = Duration::from_secs(1);
/// The longest pause between two polls: a connection takes minutes, but not hours.
const LONGEST_PAUSE: Duration = Duration::from_secs(15);

/// KMS in AWS, or at an endpoint given with `--endpoint-url`.
pub struct AwsKms {
    clients: Rc<AwsClients>,
    /// With an endpoint override (a rehearsal against `cloudhsm-shell serve` on the same state
    /// directory): the simulator of that state, used only for the `sim` commands' KMS faults.
    rehearsal: Option<SimKms>,
    /// The next pause of a `--wait`; reset by every connect and disconnect.
    next_pause: Option<Duration>,
}

impl AwsKms {
    pub fn new(clients: Rc<AwsClients>, rehearsal: Option<SimKms>) -> AwsKms {
        AwsKms {
            clients,
            rehearsal,
            next_pause: None,
        }
    }
}

/// An `Integer` member of a request: the wire has 32 bits.
fn int32(value: i64, member: &str) -> Result<i32> {
    i32::try_from(value).map_err(|_| {
        validation_error(
            &value.to_string(),
            member,
            "Member must have value less than or equal to 2147483647",
        )
    })
}

fn context_map(context: &EncryptionContext) -> Result<Option<HashMap<String, String>>> {
    encryption_context(context)?;
    Ok((!context.is_empty()).then(|| context.iter().cloned().collect()))
}

impl KmsBackend for AwsKms {
    fn create_custom_key_store(&mut self, request: &CreateRequest<'_>) -> Result<CreateResponse> {
        let sent = self
            .clients
            .kms
            .create_custom_key_store()
            .custom_key_store_name(request.name)
            .cloud_hsm_cluster_id(request.cluster_id)
            .trust_anchor_certificate(request.trust_anchor_pem)
            .key_store_password(request.password.expose())
            .send();
        let output = self.clients.call(Service::Kms, sent)?;
        convert::created(&output)
    }

    fn describe_custom_key_stores(
        &mut self,
        request: &DescribeRequest<'_>,
    ) -> Result<DescribeResponse> {
        let limit = request
            .limit
            .map(|limit| int32(limit, "limit"))
            .transpose()?;
        let sent = self
            .clients
            .kms
            .describe_custom_key_stores()
            .set_custom_key_store_id(request.id.map(str::to_owned))
            .set_custom_key_store_name(request.name.map(str::to_owned))
            .set_limit(limit)
            .set_marker(request.marker.map(str::to_owned))
            .send();
        let output = self.clients.call(Service::Kms, sent)?;
        convert::key_stores(&output)
    }

    fn update_custom_key_store(&mut self, request: &UpdateRequest<'_>) -> Result<()> {
        let sent = self
            .clients
            .kms
            .update_custom_key_store()
            .custom_key_store_id(request.id)
            .set_new_custom_key_store_name(request.new_name.map(str::to_owned))
            .set_key_store_password(request.password.map(|secret| secret.expose().to_owned()))
            .set_cloud_hsm_cluster_id(request.cluster_id.map(str::to_owned))
            .send();
        self.clients.call(Service::Kms, sent)?;
        Ok(())
    }

    fn delete_custom_key_store(&mut self, id: &str) -> Result<()> {
        let sent = self
            .clients
            .kms
            .delete_custom_key_store()
            .custom_key_store_id(id)
            .send();
        self.clients.call(Service::Kms, sent)?;
        Ok(())
    }

    fn connect_custom_key_store(&mut self, id: &str) -> Result<()> {
        self.next_pause = None;
        let sent = self
            .clients
            .kms
            .connect_custom_key_store()
            .custom_key_store_id(id)
            .send();
        self.clients.call(Service::Kms, sent)?;
        Ok(())
    }

    fn disconnect_custom_key_store(&mut self, id: &str) -> Result<()> {
        self.next_pause = None;
        let sent = self
            .clients
            .kms
            .disconnect_custom_key_store()
            .custom_key_store_id(id)
            .send();
        self.clients.call(Service::Kms, sent)?;
        Ok(())
    }

    fn check_prerequisites(
        &mut self,
        cluster_id: &str,
        trust_anchor_pem: Option<&str>,
    ) -> Result<PrerequisiteReport> {
        let clients = Rc::clone(&self.clients);
        prerequisites::report(&clients, self, cluster_id, trust_anchor_pem)
    }

    fn create_key(&mut self, request: &CreateKeyRequest<'_>) -> Result<KeyMetadataResponse> {
        let sent = self
            .clients
            .kms
            .create_key()
            .custom_key_store_id(request.custom_key_store_id)
            .origin(OriginType::from(request.origin))
            .set_description(
                (!request.description.is_empty()).then(|| request.description.to_owned()),
            )
            .key_spec(KeySpec::from(request.key_spec))
            .key_usage(KeyUsageType::from(request.key_usage))
            .set_multi_region(request.multi_region.then_some(true))
            .send();
        let output = self.clients.call(Service::Kms, sent)?;
        convert::key_metadata_response(output.key_metadata())
    }

    fn describe_key(&mut self, key_id: &str) -> Result<KeyMetadataResponse> {
        let sent = self.clients.kms.describe_key().key_id(key_id).send();
        let output = self.clients.call(Service::Kms, sent)?;
        convert::key_metadata_response(output.key_metadata())
    }

    fn list_keys(&mut self, limit: Option<i64>, marker: Option<&str>) -> Result<ListKeysResponse> {
        let limit = limit.map(|limit| int32(limit, "limit")).transpose()?;
        let sent = self
            .clients
            .kms
            .list_keys()
            .set_limit(limit)
            .set_marker(marker.map(str::to_owned))
            .send();
        let output = self.clients.call(Service::Kms, sent)?;
        convert::keys(&output)
    }

    fn encrypt(&mut self, request: &EncryptRequest<'_>) -> Result<EncryptResponse> {
        let sent = self
            .clients
            .kms
            .encrypt()
            .key_id(request.key_id)
            .plaintext(Blob::new(request.plaintext))
            .set_encryption_context(context_map(request.context)?)
            .send();
        let output = self.clients.call(Service::Kms, sent)?;
        convert::encrypted(output)
    }

    fn decrypt(&mut self, request: &DecryptRequest<'_>) -> Result<DecryptResponse> {
        let sent = self
            .clients
            .kms
            .decrypt()
            .ciphertext_blob(Blob::new(request.ciphertext_blob))
            .set_key_id(request.key_id.map(str::to_owned))
            .set_encryption_context(context_map(request.context)?)
            .send();
        let output = self.clients.call(Service::Kms, sent)?;
        convert::decrypted(output)
    }

    fn generate_random(
        &mut self,
        number_of_bytes: i64,
        custom_key_store_id: Option<&str>,
    ) -> Result<GenerateRandomResponse> {
        let sent = self
            .clients
            .kms
            .generate_random()
            .number_of_bytes(int32(number_of_bytes, "numberOfBytes")?)
            .set_custom_key_store_id(custom_key_store_id.map(str::to_owned))
            .send();
        let output = self.clients.call(Service::Kms, sent)?;
        convert::random(output)
    }

    fn schedule_key_deletion(
        &mut self,
        key_id: &str,
        pending_window_in_days: Option<i64>,
    ) -> Result<ScheduleDeletionResponse> {
        let window = pending_window_in_days
            .map(|days| int32(days, "pendingWindowInDays"))
            .transpose()?;
        let sent = self
            .clients
            .kms
            .schedule_key_deletion()
            .key_id(key_id)
            .set_pending_window_in_days(window)
            .send();
        let output = self.clients.call(Service::Kms, sent)?;
        convert::deletion_scheduled(&output)
    }

    fn cancel_key_deletion(&mut self, key_id: &str) -> Result<CancelDeletionResponse> {
        let sent = self.clients.kms.cancel_key_deletion().key_id(key_id).send();
        let output = self.clients.call(Service::Kms, sent)?;
        Ok(CancelDeletionResponse {
            key_id: convert::required(output.key_id(), "KeyId")?.to_owned(),
        })
    }

    fn set_key_enabled(&mut self, key_id: &str, enabled: bool) -> Result<()> {
        if enabled {
            let sent = self.clients.kms.enable_key().key_id(key_id).send();
            self.clients.call(Service::Kms, sent).map(drop)
        } else {
            let sent = self.clients.kms.disable_key().key_id(key_id).send();
            self.clients.call(Service::Kms, sent).map(drop)
        }
    }

    fn sim_faults(&mut self) -> Option<&mut dyn KmsSimFaults> {
        self.rehearsal
            .as_mut()
            .map(|simulator| simulator as &mut dyn KmsSimFaults)
    }

    /// Really waits: the larger of `poll` and one second first, then twice as long each time up
    /// to [`LONGEST_PAUSE`], so a connection of several minutes costs a few dozen requests.
    fn let_time_pass(&mut self, poll: Duration) -> Result<()> {
        // In a rehearsal on a state on the virtual clock, time is the simulator's: waiting on
        // the wall clock would never bring a transition that is due in virtual time.
        if let Some(simulator) = self.rehearsal.as_mut()
            && simulator.pass_virtual_time()?
        {
            return Ok(());
        }
        let (pause, next) = backoff(self.next_pause, poll);
        std::thread::sleep(pause);
        self.next_pause = Some(next);
        Ok(())
    }
}

/// The pause before the next poll of a `--wait`, and the one after it.
fn backoff(next_pause: Option<Duration>, poll: Duration) -> (Duration, Duration) {
    let pause = next_pause.unwrap_or(poll.max(FIRST_PAUSE));
    (pause, (pause * 2).min(LONGEST_PAUSE.max(poll)))
}

#[cfg(test)]
mod tests;
