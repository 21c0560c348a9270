//! The other config readers (INI, XML, dotenv, database URLs) and the
//! platform.toml template parser must never panic on any input. The first
//! byte picks the reader.
#![no_main]

use cartbridge_fuzz::{dotenv, ini, lookup, url, xml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 5 {
        0 => {
            let _ = ini::parse(rest).path(&["database_details", "hostspec"]);
        }
        1 => {
            if let Ok(root) = xml::parse(rest) {
                let _ = root.child("global").and_then(|g| g.attribute("x"));
            }
        }
        2 => {
            if let Ok(env) = dotenv::parse(rest) {
                let _ = env.get("DATABASE_URL");
            }
        }
        3 => {
            let text = String::from_utf8_lossy(rest);
            if let Some(parts) = url::split(&text) {
                for part in ["user", "pass", "host", "port", "db", "?unix_socket"] {
                    let _ = parts.part(part).map(|p| url::decode(p, true));
                }
            }
        }
        _ => {
            let _ = lookup::Template::parse(&String::from_utf8_lossy(rest));
        }
    }
});
