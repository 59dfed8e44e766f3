//! The first cluster: its shape, its certificates and files, and what reopening and seeds do.

use super::*;
use tempfile::TempDir;

/// A fresh state in a directory that does not exist yet, as on a newcomer's first run.
fn fresh() -> (TempDir, std::path::PathBuf, SimHsm) {
    let temp = TempDir::new().unwrap();
    let dir = temp.path().join("state");
    let hsm = open(&dir);
    (temp, dir, hsm)
}

fn is_base32_id(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 11
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
    })
}

fn is_hex_id(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 17
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The DER bytes of the first PEM block in `pem`.
fn pem_body(pem: &str) -> Vec<u8> {
    let mut lines = pem.lines();
    assert_eq!(lines.next(), Some("-----BEGIN CERTIFICATE-----"));
    let body: String = lines
        .take_while(|line| *line != "-----END CERTIFICATE-----")
        .collect();
    assert!(pem.contains("-----END CERTIFICATE-----"));
    base64_decode(&body)
}

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bytes = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter(|&c| c != b'=') {
        let value = ALPHABET.iter().position(|&a| a == c).expect("base64") as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
        }
    }
    bytes
}

/// Whether the certificate's basicConstraints extension says `cA: TRUE`.
fn is_ca_certificate(der: &[u8]) -> bool {
    const BASIC_CONSTRAINTS_OID: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x13];
    const CA_TRUE: &[u8] = &[0x30, 0x03, 0x01, 0x01, 0xff];
    let Some(at) = der
        .windows(BASIC_CONSTRAINTS_OID.len())
        .position(|window| window == BASIC_CONSTRAINTS_OID)
    else {
        return false;
    };
    let extension = &der[at..der.len().min(at + 16)];
    extension
        .windows(CA_TRUE.len())
        .any(|window| window == CA_TRUE)
}

