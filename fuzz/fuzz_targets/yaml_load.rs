//! The YAML loader on arbitrary bytes: a tree or an error with a position, never a panic,
//! and within its budgets (depth, nodes, alias expansion). Every span lies inside the input.
//! The Go-template masking keeps every byte offset and line break, and a masked text that
//! loads keeps its spans inside the input once the original text is restored.
#![no_main]
use ferret::models::{template, yaml, Node, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check_load(data, data);
    if let Some(masked) = template::mask(data) {
        assert_eq!(masked.len(), data.len());
        for (a, b) in data.iter().zip(&masked) {
            assert_eq!(*a == b'\n', *b == b'\n', "line breaks move");
        }
        check_load(data, &masked);
    }
    template::inserts_yaml(data);
});

/// Load `text` (the input, or the input masked) and check the tree against `data`.
fn check_load(data: &[u8], text: &[u8]) {
    match yaml::load(text) {
        Ok(mut roots) => {
            template::restore(data, &mut roots);
            let limits = yaml::Limits::default();
            let mut stack: Vec<(&Node, usize)> = roots.iter().map(|n| (n, 1)).collect();
            let mut nodes = 0usize;
            while let Some((n, depth)) = stack.pop() {
                nodes += 1;
                assert!(
                    n.span.start <= n.span.end && n.span.end <= data.len(),
                    "{:?}",
                    n.span
                );
                assert!(depth <= limits.max_depth + 1, "depth {depth}");
                match &n.value {
                    Value::Seq(items) => stack.extend(items.iter().map(|c| (c, depth + 1))),
                    Value::Map(entries) => {
                        for (k, v) in entries {
                            stack.push((k, depth + 1));
                            stack.push((v, depth + 1));
                        }
                    }
                    Value::Tagged(_, inner) => stack.push((inner, depth)),
                    _ => {}
                }
            }
            assert!(nodes <= limits.max_nodes + roots.len() * 2, "{nodes} nodes");
        }
        Err(e) => assert!(e.line >= 1 && e.column >= 1, "{e}"),
    }
}
