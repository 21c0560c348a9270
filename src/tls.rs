//! The TLS client settings of every outgoing connection (savefile's
//! downloads, the technician's `request` and `export`, the doctor, deploy's
//! FTPS): Mozilla's roots built into the binary (shared hosts often lack a
//! usable CA bundle, and a static binary cannot rely on one), plus the
//! certificates of a private CA where the operator names one. Verification
//! is never turned off.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::pki_types::{pem::PemObject, CertificateDer};

/// The environment variable naming a PEM file of extra trusted
/// certificates (a shop's own CA), as curl and OpenSSL read it.
pub const CA_FILE_ENV: &str = "SSL_CERT_FILE";

/// The settings with `SSL_CERT_FILE`'s certificates, built once.
pub fn client() -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let from_env = std::env::var_os(CA_FILE_ENV).filter(|f| !f.is_empty());
            client_with(from_env.as_deref().map(Path::new), CA_FILE_ENV)
        })
        .clone()
}

/// The settings with the certificates of `ca_file` (named `what` in
/// errors, e.g. `--ca-file`) besides Mozilla's roots.
pub fn client_with(
    ca_file: Option<&Path>,
    what: &str,
) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(file) = ca_file {
        let bad = |e: &dyn std::fmt::Display| format!("{what} {}: {e}", file.display());
        let certs = CertificateDer::pem_file_iter(file)
            .and_then(|i| i.collect::<Result<Vec<_>, _>>())
            .map_err(|e| bad(&e))?;
        if certs.is_empty() {
            return Err(bad(&"no PEM certificate in it"));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| bad(&e))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| Arc::new(b.with_root_certificates(roots).with_no_client_auth()))
        .map_err(|e| e.to_string())
}
