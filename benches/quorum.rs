//! What a quorum approval adds to a protected command on the simulator. Target: an approved
//! `user create` with a quorum of 3 (three signatures verified, the token used up) costs at most
//! 2 ms more than an unprotected one. `user create` hashes the password with argon2, which
//! dwarfs the approval, so the same approval is also measured on `set-quorum-value`, which does
//! nothing else: approved against unapproved, side by side in one group.

use cloudhsm_shell::backend::hsm::quorum::{
    Approval, QuorumService, TokenFile, new_token_file, sign_token_file, signed_hsm_tokens,
};
use cloudhsm_shell::backend::hsm::{HsmBackend, Login, Role};
use cloudhsm_shell::secret::Secret;
use cloudhsm_shell::sim::SimOptions;
use cloudhsm_shell::sim::hsm::SimHsm;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use std::cell::RefCell;
use std::path::Path;
use std::time::Duration;

/// The group `scripts/bench.sh` and the README name.
const GROUP: &str = "quorum-approval";
const ADMIN_PASSWORD: &str = "Bench-admin-1";
const APPROVERS: [&str; 3] = ["admin", "officer2", "officer3"];

fn private_key(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts/demo/quorum-keys")
        .join(format!("{name}.key"));
    std::fs::read(path).expect("the rehearsal keys")
}

fn public_key(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts/demo/quorum-keys")
        .join(format!("{name}.pub"));
    std::fs::read_to_string(path).expect("the rehearsal keys")
}

/// A simulated cluster whose three admins registered quorum keys; the admin's login.
fn cluster(dir: &Path) -> (SimHsm, Login) {
    let mut hsm = SimHsm::open(&SimOptions {
        state_dir: dir.to_path_buf(),
        seed: None,
        cluster_id: None,
    })
    .expect("a fresh simulator");
    let password = Secret::new(ADMIN_PASSWORD);
    hsm.activate(&password).expect("activation");
    let admin = hsm
        .login("admin", Role::Admin, &password)
        .expect("the admin logs in");
    for name in &APPROVERS[1..] {
        hsm.create_user(&admin, name, Role::Admin, &password, None)
            .expect("the officers are created");
    }
    for name in APPROVERS {
        let login = if name == "admin" {
            admin.clone()
        } else {
            hsm.login(name, Role::Admin, &password)
                .expect("an officer logs in")
        };
        let data = hsm
            .generate_quorum_token(&login, QuorumService::Registration, None)
            .expect("a registration token")
            .approval_data;
        let signed = sign_token_file(
            new_token_file(QuorumService::Registration, &data, None),
            &private_key(name),
            None,
        )
        .expect("the registration is signed");
        let TokenFile::PerHsm(file) = signed else {
            panic!("a registration file");
        };
        hsm.register_quorum_key(
            &login,
            &public_key(name),
            &signed_hsm_tokens(&file).expect("decoded"),
        )
        .expect("the key registers");
        if name != "admin" {
            hsm.logout(&login).expect("the officer logs out");
        }
    }
    (hsm, admin)
}

/// A token of `service` for `admin`'s session, signed by all three approvers.
fn approval(hsm: &mut SimHsm, admin: &Login, service: QuorumService) -> Approval {
    let data = hsm
        .generate_quorum_token(admin, service, None)
        .expect("a token")
        .approval_data;
    let keys: Vec<Vec<u8>> = APPROVERS.iter().map(|name| private_key(name)).collect();
    let mut file = new_token_file(service, &data, None);
    for (name, key) in APPROVERS.iter().zip(&keys) {
        file = sign_token_file(file, key, Some(name)).expect("an approver signs");
    }
    let TokenFile::Quorum(file) = file else {
        panic!("a quorum token file");
    };
    Approval::from_file(file).expect("decoded")
}

fn approvals(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (mut protected, admin) = cluster(&dir.path().join("protected"));
    protected
        .set_quorum_value(&admin, QuorumService::User, 3, None)
        .expect("user quorum 3");
    protected
        .set_quorum_value(&admin, QuorumService::Quorum, 3, None)
        .expect("quorum quorum 3");
    // The setup (a signed token) and the measured command take turns with the cluster.
    let protected = RefCell::new(protected);
    let (mut open, open_admin) = cluster(&dir.path().join("open"));
    let password = Secret::new("Bench-user-1");
    let mut created = 0_u64;

    let mut group = c.benchmark_group(GROUP);
    group.measurement_time(Duration::from_secs(8));
    group.sample_size(30);
    group.bench_function("user-create-unprotected", |b| {
        b.iter(|| {
            created += 1;
            open.create_user(
                &open_admin,
                &format!("u{created}"),
                Role::CryptoUser,
                &password,
                None,
            )
            .expect("an unprotected creation")
        })
    });
    group.bench_function("user-create-approved-quorum-3", |b| {
        b.iter_batched(
            || approval(&mut protected.borrow_mut(), &admin, QuorumService::User),
            |approval| {
                created += 1;
                protected
                    .borrow_mut()
                    .create_user(
                        &admin,
                        &format!("u{created}"),
                        Role::CryptoUser,
                        &password,
                        Some(&approval),
                    )
                    .expect("an approved creation")
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("set-quorum-value-unapproved", |b| {
        b.iter(|| {
            open.set_quorum_value(&open_admin, QuorumService::User, 1, None)
                .expect("an unapproved change")
        })
    });
    group.bench_function("set-quorum-value-approved-quorum-3", |b| {
        b.iter_batched(
            || approval(&mut protected.borrow_mut(), &admin, QuorumService::Quorum),
            |approval| {
                protected
                    .borrow_mut()
                    .set_quorum_value(&admin, QuorumService::Quorum, 3, Some(&approval))
                    .expect("an approved change")
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, approvals);
criterion_main!(benches);
