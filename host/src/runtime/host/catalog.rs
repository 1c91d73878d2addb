//! `streetwise:plugin/catalog`: read-only look-ups in the district's catalog.

use super::super::bindings::{catalog, types};
use super::super::state::HostState;
use crate::domain::Item;
use crate::reference::Reference;

const MAX_SEARCH_RESULTS: u32 = 50;

impl catalog::Host for HostState {
    async fn get_item(
        &mut self,
        code: String,
    ) -> wasmtime::Result<Result<types::CatalogItem, types::Error>> {
        self.charge("catalog.get-item")?;
        let reference = &self.ctx.reference;
        Ok(match reference.item(&code) {
            Some(item) => Ok(wit_item(reference, item)),
            None => Err(types::Error::NotFound(format!("no catalog item {code}"))),
        })
    }

    async fn search(
        &mut self,
        keyword: String,
        limit: u32,
    ) -> wasmtime::Result<Vec<types::CatalogItem>> {
        self.charge("catalog.search")?;
        let keyword = keyword.trim();
        if keyword.is_empty() {
            return Ok(Vec::new());
        }
        let reference = &self.ctx.reference;
        let limit = limit.min(MAX_SEARCH_RESULTS) as usize;
        // Name matches first, then keyword matches, each in catalog order.
        let by_name = reference
            .catalog
            .items
            .iter()
            .filter(|i| i.name.contains(keyword));
        let by_keyword = reference.catalog.items.iter().filter(|i| {
            !i.name.contains(keyword) && i.keywords.iter().any(|k| k.contains(keyword))
        });
        Ok(by_name
            .chain(by_keyword)
            .take(limit)
            .map(|item| wit_item(reference, item))
            .collect())
    }
}

fn wit_item(reference: &Reference, item: &Item) -> types::CatalogItem {
    types::CatalogItem {
        code: item.code.clone(),
        name: item.name.clone(),
        category_code: item.category.clone(),
        category_name: reference
            .category_of(item)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        requirements: item.requirements.clone(),
    }
}
