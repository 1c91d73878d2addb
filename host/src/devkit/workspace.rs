//! Joining a Cargo workspace: whether a directory holds one, and adding a member to its
//! `members` list by editing the text, so the manifest's comments and layout stay as they are.

use std::path::Path;

use anyhow::Context;

/// Whether `manifest` exists and declares a `[workspace]`.
pub(crate) fn is_workspace(manifest: &Path) -> anyhow::Result<bool> {
    if !manifest.exists() {
        return Ok(false);
    }
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("cannot read {}", manifest.display()))?;
    let parsed: toml::Table = toml::from_str(&text)
        .with_context(|| format!("{} is not valid TOML", manifest.display()))?;
    Ok(parsed.contains_key("workspace"))
}

/// Adds `member` to the `members = [...]` list of a workspace manifest, editing the text so
/// its comments and layout stay as they are.
pub(crate) fn add_member(manifest: &Path, member: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("cannot read {}", manifest.display()))?;
    let updated = with_member(&text, member).with_context(|| {
        format!(
            "cannot add {member:?} to the members of {}: add it by hand",
            manifest.display()
        )
    })?;
    std::fs::write(manifest, updated)
        .with_context(|| format!("cannot write {}", manifest.display()))
}

/// The manifest text with `member` appended to its `members` array.
pub(crate) fn with_member(text: &str, member: &str) -> anyhow::Result<String> {
    let mut offset = 0;
    let mut key = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with("members") && trimmed.contains('=') {
            key = Some(offset + (line.len() - trimmed.len()));
            break;
        }
        offset += line.len();
    }
    let key = key.context("no `members = [` list")?;
    let open = key + text[key..].find('[').context("no `members = [` list")?;
    let close = open
        + text[open..]
            .find(']')
            .context("the `members` list is not closed")?;
    let inside = &text[open + 1..close];
    let quoted = format!("\"{member}\"");
    if inside.contains(&quoted) {
        return Ok(text.to_string());
    }
    let listed = inside.trim_end();
    let empty = listed.trim().is_empty();
    let separator = if empty || listed.ends_with(',') {
        ""
    } else {
        ","
    };
    let (head, tail) = (&text[..open + 1 + listed.len()], &text[close..]);
    Ok(if inside.contains('\n') {
        // One member per line: add a line in the same style.
        format!("{head}{separator}\n    {quoted},\n{tail}")
    } else {
        let space = if empty { "" } else { " " };
        format!("{head}{separator}{space}{quoted}{tail}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_is_added_to_a_multi_line_list_keeping_its_layout() {
        let text = "# comment\n[workspace]\nmembers = [\n    \"a\",\n    \"fixtures/*\",\n]\n\n[x]\ny = 1\n";
        let updated = with_member(text, "new-one").unwrap();
        assert_eq!(
            updated,
            "# comment\n[workspace]\nmembers = [\n    \"a\",\n    \"fixtures/*\",\n    \"new-one\",\n]\n\n[x]\ny = 1\n"
        );
        assert_eq!(with_member(&updated, "new-one").unwrap(), updated);
    }

    #[test]
    fn a_member_is_added_to_a_one_line_or_empty_list() {
        assert_eq!(
            with_member("[workspace]\nmembers = [\"a\"]\n", "b").unwrap(),
            "[workspace]\nmembers = [\"a\", \"b\"]\n"
        );
        assert_eq!(
            with_member("[workspace]\nmembers = []\n", "b").unwrap(),
            "[workspace]\nmembers = [\"b\"]\n"
        );
        assert!(with_member("[workspace]\n", "b").is_err());
    }
}
