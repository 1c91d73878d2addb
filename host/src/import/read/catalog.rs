//! Reading a catalog file: its categories and items, its version and fallback item.

use super::{Input, Read};
use crate::domain::Catalog;
use crate::import::apply::{self, Origins};
use crate::import::{ImportOptions, csv_rows, json_rows};
use crate::reference::ReferenceParts;

impl Read {
    pub(super) fn catalog(
        &mut self,
        parts: &mut ReferenceParts,
        origins: &mut Origins,
        input: &Input,
        options: &ImportOptions,
    ) -> Option<String> {
        let text = input.text.as_str();
        let (categories, items, version, fallback) = if input.is_csv {
            let (categories, items) = csv_rows::catalog(text);
            (categories, items, input.stem.clone(), None)
        } else {
            match crate::seed::catalog(text) {
                Ok(Catalog {
                    version,
                    categories,
                    items,
                    fallback_item,
                }) => (
                    json_rows::located(text, "categories", categories),
                    json_rows::located(text, "items", items),
                    version,
                    Some(fallback_item),
                ),
                Err(e) => {
                    self.take(json_rows::unreadable::<()>(&e));
                    return None;
                }
            }
        };
        let categories = self.take(categories)?;
        let items = self.take(items)?;
        let catalog = &mut parts.catalog;
        catalog.version = options.catalog_version.clone().unwrap_or(version);
        if let Some(fallback) = options.fallback_item.clone().or(fallback) {
            catalog.fallback_item = fallback;
        }
        origins.catalog = Some(self.file);
        let (file, mode) = (self.file, self.mode);
        let mut found = apply::put(
            &mut catalog.categories,
            &mut origins.categories,
            categories,
            file,
            mode,
            |c| c.code.clone(),
            |c| format!("category {}", c.code),
        );
        found.extend(apply::put(
            &mut catalog.items,
            &mut origins.items,
            items,
            file,
            mode,
            |i| i.code.clone(),
            |i| format!("item {}", i.code),
        ));
        self.problems.extend(found);
        Some(format!(
            "catalog {}: {} categories, {} items",
            catalog.version,
            catalog.categories.len(),
            catalog.items.len()
        ))
    }
}
