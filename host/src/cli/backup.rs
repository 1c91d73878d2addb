//! `streetwise backup <file>`: an online copy of the SQLite database ([`crate::storage::backup`]).

use std::path::Path;

use crate::settings::Settings;

pub async fn backup(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    let url = settings.database_url();
    eprintln!(
        "backing up {} to {}",
        crate::storage::redact(&url),
        file.display()
    );
    let backup = crate::storage::backup::sqlite(&url, file, |bytes| {
        eprintln!("  {} written", mib(bytes));
    })
    .await?;
    println!(
        "backed up {} events ({}) to {} in {:.1} s; the copy checks (pragma quick_check)",
        backup.events,
        mib(backup.bytes),
        backup.file.display(),
        backup.took.as_secs_f64()
    );
    Ok(())
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}
