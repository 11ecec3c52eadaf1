//! Keeps the benchmark from rotting: a smoke run (2,000 users, 1-second phases) against the debug
//! `scimdesk` binary must run every phase with zero errors. Speed is not asserted here.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The debug `scimdesk` next to the bench binary, built with `cargo build -p scimdesk` if missing
/// (e.g. under `cargo test -p scimdesk-bench`, which does not build other packages' binaries).
fn scimdesk_binary() -> PathBuf {
    let bench = Path::new(env!("CARGO_BIN_EXE_scimdesk-bench"));
    let bin = bench.with_file_name(format!("scimdesk{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let status = Command::new(cargo)
            .current_dir(workspace)
            .args(["build", "-p", "scimdesk", "--bin", "scimdesk"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build -p scimdesk failed");
    }
    assert!(bin.exists(), "no scimdesk binary at {}", bin.display());
    bin
}

#[test]
fn smoke_run_has_every_phase_and_no_errors() {
    let server = scimdesk_binary();
    let out_dir = std::env::temp_dir().join(format!("scimdesk-bench-smoke-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let json_path = out_dir.join("results.json");
    let output = Command::new(env!("CARGO_BIN_EXE_scimdesk-bench"))
        .arg("--smoke")
        .arg("--server-bin")
        .arg(&server)
        .arg("--json")
        .arg(&json_path)
        .output()
        .expect("the bench binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let results: serde_json::Value = match std::fs::read_to_string(&json_path) {
        Ok(text) => serde_json::from_str(&text).unwrap(),
        Err(e) => panic!("no results ({e}); stdout:\n{stdout}\nstderr:\n{stderr}"),
    };
    let _ = std::fs::remove_dir_all(&out_dir);

    let phases = results["phases"].as_array().unwrap();
    for key in [
        "floor",
        "post_users",
        "filter_users",
        "get_user",
        "patch_user",
        "add_member_small",
        "add_member_big",
        "list_groups",
        "hostile_alone",
        "hostile_under_attack",
    ] {
        let phase =
            phases.iter().find(|p| p["key"] == key).unwrap_or_else(|| panic!("phase {key} did not run:\n{stdout}"));
        assert!(phase["requests"].as_u64().unwrap() > 0, "phase {key} sent no requests:\n{stdout}");
    }
    for phase in phases {
        assert_eq!(phase["errors"], 0, "errors in {}: {}\n{stdout}", phase["label"], phase["first_error"]);
    }
    assert_eq!(results["seeded_users"], 2000, "{stdout}");
    // The hostile phase's worst-case requests were sent, and each got the answer it must get
    // (accepted at the limits, 400 just over them).
    let attacks = results["hostile"]["attacks"].as_array().unwrap_or_else(|| panic!("no hostile report:\n{stdout}"));
    assert!(attacks.len() >= 10, "{stdout}");
    assert!(attacks.iter().any(|a| a["answered"].as_u64().unwrap() > 0), "no worst-case request answered:\n{stdout}");
    for a in attacks {
        assert_eq!(a["unexpected"], 0, "{}: {}\n{stdout}", a["name"], a["first_unexpected"]);
    }
    assert!(results["hostile"]["sockets"]["opened"].as_u64().unwrap() > 0, "{stdout}");
    assert!(results["rss_after_seed_bytes"].as_u64().unwrap() > 0);
    assert!(output.status.success(), "bench exited with {}:\n{stdout}\n{stderr}", output.status);
}
