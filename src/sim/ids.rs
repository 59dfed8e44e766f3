//! Resource identifiers (`cluster-…`, `hsm-…`, `vpc-…`, …) drawn from a seedable ChaCha RNG.
//!
//! Every transaction that creates resources draws from its own ChaCha stream: stream *n* of the
//! state's seed, where *n* is a counter kept in the state itself. So a run with `--seed` gives
//! the same identifiers for a fresh state directory however many processes take part, and two
//! transactions never draw the same identifiers.
//!
//! Random bytes for secrets (KMS key material, GenerateRandom, the customer CA's key) come from
//! a seeded stream only in a run that asked for determinism with `--seed`; otherwise from the
//! operating system, since a 64-bit seed is no source for keys.

use crate::error::Result;
use aws_lc_rs::digest;
use rand::RngCore;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use rusqlite::Transaction;
use zeroize::Zeroizing;

/// The alphabet of CloudHSM identifiers: lower-case RFC 4648 base32.
const BASE32_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
const HEX_ALPHABET: &[u8; 16] = b"0123456789abcdef";

/// The seed every generator of one open state derives from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdSeed {
    value: u64,
    /// Set by `--seed`: secrets are drawn from the seeded stream too.
    deterministic: bool,
}

impl IdSeed {
    /// The given seed for deterministic runs, else fresh OS entropy.
    pub fn new(seed: Option<u64>) -> IdSeed {
        IdSeed {
            value: seed.unwrap_or_else(rand::random),
            deterministic: seed.is_some(),
        }
    }

    /// Whether the run asked for determinism with `--seed`.
    pub fn is_deterministic(self) -> bool {
        self.deterministic
    }
}

/// How a `--seed` given for an existing state relates to the seed that made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedMismatch {
    /// The state was made without `--seed`: its identifiers and clock are not the seeded ones.
    MadeWithout,
    /// The state was made with another seed.
    MadeWithAnother,
}

/// What the state keeps of its seed: a digest, since the seed keys the predictable secrets of
/// a seeded state.
fn seed_digest(seed: IdSeed) -> Option<Vec<u8>> {
    seed.deterministic.then(|| {
        let mut keyed = digest::Context::new(&digest::SHA256);
        keyed.update(b"cloudhsm-shell state seed");
        keyed.update(&seed.value.to_be_bytes());
        keyed.finish().as_ref()[..16].to_vec()
    })
}

/// Records which seed (or none) made the new state in `tx`.
pub fn record_seed(tx: &Transaction<'_>, seed: IdSeed) -> Result<()> {
    tx.prepare_cached("UPDATE simulator SET seed_digest = ?1 WHERE singleton = 1")?
        .execute([seed_digest(seed)])?;
    Ok(())
}

/// Whether the `--seed` of this run (if any) is not the one the existing state was made with.
/// A state seeded before its seed was recorded (on the virtual clock, no digest) cannot tell.
pub fn seed_mismatch(tx: &Transaction<'_>, seed: IdSeed) -> Result<Option<SeedMismatch>> {
    let Some(given) = seed_digest(seed) else {
        return Ok(None);
    };
    let (recorded, virtual_clock): (Option<Vec<u8>>, bool) = tx
        .prepare_cached("SELECT seed_digest, virtual_clock FROM simulator WHERE singleton = 1")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(match recorded {
        Some(recorded) if recorded != given => Some(SeedMismatch::MadeWithAnother),
        Some(_) => None,
        None if virtual_clock => None,
        None => Some(SeedMismatch::MadeWithout),
    })
}

/// Identifier generator for one transaction.
pub struct IdGenerator {
    rng: ChaCha20Rng,
    /// The seeded secrets' own stream, so that drawing a secret never moves an identifier.
    secrets: Option<ChaCha20Rng>,
}

/// Separates the seeded secrets from the identifiers of the same seed.
const SECRETS_DOMAIN: u64 = u64::from_be_bytes(*b"secrets!");

