use super::*;
use serde_json::json;

fn builtin() -> Varying {
    Varying::builtin().expect("grammar/varying.toml is valid")
}

#[test]
fn the_declarations_load_and_name_each_placeholder_once() {
    let varying = builtin();
    let mut names: Vec<_> = varying.names().collect();
    let count = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), count, "a placeholder is declared twice");
    assert!(names.contains(&"key-reference") && names.contains(&"cluster-id"));
}

#[test]
fn declarations_that_cannot_work_are_refused() {
    for (text, why) in [
        ("[[placeholder]]\nname = \"x\"\n", "names no members"),
        (
            "[[placeholder]]\nname = \"x\"\ntext = 'a(b)'\n",
            "may not capture",
        ),
        (
            "[[placeholder]]\nname = \"x\"\ntext = 'a('\n",
            "placeholder 'x'",
        ),
        (
            "[[placeholder]]\nname = \"x\"\nmembers = [\"a\"]\nbonud = false\n",
            "unknown field",
        ),
    ] {
        let error = Varying::parse(text).expect_err(text).to_string();
        assert!(error.contains(why), "{text}: {error}");
    }
}

#[test]
fn a_key_reference_binds_at_first_sight_and_is_written_anew_in_later_commands() {
    let varying = builtin();
    let mut bindings = Bindings::default();
    let recorded = json!({"error_code": 0, "data": {"key": {"key-reference": "0x0000000000100003", "attributes": {"label": "aes1"}}}});
    let printed = json!({"error_code": 0, "data": {"key": {"key-reference": "0x00000000002000a1", "attributes": {"label": "aes1"}}}});
    let compared = varying.compare_values(
        &mut bindings,
        "key generate-symmetric aes",
        &recorded,
        &printed,
    );
    assert!(compared.same);
    assert_eq!(compared.expected_here, printed);
    assert_eq!(
        varying.runnable_line(
            &bindings,
            "crypto sign rsa-pkcs --key-filter key-reference=0x0000000000100003 --data x"
        ),
        "crypto sign rsa-pkcs --key-filter key-reference=0x00000000002000a1 --data x"
    );
    // The same recorded reference must come back as the same reference.
    let again = json!({"error_code": 1, "data": "Key 0x0000000000100004 was not found"});
    let compared = varying.compare_text(
        &mut bindings,
        "Key 0x0000000000100003 was not found",
        again["data"].as_str().unwrap_or_default(),
    );
    assert!(!compared.same);
    assert_eq!(
        compared.expected_here,
        "Key 0x00000000002000a1 was not found"
    );
}

#[test]
fn two_recorded_values_cannot_bind_to_one_value_of_this_run() {
    let varying = builtin();
    let mut bindings = Bindings::default();
    let recorded =
        json!([{"key-reference": "0x0000000000000001"}, {"key-reference": "0x0000000000000002"}]);
    let printed =
        json!([{"key-reference": "0x0000000000000009"}, {"key-reference": "0x0000000000000009"}]);
    assert!(
        !varying
            .compare_values(&mut bindings, "key list", &recorded, &printed)
            .same
    );
    assert_eq!(bindings.len(), 1);
}

#[test]
fn a_member_that_does_not_vary_is_compared_exactly_and_the_diff_keeps_only_it() {
    let varying = builtin();
    let mut bindings = Bindings::default();
    let recorded = json!({"key-reference": "0x0000000000000001", "attributes": {"label": "one", "sign": true}});
    let printed = json!({"key-reference": "0x0000000000000777", "attributes": {"label": "one", "sign": false}});
    let compared = varying.compare_values(&mut bindings, "key list", &recorded, &printed);
    assert!(!compared.same);
    assert_eq!(
        compared.expected_here,
        json!({"key-reference": "0x0000000000000777", "attributes": {"label": "one", "sign": true}})
    );
    let missing = json!({"key-reference": "0x0000000000000777", "attributes": {"label": "one"}});
    assert!(
        !varying
            .compare_values(&mut bindings, "key list", &recorded, &missing)
            .same
    );
}

#[test]
fn unbound_placeholders_take_any_value_of_the_recorded_type() {
    let varying = builtin();
    let mut bindings = Bindings::default();
    let recorded = json!({"CreationDate": 1767225600, "DeletionDate": 1767225600});
    let printed = json!({"CreationDate": 1796356532, "DeletionDate": 1796961332});
    assert!(
        varying
            .compare_values(&mut bindings, "kms describe-key", &recorded, &printed)
            .same
    );
    let as_text = json!({"CreationDate": "1796356532", "DeletionDate": 1796961332});
    assert!(
        !varying
            .compare_values(&mut bindings, "kms describe-key", &recorded, &as_text)
            .same
    );
}

#[test]
fn when_and_commands_narrow_a_member_to_where_it_varies() {
    let varying = builtin();
    let mut bindings = Bindings::default();
    let rsa_private = |length: u64| json!({"class": "private-key", "key-type": "rsa", "key-length-bytes": length});
    assert!(
        varying
            .compare_values(
                &mut bindings,
                "key list",
                &rsa_private(1217),
                &rsa_private(1219)
            )
            .same
    );
    let aes =
        |length: u64| json!({"class": "secret-key", "key-type": "aes", "key-length-bytes": length});
    assert!(
        !varying
            .compare_values(&mut bindings, "key list", &aes(32), &aes(16))
            .same
    );

    let plaintext = |text: &str| json!({"Plaintext": text});
    assert!(
        varying
            .compare_values(
                &mut bindings,
                "kms  generate-random --number-of-bytes 4",
                &plaintext("AAAAAA=="),
                &plaintext("BBBBBB==")
            )
            .same
    );
    assert!(
        !varying
            .compare_values(
                &mut bindings,
                "kms decrypt --ciphertext-blob x",
                &plaintext("aGVsbG8="),
                &plaintext("aGVsbG9=")
            )
            .same
    );
}

