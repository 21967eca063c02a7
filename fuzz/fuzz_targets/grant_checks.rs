//! Classification, loading (YAML, JSON, HCL), the typed views (GitHub workflow and action,
//! GitLab CI, Kubernetes, CloudFormation, IAM policies, Terraform) and every grant check, on
//! arbitrary content under a path chosen by the first byte. Checks run here without the scanner's panic guard, so a bug shows as a crash.
//! Invariants: findings point inside the file.
#![no_main]
use ferret::checks::{classify, load_yaml, registry, Document, Syntax};
use ferret::models::{hcl, json, LineIndex};
use libfuzzer_sys::fuzz_target;

const PATHS: &[&str] = &[
    ".github/workflows/ci.yml",
    "action.yml",
    ".gitlab-ci.yml",
    "k8s/deploy.yaml",
    "templates/cfn.yaml",
    "policy.json",
    "main.tf",
    "stack.template.json",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let path = PATHS[pick as usize % PATHS.len()];
    let Some(class) = classify(path, bytes) else {
        return;
    };
    let roots = match class.syntax {
        // As the scanner loads it: Go templates with their actions set aside.
        Syntax::Yaml => match load_yaml(class, bytes) {
            Ok(r) => r,
            Err(_) => return,
        },
        Syntax::Json | Syntax::Hcl => {
            let Ok(text) = std::str::from_utf8(bytes) else {
                return;
            };
            let loaded = if class.syntax == Syntax::Json {
                json::parse(text)
            } else {
                hcl::parse(text)
            };
            match loaded {
                Ok(root) => vec![root],
                Err(_) => return,
            }
        }
    };
    let doc = Document {
        path,
        bytes,
        kind: class.kind,
        roots,
        index: LineIndex::new(bytes),
        // Either way: the input's length picks.
        other_files_joined: bytes.len() % 2 == 1,
        hidden: Default::default(),
    };
    let lines = 1 + bytes.iter().filter(|&&b| b == b'\n').count() as u32;
    for check in registry() {
        if !check.applies_to(class.kind) {
            continue;
        }
        let mut found = Vec::new();
        check.run(&doc, &mut found);
        for f in &found {
            let l = &f.location;
            assert_eq!(l.path, path);
            assert!(
                l.line >= 1 && l.line <= lines,
                "{} line {} of {lines}",
                f.rule_id,
                l.line
            );
            assert!(l.end_line >= l.line && l.end_line <= lines);
            assert!(!f.fingerprint.is_empty());
        }
    }
});
