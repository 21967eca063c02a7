//! The project config loader on arbitrary text: a config file comes from the scanned
//! repository, so anything in it must produce a config or an error naming the file.
#![no_main]
use ferret::config::Config;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(text, Path::new("repo/.ferret.toml")) {
        Ok(c) => {
            let _ = c.allow_secret_regexes();
            let _ = c.extra_rule_files();
        }
        Err(e) => assert!(e.to_string().contains(".ferret.toml"), "{e}"),
    }
});
