//! The JSON and Terraform HCL loaders on arbitrary text (first byte: which): a tree or an
//! error with a position, never a panic or a stack overflow. Every span lies inside the input
//! and nesting stays within the loaders' bound.
#![no_main]
use ferret::models::{hcl, json, Node, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let loaded = if pick % 2 == 0 {
        json::parse(text)
    } else {
        hcl::parse(text)
    };
    match loaded {
        Ok(root) => {
            let mut stack: Vec<(&Node, usize)> = vec![(&root, 1)];
            while let Some((n, depth)) = stack.pop() {
                assert!(
                    n.span.start <= n.span.end && n.span.end <= text.len(),
                    "{:?}",
                    n.span
                );
                // Generous: HCL blocks add a level for their labels.
                assert!(depth <= 3 * json::MAX_DEPTH, "depth {depth}");
                match &n.value {
                    Value::Seq(items) => stack.extend(items.iter().map(|c| (c, depth + 1))),
                    Value::Map(entries) => {
                        for (k, v) in entries {
                            stack.push((k, depth + 1));
                            stack.push((v, depth + 1));
                        }
                    }
                    Value::Tagged(_, inner) => stack.push((inner, depth + 1)),
                    _ => {}
                }
            }
        }
        Err(e) => assert!(e.offset <= text.len(), "{e}"),
    }
});
