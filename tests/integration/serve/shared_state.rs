//! The server and shells on one state directory: a fault a shell sets is taken by the server's
//! next matching call, and eight concurrent clients lose no update.

use super::served::Served;
use super::{CLUSTER, create_input, ready_state};
use crate::test::Test;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// Runs one shell command on `state` and returns its envelope.
fn shell(state: &Path, line: &str) -> Value {
    let output = Test::new()
        .state(state)
        .args(line.split(' '))
        .run_unchecked();
    serde_json::from_str(&output.stdout).expect("an envelope")
}

#[test]
fn faults_set_by_a_shell_are_taken_by_the_server() {
    let (_sandbox, state) = ready_state();
    let served = Served::on(&state);
    let store = served.kms_ok(
        "CreateCustomKeyStore",
        &create_input(&state, "faulty", CLUSTER),
    )["CustomKeyStoreId"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = served.kms_ok("DescribeCustomKeyStores", &json!({}));

    let set = shell(
        &state,
        "sim fail-next-kms-call --exception KMSInternalException",
    );
    assert_eq!(set["error_code"], 0, "{set}");
    let failed = served.kms("DescribeCustomKeyStores", &json!({}));
    assert_eq!(
        failed.status_and_json(),
        (
            500,
            json!({
                "__type": "KMSInternalException",
                "message": "The request was rejected because an internal exception occurred. \
                            The request can be retried.",
            })
        )
    );
    // Taken once: the retry succeeds, and nothing changed.
    assert_eq!(served.kms_ok("DescribeCustomKeyStores", &json!({})), before);

    let set = shell(&state, "sim fail-next-connect --error NETWORK_ERRORS");
    assert_eq!(set["error_code"], 0, "{set}");
    served.kms_ok("ConnectCustomKeyStore", &json!({"CustomKeyStoreId": store}));
    let described = served.kms_ok(
        "DescribeCustomKeyStores",
        &json!({"CustomKeyStoreId": store}),
    );
    let entry = &described["CustomKeyStores"][0];
    assert_eq!(
        (
            entry["ConnectionState"].clone(),
            entry["ConnectionErrorCode"].clone()
        ),
        (json!("FAILED"), json!("NETWORK_ERRORS"))
    );
}

#[test]
fn eight_concurrent_clients_lose_no_update() {
    let (_sandbox, state) = ready_state();
    let served = Served::on(&state);
    let port = served.port;
    let call = move |operation: &str, body: &Value| {
        let target = format!("TrentService.{operation}");
        super::served::send(
            port,
            "POST",
            "/",
            &[
                ("Content-Type", super::served::JSON),
                ("X-Amz-Target", &target),
            ],
            body.to_string().as_bytes(),
        )
        .status_and_json()
    };
    // Eight stores on one cluster at once: exactly one is created.
    let creates: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|client| {
                let input = create_input(&state, &format!("store-{client}"), CLUSTER);
                scope.spawn(move || call("CreateCustomKeyStore", &input))
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap())
            .collect()
    });
    let created: Vec<&Value> = creates
        .iter()
        .filter(|(status, _)| *status == 200)
        .map(|(_, body)| body)
        .collect();
    assert_eq!(created.len(), 1, "{creates:?}");
    for (status, body) in creates.iter().filter(|(status, _)| *status != 200) {
        assert_eq!(
            (*status, body["__type"].clone()),
            (400, json!("CloudHsmClusterInUseException"))
        );
    }
    let store = created[0]["CustomKeyStoreId"].as_str().unwrap().to_owned();

    // Everyone connects it, then each client makes three keys in it.
    let keys: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                scope.spawn(move || {
                    let (status, body) =
                        call("ConnectCustomKeyStore", &json!({"CustomKeyStoreId": store}));
                    assert_eq!((status, body), (200, json!({})));
                    (0..3)
                        .map(|_| {
                            let input =
                                json!({"CustomKeyStoreId": store, "Origin": "AWS_CLOUDHSM"});
                            let (status, body) = call("CreateKey", &input);
                            assert_eq!(status, 200, "{body}");
                            body["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap())
            .collect()
    });
    let made: BTreeSet<String> = keys.into_iter().collect();
    assert_eq!(made.len(), 24);
    let listed = served.kms_ok("ListKeys", &json!({}));
    let listed: BTreeSet<String> = listed["Keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["KeyId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, made);
    let described = served.kms_ok("DescribeCustomKeyStores", &json!({}));
    assert_eq!(
        described["CustomKeyStores"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        described["CustomKeyStores"][0]["ConnectionState"],
        "CONNECTED"
    );
    let (status, _) = served.stop();
    assert_eq!(status.code(), Some(0));
}
