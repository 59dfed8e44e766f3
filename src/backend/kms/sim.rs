//! The simulator behind the KMS trait: each call of [`KmsBackend`] is one transaction of the
//! simulated world's key stores (`crate::sim::kms`), with its pending faults and its clock.

use super::{
    CancelDeletionResponse, ConnectionErrorCode, CreateKeyRequest, CreateRequest, CreateResponse,
    DecryptRequest, DecryptResponse, DescribeRequest, DescribeResponse, EncryptRequest,
    EncryptResponse, GenerateRandomResponse, KeyMetadataResponse, KmsBackend, KmsSimFaults,
    ListKeysResponse, PrerequisiteReport, ScheduleDeletionResponse, ServiceFault, UpdateRequest,
    validation_error,
};
use crate::error::Result;
use crate::sim::clock;
use crate::sim::kms::connection::{self, Env};
use crate::sim::kms::{
    MAX_DELAY_SECONDS, key_material, kms_keys, operations, pending_faults, prerequisites,
};
use std::time::Duration;

pub use crate::sim::kms::{SimKms, certificate_der};

impl KmsBackend for SimKms {
    fn create_custom_key_store(&mut self, request: &CreateRequest<'_>) -> Result<CreateResponse> {
        operations::validate_create(request)?;
        self.key_store_api(|tx, env| operations::create(tx, env, request))
    }

    fn describe_custom_key_stores(
        &mut self,
        request: &DescribeRequest<'_>,
    ) -> Result<DescribeResponse> {
        operations::validate_describe(request)?;
        self.key_store_read(|tx, _| operations::describe(tx, request))
    }

    fn update_custom_key_store(&mut self, request: &UpdateRequest<'_>) -> Result<()> {
        operations::validate_update(request)?;
        self.key_store_api(|tx, env| operations::update(tx, env, request))
    }

    fn delete_custom_key_store(&mut self, id: &str) -> Result<()> {
        super::custom_key_store_id(id)?;
        self.key_store_api(|tx, _| operations::delete(tx, id))
    }

    fn connect_custom_key_store(&mut self, id: &str) -> Result<()> {
        super::custom_key_store_id(id)?;
        self.key_store_api(|tx, env| operations::connect(tx, env, id))
    }

    fn disconnect_custom_key_store(&mut self, id: &str) -> Result<()> {
        super::custom_key_store_id(id)?;
        self.key_store_api(|tx, env| operations::disconnect(tx, env, id))
    }

    fn check_prerequisites(
        &mut self,
        cluster_id: &str,
        trust_anchor_pem: Option<&str>,
    ) -> Result<PrerequisiteReport> {
        self.call(|tx, env| prerequisites::report(tx, env, cluster_id, trust_anchor_pem))
    }

    fn create_key(&mut self, request: &CreateKeyRequest<'_>) -> Result<KeyMetadataResponse> {
        kms_keys::validate_create(request)?;
        self.key_api(|tx, env| kms_keys::create(tx, env, request))
    }

    fn describe_key(&mut self, key_id: &str) -> Result<KeyMetadataResponse> {
        super::key_id(key_id)?;
        self.key_api(|tx, _| kms_keys::describe(tx, key_id))
    }

    fn list_keys(&mut self, limit: Option<i64>, marker: Option<&str>) -> Result<ListKeysResponse> {
        super::page_request(limit, marker)?;
        self.key_api(|tx, _| kms_keys::list(tx, limit, marker))
    }

    fn encrypt(&mut self, request: &EncryptRequest<'_>) -> Result<EncryptResponse> {
        key_material::validate_encrypt(request)?;
        self.key_api(|tx, env| key_material::encrypt(tx, env, request))
    }

    fn decrypt(&mut self, request: &DecryptRequest<'_>) -> Result<DecryptResponse> {
        key_material::validate_decrypt(request)?;
        self.key_api(|tx, env| key_material::decrypt(tx, env, request))
    }

    fn generate_random(
        &mut self,
        number_of_bytes: i64,
        custom_key_store_id: Option<&str>,
    ) -> Result<GenerateRandomResponse> {
        key_material::validate_random(number_of_bytes, custom_key_store_id)?;
        self.key_api(|tx, env| {
            key_material::generate_random(tx, env, number_of_bytes, custom_key_store_id)
        })
    }

    fn schedule_key_deletion(
        &mut self,
        key_id: &str,
        pending_window_in_days: Option<i64>,
    ) -> Result<ScheduleDeletionResponse> {
        kms_keys::validate_schedule(key_id, pending_window_in_days)?;
        self.key_api(|tx, env| kms_keys::schedule_deletion(tx, env, key_id, pending_window_in_days))
    }

    fn cancel_key_deletion(&mut self, key_id: &str) -> Result<CancelDeletionResponse> {
        super::key_id(key_id)?;
        self.key_api(|tx, _| kms_keys::cancel_deletion(tx, key_id))
    }

    fn set_key_enabled(&mut self, key_id: &str, enabled: bool) -> Result<()> {
        super::key_id(key_id)?;
        self.key_api(|tx, _| kms_keys::set_enabled(tx, key_id, enabled))
    }

    fn sim_faults(&mut self) -> Option<&mut dyn KmsSimFaults> {
        Some(self)
    }

    /// On the system clock, sleeps; on a seeded state's virtual clock, moves it to the next due
    /// transition at once, so `--wait` there takes no real time and reads the same in every run.
    fn let_time_pass(&mut self, poll: Duration) -> Result<()> {
        if !self.pass_virtual_time()? {
            std::thread::sleep(poll);
        }
        Ok(())
    }
}

impl KmsSimFaults for SimKms {
    fn fail_next_connect(&mut self, code: ConnectionErrorCode) -> Result<()> {
        self.connection()?
            .store
            .transaction(|tx| pending_faults::set_next_connect_failure(tx, code))
    }

    fn set_delays(&mut self, connect_seconds: i64, disconnect_seconds: i64) -> Result<()> {
        for (value, member) in [
            (connect_seconds, "connectSeconds"),
            (disconnect_seconds, "disconnectSeconds"),
        ] {
            if !(0..=MAX_DELAY_SECONDS).contains(&value) {
                return Err(validation_error(
                    &value.to_string(),
                    member,
                    &format!("Member must be between 0 and {MAX_DELAY_SECONDS}"),
                ));
            }
        }
        self.connection()?.store.transaction(|tx| {
            let now = clock::now_unix(tx)?;
            connection::set_delays(tx, now, connect_seconds, disconnect_seconds)
        })
    }

    fn fail_next_call(&mut self, fault: ServiceFault) -> Result<()> {
        self.connection()?
            .store
            .transaction(|tx| pending_faults::set_next_call_failure(tx, fault))
    }

    fn advance_clock(&mut self, seconds: i64) -> Result<i64> {
        if seconds < 1 {
            return Err(validation_error(
                &seconds.to_string(),
                "seconds",
                "Member must have value greater than or equal to 1: the clock only moves forward",
            ));
        }
        // One transaction: the clock moves and what falls due by then finishes, or neither.
        self.call(|tx, env| {
            let now = clock::advance(tx, seconds)?;
            let moved = Env { now, ..*env };
            connection::advance(tx, &moved)?;
            kms_keys::delete_expired(tx, &moved)?;
            Ok(now)
        })
    }
}
