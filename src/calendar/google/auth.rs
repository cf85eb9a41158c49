//! Authentication: the service-account and installed-flow constructors, the one-time
//! `auth google` flow, the crash-safe token cache, and the delegate that keeps the daemon from
//! ever waiting for a browser.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};
use yup_oauth2::authenticator_delegate::InstalledFlowDelegate;
use yup_oauth2::storage::{TokenInfo, TokenStorage, TokenStorageError};
use yup_oauth2::{
    ApplicationSecret, ConsoleApplicationSecret, CustomHyperClientBuilder,
    InstalledFlowAuthenticator, InstalledFlowReturnMethod, ServiceAccountAuthenticator,
    ServiceAccountKey,
};

use super::error::{describe_json_error, map_token_error};
use super::{CalendarError, Connector, GoogleCalendar, SCOPE, SCOPES, SendUpdates, connector};
use crate::secret_file;

/// `auth google` waits this long for the browser round trip before giving up.
const AUTHORIZE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

const NEEDS_AUTHORIZATION: &str =
    "no usable Google token; run `weekly-postmortem auth google` once to authorize";

impl GoogleCalendar {
    /// Service account JSON key file; its `token_uri` is used as given (tests point it at a
    /// fake).
    pub async fn from_service_account_file(
        path: &Path,
        calendar_id: String,
        api_base_url: Option<String>,
        send_updates: SendUpdates,
    ) -> Result<Self, CalendarError> {
        Self::from_service_account_file_as(path, None, calendar_id, api_base_url, send_updates)
            .await
    }

    /// Like [`Self::from_service_account_file`], acting as `subject` through domain-wide
    /// delegation: Google refuses attendees on events written by a bare service account
    /// (403 `forbiddenForServiceAccounts`).
    pub async fn from_service_account_file_as(
        path: &Path,
        subject: Option<String>,
        calendar_id: String,
        api_base_url: Option<String>,
        send_updates: SendUpdates,
    ) -> Result<Self, CalendarError> {
        let key: ServiceAccountKey = read_json_file(path, "service account key").await?;
        let connector = connector()?;
        let mut builder = ServiceAccountAuthenticator::with_client(key, token_client(&connector));
        if let Some(subject) = subject {
            builder = builder.subject(subject);
        }
        // yup-oauth2's messages here name the problem ("Error reading key from PEM"), not the key.
        let auth = builder.build().await.map_err(|e| {
            CalendarError::Config(format!(
                "unusable service account key {}: {e}",
                path.display()
            ))
        })?;
        Self::new(auth, connector, calendar_id, api_base_url, send_updates)
    }

    /// Installed-app (user account) token cached at `token_cache` by
    /// [`Self::authorize_installed`]. Never opens a browser or waits for one: without a usable
    /// cached token this fails and tells the user to run `weekly-postmortem auth google`.
    pub async fn from_installed_token(
        client_secret: &Path,
        token_cache: &Path,
        calendar_id: String,
        api_base_url: Option<String>,
        send_updates: SendUpdates,
    ) -> Result<Self, CalendarError> {
        let secret = read_client_secret(client_secret).await?;
        ensure_refreshable_token(token_cache).await?;
        let storage = TokenFile::open(token_cache).await?;
        let connector = connector()?;
        // yup-oauth2 falls back to the interactive flow when a refresh fails; this delegate
        // turns that fallback into an immediate error instead of a daemon stuck on stdin.
        let auth = InstalledFlowAuthenticator::with_client(
            secret,
            InstalledFlowReturnMethod::Interactive,
            token_client(&connector),
        )
        .with_storage(Box::new(storage))
        .flow_delegate(Box::new(RefuseInteraction))
        .build()
        .await
        .map_err(|e| {
            CalendarError::Auth(format!(
                "cannot use the token cache {}: {e}",
                token_cache.display()
            ))
        })?;
        Self::new(auth, connector, calendar_id, api_base_url, send_updates)
    }

    /// The one-time interactive flow behind `weekly-postmortem auth google`: prints a URL,
    /// waits for Google's redirect to a local port, then stores the token at `token_cache`.
    /// The old cache is replaced only once the new token is in hand.
    pub async fn authorize_installed(
        client_secret: &Path,
        token_cache: &Path,
    ) -> Result<(), CalendarError> {
        Self::authorize_installed_with(client_secret, token_cache, |url| {
            println!(
                "Open this address in a browser and allow access to Google Calendar:\n\n    \
                 {url}\n\nWaiting for the browser to come back (Ctrl-C to give up)..."
            );
        })
        .await
    }

