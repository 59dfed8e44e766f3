//! The JSON of keys and replies, compared with the CLI reference's examples as values and in
//! key order.

use super::*;
use serde_json::json;

/// The `key set-attribute` page's AES key, rebuilt: owner `bob`, the listed attributes set at
/// creation, and `trusted` set by an admin.
#[test]
fn an_aes_key_prints_as_the_set_attribute_example() {
    let mut attributes = aes(&["decrypt=true", "derive=true", "unwrap=true", "wrap=true"]);
    attributes.set_attribute("trusted", "true", true).unwrap();
    let key = Key::new(
        KeyReference(0x6400ec),
        "bob",
        KeyQuorumValues::default(),
        attributes,
    );
    let value = serde_json::to_value(&key).unwrap();
    assert_eq!(
        value,
        json!({
            "key-reference": "0x00000000006400ec",
            "key-info": {
                "key-owners": [{"username": "bob", "key-coverage": "full"}],
                "shared-users": [],
                "key-quorum-values": {"manage-key-quorum-value": 0, "use-key-quorum-value": 0},
                "cluster-coverage": "full"
            },
            "attributes": {
                "key-type": "aes",
                "label": "my_key",
                "id": "",
                "check-value": "0x6bd9f7",
                "class": "secret-key",
                "encrypt": false,
                "decrypt": true,
                "token": true,
                "always-sensitive": true,
                "derive": true,
                "destroyable": true,
                "extractable": true,
                "local": true,
                "modifiable": true,
                "never-extractable": false,
                "private": true,
                "sensitive": true,
                "sign": true,
                "trusted": true,
                "unwrap": true,
                "verify": true,
                "wrap": true,
                "wrap-with-trusted": false,
                "key-length-bytes": 32
            }
        })
    );
    assert_eq!(
        key_order(&value),
        ["key-reference", "key-info", "attributes"]
    );
    assert_eq!(
        key_order(&value["key-info"]),
        [
            "key-owners",
            "shared-users",
            "key-quorum-values",
            "cluster-coverage"
        ]
    );
    assert_eq!(key_order(&value["attributes"]), COMMON_ORDER);
}

#[test]
fn an_rsa_pair_prints_both_halves_with_the_rsa_facts_last() {
    let (public, private) = rsa_pair();
    let pair = GeneratedPair {
        public_key: key(0x280cc8, public),
        private_key: key(0x280cc7, private),
    };
    let value = serde_json::to_value(&pair).unwrap();
    assert_eq!(key_order(&value), ["public_key", "private_key"]);
    let rsa_order: Vec<&str> = COMMON_ORDER
        .into_iter()
        .chain(["public-exponent", "modulus", "modulus-size-bits"])
        .collect();
    for half in ["public_key", "private_key"] {
        assert_eq!(key_order(&value[half]["attributes"]), rsa_order);
        assert_eq!(value[half]["attributes"]["public-exponent"], "0x010001");
        assert_eq!(value[half]["attributes"]["modulus"], "0xb1d27e85");
        assert_eq!(value[half]["attributes"]["modulus-size-bits"], 32);
        assert_eq!(value[half]["attributes"]["check-value"], "0x6bd9f7");
    }
    assert_eq!(
        value["public_key"]["attributes"],
        json!({
            "key-type": "rsa", "label": "pub", "id": "", "check-value": "0x6bd9f7",
            "class": "public-key", "encrypt": false, "decrypt": false, "token": true,
            "always-sensitive": false, "derive": false, "destroyable": true,
            "extractable": true, "local": true, "modifiable": true,
            "never-extractable": false, "private": true, "sensitive": false, "sign": false,
            "trusted": false, "unwrap": false, "verify": false, "wrap": false,
            "wrap-with-trusted": false, "key-length-bytes": 512,
            "public-exponent": "0x010001", "modulus": "0xb1d27e85", "modulus-size-bits": 32
        })
    );
    assert_eq!(
        value["private_key"]["attributes"],
        json!({
            "key-type": "rsa", "label": "priv", "id": "", "check-value": "0x6bd9f7",
            "class": "private-key", "encrypt": false, "decrypt": false, "token": true,
            "always-sensitive": true, "derive": false, "destroyable": true,
            "extractable": true, "local": true, "modifiable": true,
            "never-extractable": false, "private": true, "sensitive": true, "sign": false,
            "trusted": false, "unwrap": false, "verify": false, "wrap": false,
            "wrap-with-trusted": false, "key-length-bytes": 1217,
            "public-exponent": "0x010001", "modulus": "0xb1d27e85", "modulus-size-bits": 32
        })
    );
}

