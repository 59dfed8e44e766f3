//! The simulator's SQLite schema as a list of versioned migrations, tracked in `PRAGMA user_version`.
//!
//! A migration is appended, never edited: a state directory written by an older binary is
//! brought forward step by step, and one written by a newer binary is refused rather than
//! misread. Every table that belongs to a cluster is keyed by `cluster_id`, so one state can
//! hold several clusters (the `cloudhsmv2` control plane) and the KMS key stores built on them.

use crate::error::{Error, Result};
use rusqlite::Transaction;

/// Migration *n* (1-based) brings the schema from version *n - 1* to version *n*.
const MIGRATIONS: &[&str] = &[
    // 1: the first cluster model: network, clusters, HSMs, users and live logins.
    r#"
    CREATE TABLE simulator (
        singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
        next_id_stream  INTEGER NOT NULL
    );
    INSERT INTO simulator (singleton, next_id_stream) VALUES (1, 0);

    CREATE TABLE vpcs (
        vpc_id      TEXT PRIMARY KEY NOT NULL,
        region      TEXT NOT NULL,
        cidr_block  TEXT NOT NULL
    );

    CREATE TABLE subnets (
        subnet_id          TEXT PRIMARY KEY NOT NULL,
        vpc_id             TEXT NOT NULL REFERENCES vpcs (vpc_id),
        availability_zone  TEXT NOT NULL,
        cidr_block         TEXT NOT NULL,
        free_addresses     INTEGER NOT NULL CHECK (free_addresses >= 0)
    );

    CREATE TABLE security_groups (
        group_id     TEXT PRIMARY KEY NOT NULL,
        vpc_id       TEXT NOT NULL REFERENCES vpcs (vpc_id),
        group_name   TEXT NOT NULL,
        description  TEXT NOT NULL,
        UNIQUE (vpc_id, group_name)
    );

    CREATE TABLE security_group_rules (
        group_id       TEXT NOT NULL REFERENCES security_groups (group_id) ON DELETE CASCADE,
        direction      TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        protocol       TEXT NOT NULL CHECK (protocol IN ('tcp', 'udp', 'icmp', 'all')),
        from_port      INTEGER NOT NULL,
        to_port        INTEGER NOT NULL,
        peer_group_id  TEXT NOT NULL,
        PRIMARY KEY (group_id, direction, protocol, from_port, to_port, peer_group_id)
    ) WITHOUT ROWID;

    CREATE TABLE clusters (
        cluster_id               TEXT PRIMARY KEY NOT NULL,
        region                   TEXT NOT NULL,
        state                    TEXT NOT NULL CHECK (state IN (
                                     'CREATE_IN_PROGRESS', 'UNINITIALIZED',
                                     'INITIALIZE_IN_PROGRESS', 'INITIALIZED', 'ACTIVE',
                                     'UPDATE_IN_PROGRESS', 'MODIFY_IN_PROGRESS',
                                     'ROLLBACK_IN_PROGRESS', 'DELETE_IN_PROGRESS', 'DELETED',
                                     'DEGRADED')),
        state_message            TEXT,
        hsm_type                 TEXT NOT NULL,
        mode                     TEXT NOT NULL CHECK (mode IN ('FIPS', 'NON_FIPS')),
        network_type             TEXT NOT NULL CHECK (network_type IN ('IPV4', 'DUALSTACK')),
        vpc_id                   TEXT NOT NULL REFERENCES vpcs (vpc_id),
        security_group_id        TEXT NOT NULL REFERENCES security_groups (group_id),
        backup_retention_days    INTEGER NOT NULL,
        source_backup_id         TEXT,
        cluster_certificate_pem  TEXT,
        trust_anchor_pem         TEXT,
        -- Activation is the CloudHSM CLI's notion (the admin password is set), not a state.
        activated                INTEGER NOT NULL CHECK (activated IN (0, 1)),
        created_at               INTEGER NOT NULL
    );

    -- A cluster's AZ → subnet mapping. subnet_id deliberately has no foreign key: a subnet
    -- deleted behind the cluster's back is a state KMS reports (SUBNET_NOT_FOUND).
    CREATE TABLE cluster_subnets (
        cluster_id         TEXT NOT NULL REFERENCES clusters (cluster_id) ON DELETE CASCADE,
        availability_zone  TEXT NOT NULL,
        subnet_id          TEXT NOT NULL,
        PRIMARY KEY (cluster_id, availability_zone)
    ) WITHOUT ROWID;

    CREATE TABLE hsms (
        hsm_id             TEXT PRIMARY KEY NOT NULL,
        cluster_id         TEXT NOT NULL REFERENCES clusters (cluster_id) ON DELETE CASCADE,
        availability_zone  TEXT NOT NULL,
        subnet_id          TEXT NOT NULL,
        eni_id             TEXT NOT NULL UNIQUE,
        eni_ip             TEXT NOT NULL,
        state              TEXT NOT NULL CHECK (state IN (
                               'CREATE_IN_PROGRESS', 'ACTIVE', 'DEGRADED',
                               'DELETE_IN_PROGRESS', 'DELETED')),
        state_message      TEXT,
        serial_number      TEXT NOT NULL UNIQUE,
        created_at         INTEGER NOT NULL
    );
    CREATE INDEX hsms_by_cluster ON hsms (cluster_id, availability_zone);

    CREATE TABLE users (
        cluster_id     TEXT NOT NULL REFERENCES clusters (cluster_id) ON DELETE CASCADE,
        username       TEXT NOT NULL CHECK (username = lower(username)),
        role           TEXT NOT NULL CHECK (role IN (
                           'admin', 'crypto-user', 'unactivated-admin',
                           'internal(APPLIANCE_USER)')),
        -- An argon2id PHC string; NULL while the user has no password it can log in with.
        password_hash  TEXT,
        failed_logins  INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
        locked         INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
        PRIMARY KEY (cluster_id, username)
    ) WITHOUT ROWID;

    -- AUTOINCREMENT so that a login id is never reused: a stale Login held by a shell can never
    -- be mistaken for someone else's later login.
    CREATE TABLE logins (
        login_id             INTEGER PRIMARY KEY AUTOINCREMENT,
        cluster_id           TEXT NOT NULL,
        username             TEXT NOT NULL,
        pid                  INTEGER NOT NULL,
        -- Field 22 of /proc/<pid>/stat, so that a reused pid is not taken for the same process;
        -- NULL where /proc cannot be read.
        process_start_ticks  INTEGER,
        logged_in_at         INTEGER NOT NULL,
        FOREIGN KEY (cluster_id, username) REFERENCES users (cluster_id, username)
            ON DELETE CASCADE
    );
    CREATE INDEX logins_by_user ON logins (cluster_id, username);
    "#,
    // 2: keys and their shares. Attributes are columns (booleans in one bit mask) so that the
    // filters' most common terms, label and reference, are served by indexes. Secret material is
    // stored only sealed by the state's vault. A session key belongs to a login and goes with it.
    // Shares are listed in the order they were made (rowid).
    r#"
    CREATE TABLE keys (
        cluster_id         TEXT NOT NULL REFERENCES clusters (cluster_id),
        reference          INTEGER NOT NULL,
        owner              TEXT NOT NULL,
        key_type           TEXT NOT NULL CHECK (key_type IN ('aes', 'generic-secret', 'rsa', 'ec')),
        class              TEXT NOT NULL CHECK (class IN ('secret-key', 'public-key', 'private-key')),
        label              TEXT NOT NULL,
        id                 BLOB,
        check_value        BLOB NOT NULL,
        flags              INTEGER NOT NULL,
        key_length_bytes   INTEGER NOT NULL,
        modulus            BLOB,
        public_exponent    BLOB,
        curve              TEXT,
        ec_point           BLOB,
        public_der         BLOB,
        sealed_secret      BLOB,
        session_login_id   INTEGER REFERENCES logins (login_id) ON DELETE CASCADE,
        PRIMARY KEY (cluster_id, reference),
        FOREIGN KEY (cluster_id, owner) REFERENCES users (cluster_id, username)
    );
    CREATE INDEX keys_by_label ON keys (cluster_id, label);
    CREATE INDEX keys_by_owner ON keys (cluster_id, owner);
    CREATE INDEX keys_by_session ON keys (session_login_id) WHERE session_login_id IS NOT NULL;

    CREATE TABLE key_shares (
        cluster_id  TEXT NOT NULL,
        reference   INTEGER NOT NULL,
        username    TEXT NOT NULL,
        PRIMARY KEY (cluster_id, reference, username),
        FOREIGN KEY (cluster_id, reference) REFERENCES keys (cluster_id, reference)
            ON DELETE CASCADE,
        FOREIGN KEY (cluster_id, username) REFERENCES users (cluster_id, username)
            ON DELETE CASCADE
    );
    CREATE INDEX key_shares_by_user ON key_shares (cluster_id, username);
    "#,
    // 3: the control plane and the network faults. A subnet deleted behind a cluster's back
    // stays as a row marked deleted (the cluster's SubnetMapping still names it, and
    // `sim describe-network` shows it gone); an activated cluster is ACTIVE, as a real one is
    // once a CO has activated it. Backups keep no foreign key to their cluster: as in AWS, a
    // backup outlives the cluster it was taken of, and carries that cluster's lineage (its
    // cluster certificate) with it.
    r#"
    ALTER TABLE subnets ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1));

    UPDATE clusters SET state = 'ACTIVE' WHERE activated = 1 AND state = 'INITIALIZED';

    CREATE TABLE backups (
        backup_id                TEXT PRIMARY KEY NOT NULL,
        cluster_id               TEXT NOT NULL,
        state                    TEXT NOT NULL CHECK (state IN (
                                     'CREATE_IN_PROGRESS', 'READY', 'DELETED',
                                     'PENDING_DELETION')),
        hsm_type                 TEXT NOT NULL,
        mode                     TEXT NOT NULL CHECK (mode IN ('FIPS', 'NON_FIPS')),
        cluster_certificate_pem  TEXT NOT NULL,
        never_expires            INTEGER NOT NULL CHECK (never_expires IN (0, 1)),
        created_at               INTEGER NOT NULL
    );
    CREATE INDEX backups_by_cluster ON backups (cluster_id);
    "#,
    // 4: KMS custom key stores on the simulated clusters. The key store password is stored only
    // sealed by the state's vault. A connected store holds a login of kmsuser that belongs to
    // the store, not to a process (key_store_id set, pid 0), so pruning dead processes' logins
    // leaves it alone. kms_keys is created empty for the next slice (KMS keys in a store); the
    // delete rule already queries it. The simulator row carries the KMS faults and delays.
    r#"
    CREATE TABLE custom_key_stores (
        key_store_id        TEXT PRIMARY KEY NOT NULL,
        name                TEXT NOT NULL UNIQUE,
        cluster_id          TEXT NOT NULL,
        trust_anchor_pem    TEXT NOT NULL,
        -- The cluster certificate (lineage) of the cluster when the store was created, for
        -- the related-cluster rule of UpdateCustomKeyStore.
        cluster_certificate_pem  TEXT NOT NULL,
        sealed_password     BLOB NOT NULL,
        connection_state    TEXT NOT NULL CHECK (connection_state IN (
                                'CONNECTED', 'CONNECTING', 'FAILED', 'DISCONNECTED',
                                'DISCONNECTING')),
        error_code          TEXT,
        ever_connected      INTEGER NOT NULL DEFAULT 0 CHECK (ever_connected IN (0, 1)),
        due_at              INTEGER,
        created_at          INTEGER NOT NULL
    );

    CREATE TABLE kms_keys (
        key_id        TEXT PRIMARY KEY NOT NULL,
        key_store_id  TEXT NOT NULL REFERENCES custom_key_stores (key_store_id)
    );

    ALTER TABLE logins ADD COLUMN key_store_id TEXT;

    ALTER TABLE simulator ADD COLUMN connect_delay_seconds INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE simulator ADD COLUMN disconnect_delay_seconds INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE simulator ADD COLUMN next_connect_failure TEXT;
    "#,
    // 5: KMS keys in custom key stores. The visible KeyState is computed: PendingDeletion when
    // deletion_date is set, else Unavailable while the store is not CONNECTED, else Enabled or
    // Disabled from desired_enabled. hsm_reference is the kmsuser-owned AES key in cluster_id
    // whose label is the key ARN (cluster_id dropped again by migration 9: it is the store's).
    r#"
    ALTER TABLE kms_keys ADD COLUMN cluster_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE kms_keys ADD COLUMN hsm_reference INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE kms_keys ADD COLUMN description TEXT NOT NULL DEFAULT '';
    ALTER TABLE kms_keys ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE kms_keys ADD COLUMN desired_enabled INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE kms_keys ADD COLUMN deletion_date INTEGER;
    ALTER TABLE kms_keys ADD COLUMN pending_window_days INTEGER;
    "#,
    // 6: the CloudHSM v2 lifecycle: a cluster created by `cloudhsmv2 create-cluster` carries
    // its certificate signing request until it is initialised.
    r#"
    ALTER TABLE clusters ADD COLUMN cluster_csr_pem TEXT;
    "#,
    // 7: `sim advance-clock` moves the simulated time of every process on the state.
    r#"
    ALTER TABLE simulator ADD COLUMN clock_offset_seconds INTEGER NOT NULL DEFAULT 0;
    "#,
    // 8: `sim fail-next-kms-call` leaves the service fault the next KMS call answers with.
    r#"
    ALTER TABLE simulator ADD COLUMN next_call_failure TEXT;
    "#,
    // 9: the clock belongs to the state: virtual for a state made with --seed (set as the first
    // cluster is made; older states keep the system clock). A KMS key's cluster is its store's,
    // which UpdateCustomKeyStore may change, so migration 5's copy in kms_keys goes.
    r#"
    ALTER TABLE simulator ADD COLUMN virtual_clock INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE kms_keys DROP COLUMN cluster_id;
    "#,
    // 10: a digest of the seed a state was made with (NULL: made without one), so that a
    // --seed given for an existing state that another seed, or none, made is said to be so.
    r#"
    ALTER TABLE simulator ADD COLUMN seed_digest BLOB;
    "#,
    // 11: quorum (M of N): each user's registered quorum key, the quorum values of the admin
    // services (absent: 1), the token lifetimes, and the tokens generated, each bound to the
    // login session that generated it.
    r#"
    CREATE TABLE quorum_keys (
        cluster_id  TEXT NOT NULL,
        username    TEXT NOT NULL,
        -- SubjectPublicKeyInfo DER of an RSA key.
        public_key  BLOB NOT NULL,
        PRIMARY KEY (cluster_id, username),
        FOREIGN KEY (cluster_id, username) REFERENCES users (cluster_id, username)
            ON DELETE CASCADE
    ) WITHOUT ROWID;
    CREATE TABLE quorum_values (
        cluster_id  TEXT NOT NULL REFERENCES clusters (cluster_id) ON DELETE CASCADE,
        service     TEXT NOT NULL CHECK (service IN ('user', 'quorum')),
        value       INTEGER NOT NULL CHECK (value BETWEEN 1 AND 8),
        PRIMARY KEY (cluster_id, service)
    ) WITHOUT ROWID;
    CREATE TABLE quorum_settings (
        cluster_id         TEXT PRIMARY KEY REFERENCES clusters (cluster_id) ON DELETE CASCADE,
        generated_timeout  INTEGER NOT NULL CHECK (generated_timeout > 0),
        approved_timeout   INTEGER NOT NULL CHECK (approved_timeout > 0)
    );
    CREATE TABLE quorum_tokens (
        cluster_id     TEXT NOT NULL REFERENCES clusters (cluster_id) ON DELETE CASCADE,
        -- SHA-256 of approval_data: the token as token files name it.
        digest         BLOB NOT NULL,
        service        TEXT NOT NULL CHECK (service IN ('user', 'quorum', 'registration')),
        username       TEXT NOT NULL,
        login_id       INTEGER NOT NULL,
        approval_data  BLOB NOT NULL,
        expires_at     INTEGER NOT NULL,
        PRIMARY KEY (cluster_id, digest)
    );
    "#,
    // 12: MFA and key quorum. A user's token-sign keys: the quorum key and the MFA key, each
    // optional (the same key when registered together). Tokens gain the MFA challenges and the
    // key services (bound to a key), quorum values the cluster service, and keys their own
    // quorum values (0: none).
    r#"
    CREATE TABLE token_sign_keys (
        cluster_id  TEXT NOT NULL,
        username    TEXT NOT NULL,
        -- SubjectPublicKeyInfo DER of RSA keys.
        quorum_key  BLOB,
        mfa_key     BLOB,
        PRIMARY KEY (cluster_id, username),
        FOREIGN KEY (cluster_id, username) REFERENCES users (cluster_id, username)
            ON DELETE CASCADE
    ) WITHOUT ROWID;
    INSERT INTO token_sign_keys (cluster_id, username, quorum_key)
        SELECT cluster_id, username, public_key FROM quorum_keys;
    DROP TABLE quorum_keys;
    CREATE TABLE quorum_values_v12 (
        cluster_id  TEXT NOT NULL REFERENCES clusters (cluster_id) ON DELETE CASCADE,
        service     TEXT NOT NULL CHECK (service IN ('user', 'quorum', 'cluster')),
        value       INTEGER NOT NULL CHECK (value BETWEEN 1 AND 8),
        PRIMARY KEY (cluster_id, service)
    ) WITHOUT ROWID;
    INSERT INTO quorum_values_v12 SELECT cluster_id, service, value FROM quorum_values;
    DROP TABLE quorum_values;
    ALTER TABLE quorum_values_v12 RENAME TO quorum_values;
    CREATE TABLE quorum_tokens_v12 (
        cluster_id     TEXT NOT NULL REFERENCES clusters (cluster_id) ON DELETE CASCADE,
        -- SHA-256 of approval_data: the token as token files name it.
        digest         BLOB NOT NULL,
        service        TEXT NOT NULL CHECK (service IN ('user', 'quorum', 'cluster',
                           'registration', 'key-usage', 'key-management', 'mfa-login',
                           'mfa-registration')),
        username       TEXT NOT NULL,
        -- The login session the token belongs to; 0 for an MFA login challenge (no session yet).
        login_id       INTEGER NOT NULL,
        approval_data  BLOB NOT NULL,
        expires_at     INTEGER NOT NULL,
        -- The key a key-usage or key-management token is for.
        key_reference  INTEGER,
        PRIMARY KEY (cluster_id, digest)
    );
    INSERT INTO quorum_tokens_v12
        (cluster_id, digest, service, username, login_id, approval_data, expires_at)
        SELECT cluster_id, digest, service, username, login_id, approval_data, expires_at
        FROM quorum_tokens;
    DROP TABLE quorum_tokens;
    ALTER TABLE quorum_tokens_v12 RENAME TO quorum_tokens;
    ALTER TABLE keys ADD COLUMN manage_quorum INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE keys ADD COLUMN use_quorum INTEGER NOT NULL DEFAULT 0;
    "#,
    // 13: mutual TLS of hsm2m.medium clusters: the registered trust anchors (PEM, chain
    // included) and the enforcement level.
    r#"
    CREATE TABLE trust_anchors (
        cluster_id  TEXT NOT NULL REFERENCES clusters (cluster_id) ON DELETE CASCADE,
        reference   INTEGER NOT NULL,
        pem         TEXT NOT NULL,
        PRIMARY KEY (cluster_id, reference)
    ) WITHOUT ROWID;
    ALTER TABLE clusters ADD COLUMN mtls_enforcement TEXT NOT NULL DEFAULT 'none'
        CHECK (mtls_enforcement IN ('none', 'cluster'));
    "#,
];

