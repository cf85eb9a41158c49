//! Building the Google Calendar adapter from `[google]`: a service-account
//! key, or an installed-app client secret and the token `auth google` stored.

use std::path::Path;

use super::google::{CalendarError, GoogleCalendar, SendUpdates};
use crate::config::GoogleConfig;

/// Builds the adapter from `[google]`: a service-account key, or an
/// installed-app client secret whose token `auth google` stored in `state_dir`.
pub async fn connect(
    google: &GoogleConfig,
    state_dir: &Path,
) -> Result<GoogleCalendar, CalendarError> {
    let path = &google.credentials_file;
    let text = crate::secret_file::read_to_string("google.credentials_file", path)
        .map_err(|e| CalendarError::Config(e.to_string()))?;
    let kind = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| {
            if v.get("type").and_then(|t| t.as_str()) == Some("service_account") {
                Some("service_account")
            } else if v.get("installed").is_some() || v.get("web").is_some() {
                Some("installed")
            } else {
                None
            }
        });
    let send_updates: SendUpdates = google.send_updates.0.parse().map_err(|_| {
        CalendarError::Config(format!(
            "[google] send_updates {:?} is not valid",
            google.send_updates.0
        ))
    })?;
    let base = google.api_base_url.clone();
    let calendar_id = google.calendar_id.clone();
    match kind {
        Some("service_account") => {
            GoogleCalendar::from_service_account_file_as(
                path,
                google.impersonate.clone(),
                calendar_id,
                base,
                send_updates,
            )
            .await
        }
        Some(_) => {
            GoogleCalendar::from_installed_token(
                path,
                &token_cache(state_dir),
                calendar_id,
                base,
                send_updates,
            )
            .await
        }
        None => Err(CalendarError::Config(format!(
            "[google] credentials_file {}: neither a service-account key (\"type\": \"service_account\") nor an installed-app client secret (\"installed\": {{…}})",
            path.display()
        ))),
    }
}

/// Where `auth google` keeps the personal account's token.
pub fn token_cache(state_dir: &Path) -> std::path::PathBuf {
    state_dir.join("google-token.json")
}
