//! Set-up shared by the integration tests that run the `ferret` binary.

// Each test crate compiles this module and uses only part of it.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A rule file independent of the built-in rules, so tests pin engine behaviour: no built-in
/// rule knows its token format, so a test secret is found by this rule alone.
pub const TEST_RULES: &str = r#"
[[rules]]
id = "test-token"
name = "Test token"
description = "A token format used only by the test suite."
keywords = ["tsttok_"]
regex = '''\b(?P<secret>tsttok_[A-Za-z0-9]{24})\b'''
severity = "high"
confidence = "high"
tags = ["NHI2"]
references = ["https://example.invalid/test-token"]
examples = ["a = tsttok_abcdefghijklmnopqrstuvwx", "tsttok_ABCDEFGHIJKLMNOPQRSTUVWX"]
negative_examples = ["tsttok_short"]
"#;

/// Two secrets of the [`TEST_RULES`] format.
pub const SECRET_A: &str = "tsttok_Q7v2Lm9XkP4rT8wZ1nB5cY3d";
pub const SECRET_B: &str = "tsttok_H6jF0sA2gK8eR4uW9oI1pV7x";

/// The binary, with neither a fingerprint salt nor colours from the caller's environment.
pub fn ferret() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ferret"));
    c.env_remove("FERRET_FINGERPRINT_SALT").env("NO_COLOR", "1");
    c
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A run's JSON report; a panic showing both streams when stdout is not JSON.
pub fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            stdout(o),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// Write a file, creating its parent directories.
pub fn write_file(path: &Path, content: impl AsRef<[u8]>) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
    path.to_path_buf()
}

/// A Kubernetes `kind` (RoleBinding or ClusterRoleBinding) named `name` in namespace `ns` that
/// grants ClusterRole `role` to service account `sa` of that namespace.
pub fn cluster_role_binding_yaml(kind: &str, name: &str, ns: &str, role: &str, sa: &str) -> String {
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {ns}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: {role}\nsubjects:\n  - kind: ServiceAccount\n    name: {sa}\n    namespace: {ns}\n"
    )
}
