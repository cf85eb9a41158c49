//! Keeps the official holiday list fresh without ever losing the last good one:
//! the Cabinet Office CSV is downloaded into a staging file in
//! `state_dir/holidays/`, parsed and validated, and only then promoted over the
//! stored list with the atomic file writer. A refused answer leaves the stored
//! list untouched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::holidays::cabinet_office::{self, Refusal};
use crate::domain::holidays::{JapaneseHolidays, OfficialList};

/// Longest a download may take before we keep what we have.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(30);
/// The published file is about 20 KB; anything far larger is not it, and must not
/// be held in memory whole.
const MAX_BODY_BYTES: usize = 1 << 20;

/// A list fetched from the Cabinet Office, with when it was fetched.
#[derive(Debug, Clone)]
pub(crate) struct FetchedList {
    pub list: OfficialList,
    pub fetched_at: DateTime<Utc>,
}

/// Why a refresh did not replace the list in use. Every case keeps the stored list.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RefreshError {
    #[error("no answer from {url} within {DOWNLOAD_TIMEOUT:?}")]
    Timeout { url: String },
    #[error("cannot download {url}: {source}")]
    Download {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url} answered {status}")]
    Status {
        url: String,
        status: reqwest::StatusCode,
    },
    #[error("{url} sent more than {MAX_BODY_BYTES} bytes; that is not the holiday list")]
    TooLarge { url: String },
    #[error("refused the list from {url}: {refusal} (the answer is in {})", staging.display())]
    Refused {
        url: String,
        refusal: Refusal,
        staging: PathBuf,
    },
    #[error("cannot store the holiday list in {}: {source}", path.display())]
    Store {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Why the stored list was not used at start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoadError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a stored holiday list: {source}", path.display())]
    Format {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{} does not pass the checks a download must pass: {refusal}", path.display())]
    Refused { path: PathBuf, refusal: Refusal },
}

/// The validated list as stored. `metadata` is how holidays_jp (used before this
/// file was written by us) recorded the time of its download, so its cache is still
/// read, and checked, after an upgrade.
#[derive(Serialize, Deserialize)]
struct StoredList {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fetched_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_url: Option<String>,
    #[serde(default, skip_serializing)]
    metadata: Option<LegacyMetadata>,
    holidays: BTreeMap<NaiveDate, String>,
}

#[derive(Deserialize)]
struct LegacyMetadata {
    last_updated: DateTime<Utc>,
}

/// The last good list: written only after validation, by the atomic writer.
pub(crate) fn cache_file(state_dir: &Path) -> PathBuf {
    state_dir.join("holidays").join("cabinet-office.json")
}

/// Where a download lands before it is checked; a refused answer stays there for
/// an operator to look at until the next refresh.
pub(crate) fn staging_file(state_dir: &Path) -> PathBuf {
    state_dir.join("holidays").join("download.csv")
}

/// Downloads the list, and stores it if it is at least as complete as `in_use`.
pub(crate) async fn refresh(
    state_dir: &Path,
    source_url: &str,
    in_use: &OfficialList,
) -> Result<FetchedList, RefreshError> {
    let body = download(source_url).await?;
    let fetched_at = Utc::now();
    let staging = staging_file(state_dir);
    let store_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RefreshError::Store { path, source }
    };
    let dir = staging
        .parent()
        .expect("the staging file is inside holidays/");
    let private = dir.to_path_buf();
    tokio::task::spawn_blocking(move || crate::atomic_file::create_private_dir_all(&private))
        .await
        .expect("creating a directory does not panic")
        .map_err(store_error(dir))?;
    tokio::fs::write(&staging, &body)
        .await
        .map_err(store_error(&staging))?;

    let list = cabinet_office::parse(&body)
        .and_then(|list| cabinet_office::validate(&list, in_use).map(|()| list))
        .map_err(|refusal| RefreshError::Refused {
            url: source_url.to_string(),
            refusal,
            staging: staging.clone(),
        })?;

    let stored = StoredList {
        fetched_at: Some(fetched_at),
        source_url: Some(source_url.to_string()),
        metadata: None,
        holidays: list.days().map(|(d, n)| (d, n.to_string())).collect(),
    };
    let bytes = serde_json::to_vec(&stored).expect("a map of dates to names serializes");
    let target = cache_file(state_dir);
    let promote_target = target.clone();
    // The writer fsyncs: off the runtime's workers.
    tokio::task::spawn_blocking(move || {
        crate::atomic_file::write_atomically(&promote_target, &bytes)
    })
    .await
    .expect("the atomic write does not panic")
    .map_err(store_error(&target))?;
    // Only a refused answer is worth keeping for inspection.
    let _ = tokio::fs::remove_file(&staging).await;
    Ok(FetchedList { list, fetched_at })
}

