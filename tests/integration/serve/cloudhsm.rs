//! CloudHSM v2 over awsJson1.1 and over Smithy RPC v2 CBOR: the same replies as the shell's
//! `cloudhsmv2` commands, timestamps as CBOR tag 1, errors as CBOR maps, and the cluster
//! lifecycle through the wire.

use super::served::{JSON, Reply, Served};
use super::{CLUSTER, SECOND_CLUSTER, ready_state};
use crate::test::Test;
use ciborium::Value as Cbor;
use serde_json::{Value, json};
use std::path::Path;

const CBOR: &str = "application/cbor";

fn cloudhsm(served: &Served, operation: &str, body: &Value) -> Reply {
    let target = format!("BaldrApiService.{operation}");
    served.send(
        "POST",
        "/",
        &[("Content-Type", JSON), ("X-Amz-Target", &target)],
        body.to_string().as_bytes(),
    )
}

fn cbor_call(served: &Served, operation: &str, body: &[u8]) -> Reply {
    let reply = served.send(
        "POST",
        &format!("/service/BaldrApiService/operation/{operation}"),
        &[
            ("Content-Type", CBOR),
            ("Accept", CBOR),
            ("smithy-protocol", "rpc-v2-cbor"),
        ],
        body,
    );
    assert_eq!(reply.header("content-type"), Some(CBOR));
    assert_eq!(reply.header("smithy-protocol"), Some("rpc-v2-cbor"));
    reply
}

fn cbor_bytes(value: &Cbor) -> Vec<u8> {
    let mut bytes = Vec::new();
    ciborium::into_writer(value, &mut bytes).unwrap();
    bytes
}

/// A CBOR reply as JSON; every tag must be tag 1 (a timestamp) on an integer, which becomes
/// that integer.
fn untagged(value: Cbor) -> Value {
    match value {
        Cbor::Tag(1, inner) => {
            assert!(matches!(*inner, Cbor::Integer(_)), "{inner:?}");
            untagged(*inner)
        }
        Cbor::Tag(tag, _) => panic!("unexpected tag {tag}"),
        Cbor::Integer(integer) => json!(i64::try_from(integer).unwrap()),
        Cbor::Text(text) => json!(text),
        Cbor::Bool(flag) => json!(flag),
        Cbor::Null => Value::Null,
        Cbor::Array(items) => Value::Array(items.into_iter().map(untagged).collect()),
        Cbor::Map(entries) => Value::Object(
            entries
                .into_iter()
                .map(|(key, item)| (key.into_text().unwrap(), untagged(item)))
                .collect(),
        ),
        other => panic!("unexpected CBOR value {other:?}"),
    }
}

/// The `data` of a shell's `cloudhsmv2 describe-clusters` on `state`.
fn shell_clusters(state: &Path) -> Value {
    let output = Test::new()
        .state(state)
        .args(["cloudhsmv2", "describe-clusters"])
        .run_unchecked();
    let envelope: Value = serde_json::from_str(&output.stdout).expect("an envelope");
    envelope["data"].clone()
}

#[test]
fn describe_clusters_over_json_and_cbor_is_what_the_shell_shows() {
    let (_sandbox, state) = ready_state();
    let served = Served::on(&state);
    let expected = shell_clusters(&state);
    assert_eq!(expected["Clusters"].as_array().map(Vec::len), Some(2));
    let json_reply = cloudhsm(&served, "DescribeClusters", &json!({}));
    assert_eq!(json_reply.status_and_json(), (200, expected.clone()));

    // botocore sends a definite empty map, the Rust SDK an indefinite one.
    for body in [&[0xa0][..], &[0xbf, 0xff][..]] {
        let reply = cbor_call(&served, "DescribeClusters", body);
        assert_eq!(reply.status, 200);
        let decoded: Cbor = ciborium::from_reader(reply.body.as_slice()).unwrap();
        let Cbor::Map(top) = &decoded else {
            panic!("not a map: {decoded:?}")
        };
        let Cbor::Array(clusters) = &top[0].1 else {
            panic!("no cluster list")
        };
        let Cbor::Map(first) = &clusters[0] else {
            panic!("not a cluster")
        };
        let timestamp = first
            .iter()
            .find(|(key, _)| key.as_text() == Some("CreateTimestamp"))
            .map(|(_, value)| value.clone())
            .expect("a CreateTimestamp");
        assert_eq!(
            timestamp,
            Cbor::Tag(1, Box::new(Cbor::Integer(1_767_225_600.into())))
        );
        assert_eq!(untagged(decoded), expected);
    }

    // Pages of one, over CBOR; the token leads to the second cluster.
    let first_page = cbor_call(
        &served,
        "DescribeClusters",
        &cbor_bytes(&Cbor::Map(vec![(
            Cbor::Text("MaxResults".into()),
            Cbor::Integer(1.into()),
        )])),
    );
    let first_page = untagged(ciborium::from_reader(first_page.body.as_slice()).unwrap());
    assert_eq!(first_page["Clusters"][0]["ClusterId"], CLUSTER);
    assert_eq!(first_page["NextToken"], SECOND_CLUSTER);
    let second_page = cloudhsm(
        &served,
        "DescribeClusters",
        &json!({"MaxResults": 1, "NextToken": SECOND_CLUSTER}),
    )
    .json();
    assert_eq!(second_page, json!({"Clusters": [expected["Clusters"][1]]}));
    let filtered = cloudhsm(
        &served,
        "DescribeClusters",
        &json!({"Filters": {"clusterIds": [SECOND_CLUSTER], "states": ["ACTIVE"]}}),
    );
    assert_eq!(filtered.json(), second_page);

    // Errors in CBOR: a map with __type and message, status 400.
    let bad_filter = cbor_bytes(&Cbor::Map(vec![(
        Cbor::Text("Filters".into()),
        Cbor::Map(vec![(
            Cbor::Text("colour".into()),
            Cbor::Array(vec![Cbor::Text("blue".into())]),
        )]),
    )]));
    let reply = cbor_call(&served, "DescribeClusters", &bad_filter);
    assert_eq!(reply.status, 400);
    let error = untagged(ciborium::from_reader(reply.body.as_slice()).unwrap());
    assert_eq!(
        error,
        json!({
            "__type": "CloudHsmInvalidRequestException",
            "message": "Unknown filter key colour: use clusterIds, vpcIds or states",
        })
    );
    let reply = cbor_call(&served, "DescribeClusters", &[0xff, 0x13]);
    let error = untagged(ciborium::from_reader(reply.body.as_slice()).unwrap());
    assert_eq!(
        (reply.status, error["__type"].clone()),
        (400, json!("SerializationException"))
    );
    let reply = cbor_call(&served, "CopyBackupToRegion", &[0xa0]);
    let error = untagged(ciborium::from_reader(reply.body.as_slice()).unwrap());
    assert_eq!(
        (reply.status, error["__type"].clone()),
        (400, json!("UnknownOperationException"))
    );
}

