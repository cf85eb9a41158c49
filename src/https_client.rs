//! The one way this program makes an HTTPS client for the services it reads
//! (the holiday list, issue trackers): rustls with ring and the web's roots,
//! a timeout, and our user agent.

use std::sync::Arc;
use std::time::Duration;

pub(crate) fn build(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(timeout)
        .user_agent(concat!("weekly-postmortem/", env!("CARGO_PKG_VERSION")))
        .build()
}