#[test]
fn identifiers_inside_prose_bind_by_their_shape() {
    let varying = builtin();
    let mut bindings = Bindings::default();
    let compared = varying.compare_text(
        &mut bindings,
        "Cluster cluster-zxqwotxh2y6 has subnets subnet-0a5a656b6f60a0237 in us-east-1a",
        "Cluster cluster-3b5eiuyas7b has subnets subnet-2fa80f1c5b4d60ada in eu-west-3b",
    );
    assert!(compared.same, "{compared:?}");
    assert_eq!(bindings.len(), 3);
    let other_words = varying.compare_text(
        &mut bindings,
        "Cluster cluster-zxqwotxh2y6 is active",
        "Cluster cluster-3b5eiuyas7b is DELETED",
    );
    assert!(!other_words.same);
    assert_eq!(
        other_words.expected_here,
        "Cluster cluster-3b5eiuyas7b is active"
    );
    // An ARN is one value, though a key ID is in it.
    let arn = varying.compare_text(
        &mut bindings,
        "arn:aws:kms:us-east-1:111122223333:key/f36f1233-04ca-442a-be19-6dcbbf06d11e",
        "arn:aws:kms:eu-west-3:444455556666:key/0b1b7c2e-0000-4000-8000-000000000001",
    );
    assert!(arn.same);
}

#[test]
fn subnets_keyed_by_availability_zone_pair_in_order() {
    let varying = builtin();
    let mut bindings = Bindings::default();
    let recorded = json!({"SubnetMapping": {"us-east-1a": "subnet-0a5a656b6f60a0237", "us-east-1b": "subnet-2fa80f1c5b4d60ada"}});
    let printed = json!({"SubnetMapping": {"eu-west-3a": "subnet-b860c04ccbdabdcb2", "eu-west-3b": "subnet-38e121a58cdaf0401"}});
    assert!(
        varying
            .compare_values(
                &mut bindings,
                "cloudhsmv2 describe-clusters",
                &recorded,
                &printed
            )
            .same
    );
    let swapped = json!({"SubnetMapping": {"eu-west-3a": "subnet-38e121a58cdaf0401", "eu-west-3b": "subnet-b860c04ccbdabdcb2"}});
    assert!(
        !varying
            .compare_values(
                &mut bindings,
                "cloudhsmv2 describe-clusters",
                &recorded,
                &swapped
            )
            .same
    );
}

#[test]
fn the_recorded_session_cluster_is_the_replays_cluster() {
    let varying = builtin();
    let mut bindings = Bindings::default();
    let line = "keystore check-prerequisites --cloud-hsm-cluster-id cluster-zxqwotxh2y6 --trust-anchor-certificate file://x.crt";
    // Not guessed: a cluster nothing showed stays as recorded.
    assert_eq!(varying.runnable_line(&bindings, line), line);
    assert!(varying.bind_session_cluster(
        &mut bindings,
        "cluster-zxqwotxh2y6",
        "cluster-3b5eiuyas7b"
    ));
    assert_eq!(
        varying.runnable_line(&bindings, line),
        "keystore check-prerequisites --cloud-hsm-cluster-id cluster-3b5eiuyas7b --trust-anchor-certificate file://x.crt"
    );
    // Another recorded cluster cannot also be this one.
    assert!(!varying.bind_session_cluster(
        &mut bindings,
        "cluster-other123456",
        "cluster-3b5eiuyas7b"
    ));
    assert!(varying.bind_session_cluster(
        &mut bindings,
        "cluster-zxqwotxh2y6",
        "cluster-3b5eiuyas7b"
    ));
}

#[test]
fn times_inside_prose_take_any_time() {
    let varying = builtin();
    let mut bindings = Bindings::default();
    let compared = varying.compare_text(
        &mut bindings,
        "The clock now reads 2026-01-01T00:09:59Z",
        "The clock now reads 2026-12-04T04:13:56Z",
    );
    assert!(compared.same);
    assert!(bindings.is_empty());
    assert!(
        !varying
            .compare_text(
                &mut bindings,
                "now reads 2026-01-01T00:09:59Z",
                "now read 2026-12-04T04:13:56Z"
            )
            .same
    );
}

#[test]
fn bound_values_inside_other_words_are_left_alone() {
    let varying = builtin();
    let mut bindings = Bindings::default();
    let recorded = json!({"signature": "c2lnbmF0dXJl"});
    let printed = json!({"signature": "b3RoZXJzaWc="});
    assert!(
        varying
            .compare_values(&mut bindings, "crypto sign ecdsa", &recorded, &printed)
            .same
    );
    assert_eq!(
        varying.runnable_line(
            &bindings,
            "crypto verify ecdsa --signature c2lnbmF0dXJl --data Xc2lnbmF0dXJl"
        ),
        "crypto verify ecdsa --signature b3RoZXJzaWc= --data Xc2lnbmF0dXJl"
    );
}
