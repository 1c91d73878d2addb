//! A JSON Schema of the document as a reader takes it in: a short type label
//! (`string | null`, `array of Webhook`, `Status: open | closed`) and, below it, the fields of an
//! object with their types and descriptions, nested objects folded in `<details>`. References
//! are expanded in place and link to the schema's own entry at the end of the page.

use maud::{Markup, html};
use serde_json::{Map, Value};

use super::page::str_of;

/// How deep nested objects are expanded; deeper ones are links to their entry.
const MAX_DEPTH: usize = 6;

/// The document's named schemas (`components.schemas`).
pub(super) struct Schemas<'a> {
    named: Option<&'a Map<String, Value>>,
}

/// The page anchor of a named schema.
pub(super) fn anchor(name: &str) -> String {
    format!("schema-{name}")
}

impl<'a> Schemas<'a> {
    pub(super) fn of(doc: &'a Value) -> Self {
        Self {
            named: doc["components"]["schemas"].as_object(),
        }
    }

    pub(super) fn all(&self) -> impl Iterator<Item = (&'a str, &'a Value)> {
        self.named
            .into_iter()
            .flatten()
            .map(|(name, schema)| (name.as_str(), schema))
    }

    /// The name and schema a `$ref` points to.
    fn target(&self, schema: &Value) -> Option<(&'a str, &'a Value)> {
        let name = schema["$ref"]
            .as_str()?
            .strip_prefix("#/components/schemas/")?;
        self.named?
            .get_key_value(name)
            .map(|(name, schema)| (name.as_str(), schema))
    }

    /// The label of a schema and, below it, what it holds.
    pub(super) fn render(&self, schema: &Value, depth: usize) -> Markup {
        html! {
            span.type { (self.label(schema)) }
            (self.detail(schema, depth))
        }
    }

    fn label(&self, schema: &Value) -> Markup {
        if let Some((name, target)) = self.target(schema) {
            return html! {
                a href={ "#" (anchor(name)) } { (name) }
                @if let Some(values) = target["enum"].as_array() { ": " (values_label(values)) }
            };
        }
        for (key, joiner) in [("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")] {
            if let Some(parts) = schema[key].as_array() {
                return html! {
                    @for (i, part) in parts.iter().enumerate() {
                        @if i > 0 { (joiner) }
                        (self.label(part))
                    }
                };
            }
        }
        if let Some(values) = schema["enum"].as_array() {
            return html! { (values_label(values)) };
        }
        let types: Vec<&str> = match &schema["type"] {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        html! {
            @for (i, kind) in types.iter().enumerate() {
                @if i > 0 { " | " }
                @match *kind {
                    "array" => {
                        @if let Some(items) = schema["prefixItems"].as_array() {
                            "[" @for (j, item) in items.iter().enumerate() { @if j > 0 { ", " } (self.label(item)) } "]"
                        } @else {
                            "array of " (self.label(&schema["items"]))
                        }
                    }
                    "object" if schema["additionalProperties"].is_object() => {
                        "map of string → " (self.label(&schema["additionalProperties"]))
                    }
                    other => (other),
                }
            }
            @if let Some(format) = schema["format"].as_str() { " (" (format) ")" }
            @if types.is_empty() && schema.as_object().is_some_and(|o| !o.contains_key("properties")) { "any" }
        }
    }

    /// What a schema holds beyond its label: the fields of an object, the items of an array,
    /// the alternatives of a union, the target of a reference.
    fn detail(&self, schema: &Value, depth: usize) -> Markup {
        if depth > MAX_DEPTH {
            return html! {};
        }
        if let Some((name, target)) = self.target(schema) {
            if !holds_fields(target, self) {
                return html! {};
            }
            return html! {
                details open[depth == 0] {
                    summary { (name) " " span.muted { (str_of(&target["description"])) } }
                    (self.detail(target, depth + 1))
                }
            };
        }
        let parts: Vec<&Value> = ["oneOf", "anyOf", "allOf"]
            .into_iter()
            .filter_map(|key| schema[key].as_array())
            .flatten()
            .collect();
        html! {
            @for part in parts { (self.detail(part, depth)) }
            @if let Some(properties) = schema["properties"].as_object() {
                @let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                ul.props {
                    @for (name, property) in properties {
                        li {
                            code { (name) } " "
                            span.type { (self.label(property)) }
                            @if required.contains(&name.as_str()) { " " span.required { "required" } }
                            @if let Some(description) = property["description"].as_str() { " — " (description) }
                            (self.detail(property, depth + 1))
                        }
                    }
                }
            }
            @if schema["items"].is_object() { (self.detail(&schema["items"], depth)) }
            @if schema["additionalProperties"].is_object() { (self.detail(&schema["additionalProperties"], depth)) }
        }
    }
}

/// Whether expanding a schema shows more than its label: fields, or a union of them.
fn holds_fields(schema: &Value, schemas: &Schemas) -> bool {
    schema["properties"].is_object()
        || ["oneOf", "anyOf", "allOf"]
            .into_iter()
            .filter_map(|key| schema[key].as_array())
            .flatten()
            .any(|part| {
                part["properties"].is_object()
                    || schemas
                        .target(part)
                        .is_some_and(|(_, target)| holds_fields(target, schemas))
            })
}

fn values_label(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .collect::<Vec<_>>()
        .join(" | ")
}