    /// [`Self::authorize_installed`] handing the consent URL to `present` instead of printing
    /// it, so that a test can play the browser.
    pub async fn authorize_installed_with(
        client_secret: &Path,
        token_cache: &Path,
        present: impl Fn(&str) + Send + Sync + 'static,
    ) -> Result<(), CalendarError> {
        let secret = read_client_secret(client_secret).await?;
        if let Some(dir) = token_cache.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir).await.map_err(|e| {
                CalendarError::Config(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let pending = sibling_path(token_cache, ".pending");
        let _ = tokio::fs::remove_file(&pending).await;
        let storage = TokenFile::open(&pending).await?;
        let connector = connector()?;
        // Forcing the consent screen is what makes Google hand out a refresh token again
        // for an account that consented before.
        let auth = InstalledFlowAuthenticator::with_client(
            secret,
            InstalledFlowReturnMethod::HTTPRedirect,
            token_client(&connector),
        )
        .with_storage(Box::new(storage))
        .force_account_selection(true)
        .flow_delegate(Box::new(PresentUrl(present)))
        .build()
        .await
        .map_err(|e| CalendarError::Auth(format!("cannot start the authorization flow: {e}")))?;
        // Google redirects a refusal as `?error=...`, which yup-oauth2 ignores and keeps
        // waiting; only this timeout ends that wait.
        match tokio::time::timeout(AUTHORIZE_TIMEOUT, auth.token(SCOPES)).await {
            Err(_) => {
                return Err(CalendarError::Timeout {
                    waiting_for: "the browser authorization",
                    after: AUTHORIZE_TIMEOUT,
                });
            }
            Ok(Err(e)) => return Err(map_token_error(e)),
            Ok(Ok(_)) => {}
        }
        if ensure_refreshable_token(&pending).await.is_err() {
            let _ = tokio::fs::remove_file(&pending).await;
            return Err(CalendarError::Auth(
                "Google gave no refresh token; remove this app's access at \
                 https://myaccount.google.com/permissions and run `weekly-postmortem auth google` again"
                    .to_string(),
            ));
        }
        tokio::fs::rename(&pending, token_cache).await.map_err(|e| {
            CalendarError::Config(format!(
                "cannot store the token at {}: {e}",
                token_cache.display()
            ))
        })
    }
}

struct PresentUrl<F>(F);

impl<F: Fn(&str) + Send + Sync> InstalledFlowDelegate for PresentUrl<F> {
    fn present_user_url<'a>(
        &'a self,
        url: &'a str,
        _need_code: bool,
    ) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>> {
        (self.0)(url);
        // With HTTPRedirect the code arrives at the local server, not through this answer.
        Box::pin(async { Ok(String::new()) })
    }
}

struct RefuseInteraction;

impl InstalledFlowDelegate for RefuseInteraction {
    fn present_user_url<'a>(
        &'a self,
        _url: &'a str,
        _need_code: bool,
    ) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>> {
        Box::pin(async { Err(NEEDS_AUTHORIZATION.to_string()) })
    }
}

/// Reads a credentials file, saying which file and what it should have been;
/// the error describes the JSON problem without echoing the file's values.
async fn read_json_file<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
) -> Result<T, CalendarError> {
    // Size-capped and refusing devices and directories, like every secret file.
    let owned = path.to_path_buf();
    let bytes =
        tokio::task::spawn_blocking(move || secret_file::read("google.credentials_file", &owned))
            .await
            .map_err(|e| CalendarError::Config(format!("reading the {what}: {e}")))?
            .map_err(|e| CalendarError::Config(format!("the {what}: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        CalendarError::Config(format!(
            "{} is not a {what} JSON file: {}",
            path.display(),
            describe_json_error(&e)
        ))
    })
}

async fn read_client_secret(path: &Path) -> Result<ApplicationSecret, CalendarError> {
    let console: ConsoleApplicationSecret = read_json_file(path, "OAuth client secret").await?;
    console.installed.or(console.web).ok_or_else(|| {
        CalendarError::Config(format!(
            "{} has neither an \"installed\" nor a \"web\" client",
            path.display()
        ))
    })
}

