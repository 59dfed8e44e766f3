//! `--aws` and the CloudHSM v2 control plane: DescribeClusters as the `cloudhsmv2` commands
//! send it, and `keystore check-prerequisites` from what CloudHSM v2 and KMS answer.

use super::mock::MockAws;
use super::{CLUSTER_ID, CREATED, aws_test, ok, unexpected};
use serde_json::{Value, json};

fn cluster() -> Value {
    json!({
        "ClusterId": CLUSTER_ID,
        "State": "ACTIVE",
        "HsmType": "hsm2m.medium",
        "VpcId": "vpc-0123456789abcdef0",
        "SubnetMapping": {"us-east-1a": "subnet-aaaa", "us-east-1b": "subnet-bbbb"},
        "SecurityGroup": "sg-0123456789abcdef0",
        "Hsms": [{
            "HsmId": "hsm-aaaaaaaaaaa",
            "AvailabilityZone": "us-east-1a",
            "ClusterId": CLUSTER_ID,
            "SubnetId": "subnet-aaaa",
            "EniId": "eni-0123456789abcdef0",
            "EniIp": "10.0.0.12",
            "HsmType": "hsm2m.medium",
            "State": "ACTIVE"
        }],
        "Certificates": {"ClusterCertificate": "CERT"},
        "BackupPolicy": "DEFAULT",
        "BackupRetentionPolicy": {"Type": "DAYS", "Value": "90"},
        "CreateTimestamp": CREATED,
        "Mode": "FIPS",
        "NetworkType": "IPV4"
    })
}

#[test]
fn describe_clusters_asks_cloudhsm_with_the_filters() {
    let cloudhsm = MockAws::start(|request| match request.target() {
        "BaldrApiService.DescribeClusters" => ok(json!({"Clusters": [cluster()]})),
        _ => unexpected(request),
    });
    let output = aws_test(Some(&cloudhsm.url))
        .args([
            "cloudhsmv2",
            "describe-clusters",
            "--filters",
            "states=ACTIVE",
        ])
        .run_unchecked();
    assert_eq!(output.status, Some(0), "{}", output.stdout);
    let printed: Value = serde_json::from_str(output.stdout.trim()).expect("one envelope");
    assert_eq!(
        printed,
        json!({"error_code": 0, "data": {"Clusters": [cluster()]}})
    );
    let requests = cloudhsm.requests();
    assert_eq!(requests.len(), 1);
    // awsJson1.1 on `/`, as the SDK speaks it to CloudHSM v2 (not RPC v2 CBOR).
    assert_eq!(requests[0].path, "/");
    assert_eq!(requests[0].target(), "BaldrApiService.DescribeClusters");
    assert_eq!(
        requests[0].json(),
        json!({"Filters": {"states": ["ACTIVE"]}})
    );
    assert!(
        requests[0].headers["authorization"].contains("/us-east-1/cloudhsm/aws4_request"),
        "{:?}",
        requests[0].headers
    );
}

#[test]
fn prerequisites_run_what_the_apis_answer_and_name_the_commands_for_the_rest() {
    let aws = MockAws::start(|request| match request.target() {
        "BaldrApiService.DescribeClusters" => ok(json!({"Clusters": [cluster()]})),
        "BaldrApiService.DescribeBackups" => ok(json!({"Backups": []})),
        "TrentService.DescribeCustomKeyStores" => {
            ok(json!({"CustomKeyStores": [], "Truncated": false}))
        }
        _ => unexpected(request),
    });
    let output = aws_test(Some(&aws.url))
        .args([
            "keystore",
            "check-prerequisites",
            "--cloud-hsm-cluster-id",
            CLUSTER_ID,
        ])
        .run_unchecked();
    assert_eq!(output.status, Some(0), "{}", output.stdout);
    let printed: Value = serde_json::from_str(output.stdout.trim()).expect("one envelope");
    let report = &printed["data"];
    assert_eq!(report["AllPassed"], false);
    let checks: Vec<(String, bool, bool)> = report["Checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|check| {
            (
                check["Check"].as_str().unwrap_or_default().to_owned(),
                check["Passed"] == true,
                check["NotRun"] == true,
            )
        })
        .collect();
    let expected = [
        ("ClusterExists", true, false),
        ("ClusterActive", true, false),
        ("ActiveHsmsInTwoZones", false, false),
        ("SubnetsInTwoZones", true, false),
        ("SubnetsExist", false, true),
        ("SubnetsHaveFreeAddresses", false, true),
        ("SecurityGroupRules", false, true),
        ("ClusterNotInUse", true, false),
        ("KmsuserExists", false, true),
        ("KmsuserPassword", false, true),
        ("KmsuserNoMfa", false, true),
        ("KmsuserNotLoggedIn", false, true),
        ("KmsuserNotLocked", false, true),
        ("MtlsNotEnforced", false, true),
    ]
    .map(|(name, passed, not_run)| (name.to_owned(), passed, not_run));
    assert_eq!(checks, expected);
    let rules = &report["Checks"][6];
    assert_eq!(
        rules["Fix"],
        "Check for inbound and outbound TCP 2223-2225 rules from the group itself: aws ec2 \
         describe-security-groups --group-ids sg-0123456789abcdef0"
    );
    assert_eq!(
        report["Checks"][2]["Detail"],
        "1 ACTIVE HSM(s) in 1 Availability Zone(s)"
    );
}