/// The schema version this binary writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// The schema version of the state (0 for an empty database).
pub fn version(tx: &Transaction<'_>) -> Result<i64> {
    Ok(tx.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Brings the schema up to [`CURRENT_VERSION`] inside `tx` and returns the version found.
///
/// Version 0 means an empty database: the caller creates the first cluster in the same
/// transaction, so a half-created state is never visible.
pub fn migrate(tx: &Transaction<'_>) -> Result<i64> {
    let found: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > CURRENT_VERSION {
        return Err(Error::State {
            message: format!(
                "the state database has schema version {found}, newer than the {CURRENT_VERSION} \
                 this cloudhsm-shell understands: upgrade cloudhsm-shell or use another --state-dir"
            ),
        });
    }
    if found < 0 {
        return Err(Error::State {
            message: format!("the state database has an invalid schema version {found}"),
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(migration)?;
        // PRAGMA takes no bound parameters; the version is an integer we computed.
        tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn migrates_an_empty_database_once() {
        let mut connection = Connection::open_in_memory().unwrap();
        connection
            .pragma_update(None, "foreign_keys", "ON")
            .unwrap();
        let tx = connection.transaction().unwrap();
        assert_eq!(migrate(&tx).unwrap(), 0);
        assert_eq!(migrate(&tx).unwrap(), CURRENT_VERSION);
        tx.commit().unwrap();
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, CURRENT_VERSION);
    }

    /// Every table's columns, as `PRAGMA table_info` lists them.
    fn columns(tx: &Transaction<'_>) -> Vec<(String, Vec<String>)> {
        let tables: Vec<String> = tx
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        tables
            .into_iter()
            .map(|table| {
                let names = tx
                    .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                    .unwrap()
                    .query_map([], |row| row.get(0))
                    .unwrap()
                    .collect::<rusqlite::Result<_>>()
                    .unwrap();
                (table, names)
            })
            .collect()
    }

    #[test]
    fn a_state_at_the_landed_version_6_with_a_kms_key_upgrades_to_the_fresh_schema() {
        let mut fresh = Connection::open_in_memory().unwrap();
        let fresh_tx = fresh.transaction().unwrap();
        migrate(&fresh_tx).unwrap();
        let expected = columns(&fresh_tx);

        let mut old = Connection::open_in_memory().unwrap();
        old.pragma_update(None, "foreign_keys", "ON").unwrap();
        let tx = old.transaction().unwrap();
        for migration in &MIGRATIONS[..6] {
            tx.execute_batch(migration).unwrap();
        }
        tx.execute_batch(
            "PRAGMA user_version = 6;
             INSERT INTO custom_key_stores (key_store_id, name, cluster_id, trust_anchor_pem,
                 cluster_certificate_pem, sealed_password, connection_state, created_at)
             VALUES ('cks-1', 'store', 'cluster-1', 'PEM', 'PEM', x'00', 'DISCONNECTED', 1);
             INSERT INTO kms_keys (key_id, key_store_id, cluster_id, hsm_reference)
             VALUES ('key-1', 'cks-1', 'cluster-1', 1048577);",
        )
        .unwrap();
        assert_eq!(migrate(&tx).unwrap(), 6);
        assert_eq!(columns(&tx), expected);
        let kept: (String, i64) = tx
            .query_row(
                "SELECT key_store_id, hsm_reference FROM kms_keys",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!(kept, ("cks-1".to_owned(), 1_048_577));
        let (virtual_clock, offset): (bool, i64) = tx
            .query_row(
                "SELECT virtual_clock, clock_offset_seconds FROM simulator",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!((virtual_clock, offset), (false, 0));
    }

    #[test]
    fn migration_12_keeps_quorum_keys_values_and_tokens() {
        let mut connection = Connection::open_in_memory().unwrap();
        connection
            .pragma_update(None, "foreign_keys", "ON")
            .unwrap();
        let tx = connection.transaction().unwrap();
        for migration in &MIGRATIONS[..11] {
            tx.execute_batch(migration).unwrap();
        }
        tx.execute_batch(
            "PRAGMA user_version = 11;
             INSERT INTO vpcs VALUES ('vpc-1', 'us-east-1', '10.0.0.0/16');
             INSERT INTO security_groups VALUES ('sg-1', 'vpc-1', 'cloudhsm-sg', 'group');
             INSERT INTO clusters (cluster_id, region, state, hsm_type, mode, network_type,
                                   vpc_id, security_group_id, backup_retention_days,
                                   activated, created_at)
             VALUES ('cluster-1', 'us-east-1', 'ACTIVE', 'hsm1.medium', 'FIPS', 'IPV4',
                     'vpc-1', 'sg-1', 90, 1, 0);
             INSERT INTO users (cluster_id, username, role) VALUES ('cluster-1', 'officer', 'admin');
             INSERT INTO quorum_keys VALUES ('cluster-1', 'officer', x'3082');
             INSERT INTO quorum_values VALUES ('cluster-1', 'user', 2);
             INSERT INTO quorum_tokens VALUES ('cluster-1', x'01', 'user', 'officer', 7, x'02', 600);",
        )
        .unwrap();
        assert_eq!(migrate(&tx).unwrap(), 11);
        let key: (Option<Vec<u8>>, Option<Vec<u8>>) = tx
            .query_row(
                "SELECT quorum_key, mfa_key FROM token_sign_keys WHERE username = 'officer'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!(key, (Some(vec![0x30, 0x82]), None));
        let value: i64 = tx
            .query_row(
                "SELECT value FROM quorum_values WHERE service = 'user'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(value, 2);
        let token: (String, i64, Option<i64>) = tx
            .query_row(
                "SELECT service, login_id, key_reference FROM quorum_tokens",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .unwrap();
        assert_eq!(token, ("user".to_owned(), 7, None));
    }

    #[test]
    fn migration_3_makes_activated_clusters_active_and_subnets_present() {
        let mut connection = Connection::open_in_memory().unwrap();
        connection
            .pragma_update(None, "foreign_keys", "ON")
            .unwrap();
        let tx = connection.transaction().unwrap();
        for migration in &MIGRATIONS[..2] {
            tx.execute_batch(migration).unwrap();
        }
        tx.execute_batch(
            "PRAGMA user_version = 2;
             INSERT INTO vpcs VALUES ('vpc-1', 'us-east-1', '10.0.0.0/16');
             INSERT INTO subnets VALUES ('subnet-1', 'vpc-1', 'us-east-1a', '10.0.0.0/24', 250);
             INSERT INTO security_groups VALUES ('sg-1', 'vpc-1', 'cloudhsm-sg', 'group');
             INSERT INTO clusters (cluster_id, region, state, hsm_type, mode, network_type,
                                   vpc_id, security_group_id, backup_retention_days,
                                   activated, created_at)
             VALUES ('cluster-activated', 'us-east-1', 'INITIALIZED', 'hsm1.medium', 'FIPS',
                     'IPV4', 'vpc-1', 'sg-1', 90, 1, 0),
                    ('cluster-fresh', 'us-east-1', 'INITIALIZED', 'hsm1.medium', 'FIPS',
                     'IPV4', 'vpc-1', 'sg-1', 90, 0, 0);",
        )
        .unwrap();
        assert_eq!(migrate(&tx).unwrap(), 2);
        let states: Vec<(String, String)> = tx
            .prepare("SELECT cluster_id, state FROM clusters ORDER BY cluster_id")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            states,
            vec![
                ("cluster-activated".to_owned(), "ACTIVE".to_owned()),
                ("cluster-fresh".to_owned(), "INITIALIZED".to_owned()),
            ]
        );
        let deleted: bool = tx
            .query_row("SELECT deleted FROM subnets", [], |row| row.get(0))
            .unwrap();
        assert!(!deleted);
    }

    #[test]
    fn refuses_a_newer_schema() {
        let mut connection = Connection::open_in_memory().unwrap();
        connection
            .execute_batch(&format!("PRAGMA user_version = {}", CURRENT_VERSION + 1))
            .unwrap();
        let tx = connection.transaction().unwrap();
        let error = migrate(&tx).unwrap_err();
        assert!(
            matches!(&error, Error::State { message } if message.contains("newer")),
            "{error}"
        );
    }
}
