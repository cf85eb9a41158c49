//! The language people read messages and holiday names in.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Ja,
    En,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Ja => "ja",
            Language::En => "en",
        }
    }

    /// Short weekday name as people write it in this language.
    pub fn weekday_short(self, weekday: chrono::Weekday) -> &'static str {
        const JA: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
        const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let i = weekday.num_days_from_monday() as usize;
        match self {
            Language::Ja => JA[i],
            Language::En => EN[i],
        }
    }
}
