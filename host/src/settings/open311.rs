//! Open311's settings: which services are private.

use clap::Args;

/// How the Open311 interface (`/open311/v2`) shows the catalog.
#[derive(Args, Clone, Debug)]
pub struct Open311Settings {
    /// Catalog items offered as private services (mySociety's `private` keyword): a channel
    /// such as FixMyStreet keeps reports in them off its public map, and `GET requests`
    /// never lists them. The defaults are matters a reporter may not want shown: social
    /// assistance (社会救助), child protection (未成年人保护) and complaints about officials'
    /// conduct (工作作风投诉). Comma-separated item codes; empty for none.
    #[arg(
        long,
        env = "STREETWISE_OPEN311_PRIVATE_ITEMS",
        value_delimiter = ',',
        default_value = "13-002,13-008,18-007"
    )]
    pub open311_private_items: Vec<String>,
}

impl Open311Settings {
    /// Whether the item with this code is a private service.
    pub fn is_private(&self, item_code: &str) -> bool {
        self.open311_private_items
            .iter()
            .any(|code| code.trim() == item_code)
    }

    /// The private items' codes.
    pub fn private_items(&self) -> Vec<String> {
        self.open311_private_items
            .iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect()
    }
}