/// The token cache is yup-oauth2's: a JSON list of `{scopes, token}`. Only a refresh token
/// lets the daemon carry on unattended.
async fn ensure_refreshable_token(token_cache: &Path) -> Result<(), CalendarError> {
    let missing = || {
        CalendarError::Auth(format!(
            "{NEEDS_AUTHORIZATION} (no token at {})",
            token_cache.display()
        ))
    };
    let bytes = match tokio::fs::read(token_cache).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing()),
        Err(e) => {
            return Err(CalendarError::Auth(format!(
                "cannot read the token cache {}: {e}",
                token_cache.display()
            )));
        }
    };
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&bytes).map_err(|e| {
        CalendarError::Auth(format!(
            "the token cache {} is damaged ({}); {NEEDS_AUTHORIZATION}",
            token_cache.display(),
            describe_json_error(&e)
        ))
    })?;
    let usable = entries.iter().any(|entry| {
        let has_scope = entry["scopes"]
            .as_array()
            .is_some_and(|scopes| scopes.iter().any(|s| s.as_str() == Some(SCOPE)));
        let has_refresh = entry["token"]["refresh_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty());
        has_scope && has_refresh
    });
    if usable { Ok(()) } else { Err(missing()) }
}

/// The token cache, in yup-oauth2's own file format. Its built-in disk storage truncates the
/// file and writes it without flushing, so a reader right after a refresh, or a crash during
/// one, can find it empty and the user would have to authorize again; this one writes a
/// sibling file and renames it into place.
struct TokenFile {
    path: PathBuf,
    tokens: tokio::sync::Mutex<Vec<CachedToken>>,
}

#[derive(Clone, Serialize, Deserialize)]
struct CachedToken {
    scopes: Vec<String>,
    token: TokenInfo,
}

impl TokenFile {
    async fn open(path: &Path) -> Result<Self, CalendarError> {
        let tokens = match tokio::fs::read(path).await {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                CalendarError::Auth(format!(
                    "the token cache {} is damaged ({}); {NEEDS_AUTHORIZATION}",
                    path.display(),
                    describe_json_error(&e)
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(CalendarError::Auth(format!(
                    "cannot read the token cache {}: {e}",
                    path.display()
                )));
            }
        };
        Ok(Self {
            path: path.to_path_buf(),
            tokens: tokio::sync::Mutex::new(tokens),
        })
    }
}

// Written out by hand rather than with the async-trait crate the trait was declared with.
impl TokenStorage for TokenFile {
    fn set<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        scopes: &'life1 [&'life2 str],
        token: TokenInfo,
    ) -> Pin<Box<dyn Future<Output = Result<(), TokenStorageError>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
            // Held across the write so that two refreshes cannot interleave their renames.
            let mut tokens = self.tokens.lock().await;
            match tokens.iter_mut().find(|t| t.scopes == scopes) {
                Some(entry) => entry.token = token,
                None => tokens.push(CachedToken { scopes, token }),
            }
            let json = serde_json::to_vec_pretty(&*tokens)
                .map_err(|e| TokenStorageError::Other(e.to_string().into()))?;
            let path = self.path.clone();
            tokio::task::spawn_blocking(move || write_private_file(&path, &json))
                .await
                .map_err(|e| TokenStorageError::Other(e.to_string().into()))??;
            Ok(())
        })
    }

    fn get<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        scopes: &'life1 [&'life2 str],
    ) -> Pin<Box<dyn Future<Output = Option<TokenInfo>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let tokens = self.tokens.lock().await;
            // A token granted for more scopes also serves fewer.
            tokens
                .iter()
                .find(|t| scopes.iter().all(|s| t.scopes.iter().any(|have| have == s)))
                .map(|t| t.token.clone())
        })
    }
}

/// Owner-only (it holds a refresh token), complete on disk before it replaces the old file:
/// the crate's one atomic writer (a unique 0600 temp file, removed if the write fails).
fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    crate::atomic_file::write_atomically(path, contents)
}

/// yup-oauth2's default client loads native roots (fails without a CA bundle), so the token
/// endpoint gets the same connector as the API.
fn token_client(connector: &Connector) -> CustomHyperClientBuilder<Connector> {
    CustomHyperClientBuilder::from(
        hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .build::<_, String>(connector.clone()),
    )
}

fn sibling_path(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}