/// The SSL-offload guide's EC pair: session keys, `sign=true` on the private half, both with
/// `cluster-coverage` `session`.
#[test]
fn an_ec_session_pair_prints_as_the_ssl_offload_example() {
    let private_attributes = assignments(&["sign=true"]);
    let (public, private) = KeyAttributes::generated_pair(
        AsymmetricFacts::Ec(EcFacts {
            curve: Curve::Secp224r1,
            ec_point: vec![0x04, 0x70, 0x96, 0x51],
        }),
        PairLengths {
            public: 57,
            private: 122,
        },
        CheckValue([0xd7, 0xc1, 0xa7]),
        KeyLifetime::Session,
        &Creation {
            label: "tls_ec_pub",
            attributes: &[],
        },
        &Creation {
            label: "tls_ec_private",
            attributes: &private_attributes,
        },
    )
    .unwrap();
    let pair = GeneratedPair {
        public_key: key(0x12000b, public),
        private_key: key(0x12000c, private),
    };
    let value = serde_json::to_value(&pair).unwrap();
    let key_info = json!({
        "key-owners": [{"username": "cu1", "key-coverage": "full"}],
        "shared-users": [],
        "key-quorum-values": {"manage-key-quorum-value": 0, "use-key-quorum-value": 0},
        "cluster-coverage": "session"
    });
    assert_eq!(
        value,
        json!({
            "public_key": {
                "key-reference": "0x000000000012000b",
                "key-info": key_info,
                "attributes": {
                    "key-type": "ec", "label": "tls_ec_pub", "id": "", "check-value": "0xd7c1a7",
                    "class": "public-key", "encrypt": false, "decrypt": false, "token": false,
                    "always-sensitive": false, "derive": false, "destroyable": true,
                    "extractable": true, "local": true, "modifiable": true,
                    "never-extractable": false, "private": true, "sensitive": false,
                    "sign": false, "trusted": false, "unwrap": false, "verify": false,
                    "wrap": false, "wrap-with-trusted": false, "key-length-bytes": 57,
                    "ec-point": "0x04709651", "curve": "secp224r1"
                }
            },
            "private_key": {
                "key-reference": "0x000000000012000c",
                "key-info": key_info,
                "attributes": {
                    "key-type": "ec", "label": "tls_ec_private", "id": "",
                    "check-value": "0xd7c1a7", "class": "private-key", "encrypt": false,
                    "decrypt": false, "token": false, "always-sensitive": true, "derive": false,
                    "destroyable": true, "extractable": true, "local": true, "modifiable": true,
                    "never-extractable": false, "private": true, "sensitive": true,
                    "sign": true, "trusted": false, "unwrap": false, "verify": false,
                    "wrap": false, "wrap-with-trusted": false, "key-length-bytes": 122,
                    "ec-point": "0x04709651", "curve": "secp224r1"
                }
            }
        })
    );
    let ec_order: Vec<&str> = COMMON_ORDER
        .into_iter()
        .chain(["ec-point", "curve"])
        .collect();
    assert_eq!(key_order(&value["private_key"]["attributes"]), ec_order);
}

/// The `key import pem` example with `--attributes verify=true`: `id` `"0x"`, `local` false,
/// and the message after the key.
#[test]
fn an_imported_public_key_prints_id_0x_and_the_import_message_last() {
    let attributes = assignments(&["verify=true"]);
    let imported = KeyAttributes::imported_public(
        AsymmetricFacts::Rsa(rsa_facts()),
        512,
        CheckValue([0x99, 0xfe, 0x93]),
        &Creation {
            label: "example-imported-key-with-attributes",
            attributes: &attributes,
        },
    )
    .unwrap();
    let reply = SingleKey::imported(key(0x1e08e3, imported));
    let value = serde_json::to_value(&reply).unwrap();
    assert_eq!(key_order(&value), ["key", "message"]);
    assert_eq!(value["message"], "Successfully imported key");
    assert_eq!(
        value["key"]["attributes"],
        json!({
            "key-type": "rsa", "label": "example-imported-key-with-attributes", "id": "0x",
            "check-value": "0x99fe93", "class": "public-key", "encrypt": false,
            "decrypt": false, "token": true, "always-sensitive": false, "derive": false,
            "destroyable": true, "extractable": true, "local": false, "modifiable": true,
            "never-extractable": false, "private": true, "sensitive": false, "sign": false,
            "trusted": false, "unwrap": false, "verify": true, "wrap": false,
            "wrap-with-trusted": false, "key-length-bytes": 512,
            "public-exponent": "0x010001", "modulus": "0xb1d27e85", "modulus-size-bits": 32
        })
    );
}

