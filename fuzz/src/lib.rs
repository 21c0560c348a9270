//! The config readers of `src/platform/`, compiled on their own so that
//! cargo-fuzz can drive them (the main crate is a binary, which a fuzz
//! target cannot depend on). The files are the same files, not copies.

#![allow(dead_code)]

#[path = "../../src/platform/dotenv.rs"]
pub mod dotenv;
#[path = "../../src/platform/ini.rs"]
pub mod ini;
#[path = "../../src/platform/lookup.rs"]
pub mod lookup;
#[path = "../../src/platform/php.rs"]
pub mod php;
#[path = "../../src/platform/url.rs"]
pub mod url;
#[path = "../../src/platform/xml.rs"]
pub mod xml;