#[test]
fn a_cluster_is_created_given_hsms_backed_up_and_deleted_over_the_wire() {
    let (_sandbox, state) = ready_state();
    let served = Served::on(&state);
    let call = |operation: &str, body: Value| {
        let reply = cloudhsm(&served, operation, &body);
        assert_eq!(reply.status, 200, "{operation}: {:?}", reply.json());
        reply.json()
    };
    let created = call(
        "CreateCluster",
        json!({
            "HsmType": "hsm2m.medium",
            "SubnetIds": ["subnet-314a4367f55e7afee", "subnet-294280a28b1d431e2"],
        }),
    );
    let cluster = &created["Cluster"];
    assert_eq!(cluster["State"], "UNINITIALIZED");
    assert_eq!(cluster["HsmType"], "hsm2m.medium");
    assert_eq!(cluster["Hsms"], json!([]));
    let cluster_id = cluster["ClusterId"].as_str().unwrap().to_owned();

    let hsm = call(
        "CreateHsm",
        json!({"ClusterId": cluster_id, "AvailabilityZone": "us-east-1b"}),
    );
    assert_eq!(hsm["Hsm"]["State"], "ACTIVE");
    assert_eq!(hsm["Hsm"]["ClusterId"], cluster_id.as_str());
    let hsm_id = hsm["Hsm"]["HsmId"].as_str().unwrap().to_owned();
    let in_use = cloudhsm(&served, "DeleteCluster", &json!({"ClusterId": cluster_id}));
    assert_eq!(
        (in_use.status, in_use.json()["__type"].clone()),
        (400, json!("CloudHsmInvalidRequestException"))
    );
    assert_eq!(
        call(
            "DeleteHsm",
            json!({"ClusterId": cluster_id, "HsmId": hsm_id})
        ),
        json!({"HsmId": hsm_id})
    );
    let deleted = call("DeleteCluster", json!({"ClusterId": cluster_id}));
    assert_eq!(deleted["Cluster"]["State"], "DELETED");

    let backup = call("CreateBackup", json!({"ClusterId": CLUSTER}));
    let backup_id = backup["Backup"]["BackupId"].as_str().unwrap().to_owned();
    assert_eq!(backup["Backup"]["BackupState"], "READY");
    assert_eq!(
        call(
            "DescribeBackups",
            json!({"Filters": {"clusterIds": [CLUSTER]}})
        ),
        json!({"Backups": [backup["Backup"]]})
    );
    assert!(backup_id.starts_with("backup-"), "{backup_id}");

    let unknown = cloudhsm(
        &served,
        "DeleteCluster",
        &json!({"ClusterId": "cluster-aaaaaaaaaaa"}),
    );
    assert_eq!(
        (unknown.status, unknown.json()["__type"].clone()),
        (400, json!("CloudHsmResourceNotFoundException"))
    );
    let missing = cloudhsm(&served, "CreateHsm", &json!({"ClusterId": CLUSTER}));
    assert_eq!(
        missing.status_and_json(),
        (
            400,
            json!({
                "__type": "ValidationException",
                "message": "1 validation error detected: Value null at 'availabilityZone' \
                            failed to satisfy constraint: Member must not be null",
            })
        )
    );
}
