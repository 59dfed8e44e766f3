//! The test and benchmark scripts find what they built where cargo put it: `CARGO_TARGET_DIR`
//! (absolute or relative), a cargo configuration, or `target/`, through `scripts/target-dir.sh`.

use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn target_dir(cargo_target_dir: Option<&str>) -> String {
    let mut command = Command::new(format!("{ROOT}/scripts/target-dir.sh"));
    command.env_remove("CARGO_TARGET_DIR").current_dir("/");
    if let Some(dir) = cargo_target_dir {
        command.env("CARGO_TARGET_DIR", dir);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "target-dir.sh failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .trim_end()
        .to_owned()
}

#[test]
fn the_target_directory_is_the_one_cargo_builds_into() {
    assert_eq!(target_dir(None), format!("{ROOT}/target"));
    assert_eq!(
        target_dir(Some("/tmp/cloudhsm-shell-build")),
        "/tmp/cloudhsm-shell-build"
    );
    // The scripts run cargo from the project root, so a relative directory is below it.
    assert_eq!(target_dir(Some("build/x")), format!("{ROOT}/build/x"));
}

/// A script that names `target/` itself, or pastes `CARGO_TARGET_DIR` after the working
/// directory, runs a stale binary or none when the build went elsewhere (an absolute
/// `CARGO_TARGET_DIR` once became `$PWD//abs/release/...`).
#[test]
fn every_test_and_benchmark_script_asks_target_dir_sh_where_the_build_is() {
    let mut checked = Vec::new();
    for entry in std::fs::read_dir(Path::new(ROOT).join("scripts")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if !name.ends_with(".sh") || name == "target-dir.sh" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for forbidden in ["target/release", "target/debug", "CARGO_TARGET_DIR:-"] {
            assert!(
                !text.contains(forbidden),
                "scripts/{name} names `{forbidden}`: use $(scripts/target-dir.sh)"
            );
        }
        if name.starts_with("bench") || name == "test.sh" || name == "aws-venv.sh" {
            assert!(
                text.contains("scripts/target-dir.sh"),
                "scripts/{name} does not ask scripts/target-dir.sh where the build is"
            );
            checked.push(name);
        }
    }
    checked.sort();
    assert_eq!(
        checked,
        [
            "aws-venv.sh",
            "bench-crypto.sh",
            "bench-eddsa.sh",
            "bench-keys.sh",
            "bench-pkcs11.sh",
            "bench-serve.sh",
            "bench.sh",
            "test.sh"
        ]
    );
}
