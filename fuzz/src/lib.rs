//! The parsers the fuzz targets drive, compiled on their own: the main crate
//! is a binary, which a fuzz target cannot depend on. Every module below is
//! the main crate's own file, included with `#[path]`, not a copy.
//!
//! Why `#[path]` and not a library target: each fuzzed module needs only a
//! handful of `crate::`/`super::` neighbours, which are either included the
//! same way (`form`, `http`, `access::utc`, `legacy::encoding`, ...) or, for
//! the native API, replaced by the few small stand-ins in [`api`]. Turning
//! the main crate into library + binary would move every module for the sake
//! of four parsers. The cost: a new `use crate::...` in an included file
//! breaks `cargo fuzz build` until it is included or stood in for here, which
//! tests/fuzz.sh reports at once.
//!
//! The sources are compiled with `--cfg fuzzing` (cargo-fuzz sets it), which
//! turns on the few helpers only the targets use: read-backs such as
//! `PhpFile::defines`, and `crypto::open_with_aes_key`, which opens an
//! envelope past its RSA layer.

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

/// PHP-compatible form bodies and their canonical strings.
#[path = "../../src/form.rs"]
pub mod form;

/// The transport-neutral request the native parameters are read from.
#[path = "../../src/http.rs"]
pub mod http;

/// The legacy protocol's answer format and encryption envelopes.
#[path = "../../src/legacy"]
pub mod legacy {
    #[path = "crypto.rs"]
    pub mod crypto;
    #[path = "encoding.rs"]
    pub mod encoding;
    #[path = "serialize.rs"]
    pub mod serialize;
    #[path = "unserialize.rs"]
    pub mod unserialize;
}

/// Calendar arithmetic the native API's times rest on.
#[path = "../../src/access"]
pub mod access {
    #[path = "utc.rs"]
    pub mod utc;
}

/// The native API's parameter parsing (`params`, `spec`, `time`), with
/// stand-ins for the parts of `src/api/mod.rs` and its siblings that would
/// pull in the database layer. `params.rs` only builds refusals, names
/// fields of an entity and mentions the handler type, so that is all the
/// stand-ins provide.
#[path = "../../src/api"]
pub mod api {
    #[path = "params.rs"]
    pub mod params;
    #[path = "spec.rs"]
    pub mod spec;
    #[path = "time.rs"]
    pub mod time;

    /// Stand-in for `src/api/mod.rs`'s refusal: a status and a message.
    #[derive(Debug)]
    pub struct ApiError {
        pub status: u16,
        pub message: String,
    }

    impl ApiError {
        pub fn bad_parameter(message: impl Into<String>) -> ApiError {
            ApiError {
                status: 400,
                message: message.into(),
            }
        }
    }

    /// Stand-in for the per-call context `spec::Handler` mentions.
    pub struct Context<'a>(std::marker::PhantomData<&'a ()>);

    /// Stand-in for the streaming answer `spec::Handler` mentions.
    pub mod answer {
        pub struct Answer<'a>(std::marker::PhantomData<&'a ()>);
    }

    /// Stand-in for `src/api/fields.rs`, whose row shaping needs the
    /// database layer: an entity's name and its field names are what
    /// `fields=` is checked against.
    pub mod fields {
        #[derive(Debug)]
        pub struct Entity {
            pub name: &'static str,
            pub fields: &'static [Field],
        }

        #[derive(Debug)]
        pub struct Field {
            pub name: &'static str,
        }
    }
}
