//! How many signatures per second the simulator makes with a key parsed once and kept
//! (`SigningKey`), the way a shell session signs repeatedly with one key. Targets, compared with
//! `openssl speed` on the same machine by `scripts/bench-crypto.sh`: RSA-2048 PKCS#1 v1.5
//! SHA-256 at least 0.8 × openssl's rsa2048 sign/s, ECDSA P-256 at least 0.5 × ecdsap256.

use cloudhsm_shell::backend::hsm::key::Curve;
use cloudhsm_shell::backend::hsm::mechanism::{DataType, Hash, KeySpec, SignMechanism};
use cloudhsm_shell::sim::crypto::{SigningKey, generate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

/// The group and benchmark names `scripts/bench-crypto.sh` reads the results of.
const GROUP: &str = "crypto-sign";

fn signing_key(spec: KeySpec) -> SigningKey {
    let generated = generate(&spec).expect("benchmark keys generate");
    SigningKey::from_material(&generated.secret).expect("a generated key parses")
}

fn sign(c: &mut Criterion) {
    let rsa = signing_key(KeySpec::Rsa {
        modulus_bits: 2048,
        public_exponent: 65537,
    });
    let p256 = signing_key(KeySpec::Ec {
        curve: Curve::Prime256v1,
    });
    // A short message, as `crypto sign --data` usually carries: hashing it costs well under 1%
    // of either signature.
    let data = [0x5a_u8; 32];

    let mut group = c.benchmark_group(GROUP);
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    for (name, key, mechanism) in [
        ("rsa2048-pkcs1-sha256", &rsa, SignMechanism::RsaPkcs),
        ("ecdsa-p256-sha256", &p256, SignMechanism::Ecdsa),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                key.sign(&mechanism, Hash::Sha256, DataType::Raw, black_box(&data))
                    .expect("benchmark signing succeeds")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, sign);
criterion_main!(benches);