#[test]
fn a_generated_symmetric_key_reply_has_no_message() {
    let value = serde_json::to_value(SingleKey::new(key(1, aes(&[])))).unwrap();
    assert_eq!(key_order(&value), ["key"]);
    let replicated = serde_json::to_value(SingleKey::replicated(key(1, aes(&[])))).unwrap();
    assert_eq!(replicated["message"], "Successfully replicated key");
}

#[test]
fn a_key_list_page_prints_brief_entries_and_the_next_token() {
    let first = key(0x1c0686, aes(&[]));
    let page = KeyListPage::new(vec![KeyListEntry::brief(&first)], 3, Some("1".to_string()));
    let value = serde_json::to_value(&page).unwrap();
    assert_eq!(
        value,
        json!({
            "matched_keys": [
                {"key-reference": "0x00000000001c0686", "attributes": {"label": "my_key"}}
            ],
            "total_key_count": 3,
            "returned_key_count": 1,
            "next_token": "1"
        })
    );
    assert_eq!(
        key_order(&value),
        [
            "matched_keys",
            "total_key_count",
            "returned_key_count",
            "next_token"
        ]
    );
    assert_eq!(
        key_order(&value["matched_keys"][0]),
        ["key-reference", "attributes"]
    );
}

#[test]
fn a_last_key_list_page_omits_next_token_and_verbose_entries_are_full_keys() {
    let only = key(7, aes(&[]));
    let page = KeyListPage::new(vec![KeyListEntry::Verbose(only.clone())], 1, None);
    let value = serde_json::to_value(&page).unwrap();
    assert_eq!(
        key_order(&value),
        ["matched_keys", "total_key_count", "returned_key_count"]
    );
    assert_eq!(
        value["matched_keys"][0],
        serde_json::to_value(&only).unwrap()
    );
    assert_eq!(value["returned_key_count"], 1);
}

#[test]
fn an_empty_key_list_prints_zero_counts() {
    let value = serde_json::to_value(KeyListPage::new(Vec::new(), 0, None)).unwrap();
    assert_eq!(
        value,
        json!({"matched_keys": [], "total_key_count": 0, "returned_key_count": 0})
    );
}

#[test]
fn shared_users_and_quorum_values_print_as_given() {
    let mut shared = Key::new(
        KeyReference(2),
        "cu1",
        KeyQuorumValues {
            manage_key_quorum_value: 2,
            use_key_quorum_value: 3,
        },
        aes(&[]),
    );
    shared.key_info.shared_users.push(KeyUser::new("alice"));
    let value = serde_json::to_value(&shared).unwrap();
    assert_eq!(
        value["key-info"],
        json!({
            "key-owners": [{"username": "cu1", "key-coverage": "full"}],
            "shared-users": [{"username": "alice", "key-coverage": "full"}],
            "key-quorum-values": {"manage-key-quorum-value": 2, "use-key-quorum-value": 3},
            "cluster-coverage": "full"
        })
    );
}

#[test]
fn a_session_key_made_persistent_covers_the_full_cluster() {
    let mut session = key(3, aes_with(KeyLifetime::Session, &[]).unwrap());
    assert_eq!(session.cluster_coverage(), Coverage::Session);
    session
        .attributes
        .set_attribute("token", "true", false)
        .unwrap();
    let value = serde_json::to_value(&session).unwrap();
    assert_eq!(value["key-info"]["cluster-coverage"], "full");
    assert_eq!(value["attributes"]["token"], true);
}

#[test]
fn attribute_text_is_the_json_text() {
    let (_, private) = rsa_pair();
    assert_eq!(private.attribute_text("sign").as_deref(), Some("false"));
    assert_eq!(
        private.attribute_text("key-length-bytes").as_deref(),
        Some("1217")
    );
    assert_eq!(
        private.attribute_text("modulus-size-bits").as_deref(),
        Some("32")
    );
    assert_eq!(
        private.attribute_text("check-value").as_deref(),
        Some("0x6bd9f7")
    );
    assert_eq!(
        private.attribute_text("class").as_deref(),
        Some("private-key")
    );
    assert_eq!(private.attribute_text("id").as_deref(), Some(""));
    assert_eq!(private.attribute_text("label").as_deref(), Some("priv"));
    assert_eq!(private.attribute_text("curve"), None);
    assert_eq!(private.attribute_text("colour"), None);
    let (_, ec_private) = ec_pair();
    assert_eq!(
        ec_private.attribute_text("curve").as_deref(),
        Some("secp224r1")
    );
    assert_eq!(
        ec_private.attribute_text("ec-point").as_deref(),
        Some("0x04709651")
    );
}
