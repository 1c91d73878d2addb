//! Text a plugin hands over, made safe to store and to log. A plugin controls every byte of
//! its answers, error strings and log lines: a newline in a log message would forge a log
//! line, a terminal escape would repaint an operator's screen, and NUL or bidi overrides
//! stored in a reason would follow the case into every page and export.
//!
//! Stored text (reasons, tags, messages, descriptions) with such characters is refused as
//! `invalid-output`; text that is only logged or traced (log lines, fault details) is escaped.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::fault::{Fault, FaultKind};

/// A character a plugin may not put into text the host keeps or prints: the C0 and C1
/// controls, DEL, and the bidirectional overrides and isolates that reorder what is shown.
pub(crate) fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Where a piece of stored text may break lines.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lines {
    /// A tag, a code: one line, nothing else.
    One,
    /// A reason, a message, a description: newlines and tabs are part of writing.
    Many,
}

/// Refuses stored text holding a character [`is_unsafe`] (newline and tab allowed in
/// [`Lines::Many`]), naming the field and the character.
pub(crate) fn check(field: &str, text: &str, lines: Lines) -> Result<(), Fault> {
    let allowed = |c: char| lines == Lines::Many && matches!(c, '\n' | '\t');
    match text.chars().find(|&c| is_unsafe(c) && !allowed(c)) {
        None => Ok(()),
        Some(c) => Err(Fault::new(
            FaultKind::InvalidOutput,
            format!(
                "{field} holds the control character U+{:04X}; plugins may not hand over \
                 control characters",
                u32::from(c)
            ),
        )),
    }
}

/// The text with every [`is_unsafe`] character written as an escape (`\n`, `\u{1b}`), for
/// logs and traces: one plugin line stays one line, and shows what was sent.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// At most `max` bytes of `text`, cut at a character boundary.
pub(crate) fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_make_one_line_of_anything() {
        let forged = "ok\n2026-12-02 INFO forged\u{1b}[2J\u{0}\u{202e}";
        let escaped = escape(forged);
        assert_eq!(
            escaped,
            "ok\\n2026-12-02 INFO forged\\u{1b}[2J\\u{0}\\u{202e}"
        );
        assert!(matches!(escape("布吉 ok"), Cow::Borrowed(_)));
    }

    #[test]
    fn stored_text_refuses_controls_but_a_reason_may_break_lines() {
        assert!(check("reason", "第一行\n第二行\t完", Lines::Many).is_ok());
        assert!(check("tag", "标签\n", Lines::One).is_err());
        let fault = check("reason", "原因\u{0}", Lines::Many).unwrap_err();
        assert_eq!(fault.kind, FaultKind::InvalidOutput);
        assert!(fault.detail.contains("U+0000"), "{fault}");
        assert!(check("reason", "\u{1b}[31m", Lines::Many).is_err());
    }

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate("啊啊", 4), "啊");
        assert_eq!(truncate("ab", 4), "ab");
    }
}
