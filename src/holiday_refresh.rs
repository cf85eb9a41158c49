//! Keeps the official holiday list fresh: the holidays_jp crate downloads the
//! Cabinet Office CSV into `state_dir/holidays/` (never the working
//! directory); a failed refresh keeps the last good list.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use holidays_jp::config::CacheStrategy;
use holidays_jp::{Config, HolidayService};

use crate::domain::holidays::OfficialList;

/// Longest a download may take before we keep what we have.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// A list fetched from the Cabinet Office, with when it was fetched.
#[derive(Debug, Clone)]
pub struct FetchedList {
    pub list: OfficialList,
    pub fetched_at: DateTime<Utc>,
}

pub fn cache_file(state_dir: &Path) -> PathBuf {
    state_dir.join("holidays").join("cabinet-office.json")
}

fn service_config(state_dir: &Path, source_url: &str, strategy: CacheStrategy) -> Config {
    let mut config = Config::default();
    config.holiday_data.source_url = source_url.to_string();
    config.holiday_data.cache_file = cache_file(state_dir).to_string_lossy().into_owned();
    config.cache.strategy = strategy;
    config.cache.force_refresh_on_startup = false;
    config
}

/// Downloads the list now. An answer that does not look like the official
/// list (too short, or missing years we already know) is refused.
pub async fn fetch(state_dir: &Path, source_url: &str) -> anyhow::Result<FetchedList> {
    let mut service = HolidayService::new(service_config(
        state_dir,
        source_url,
        CacheStrategy::AlwaysRefresh,
    ));
    tokio::time::timeout(DOWNLOAD_TIMEOUT, service.initialize())
        .await
        .map_err(|_| {
            anyhow::anyhow!("no answer from {source_url} within {DOWNLOAD_TIMEOUT:?}")
        })??;
    let list = to_official_list(&service)?;
    Ok(FetchedList {
        list,
        fetched_at: Utc::now(),
    })
}

/// The list from the last successful download, if any; never touches the network.
pub async fn load_cached(state_dir: &Path) -> Option<FetchedList> {
    let path = cache_file(state_dir);
    let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
    let mut service = HolidayService::new(service_config(
        state_dir,
        "http://127.0.0.1:9/",
        CacheStrategy::NeverRefresh,
    ));
    service.initialize().await.ok()?;
    let list = to_official_list(&service).ok()?;
    Some(FetchedList {
        list,
        fetched_at: modified.into(),
    })
}

/// The calendar the schedule should use now: the last downloaded list if
/// there is one, else the list shipped with this binary.
pub async fn current_holidays(state_dir: &Path) -> crate::domain::holidays::JapaneseHolidays {
    use crate::domain::holidays::JapaneseHolidays;
    match load_cached(state_dir).await {
        Some(fetched) => JapaneseHolidays::new(fetched.list),
        None => JapaneseHolidays::embedded(),
    }
}

fn to_official_list(service: &HolidayService) -> anyhow::Result<OfficialList> {
    let holidays = service.get_holidays_in_range("1955-01-01", "2200-12-31")?;
    let csv: String = holidays
        .iter()
        .map(|(date, name)| format!("{date},{name}\n"))
        .collect();
    let list = OfficialList::parse_csv(&csv)?;
    let embedded = OfficialList::embedded();
    if holidays.len() < 500 || list.years().end() < embedded.years().end() {
        anyhow::bail!(
            "the downloaded list has {} holidays up to {}, less than the list this binary ships (up to {}); keeping the current list",
            holidays.len(),
            list.years().end(),
            embedded.years().end()
        );
    }
    Ok(list)
}
