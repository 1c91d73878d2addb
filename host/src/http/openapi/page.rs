//! `GET /docs`: the API description as one page, rendered on the server from the same
//! document `/openapi.json` serves. Operations grouped by tag, each with its parameters, body
//! and answers, their schemas expanded ([`super::schema_view`]). No script and nothing fetched
//! from elsewhere: the page and its style are this one answer.

use std::sync::LazyLock;

use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::Value;

use super::document::document_json;
use super::schema_view::{Schemas, anchor};

/// What a reader of the page reads, in one place.
mod text {
    pub const TITLE: &str = "接口文档";
    pub const MACHINE_READABLE: &str = "机器可读的描述";
    pub const CONTENTS: &str = "目录";
    pub const PARAMETERS: &str = "参数";
    pub const NAME: &str = "名称";
    pub const LOCATION: &str = "位置";
    pub const TYPE: &str = "类型";
    pub const REQUIRED: &str = "必填";
    pub const DESCRIPTION: &str = "说明";
    pub const REQUEST_BODY: &str = "请求体";
    pub const RESPONSES: &str = "响应";
    pub const CALLERS: &str = "调用方";
    pub const OPEN: &str = "无需认证";
    pub const SCHEMAS: &str = "数据结构";
    pub const YES: &str = "是";
}

const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

const STYLE: &str = r#"
body { font: 15px/1.5 system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; margin: 0; color: #1f2933; background: #f7f8fa; }
main { max-width: 70rem; margin: 0 auto; padding: 1.5rem; }
h1 { margin: 0 0 .25rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #c9d2dc; padding-bottom: .25rem; }
section.operation { background: #fff; border: 1px solid #d9e0e7; border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
.method { display: inline-block; min-width: 4.5rem; text-align: center; font-weight: 700; text-transform: uppercase; border-radius: 4px; padding: .1rem .4rem; color: #fff; background: #52606d; }
.method.get { background: #2680c2; } .method.post { background: #27ab83; } .method.put, .method.patch { background: #de911d; } .method.delete { background: #cf1124; }
code, .path { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .92em; }
.path { font-weight: 600; margin-left: .5rem; }
table { border-collapse: collapse; margin: .5rem 0; width: 100%; } th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #e4e7eb; padding: .25rem .5rem; }
.type { color: #8d2b0b; font-family: ui-monospace, monospace; font-size: .88em; }
.required { color: #cf1124; font-size: .85em; }
ul.props { list-style: none; padding-left: 1rem; border-left: 2px solid #e4e7eb; margin: .25rem 0; }
details > summary { cursor: pointer; }
.status { font-weight: 700; font-family: ui-monospace, monospace; }
.muted { color: #616e7c; }
"#;

/// `GET /docs`, rendered once.
pub(super) async fn docs() -> Markup {
    static PAGE: LazyLock<String> = LazyLock::new(|| render(document_json()).into_string());
    PreEscaped(PAGE.clone())
}

/// The page for an OpenAPI document.
pub(super) fn render(doc: &Value) -> Markup {
    let schemas = Schemas::of(doc);
    let info = &doc["info"];
    let tags: Vec<&Value> = doc["tags"].as_array().into_iter().flatten().collect();
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (text::TITLE) " · " (str_of(&info["title"])) }
                style { (PreEscaped(STYLE)) }
            }
            body { main {
                h1 { (str_of(&info["title"])) " " span.muted { (str_of(&info["version"])) } }
                (paragraphs(str_of(&info["description"])))
                p { (text::MACHINE_READABLE) ": " a href="/openapi.json" { code { "/openapi.json" } } " (OpenAPI " (str_of(&doc["openapi"])) ")" }
                nav {
                    h2 { (text::CONTENTS) }
                    ul {
                        @for tag in &tags {
                            li { a href={ "#tag-" (str_of(&tag["name"])) } { (str_of(&tag["name"])) } " — " (str_of(&tag["description"])) }
                        }
                        li { a href="#schemas" { (text::SCHEMAS) } }
                    }
                }
                @for tag in &tags {
                    @let name = str_of(&tag["name"]);
                    h2 id={ "tag-" (name) } { (name) " " span.muted { (str_of(&tag["description"])) } }
                    @for (path, method, operation) in operations(doc, name) {
                        (render_operation(&schemas, path, method, operation))
                    }
                }
                h2 id="schemas" { (text::SCHEMAS) }
                @for (name, schema) in schemas.all() {
                    section.operation id=(anchor(name)) {
                        h3 { code { (name) } }
                        (schemas.render(schema, 0))
                    }
                }
            } }
        }
    }
}

/// The operations whose first tag is `tag`, in the document's order.
fn operations<'a>(doc: &'a Value, tag: &str) -> Vec<(&'a str, &'static str, &'a Value)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let operation = &item[method];
            if operation["tags"][0].as_str() == Some(tag) {
                found.push((path.as_str(), method, operation));
            }
        }
    }
    found
}

fn render_operation(schemas: &Schemas, path: &str, method: &str, operation: &Value) -> Markup {
    let parameters: Vec<&Value> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    html! {
        section.operation id=(operation_anchor(method, path)) {
            h3 {
                span class={ "method " (method) } { (method) }
                span.path { (path) }
            }
            p { strong { (str_of(&operation["summary"])) } }
            (paragraphs(str_of(&operation["description"])))
            p.muted { (text::CALLERS) ": " (callers(operation)) }
            @if !parameters.is_empty() {
                h4 { (text::PARAMETERS) }
                table {
                    tr { th { (text::NAME) } th { (text::LOCATION) } th { (text::TYPE) } th { (text::REQUIRED) } th { (text::DESCRIPTION) } }
                    @for parameter in parameters {
                        tr {
                            td { code { (str_of(&parameter["name"])) } }
                            td { (str_of(&parameter["in"])) }
                            td { (schemas.render(&parameter["schema"], 1)) }
                            td { @if parameter["required"] == true { span.required { (text::YES) } } }
                            td { (str_of(&parameter["description"])) }
                        }
                    }
                }
            }
            @if let Some(body) = operation["requestBody"].as_object() {
                h4 { (text::REQUEST_BODY) }
                (paragraphs(body.get("description").map_or("", |d| str_of(d))))
                (contents(schemas, body.get("content").unwrap_or(&Value::Null)))
            }
            h4 { (text::RESPONSES) }
            @for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                div {
                    span.status { (status) } " " (str_of(&response["description"]))
                    (contents(schemas, &response["content"]))
                }
            }
        }
    }
}

/// Each media type of a body with its schema.
fn contents(schemas: &Schemas, content: &Value) -> Markup {
    html! {
        @for (media_type, media) in content.as_object().into_iter().flatten() {
            div { span.muted { code { (media_type) } } (schemas.render(&media["schema"], 0)) }
        }
    }
}

/// The security requirements, as a reader says them: `bearer` or `session + csrf`.
fn callers(operation: &Value) -> String {
    let alternatives: Vec<String> = operation["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter(|requirement| !requirement.is_empty())
        .map(|requirement| {
            requirement
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect();
    if alternatives.is_empty() {
        text::OPEN.into()
    } else {
        alternatives.join(" | ")
    }
}

fn operation_anchor(method: &str, path: &str) -> String {
    let path: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("op-{method}{path}")
}

fn paragraphs(text: &str) -> Markup {
    html! { @for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) { p { (paragraph) } } }
}

pub(super) fn str_of(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}
