//! Schemas no derive can see: a type whose JSON serde writes by hand (`into = "String"`), and
//! a body that is not JSON at all. Written here beside the document, not in the domain.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::DecidedBy;

/// `district`, or a street plugin as `name@version` (`DecidedBy`'s `Display`).
impl PartialSchema for DecidedBy {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "Who decided: `district` (the district's own rules) or a street plugin as \
                 `name@version` (决策来源)",
            ))
            .pattern(Some("^(district|[a-z0-9-]{1,64}@[0-9]+)$"))
            .examples([
                serde_json::json!("district"),
                serde_json::json!("buji-flood@3"),
            ])
            .into()
    }
}

impl ToSchema for DecidedBy {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DecidedBy")
    }
}

/// A deploy's body: the bytes of a WebAssembly component, read as they come (no Rust type
/// carries them but `Bytes`).
pub struct WasmComponent;

impl PartialSchema for WasmComponent {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .content_media_type("application/wasm")
            .description(Some(
                "A WebAssembly component built for the plugin contract (wit/), e.g. by \
                 `cargo build --target wasm32-wasip2 --release`",
            ))
            .into()
    }
}

impl ToSchema for WasmComponent {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("WasmComponent")
    }
}
