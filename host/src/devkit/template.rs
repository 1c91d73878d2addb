//! `streetwise plugin new`: a ready-to-build plugin crate from the templates in
//! `host/templates/plugin/`, with the street and the name filled in.
//!
//! The crate carries its own copy of the WIT contract (`wit/`), so it builds wherever it is
//! put and keeps the contract version it was written against. Created inside a Cargo
//! workspace (such as `plugins/`) it joins that workspace's members and inherits its
//! settings; anywhere else it is a workspace of its own, with a `.cargo/config.toml` that
//! makes `wasm32-wasip2` its default target.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::workspace::{add_member, is_workspace};
use crate::domain::{District, PluginKind, Street};

const WIT: [(&str, &str); 3] = [
    ("types.wit", include_str!("../../../wit/types.wit")),
    ("imports.wit", include_str!("../../../wit/imports.wit")),
    ("worlds.wit", include_str!("../../../wit/worlds.wit")),
];

const CARGO_MEMBER: &str = include_str!("../../templates/plugin/common/Cargo.member.toml");
const CARGO_STANDALONE: &str = include_str!("../../templates/plugin/common/Cargo.standalone.toml");
const CARGO_CONFIG: &str = include_str!("../../templates/plugin/common/cargo-config.toml");

/// The per-kind files: `src/lib.rs`, `src/rules.rs` and sample events.
struct KindFiles {
    lib: &'static str,
    rules: &'static str,
    events: &'static str,
}

fn kind_files(kind: PluginKind) -> KindFiles {
    match kind {
        PluginKind::Classifier => KindFiles {
            lib: include_str!("../../templates/plugin/classifier/lib.rs"),
            rules: include_str!("../../templates/plugin/classifier/rules.rs"),
            events: include_str!("../../templates/plugin/classifier/events.jsonl"),
        },
        PluginKind::Router => KindFiles {
            lib: include_str!("../../templates/plugin/router/lib.rs"),
            rules: include_str!("../../templates/plugin/router/rules.rs"),
            events: include_str!("../../templates/plugin/router/events.jsonl"),
        },
        PluginKind::Scenario => KindFiles {
            lib: include_str!("../../templates/plugin/scenario/lib.rs"),
            rules: include_str!("../../templates/plugin/scenario/rules.rs"),
            events: include_str!("../../templates/plugin/scenario/events.jsonl"),
        },
    }
}

/// Why `plugin new` refused.
#[derive(Debug, thiserror::Error)]
pub enum NewPluginError {
    #[error(
        "unknown kind {0:?}: use classifier (refines the catalog item), router (picks the \
         handling unit) or scenario (acts after an event is stored)"
    )]
    UnknownKind(String),
    #[error("unknown street {given:?}: use a code, slug or name of one of {known}")]
    UnknownStreet { given: String, known: String },
    #[error(
        "invalid plugin name {0:?}: use 1 to 64 lowercase letters, digits and dashes, \
         starting with a letter and not ending with a dash (e.g. school-manholes)"
    )]
    InvalidName(String),
    #[error("{0} already exists: choose another name or --dir, nothing was written")]
    Exists(PathBuf),
}

/// What `plugin new` was asked for.
#[derive(Clone, Debug)]
pub struct NewPlugin {
    pub street: String,
    pub kind: String,
    pub name: String,
    /// Where the crate's directory is created.
    pub dir: PathBuf,
}

/// What `plugin new` created.
#[derive(Debug)]
pub struct Created {
    pub path: PathBuf,
    pub kind: PluginKind,
    pub street_slug: String,
    pub files: Vec<PathBuf>,
    /// The workspace manifest the crate was added to, if any.
    pub joined_workspace: Option<PathBuf>,
}

/// The values substituted into the templates.
pub(crate) struct Values<'a> {
    pub name: &'a str,
    pub kind: PluginKind,
    pub street: &'a Street,
}

impl Values<'_> {
    /// Replaces every `{{key}}` in `template`.
    pub(crate) fn render(&self, template: &str) -> String {
        let street = self.street;
        let community = street
            .communities
            .first()
            .map_or(street.short_name(), |c| c.name.as_str());
        let english = street.name_en.as_deref().unwrap_or(&street.slug);
        [
            ("{{name}}", self.name),
            ("{{kind}}", self.kind.as_str()),
            ("{{street_code}}", street.code.as_str()),
            ("{{street_slug}}", street.slug.as_str()),
            ("{{street_name}}", street.name.as_str()),
            ("{{street_short}}", street.short_name()),
            ("{{street_en}}", english),
            ("{{community}}", community),
        ]
        .iter()
        .fold(template.to_string(), |text, (key, value)| {
            text.replace(key, value)
        })
    }
}

