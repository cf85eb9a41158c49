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
    /// `public_url`: where people reach the archive (through the proxy); its
    /// host is a name the endpoint answers to, and `calendar-url` prints it.
    pub public_url: Option<url::Url>,
    /// `hosts`: further `Host` values the endpoint answers to (`name` or `name:port`).
    pub hosts: Vec<String>,
}

impl WebConfig {
    /// The `Host` values `public_url` and `hosts` name: `public_url`'s host
    /// with its port, and without one when it is the scheme's default (what a
    /// browser sends).
    pub fn host_names(&self) -> Vec<String> {
        let mut names = self.hosts.clone();
        if let Some(url) = &self.public_url
            && let Some(host) = url.host_str()
        {
            let host = host.to_ascii_lowercase();
            if let Some(port) = url.port_or_known_default() {
                names.push(format!("{host}:{port}"));
            }
            if url.port().is_none() {
                names.push(host);
            }
        }
        names
    }
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
    #[serde(default)]
    public_url: Option<Spanned<String>>,
    #[serde(default)]
    hosts: Vec<Spanned<String>>,
}

/// Request headers a browser or an HTTP client sets itself: a proxy's user
/// header must be one that only the proxy sets (and overwrites).
const CLIENT_HEADERS: &[&str] = &[
    "host",
    "authorization",
    "cookie",
    "content-type",
    "content-length",
    "transfer-encoding",
    "connection",
    "origin",
    "referer",
    "user-agent",
    "accept",
    "accept-encoding",
    "accept-language",
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
];

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
            if net.prefix_len() == 0 {
                return Err((
                    Some(text.span()),
                    format!("web.trusted_proxies[{index}]"),
                    Say::ProxyEverywhere { got: value }.into(),
                ));
            }
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
        if CLIENT_HEADERS.contains(&user_header.as_str()) {
            return Err((
                Some(self.user_header.span()),
                "web.user_header".into(),
                Say::HeaderSetByClients {
                    got: self.user_header.get_ref(),
                }
                .into(),
            ));
        }
        let public_url = match &self.public_url {
            None => None,
            Some(text) => Some(public_url(text.get_ref()).ok_or_else(|| {
                (
                    Some(text.span()),
                    "web.public_url".to_string(),
                    Explanation::from(Say::PublicUrl {
                        got: text.get_ref(),
                    }),
                )
            })?),
        };
        let mut hosts = Vec::new();
        for (index, text) in self.hosts.iter().enumerate() {
            let host = text.get_ref().trim();
            if !is_host_value(host) {
                return Err((
                    Some(text.span()),
                    format!("web.hosts[{index}]"),
                    Say::HostName { got: host }.into(),
                ));
            }
            hosts.push(host.to_ascii_lowercase());
        }
        Ok(WebConfig {
            trusted_proxies,
            user_header,
            public_url,
            hosts,
        })
    }
}

/// An http(s) URL with a host and nothing that a browser would not send back
/// as `Host` (no user name or password).
fn public_url(text: &str) -> Option<url::Url> {
    let url = url::Url::parse(text.trim()).ok()?;
    let fine = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| !h.is_empty())
        && url.username().is_empty()
        && url.password().is_none();
    fine.then_some(url)
}

/// `name` or `name:port`, as a `Host` header carries it.
fn is_host_value(text: &str) -> bool {
    !text.is_empty()
        && text
            .parse::<axum::http::uri::Authority>()
            .is_ok_and(|a| a.as_str() == text && !text.contains('@'))
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
            public_url: None,
            hosts: Vec::new(),
        }
    }

    fn checked(toml_text: &str) -> Result<WebConfig, String> {
        let raw: RawWeb = toml::from_str(toml_text).unwrap();
        raw.check()
            .map_err(|(_, key, explanation)| format!("{key}: {}", explanation.en))
    }

    #[test]
    fn a_proxy_for_everyone_or_a_header_clients_send_is_refused() {
        let base = "auth = \"proxy\"\nuser_header = \"X-Forwarded-Email\"\n";
        let everyone = checked(&format!("{base}trusted_proxies = [\"0.0.0.0/0\"]")).unwrap_err();
        assert!(
            everyone.starts_with("web.trusted_proxies[0]: "),
            "{everyone}"
        );
        let v6 = checked(&format!("{base}trusted_proxies = [\"::/0\"]")).unwrap_err();
        assert!(v6.contains("every address"), "{v6}");
        let host = checked(
            "auth = \"proxy\"\nuser_header = \"Host\"\ntrusted_proxies = [\"127.0.0.1/32\"]",
        )
        .unwrap_err();
        assert!(host.starts_with("web.user_header: "), "{host}");
    }

    #[test]
    fn the_public_url_and_hosts_name_the_hosts_answered_to() {
        let web = checked(concat!(
            "auth = \"proxy\"\nuser_header = \"X-Forwarded-Email\"\n",
            "trusted_proxies = [\"127.0.0.1/32\"]\n",
            "public_url = \"https://PM.example.com/archive\"\n",
            "hosts = [\"pm.internal:8754\"]\n",
        ))
        .unwrap();
        assert_eq!(
            web.host_names(),
            ["pm.internal:8754", "pm.example.com:443", "pm.example.com"]
        );
        for bad in [
            "postmortem.example.com",
            "ftp://x.example",
            "https://u:p@x.example",
        ] {
            let text = format!(
                "auth = \"proxy\"\nuser_header = \"X-Forwarded-Email\"\ntrusted_proxies = [\"127.0.0.1\"]\npublic_url = \"{bad}\""
            );
            assert!(
                checked(&text).unwrap_err().starts_with("web.public_url: "),
                "{bad}"
            );
        }
        let text = "auth = \"proxy\"\nuser_header = \"X-Forwarded-Email\"\ntrusted_proxies = [\"127.0.0.1\"]\nhosts = [\"a b\"]";
        assert!(checked(text).unwrap_err().starts_with("web.hosts[0]: "));
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
