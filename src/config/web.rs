//! `[web]`: who may read the archive's pages (issue 13). Its keys are a
//! contract. Without it the endpoint is for this machine only, so this file
//! also holds the one rule for `daemon.listen`: an address other machines can
//! reach needs `[web]`.

use std::net::{IpAddr, SocketAddr};
use std::ops::Range;

use axum::http::HeaderName;
use ipnet::IpNet;
use serde::Deserialize;

use crate::messages::config::{ConfigText as Say, Explanation};
use toml::Spanned;

/// `[web]`, checked.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Peers allowed to assert a user (the reverse proxy that authenticates).
    pub trusted_proxies: Vec<IpNet>,
    /// The header in which a trusted proxy names the user.
    pub user_header: HeaderName,
}

impl WebConfig {
    /// Whether a request from `peer` may be served, and who it says it is:
    /// only a trusted proxy may assert a user, and it must.
    pub fn user<'a>(&self, peer: IpAddr, header: Option<&'a str>) -> Option<&'a str> {
        // An IPv4 peer on an IPv6 socket arrives as ::ffff:a.b.c.d.
        let peer = match peer {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
            v4 => v4,
        };
        if !self.trusted_proxies.iter().any(|net| net.contains(&peer)) {
            return None;
        }
        header.map(str::trim).filter(|user| !user.is_empty())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Auth {
    /// A reverse proxy (oauth2-proxy, IAP …) authenticates and names the user.
    Proxy,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWeb {
    #[allow(dead_code)] // One mode today; the key is required so a second can come.
    auth: Auth,
    trusted_proxies: Spanned<Vec<Spanned<String>>>,
    user_header: Spanned<String>,
}

/// Where a problem is, which key, and what to fix.
type Problem = (Option<Range<usize>>, String, Explanation);

impl RawWeb {
    pub(super) fn check(self) -> Result<WebConfig, Problem> {
        if self.trusted_proxies.get_ref().is_empty() {
            return Err((
                Some(self.trusted_proxies.span()),
                "web.trusted_proxies".into(),
                Say::NoProxies.into(),
            ));
        }
        let mut trusted_proxies = Vec::new();
        for (index, text) in self.trusted_proxies.get_ref().iter().enumerate() {
            let value = text.get_ref().trim();
            let net = value
                .parse::<IpNet>()
                .or_else(|_| value.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    (
                        Some(text.span()),
                        format!("web.trusted_proxies[{index}]"),
                        Say::ProxyAddress { got: value }.into(),
                    )
                })?;
            trusted_proxies.push(net);
        }
        let user_header =
            HeaderName::try_from(self.user_header.get_ref().trim()).map_err(|_| {
                (
                    Some(self.user_header.span()),
                    "web.user_header".into(),
                    Say::HeaderName {
                        got: self.user_header.get_ref(),
                    }
                    .into(),
                )
            })?;
        Ok(WebConfig {
            trusted_proxies,
            user_header,
        })
    }
}

/// The one rule for `daemon.listen`: loopback is open to this machine only;
/// any other address needs `[web]`, which says who may read.
pub(super) fn check_listen(listen: SocketAddr, web: Option<&WebConfig>) -> Result<(), Explanation> {
    if listen.ip().is_loopback() || web.is_some() {
        return Ok(());
    }
    Err(Say::ListenOpen {
        listen: &listen.to_string(),
    }
    .into())
}

/// Where `daemon.listen` is written, for an error about it.
pub(super) fn listen_span(text: &str) -> Option<Range<usize>> {
    #[derive(Deserialize)]
    struct Document {
        daemon: Option<Daemon>,
    }
    #[derive(Deserialize)]
    struct Daemon {
        listen: Option<Spanned<toml::Value>>,
    }
    let document: Document = toml::from_str(text).ok()?;
    document.daemon?.listen.map(|l| l.span())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web(nets: &[&str]) -> WebConfig {
        WebConfig {
            trusted_proxies: nets.iter().map(|n| n.parse().unwrap()).collect(),
            user_header: HeaderName::from_static("x-forwarded-email"),
        }
    }

    #[test]
    fn only_a_trusted_proxy_that_names_a_user_is_served() {
        let web = web(&["10.0.0.0/24"]);
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        assert_eq!(
            web.user(proxy, Some("a@example.com")),
            Some("a@example.com")
        );
        assert_eq!(web.user(proxy, None), None);
        assert_eq!(web.user(proxy, Some("  ")), None);
        let elsewhere: IpAddr = "10.0.1.5".parse().unwrap();
        assert_eq!(web.user(elsewhere, Some("a@example.com")), None);
        let mapped: IpAddr = "::ffff:10.0.0.5".parse().unwrap();
        assert_eq!(
            web.user(mapped, Some("a@example.com")),
            Some("a@example.com")
        );
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(web.user(loopback, Some("a@example.com")), None);
    }

    #[test]
    fn a_wide_listen_address_needs_web() {
        let wide: SocketAddr = "0.0.0.0:8754".parse().unwrap();
        assert!(check_listen(wide, None).unwrap_err().en.contains("[web]"));
        assert!(check_listen(wide, Some(&web(&["10.0.0.5/32"]))).is_ok());
        assert!(check_listen("[::1]:8754".parse().unwrap(), None).is_ok());
    }
}
