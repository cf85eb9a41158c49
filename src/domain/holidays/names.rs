//! English names for the holidays the Cabinet Office list names in Japanese.

/// The English name of an official Japanese holiday name. `休日` covers two
/// different days, so the caller says which one it is.
pub(super) fn english_name(name_ja: &str, follows_a_holiday_sunday: bool) -> &'static str {
    match name_ja {
        "元日" => "New Year's Day",
        "成人の日" => "Coming of Age Day",
        "建国記念の日" => "National Foundation Day",
        "天皇誕生日" => "The Emperor's Birthday",
        "春分の日" => "Vernal Equinox Day",
        "昭和の日" => "Showa Day",
        "みどりの日" => "Greenery Day",
        "憲法記念日" => "Constitution Memorial Day",
        "こどもの日" => "Children's Day",
        "海の日" => "Marine Day",
        "山の日" => "Mountain Day",
        "敬老の日" => "Respect for the Aged Day",
        "秋分の日" => "Autumnal Equinox Day",
        "体育の日" => "Health and Sports Day",
        "体育の日（スポーツの日）" | "スポーツの日" => "Sports Day",
        "文化の日" => "Culture Day",
        "勤労感謝の日" => "Labour Thanksgiving Day",
        "即位礼正殿の儀" => "Enthronement Ceremony",
        "大喪の礼" => "Funeral of Emperor Showa",
        "結婚の儀" => "Imperial Wedding",
        "休日（祝日扱い）" => "National holiday (Imperial succession)",
        "休日" if follows_a_holiday_sunday => "Substitute holiday",
        "休日" => "Citizens' holiday",
        _ => "National holiday",
    }
}
