//! The PHP-literal parser must never panic, hang or blow the stack on any
//! bytes, and what it records must be readable.
#![no_main]

use cartbridge_fuzz::php::PhpFile;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let file = PhpFile::parse_bytes(data, Path::new("/var/www/shop/config.php"));
    for (_, value) in file.defines().chain(file.variables()) {
        let _ = value.to_php_string();
        let _ = value.path(&["db", "connection", "default", "host"]);
    }
    let _ = file.returned().map(|v| v.path(&["db", "host"]));
    let _ = file.property(None, "host");
    let _ = file.class_constant(None, "VERSION");
    let _ = file.method_return(None, "getVersion");
    let _ = file.call_argument("date_default_timezone_set");
});
