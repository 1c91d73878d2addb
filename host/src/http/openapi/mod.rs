//! The API described: the OpenAPI 3.1 document generated from the handlers' annotations and
//! their types (`GET /openapi.json`), and a page that reads it (`GET /docs`).

mod document;
mod page;
mod schema_view;
mod schemas;

pub use document::{ApiDoc, document, router};
pub use schemas::WasmComponent;