#[test]
fn first_run_creates_an_initialised_unactivated_cluster() {
    let (_temp, dir, mut hsm) = fresh();
    assert!(hsm.created_now());
    assert_eq!(hsm.state_dir(), dir);
    let cluster_id = hsm.cluster_id().to_owned();
    assert!(is_base32_id(&cluster_id, "cluster-"), "{cluster_id}");
    assert!(!hsm.is_activated().unwrap());
    let db = peek(&dir);
    let (region, state, hsm_type, activated, vpc_id, group_id): (
        String,
        String,
        String,
        bool,
        String,
        String,
    ) = db
        .query_row(
            "SELECT region, state, hsm_type, activated, vpc_id, security_group_id FROM clusters",
            [],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(
        (
            region.as_str(),
            state.as_str(),
            hsm_type.as_str(),
            activated
        ),
        ("us-east-1", "INITIALIZED", "hsm1.medium", false)
    );
    assert!(is_hex_id(&vpc_id, "vpc-"), "{vpc_id}");
    assert!(is_hex_id(&group_id, "sg-"), "{group_id}");
}

#[test]
fn first_cluster_has_one_active_hsm_in_each_of_two_azs() {
    let (_temp, dir, _hsm) = fresh();
    let db = peek(&dir);
    let hsms: Vec<(String, String, String, String, String, String, String)> = db
        .prepare(
            "SELECT h.hsm_id, h.availability_zone, h.state, h.eni_id, h.eni_ip, s.cidr_block,
                    s.subnet_id
             FROM hsms h JOIN subnets s USING (subnet_id) ORDER BY h.availability_zone",
        )
        .unwrap()
        .query_map([], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
            ))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(hsms.len(), 2);
    let zones: Vec<&str> = hsms.iter().map(|hsm| hsm.1.as_str()).collect();
    assert_eq!(zones, ["us-east-1a", "us-east-1b"]);
    for (hsm_id, _, state, eni_id, eni_ip, cidr, subnet_id) in &hsms {
        assert!(is_base32_id(hsm_id, "hsm-"), "{hsm_id}");
        assert_eq!(state, "ACTIVE");
        assert!(is_hex_id(eni_id, "eni-"), "{eni_id}");
        assert!(is_hex_id(subnet_id, "subnet-"), "{subnet_id}");
        let network = cidr.strip_suffix(".0/24").unwrap();
        let host: u8 = eni_ip
            .strip_prefix(&format!("{network}."))
            .unwrap()
            .parse()
            .unwrap();
        assert!((4..=254).contains(&host), "{eni_ip} in {cidr}");
    }
    assert_ne!(hsms[0].5, hsms[1].5);
    let (mapped_subnets, free_addresses): (i64, i64) = db
        .query_row(
            "SELECT count(*), min(s.free_addresses)
             FROM cluster_subnets c JOIN subnets s USING (subnet_id)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!((mapped_subnets, free_addresses), (2, 250));
}

#[test]
fn first_cluster_security_group_allows_2223_to_2225_to_and_from_itself() {
    let (_temp, dir, hsm) = fresh();
    let db = peek(&dir);
    let group_id: String = db
        .query_row("SELECT security_group_id FROM clusters", [], |row| {
            row.get(0)
        })
        .unwrap();
    let group_name: String = db
        .query_row("SELECT group_name FROM security_groups", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(group_name, format!("cloudhsm-{}-sg", hsm.cluster_id()));
    let rules: Vec<(String, String, u16, u16, String)> = db
        .prepare(
            "SELECT direction, protocol, from_port, to_port, peer_group_id
             FROM security_group_rules ORDER BY direction",
        )
        .unwrap()
        .query_map([], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let expected_rule = |direction: &str| {
        (
            direction.to_owned(),
            "tcp".to_owned(),
            2223,
            2225,
            group_id.clone(),
        )
    };
    assert_eq!(rules, [expected_rule("inbound"), expected_rule("outbound")]);
}

#[test]
fn hsm_info_describes_each_active_hsm() {
    let (_temp, _dir, mut hsm) = fresh();
    let info = hsm.hsm_info().unwrap();
    assert_eq!(info.len(), 2);
    assert_ne!(info[0].serial_number, info[1].serial_number);
    for entry in &info {
        assert_eq!(entry.vendor, "Marvell Semiconductors, Inc.");
        assert_eq!(entry.model, "NITROX-III CNN35XX-NFBE");
        assert!(entry.serial_number.starts_with("5.3G"), "{entry:?}");
        assert!(entry.serial_number.contains("-ICM"), "{entry:?}");
        assert_eq!(
            (
                entry.hardware_version_major.as_str(),
                entry.hardware_version_minor.as_str()
            ),
            ("5", "3")
        );
        assert_eq!(
            (
                entry.firmware_version_major.as_str(),
                entry.firmware_version_minor.as_str(),
                entry.firmware_build_number.as_str()
            ),
            ("2", "6", "16")
        );
        assert_eq!(entry.firmware_id, "CNN35XX-NFBE-FW-2.06-16");
        assert_eq!(
            entry.fips_state,
            "2 [FIPS mode with single factor authentication]"
        );
    }
}

#[test]
fn first_cluster_has_only_the_built_in_users() {
    let (_temp, _dir, mut hsm) = fresh();
    let listed: Vec<(String, UserRole, bool)> = hsm
        .list_users()
        .unwrap()
        .into_iter()
        .map(|user| {
            assert_eq!(user.cluster_coverage, "full");
            assert!(user.mfa.is_empty() && user.quorum.is_empty());
            (user.username, user.role, user.locked)
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("admin".to_owned(), UserRole::UnactivatedAdmin, false),
            ("app_user".to_owned(), UserRole::ApplianceUser, false),
        ]
    );
}

#[test]
fn customer_ca_is_written_and_signs_the_cluster_certificate() {
    let (_temp, dir, hsm) = fresh();
    let cluster_id = hsm.cluster_id().to_owned();
    let db = peek(&dir);
    let ca_path = dir.join(CUSTOMER_CA_FILE_NAME);
    let ca_pem = std::fs::read_to_string(&ca_path).unwrap();
    let ca_der = pem_body(&ca_pem);
    assert!(is_ca_certificate(&ca_der));
    assert!(contains(&ca_der, b"customerCA"));
    let (stored_ca, cluster_pem): (String, String) = db
        .query_row(
            "SELECT trust_anchor_pem, cluster_certificate_pem FROM clusters",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(stored_ca, ca_pem);
    let cluster_der = pem_body(&cluster_pem);
    assert!(!is_ca_certificate(&cluster_der));
    assert!(contains(&cluster_der, cluster_id.as_bytes()));
    assert!(contains(&cluster_der, b"customerCA"), "issued by the CA");

    drop(db);
    drop(hsm);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!contains(&bytes, b"PRIVATE KEY"), "no key is kept");
    }
}

#[test]
fn state_files_are_private() {
    let (_temp, dir, _hsm) = fresh();
    assert_eq!(mode_of(&dir), 0o700);
    assert_eq!(mode_of(&dir.join(CUSTOMER_CA_FILE_NAME)), 0o600);
    assert_eq!(mode_of(&dir.join(STATE_FILE_NAME)), 0o600);
    let wal = dir.join(format!("{STATE_FILE_NAME}-wal"));
    assert!(wal.exists());
    assert_eq!(mode_of(&wal), 0o600);
}

#[test]
fn reopening_keeps_the_one_cluster() {
    let temp = TempDir::new().unwrap();
    let first = open(temp.path());
    let cluster_id = first.cluster_id().to_owned();
    let ca = std::fs::read(temp.path().join(CUSTOMER_CA_FILE_NAME)).unwrap();
    drop(first);

    let again = SimHsm::open(&options(temp.path(), None)).unwrap();
    assert!(!again.created_now());
    assert_eq!(again.cluster_id(), cluster_id);
    let clusters: i64 = peek(temp.path())
        .query_row("SELECT count(*) FROM clusters", [], |row| row.get(0))
        .unwrap();
    assert_eq!(clusters, 1);
    assert_eq!(
        std::fs::read(temp.path().join(CUSTOMER_CA_FILE_NAME)).unwrap(),
        ca
    );
}

#[test]
fn a_seed_gives_the_same_identifiers_for_a_fresh_state() {
    let identifiers = |seed: u64| {
        let temp = TempDir::new().unwrap();
        let hsm = SimHsm::open(&options(temp.path(), Some(seed))).unwrap();
        let hsm_ids: Vec<String> = peek(temp.path())
            .prepare("SELECT hsm_id || eni_ip || serial_number FROM hsms ORDER BY hsm_id")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        (hsm.cluster_id().to_owned(), hsm_ids)
    };
    assert_eq!(identifiers(42), identifiers(42));
    assert_ne!(identifiers(42).0, identifiers(43).0);
}

#[test]
fn a_schema_newer_than_the_binary_is_refused() {
    let temp = TempDir::new().unwrap();
    drop(open(temp.path()));
    peek(temp.path())
        .execute_batch(&format!(
            "PRAGMA user_version = {}",
            schema::CURRENT_VERSION + 1
        ))
        .unwrap();
    let error = SimHsm::open(&options(temp.path(), None)).unwrap_err();
    assert!(
        matches!(&error, Error::State { message } if message.contains("newer")),
        "{error}"
    );
}

#[test]
fn a_seed_given_for_a_state_that_another_seed_or_none_made_is_said_to_be_so() {
    let temp = TempDir::new().unwrap();
    let seeded = temp.path().join("seeded");
    let opened = |dir: &std::path::Path, seed| SimHsm::open(&options(dir, seed)).unwrap();
    assert_eq!(opened(&seeded, Some(7)).seed_warning(), None);
    assert_eq!(opened(&seeded, Some(7)).seed_warning(), None);
    assert_eq!(opened(&seeded, None).seed_warning(), None);
    assert_eq!(
        opened(&seeded, Some(8)).seed_warning(),
        Some(format!(
            "warning: the state in {} was made with another --seed, so this run's identifiers, \
             secrets and timestamps repeat no run of the seed given: use that seed with a new \
             --state-dir to reproduce one",
            seeded.display()
        ))
    );
    let unseeded = temp.path().join("unseeded");
    assert_eq!(opened(&unseeded, None).seed_warning(), None);
    let warning = opened(&unseeded, Some(7)).seed_warning().unwrap();
    assert!(
        warning.starts_with(&format!(
            "warning: the state in {} was made without --seed, so",
            unseeded.display()
        )),
        "{warning}"
    );
}

#[test]
fn a_state_seeded_before_seeds_were_recorded_draws_no_warning() {
    let (_temp, dir, hsm) = fresh();
    drop(hsm);
    let db = rusqlite::Connection::open(dir.join(store::STATE_FILE_NAME)).unwrap();
    db.execute("UPDATE simulator SET seed_digest = NULL", [])
        .unwrap();
    drop(db);
    let reopened = SimHsm::open(&options(&dir, Some(8))).unwrap();
    assert_eq!(reopened.seed_warning(), None);
}
