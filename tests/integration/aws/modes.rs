//! What `--aws` turns on and off: the `sim` refusal on AWS itself and the rehearsal against an
//! endpoint, the options that need `--aws`, the environment switch, a missing Region.

use super::mock::MockAws;
use super::{aws_test, ok, unexpected};
use crate::test::Test;
use serde_json::json;

#[test]
fn sim_commands_are_refused_on_aws_itself() {
    aws_test(None)
        .args([
            "sim",
            "set-delays",
            "--connect-seconds",
            "5",
            "--disconnect-seconds",
            "5",
        ])
        .stdout_json(vec![json!({
            "error_code": 1,
            "data": "'sim set-delays' changes the embedded simulator; with --aws the key stores \
                     and clusters are in AWS, so it cannot change what they do (give \
                     --endpoint-url to rehearse against cloudhsm-shell serve on this state \
                     directory)"
        })])
        .status(1)
        .run();
}

#[test]
fn sim_commands_act_on_the_local_state_when_rehearsing_against_an_endpoint() {
    let nothing = MockAws::start(unexpected);
    aws_test(Some(&nothing.url))
        .args(["sim", "advance-clock", "--seconds", "60"])
        .stdout_json(vec![json!({
            "error_code": 0,
            "data": {"message": "The simulated clock moved 60 s forward and now reads 2026-01-01T00:01:00Z"}
        })])
        .run();
    assert!(nothing.requests().is_empty());
}

#[test]
fn aws_options_without_aws_stop_the_shell() {
    for flags in [
        &["--region", "us-east-1"][..],
        &["--profile", "ops"],
        &["--endpoint-url", "http://127.0.0.1:4566"],
    ] {
        let output = Test::new()
            .args(flags)
            .args(["user", "list"])
            .run_unchecked();
        assert_eq!(output.status, Some(2), "{flags:?}");
        assert!(output.stdout.is_empty());
        assert!(
            output.stderr.starts_with(
                "error: --region, --profile and --endpoint-url say where --aws sends its \
                 requests: add --aws (or set CLOUDHSM_SHELL_AWS=1)"
            ),
            "{}",
            output.stderr
        );
    }
}

#[test]
fn the_environment_turns_aws_on() {
    let kms = MockAws::start(|request| match request.target() {
        "TrentService.ListKeys" => ok(json!({"Keys": [], "Truncated": false})),
        _ => unexpected(request),
    });
    Test::new()
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PROFILE", "default")
        .env("CLOUDHSM_SHELL_AWS", "1")
        .env("AWS_REGION", "eu-west-3")
        .args(["--endpoint-url", &kms.url, "kms", "list-keys"])
        .stdout_json(vec![
            json!({"error_code": 0, "data": {"Keys": [], "Truncated": false}}),
        ])
        .run();
    let requests = kms.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].headers["authorization"].contains("/eu-west-3/kms/aws4_request"));
}

#[test]
fn aws_without_a_region_stops_the_shell() {
    Test::new()
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PROFILE", "default")
        .env("AWS_REGION", "")
        .env("AWS_DEFAULT_REGION", "")
        .args(["--aws", "keystore", "describe"])
        .stdout_json(vec![json!({
            "error_code": 1,
            "data": "--aws needs an AWS Region: give --region, set AWS_REGION, or set region in \
                     the profile (~/.aws/config)"
        })])
        .status(2)
        .run();
}
