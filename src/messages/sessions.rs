//! Replies about sessions: `/next`, RSVPs, skipping and unskipping, and why a
//! date a person named cannot be used.

use chrono::NaiveDate;

use super::dates::day;
use super::{Message, catalogue};
use crate::domain::language::Language;

catalogue! {
    pub(crate) enum Sessions<'a> {
        /// A line of `/next` and of the day's announcement.
        Facilitator { name: &'a str },
        NextNoTopics,
        AgendaHeading,
        Guests { list: &'a str },
        Guest { name: &'a str, team: &'a str },
        ListSeparator,
        Rsvps { going: u32, maybe: u32, not_going: u32 },
        WeeksOff,
        RsvpNoted { label: &'a str, answer: &'a str },
        OnlyFacilitatorsSkip,
        Skipped { label: &'a str, reason: &'a str },
        NotCancelled { date: NaiveDate },
        BackOn { label: &'a str },
        NoHeldInAYear,
        NotAMeetingDay { date: NaiveDate, weekday: &'a str },
        SessionOver { date: NaiveDate },
        /// `nearest`: the held sessions around the date, already written out.
        NoSessionOn { date: &'a str, nearest: &'a str },
        NotHeldYet { date: &'a str, nearest: &'a str },
        NoSessionNextWeek { monday: NaiveDate, sunday: NaiveDate, why: &'a str },
        OffForHoliday { name_ja: &'a str, name_en: &'a str },
        OffForClosure { name: &'a str },
        OffForCompanyDayOff,
        OffCancelled,
        OffCancelledBecause { reason: &'a str },
        CalendarOnlyFacilitators,
        CalendarAddressFailed,
        KeepAddressSecret,
        AddressReplaced { note: &'a str },
        LogNotWritten,
        RosterDamaged { error: &'a str },
    }
}

impl Message for Sessions<'_> {
    fn ja(&self) -> String {
        match *self {
            Sessions::Facilitator { name } => format!("\nファシリテーター: {name}"),
            Sessions::NextNoTopics => "\n議題はまだありません（`/agenda add`）。なければダッシュボードを眺めたり、過去のポストモーテムを読み返します。".into(),
            Sessions::AgendaHeading => "\n議題:".into(),
            Sessions::Guests { list } => format!("\nゲスト: {list}"),
            Sessions::Guest { name, team } => format!("{name}（{team}）"),
            Sessions::ListSeparator => "、".into(),
            Sessions::Rsvps { going, maybe, not_going } => {
                format!("\n出欠（任意）: 参加 {going} / たぶん {maybe} / 不参加 {not_going}")
            }
            Sessions::WeeksOff => "\nお休みの週:".into(),
            Sessions::RsvpNoted { label, answer } => {
                format!("{label}: 「{answer}」で受け付けました。いつでも変えられます。参加は任意です。")
            }
            Sessions::OnlyFacilitatorsSkip => {
                "お休みにする・戻すのはファシリテーターの役割です".into()
            }
            Sessions::Skipped { label, reason } => {
                format!("{label}はお休みにします（理由: {reason}）。回の番号は次に開催する回が引き継ぎます。")
            }
            Sessions::NotCancelled { date } => format!("{}の回はお休みになっていません", day(date, Language::Ja)),
            Sessions::BackOn { label } => format!("{label}は予定どおり開催します"),
            Sessions::NoHeldInAYear => "今後1年に開催予定がありません".into(),
            Sessions::NotAMeetingDay { date, weekday } => {
                format!("{}は開催日ではありません（{weekday}曜日に開催）", day(date, Language::Ja))
            }
            Sessions::SessionOver { date } => format!("{}の回はもう終わっています", day(date, Language::Ja)),
            Sessions::NoSessionOn { date, nearest } => {
                format!("{date}は開催日ではありません。直近の回: {nearest}")
            }
            Sessions::NotHeldYet { date, nearest } => format!(
                "{date}の回はまだ開かれていません。終わったことは開催済みの回に記録してください。直近の回: {nearest}"
            ),
            Sessions::NoSessionNextWeek { monday, sunday, why } => {
                format!("来週（{}〜{}）は開催がありません。{why}", day(monday, Language::Ja), day(sunday, Language::Ja))
            }
            Sessions::OffForHoliday { name_ja, .. } => format!("祝日（{name_ja}）のためお休みです"),
            Sessions::OffForClosure { name } => format!("{name}のためお休みです"),
            Sessions::OffForCompanyDayOff => "会社の休業日のためお休みです".into(),
            Sessions::OffCancelled => "この回は中止になりました".into(),
            Sessions::OffCancelledBecause { reason } => format!("お休みです（理由: {reason}）"),
            Sessions::CalendarOnlyFacilitators => "カレンダーの購読アドレスはファシリテーターだけが確認できます。ファシリテーターに聞いてください".into(),
            Sessions::CalendarAddressFailed => "購読アドレスを用意できませんでした。運用担当にログを確認してもらってください".into(),
            Sessions::KeepAddressSecret => "このアドレスを知っている人は誰でも予定と議題のタイトルを読めます。パスワードと同じように扱い、漏れたら `weekly-postmortem calendar-url --rotate` で作り直してください。".into(),
            Sessions::LogNotWritten => "記録を保存できませんでした。運用担当にはログで知らせてあります".into(),
            Sessions::RosterDamaged { error } => format!("保存されているローテーションが壊れています: {error}"),
            Sessions::AddressReplaced { note } => format!("新しいアドレスに変えました。古いアドレスはもう使えません（購読している人には新しいアドレスを伝えてください）。{note}"),
        }
    }

    fn en(&self) -> String {
        match *self {
            Sessions::Facilitator { name } => format!("\nFacilitator: {name}"),
            Sessions::NextNoTopics => "\nNo topics yet (`/agenda add`). If none come, we look at a dashboard or revisit a past postmortem.".into(),
            Sessions::AgendaHeading => "\nAgenda:".into(),
            Sessions::Guests { list } => format!("\nGuests: {list}"),
            Sessions::Guest { name, team } => format!("{name} ({team})"),
            Sessions::ListSeparator => ", ".into(),
            Sessions::Rsvps { going, maybe, not_going } => {
                format!("\nRSVPs (optional): going {going} / maybe {maybe} / not going {not_going}")
            }
            Sessions::WeeksOff => "\nWeeks off:".into(),
            Sessions::RsvpNoted { label, answer } => format!(
                "{label}: noted as \"{answer}\". You can change it any time; attendance is optional."
            ),
            Sessions::OnlyFacilitatorsSkip => {
                "only facilitators can skip or unskip a session".into()
            }
            Sessions::Skipped { label, reason } => format!(
                "{label} is skipped ({reason}). Session numbers continue with the next held week."
            ),
            Sessions::NotCancelled { date } => format!("the session on {} is not skipped", day(date, Language::En)),
            Sessions::BackOn { label } => format!("{label} is back on"),
            Sessions::NoHeldInAYear => "no held session in the coming year".into(),
            Sessions::NotAMeetingDay { date, weekday } => {
                format!("{} is not a meeting day (meetings are on {weekday})", day(date, Language::En))
            }
            Sessions::SessionOver { date } => format!("the session on {} is over", day(date, Language::En)),
            Sessions::NoSessionOn { date, nearest } => {
                format!("there was no session on {date}. Nearest sessions: {nearest}")
            }
            Sessions::NotHeldYet { date, nearest } => format!(
                "the session on {date} has not been held yet; record what happened under a past session. Nearest sessions: {nearest}"
            ),
            Sessions::NoSessionNextWeek { monday, sunday, why } => {
                format!("no session next week ({} to {}). {why}", day(monday, Language::En), day(sunday, Language::En))
                    .trim_end()
                    .to_string()
            }
            Sessions::OffForHoliday { name_en, .. } => {
                format!("no meeting: public holiday ({name_en})")
            }
            Sessions::OffForClosure { name } => format!("no meeting: closed for {name}"),
            Sessions::OffForCompanyDayOff => "no meeting: company day off".into(),
            Sessions::OffCancelled => "this session was cancelled".into(),
            Sessions::OffCancelledBecause { reason } => format!("no meeting: {reason}"),
            Sessions::CalendarOnlyFacilitators => "only facilitators can see the calendar's subscription address; ask one of them".into(),
            Sessions::CalendarAddressFailed => "the subscription address could not be prepared; the operators have been told in the logs".into(),
            Sessions::KeepAddressSecret => "Anyone who has this address can read the schedule and the agenda titles. Treat it like a password; if it leaks, replace it with `weekly-postmortem calendar-url --rotate`.".into(),
            Sessions::LogNotWritten => "the session log could not be written; the operators have been told in the logs".into(),
            Sessions::RosterDamaged { error } => format!("the stored roster is damaged: {error}"),
            Sessions::AddressReplaced { note } => format!("The address was replaced; the old one no longer works (give subscribers the new one). {note}"),
        }
    }
}

#[cfg(test)]
impl Sessions<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        let date = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        let sunday = NaiveDate::from_ymd_opt(2026, 12, 13).unwrap();
        vec![
            Sessions::Facilitator { name: "sato" },
            Sessions::NextNoTopics,
            Sessions::AgendaHeading,
            Sessions::Guests { list: "sato" },
            Sessions::Guest {
                name: "田中",
                team: "決済チーム",
            },
            Sessions::ListSeparator,
            Sessions::Rsvps {
                going: 3,
                maybe: 1,
                not_going: 0,
            },
            Sessions::WeeksOff,
            Sessions::RsvpNoted {
                label: "第394回（12月9日(水)）",
                answer: "参加",
            },
            Sessions::OnlyFacilitatorsSkip,
            Sessions::Skipped {
                label: "第394回（12月9日(水)）",
                reason: "障害対応",
            },
            Sessions::NotCancelled { date },
            Sessions::BackOn {
                label: "第394回（12月9日(水)）",
            },
            Sessions::NoHeldInAYear,
            Sessions::NotAMeetingDay {
                date,
                weekday: "水",
            },
            Sessions::SessionOver { date },
            Sessions::NoSessionOn {
                date: "12月30日(火)",
                nearest: "12月23日(水)、1月6日(水)",
            },
            Sessions::NotHeldYet {
                date: "12月23日(水)",
                nearest: "12月9日(水)",
            },
            Sessions::NoSessionNextWeek {
                monday: date,
                sunday,
                why: "年末年始のためお休みです",
            },
            Sessions::OffForHoliday {
                name_ja: "天皇誕生日",
                name_en: "Emperor's Birthday",
            },
            Sessions::OffForClosure {
                name: "年末年始"
            },
            Sessions::OffForCompanyDayOff,
            Sessions::OffCancelled,
            Sessions::OffCancelledBecause {
                reason: "全社オフサイトのため",
            },
            Sessions::CalendarOnlyFacilitators,
            Sessions::CalendarAddressFailed,
            Sessions::KeepAddressSecret,
            Sessions::AddressReplaced {
                note: "漏れたら作り直してください。",
            },
            Sessions::LogNotWritten,
            Sessions::RosterDamaged {
                error: "12行目の形式",
            },
        ]
    }
}
