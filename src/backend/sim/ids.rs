//! Resource identifiers (`cluster-…`, `hsm-…`, `vpc-…`, …) drawn from a seedable ChaCha RNG.
//!
//! Every transaction that creates resources draws from its own ChaCha stream: stream *n* of the
//! state's seed, where *n* is a counter kept in the state itself. So a run with `--seed` gives
//! the same identifiers for a fresh state directory however many processes take part, and two
//! transactions never draw the same identifiers.

use crate::error::Result;
use rand::RngCore;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use rusqlite::Transaction;

/// The alphabet of CloudHSM identifiers: lower-case RFC 4648 base32.
const BASE32_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
const HEX_ALPHABET: &[u8; 16] = b"0123456789abcdef";

/// The seed every generator of one open state derives from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdSeed(u64);

impl IdSeed {
    /// The given seed for deterministic runs, else fresh OS entropy.
    pub fn new(seed: Option<u64>) -> IdSeed {
        IdSeed(seed.unwrap_or_else(rand::random))
    }
}

/// Identifier generator for one transaction.
pub struct IdGenerator {
    rng: ChaCha20Rng,
}

impl IdGenerator {
    /// Claims the next stream of `seed` inside `tx`; the claim rolls back with the transaction.
    pub fn begin(tx: &Transaction<'_>, seed: IdSeed) -> Result<IdGenerator> {
        let stream: i64 = tx
            .prepare_cached(
                "UPDATE simulator SET next_id_stream = next_id_stream + 1
                 WHERE singleton = 1 RETURNING next_id_stream - 1",
            )?
            .query_row([], |row| row.get(0))?;
        let mut rng = ChaCha20Rng::seed_from_u64(seed.0);
        rng.set_stream(stream as u64);
        Ok(IdGenerator { rng })
    }

    /// Real cluster IDs look like `cluster-jxhlf7644ne`.
    pub fn cluster_id(&mut self) -> String {
        format!("cluster-{}", self.base32(11))
    }

    pub fn hsm_id(&mut self) -> String {
        format!("hsm-{}", self.base32(11))
    }

    pub fn backup_id(&mut self) -> String {
        format!("backup-{}", self.base32(11))
    }

    /// KMS custom key store IDs look like `cks-1234567890abcdef0`.
    pub fn custom_key_store_id(&mut self) -> String {
        format!("cks-{}", self.hex(17))
    }

    /// KMS key IDs are version 4 UUIDs, e.g. `1234abcd-12ab-34cd-56ef-1234567890ab`.
    pub fn kms_key_id(&mut self) -> String {
        let variant = char::from(b"89ab"[(self.rng.next_u32() % 4) as usize]);
        format!(
            "{}-{}-4{}-{variant}{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(3),
            self.hex(3),
            self.hex(12)
        )
    }

    pub fn vpc_id(&mut self) -> String {
        format!("vpc-{}", self.hex(17))
    }

    pub fn subnet_id(&mut self) -> String {
        format!("subnet-{}", self.hex(17))
    }

    pub fn security_group_id(&mut self) -> String {
        format!("sg-{}", self.hex(17))
    }

    pub fn eni_id(&mut self) -> String {
        format!("eni-{}", self.hex(17))
    }

    /// A number in `0..bound`, for addresses and serial numbers.
    pub fn below(&mut self, bound: u32) -> u32 {
        // The modulo bias is at most bound / 2^32: irrelevant for simulated addresses.
        self.rng.next_u32() % bound
    }

    fn base32(&mut self, length: usize) -> String {
        (0..length)
            .map(|_| char::from(BASE32_ALPHABET[(self.rng.next_u32() % 32) as usize]))
            .collect()
    }

    fn hex(&mut self, length: usize) -> String {
        (0..length)
            .map(|_| char::from(HEX_ALPHABET[(self.rng.next_u32() % 16) as usize]))
            .collect()
    }
}