/// The body of a 200 answer, bounded in time and size.
async fn download(url: &str) -> Result<Vec<u8>, RefreshError> {
    let failed = |source: reqwest::Error| {
        if source.is_timeout() {
            RefreshError::Timeout {
                url: url.to_string(),
            }
        } else {
            RefreshError::Download {
                url: url.to_string(),
                source,
            }
        }
    };
    let mut response = client()
        .map_err(failed)?
        .get(url)
        .send()
        .await
        .map_err(failed)?;
    if !response.status().is_success() {
        return Err(RefreshError::Status {
            url: url.to_string(),
            status: response.status(),
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(RefreshError::TooLarge {
                url: url.to_string(),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether the holiday list's address answers (`doctor`): a status in 2xx, within
/// the download timeout; the body is not read.
pub(crate) async fn reachable(url: &str) -> Result<(), String> {
    let client = client().map_err(|e| e.to_string())?;
    let response = client.get(url).send().await.map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", response.status().as_u16()))
    }
}

/// A client for one refresh, dropped after it (weekly use does not justify keeping
/// its connection pool and TLS state resident). TLS is rustls with ring and the
/// bundled Mozilla roots, as for Google: no OpenSSL, and no dependence on the
/// machine's CA store.
fn client() -> reqwest::Result<reqwest::Client> {
    crate::https_client::build(DOWNLOAD_TIMEOUT)
}

/// The last good list, if one is stored; never touches the network. A stored list
/// is checked again against the embedded one, so a file written by an older
/// version (which stored before validating) cannot take years away.
pub(crate) async fn load_cached(state_dir: &Path) -> Result<Option<FetchedList>, LoadError> {
    let path = cache_file(state_dir);
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(LoadError::Read { path, source }),
    };
    let stored: StoredList = match serde_json::from_slice(&bytes) {
        Ok(stored) => stored,
        Err(source) => return Err(LoadError::Format { path, source }),
    };
    let fetched_at = stored
        .fetched_at
        .or(stored.metadata.map(|m| m.last_updated));
    let checked = OfficialList::from_days(stored.holidays)
        .ok_or(Refusal::Empty)
        .and_then(|list| cabinet_office::validate(&list, &OfficialList::embedded()).map(|()| list));
    match (checked, fetched_at) {
        (Ok(list), Some(fetched_at)) => Ok(Some(FetchedList { list, fetched_at })),
        (Ok(list), None) => {
            // Without a recorded time, the file's own age is the best we know.
            let modified = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .map_err(|source| LoadError::Read {
                    path: path.clone(),
                    source,
                })?;
            Ok(Some(FetchedList {
                list,
                fetched_at: modified.into(),
            }))
        }
        (Err(refusal), _) => Err(LoadError::Refused { path, refusal }),
    }
}

/// The calendar the schedule should use now: the last downloaded list if
/// there is one, else the list shipped with this binary.
pub(crate) async fn current_holidays(state_dir: &Path) -> JapaneseHolidays {
    match load_cached(state_dir).await {
        Ok(Some(fetched)) => JapaneseHolidays::new(fetched.list),
        Ok(None) => JapaneseHolidays::embedded(),
        Err(e) => {
            tracing::warn!("{e}; using the list shipped with this binary");
            JapaneseHolidays::embedded()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(state_dir: &Path, json: &str) {
        std::fs::create_dir_all(state_dir.join("holidays")).unwrap();
        std::fs::write(cache_file(state_dir), json).unwrap();
    }

    fn embedded_as_json(extra: &str) -> String {
        let holidays: BTreeMap<String, String> = OfficialList::embedded()
            .days()
            .map(|(d, n)| (d.to_string(), n.to_string()))
            .collect();
        format!(
            "{{{extra}\"holidays\":{}}}",
            serde_json::to_string(&holidays).unwrap()
        )
    }

    #[tokio::test]
    async fn a_cache_left_by_holidays_jp_is_read_with_its_download_time() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &embedded_as_json(
                r#""metadata":{"last_updated":"2026-11-01T03:00:00Z","etag":null,"last_etag_check":null},"#,
            ),
        );
        let fetched = load_cached(dir.path()).await.unwrap().unwrap();
        assert_eq!(fetched.fetched_at.to_rfc3339(), "2026-11-01T03:00:00+00:00");
        assert_eq!(fetched.list.years(), 1955..=2027);
    }

    #[tokio::test]
    async fn a_short_stored_list_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            r#"{"fetched_at":"2026-11-01T03:00:00Z","holidays":{"2027-01-01":"元日"}}"#,
        );
        let error = load_cached(dir.path()).await.unwrap_err();
        assert!(matches!(error, LoadError::Refused { .. }), "{error}");
        assert!(
            error.to_string().contains("less than the list in use"),
            "{error}"
        );
        assert_eq!(
            current_holidays(dir.path()).await.official_years(),
            1955..=2027
        );
    }

    #[tokio::test]
    async fn no_stored_list_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load_cached(dir.path()).await.unwrap().is_none());
    }
}
