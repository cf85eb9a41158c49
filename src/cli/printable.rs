//! The one rule for what the command line prints: no control character from
//! data reaches a terminal raw. An alert label such as `\x1b]0;PWNED\x07` would
//! otherwise retitle the window or clear the screen of whoever runs `history`.
//!
//! Line feeds and tabs pass; a carriage return is dropped (Windows line ends in
//! imported notes); every other C0 or C1 control character and DEL is shown as
//! U+FFFD. JSON output has none to replace: serde escapes them.

use std::io::{self, Write};

const REPLACEMENT: &[u8] = "\u{fffd}".as_bytes();

/// The rule on a text (an error line, say).
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(needs_replacing) {
        return text.into();
    }
    text.chars()
        .filter(|c| *c != '\r')
        .map(|c| if needs_replacing(c) { '\u{fffd}' } else { c })
        .collect::<String>()
        .into()
}

fn needs_replacing(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\t')
}

/// The rule on a byte stream (stdout). Works on bytes so that a write that
/// splits a character in two is still right: a C1 control is the two bytes
/// `C2 80`..`C2 9F` in UTF-8, so a `C2` waits for the byte after it.
pub(crate) struct Printable<W: Write> {
    inner: W,
    after_c2: bool,
}

impl<W: Write> Printable<W> {
    pub(crate) fn new(inner: W) -> Self {
        Self {
            inner,
            after_c2: false,
        }
    }
}

impl<W: Write> Write for Printable<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len());
        for &byte in buf {
            if std::mem::take(&mut self.after_c2) {
                if (0x80..=0x9f).contains(&byte) {
                    out.extend_from_slice(REPLACEMENT);
                    continue;
                }
                out.push(0xc2);
            }
            match byte {
                0xc2 => self.after_c2 = true,
                b'\n' | b'\t' => out.push(byte),
                b'\r' => {}
                0x00..=0x1f | 0x7f => out.extend_from_slice(REPLACEMENT),
                _ => out.push(byte),
            }
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> Drop for Printable<W> {
    fn drop(&mut self) {
        if self.after_c2 {
            let _ = self.inner.write_all(&[0xc2]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(parts: &[&[u8]]) -> String {
        let mut out = Vec::new();
        {
            let mut printable = Printable::new(&mut out);
            for part in parts {
                printable.write_all(part).unwrap();
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_become_visible_and_line_breaks_stay() {
        let hostile = "a\x1b]0;PWNED\x07\x1b[2J b\r\n\tc\u{9b}d\u{7f}\n";
        let expected = "a\u{fffd}]0;PWNED\u{fffd}\u{fffd}[2J b\n\tc\u{fffd}d\u{fffd}\n";
        assert_eq!(through(&[hostile.as_bytes()]), expected);
        assert_eq!(printable(hostile), expected);
    }

    #[test]
    fn a_character_split_between_writes_is_kept_whole() {
        let text = "é\u{9b}ü 週刊".as_bytes();
        for cut in 0..text.len() {
            let (a, b) = text.split_at(cut);
            assert_eq!(through(&[a, b]), "é\u{fffd}ü 週刊", "cut at {cut}");
        }
        assert_eq!(printable("週刊ポストモーテム"), "週刊ポストモーテム");
    }
}