impl IdGenerator {
    /// Claims the next stream of `seed` inside `tx`; the claim rolls back with the transaction.
    pub fn begin(tx: &Transaction<'_>, seed: IdSeed) -> Result<IdGenerator> {
        let stream: i64 = tx
            .prepare_cached(
                "UPDATE simulator SET next_id_stream = next_id_stream + 1
                 WHERE singleton = 1 RETURNING next_id_stream - 1",
            )?
            .query_row([], |row| row.get(0))?;
        let seeded = |value: u64| {
            let mut rng = ChaCha20Rng::seed_from_u64(value);
            rng.set_stream(stream as u64);
            rng
        };
        Ok(IdGenerator {
            rng: seeded(seed.value),
            secrets: seed
                .deterministic
                .then(|| seeded(seed.value ^ SECRETS_DOMAIN)),
        })
    }

    /// A generator for the secrets of one named thing (a cluster's customer CA) that claims no
    /// stream, so that drawing them moves no identifier of later transactions: in a deterministic
    /// run its stream is keyed by the seed and `name`. It is meant for secrets only.
    pub fn named(seed: IdSeed, name: &str) -> IdGenerator {
        let mut keyed = digest::Context::new(&digest::SHA256);
        keyed.update(&seed.value.to_be_bytes());
        keyed.update(name.as_bytes());
        let mut key = [0u8; 32];
        key.copy_from_slice(keyed.finish().as_ref());
        let rng = ChaCha20Rng::from_seed(key);
        IdGenerator {
            secrets: seed.deterministic.then(|| rng.clone()),
            rng,
        }
    }

    /// `length` random bytes for a secret: from the seeded stream in a deterministic run (which
    /// makes such secrets predictable: rehearsal only), else from the operating system.
    pub fn secret_bytes(&mut self, length: usize) -> Zeroizing<Vec<u8>> {
        let mut bytes = Zeroizing::new(vec![0u8; length]);
        match &mut self.secrets {
            Some(seeded) => seeded.fill_bytes(&mut bytes),
            None => rand::rng().fill_bytes(&mut bytes),
        }
        bytes
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::schema;
    use rusqlite::Connection;

    fn generator(db: &mut Connection, seed: Option<u64>) -> (String, Vec<u8>) {
        let tx = db.transaction().unwrap();
        let mut ids = IdGenerator::begin(&tx, IdSeed::new(seed)).unwrap();
        let secret = ids.secret_bytes(16).to_vec();
        let cluster_id = ids.cluster_id();
        (cluster_id, secret)
    }

    fn fresh() -> Connection {
        let mut db = Connection::open_in_memory().unwrap();
        let tx = db.transaction().unwrap();
        schema::migrate(&tx).unwrap();
        tx.commit().unwrap();
        db
    }

    #[test]
    fn seeded_secrets_repeat_and_do_not_move_identifiers() {
        let (first_id, first_secret) = generator(&mut fresh(), Some(7));
        let (again_id, again_secret) = generator(&mut fresh(), Some(7));
        assert_eq!((&first_id, &first_secret), (&again_id, &again_secret));
        let tx_db = &mut fresh();
        let tx = tx_db.transaction().unwrap();
        let unmoved = IdGenerator::begin(&tx, IdSeed::new(Some(7)))
            .unwrap()
            .cluster_id();
        assert_eq!(unmoved, first_id);
        assert_ne!(first_secret, vec![0u8; 16]);
    }

    #[test]
    fn named_secrets_repeat_per_name_and_claim_no_stream() {
        let draw = |seed: Option<u64>, name: &str| {
            IdGenerator::named(IdSeed::new(seed), name)
                .secret_bytes(16)
                .to_vec()
        };
        assert_eq!(draw(Some(7), "cluster-a"), draw(Some(7), "cluster-a"));
        assert_ne!(draw(Some(7), "cluster-a"), draw(Some(7), "cluster-b"));
        assert_ne!(draw(Some(7), "cluster-a"), draw(Some(8), "cluster-a"));
        assert_ne!(draw(None, "cluster-a"), draw(None, "cluster-a"));
        let mut db = fresh();
        let tx = db.transaction().unwrap();
        IdGenerator::named(IdSeed::new(Some(7)), "cluster-a").secret_bytes(16);
        let first = IdGenerator::begin(&tx, IdSeed::new(Some(7)))
            .unwrap()
            .cluster_id();
        assert_eq!(first, generator(&mut fresh(), Some(7)).0);
    }

    #[test]
    fn unseeded_secrets_come_from_the_system() {
        let (_, first) = generator(&mut fresh(), None);
        let (_, second) = generator(&mut fresh(), None);
        assert_ne!(first, second);
    }
}
