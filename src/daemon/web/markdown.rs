//! A session's notes are Markdown (the live session's summary writes
//! headings and lists): the archive shows them as structure. Raw HTML in
//! the notes is shown as text, and a link goes only to http(s): the notes
//! come from people and imports, and the page must not run what they wrote.

use pulldown_cmark::{Event, Parser, Tag, TagEnd, html};

/// `markdown` as HTML that carries no HTML of its own and no link but http(s).
pub(super) fn to_html(markdown: &str) -> String {
    let mut dropped_links = 0usize;
    let events = Parser::new(markdown).filter_map(|event| match event {
        // Written HTML is text to the reader, escaped like any other.
        Event::Html(text) | Event::InlineHtml(text) => Some(Event::Text(text)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let allowed = dest_url.starts_with("https://") || dest_url.starts_with("http://");
            if allowed {
                Some(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }))
            } else {
                dropped_links += 1;
                None
            }
        }
        Event::End(TagEnd::Link) if dropped_links > 0 => {
            dropped_links -= 1;
            None
        }
        // An image would load from anywhere; its text stays.
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_and_lists_become_structure() {
        let html = to_html("**第390回のまとめ**\n\n扱った議題:\n\n- 決済APIの5xx増加\n- ログ基盤");
        assert!(html.contains("<strong>第390回のまとめ</strong>"), "{html}");
        assert!(html.contains("<li>決済APIの5xx増加</li>"), "{html}");
    }

    #[test]
    fn written_html_is_text_and_only_web_links_stay_links() {
        let html = to_html(
            "<script>alert(1)</script>\n\n[x](javascript:alert(1)) [ok](https://example.com) ![i](https://example.com/i.png)",
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(
            html.contains("<a href=\"https://example.com\">ok</a>"),
            "{html}"
        );
        assert!(!html.contains("<img"), "{html}");
    }
}