/// A plugin name the server accepts that is also a valid crate name.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Creates the crate. Checks everything before writing anything.
pub fn create(district: &District, request: &NewPlugin) -> anyhow::Result<Created> {
    let kind = PluginKind::parse(request.kind.trim())
        .ok_or_else(|| NewPluginError::UnknownKind(request.kind.clone()))?;
    let street = district
        .street(&request.street)
        .ok_or_else(|| NewPluginError::UnknownStreet {
            given: request.street.clone(),
            known: district
                .streets
                .iter()
                .map(|s| format!("{} ({})", s.short_name(), s.slug))
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    if !valid_name(&request.name) {
        return Err(NewPluginError::InvalidName(request.name.clone()).into());
    }
    let path = request.dir.join(&request.name);
    if path.exists() {
        return Err(NewPluginError::Exists(path).into());
    }
    let workspace = request.dir.join("Cargo.toml");
    let workspace = is_workspace(&workspace)?.then_some(workspace);

    let values = Values {
        name: &request.name,
        kind,
        street,
    };
    let templates = kind_files(kind);
    let mut files: Vec<(PathBuf, String)> = vec![
        (
            "Cargo.toml".into(),
            values.render(if workspace.is_some() {
                CARGO_MEMBER
            } else {
                CARGO_STANDALONE
            }),
        ),
        ("src/lib.rs".into(), values.render(templates.lib)),
        ("src/rules.rs".into(), values.render(templates.rules)),
        ("events.jsonl".into(), values.render(templates.events)),
    ];
    files.extend(
        WIT.iter()
            .map(|(file, text)| (Path::new("wit").join(file), (*text).to_string())),
    );
    if workspace.is_none() {
        files.push((".cargo/config.toml".into(), CARGO_CONFIG.to_string()));
    }

    // Join the workspace first: if its manifest cannot be edited, nothing is left behind.
    if let Some(manifest) = &workspace {
        add_member(manifest, &request.name)?;
    }
    let mut written = Vec::new();
    for (relative, text) in files {
        let file = path.join(&relative);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&file, text).with_context(|| format!("cannot write {}", file.display()))?;
        written.push(relative);
    }
    Ok(Created {
        path,
        kind,
        street_slug: street.slug.clone(),
        files: written,
        joined_workspace: workspace,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn district() -> District {
        crate::seed::parts().unwrap().district
    }

    fn request(dir: &Path, street: &str, kind: &str, name: &str) -> NewPlugin {
        NewPlugin {
            street: street.into(),
            kind: kind.into(),
            name: name.into(),
            dir: dir.to_path_buf(),
        }
    }

    fn temp_dir(label: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "streetwise-devkit-{label}-{}",
            uuid::Uuid::now_v7().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn every_template_is_fully_substituted_for_every_kind() {
        let district = district();
        let street = district.street("布吉").unwrap();
        for kind in [
            PluginKind::Classifier,
            PluginKind::Router,
            PluginKind::Scenario,
        ] {
            let values = Values {
                name: "school-manholes",
                kind,
                street,
            };
            let files = kind_files(kind);
            for template in [
                files.lib,
                files.rules,
                files.events,
                CARGO_MEMBER,
                CARGO_STANDALONE,
            ] {
                let text = values.render(template);
                assert!(!text.contains("{{"), "unsubstituted key in {text}");
            }
            assert!(
                values
                    .render(files.lib)
                    .contains(&format!("world: \"{}\"", kind.as_str()))
            );
            assert!(values.render(files.rules).contains("#[test]"));
        }
    }

    #[test]
    fn the_street_and_name_are_filled_in() {
        let district = district();
        let values = Values {
            name: "school-manholes",
            kind: PluginKind::Classifier,
            street: district.street("buji").unwrap(),
        };
        let cargo = values.render(CARGO_STANDALONE);
        assert!(cargo.contains("name = \"school-manholes\""));
        assert!(cargo.contains("布吉街道 classifier plugin"));
        let rules = values.render(kind_files(PluginKind::Classifier).rules);
        assert!(rules.contains("布吉规则"));
        let events = values.render(kind_files(PluginKind::Classifier).events);
        for line in events.lines() {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(event["location"]["street"], "布吉");
        }
    }

    #[test]
    fn names_must_be_lowercase_crate_and_plugin_names() {
        for good in ["a", "school-manholes", "flood2"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in [
            "",
            "School",
            "2fast",
            "-x",
            "x-",
            "has space",
            "下水道",
            &"x".repeat(65),
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn a_crate_outside_a_workspace_is_a_workspace_of_its_own() {
        let dir = temp_dir("standalone");
        let created = create(
            &district(),
            &request(&dir, "440307003", "scenario", "repeat-reports"),
        )
        .unwrap();
        assert!(created.joined_workspace.is_none());
        let root = dir.join("repeat-reports");
        let cargo = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(cargo.contains("[workspace]"));
        assert!(root.join(".cargo/config.toml").exists());
        assert!(root.join("wit/worlds.wit").exists());
        let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
        assert!(lib.contains("world: \"scenario\""));
        assert!(lib.contains("平湖街道"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_crate_inside_a_workspace_joins_its_members() {
        let dir = temp_dir("member");
        std::fs::write(
            dir.join("Cargo.toml"),
            "[workspace]\nresolver = \"3\"\nmembers = [\n    \"buji-classifier\",\n]\n",
        )
        .unwrap();
        let created = create(
            &district(),
            &request(&dir, "坂田", "router", "urgent-to-bureau"),
        )
        .unwrap();
        assert_eq!(created.joined_workspace, Some(dir.join("Cargo.toml")));
        let workspace = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(workspace.contains("\"urgent-to-bureau\","), "{workspace}");
        let cargo = std::fs::read_to_string(dir.join("urgent-to-bureau/Cargo.toml")).unwrap();
        assert!(cargo.contains("version.workspace = true"));
        assert!(!dir.join("urgent-to-bureau/.cargo").exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_existing_directory_an_unknown_street_kind_or_a_bad_name_is_refused_before_writing() {
        let dir = temp_dir("refused");
        let district = district();
        std::fs::create_dir(dir.join("taken")).unwrap();
        let refused = |street: &str, kind: &str, name: &str| {
            create(&district, &request(&dir, street, kind, name))
                .unwrap_err()
                .to_string()
        };
        assert!(refused("buji", "classifier", "taken").contains("already exists"));
        let unknown = refused("futian", "classifier", "x");
        assert!(unknown.contains("unknown street \"futian\""), "{unknown}");
        assert!(unknown.contains("布吉 (buji)"), "{unknown}");
        assert!(refused("buji", "filter", "x").contains("unknown kind \"filter\""));
        assert!(refused("buji", "router", "Bad_Name").contains("invalid plugin name"));
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "only the pre-existing directory remains");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
