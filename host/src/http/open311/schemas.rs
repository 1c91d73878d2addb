//! The JSON shapes of Open311's answers, forms and parameters as the OpenAPI document describes
//! them. The resource modules build their answers as JSON values (one value serves JSON and
//! XML, [`super::format`]), so these types exist only to be described: nothing constructs
//! them. `tests/api/openapi.rs` checks real answers against them, so they cannot drift
//! silently from what the handlers write.
#![expect(
    dead_code,
    reason = "description-only types: the answers are built as JSON values"
)]

use utoipa::{IntoParams, ToSchema};

/// The format a path's suffix asks for.
#[derive(ToSchema)]
#[schema(as = open311::Format, rename_all = "lowercase")]
pub enum FormatName {
    Json,
    Xml,
}

/// The path's suffix.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FormatParam {
    /// `json`, or `xml` for the same answer as XML (GeoReport v2's element names)
    #[param(inline)]
    format: FormatName,
}

/// The key and the jurisdiction every GeoReport v2 call may carry.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyParams {
    /// The channel's key: any token of the host allowed for the call (a channel token from
    /// `streetwise token create --scope channel`, or the admin token). May instead come as
    /// `Authorization: Bearer` or HTTP Basic (security schemes `api_key_bearer`, `api_key_basic`)
    api_key: Option<String>,
    /// Accepted and ignored: this host serves one jurisdiction (龙岗区)
    jurisdiction_id: Option<String>,
}

/// Only `jurisdiction_id`: a call open to anyone.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Jurisdiction {
    /// Accepted and ignored: this host serves one jurisdiction (龙岗区)
    jurisdiction_id: Option<String>,
}

/// GeoReport's filters of `GET requests`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestFilters {
    /// Request ids, comma-separated (or repeated); when given, the other filters are ignored
    service_request_id: Option<String>,
    /// Service codes, comma-separated (or repeated)
    service_code: Option<String>,
    /// `open`, `closed`, or both comma-separated
    status: Option<String>,
    /// Earliest request time (W3C date-time, e.g. `2026-07-01T00:00:00+08:00`); the window is
    /// at most 90 days and defaults to the last 90
    #[param(format = DateTime)]
    start_date: Option<String>,
    /// Latest request time, exclusive (W3C date-time)
    #[param(format = DateTime)]
    end_date: Option<String>,
}

/// The window of `GET servicerequestupdates`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UpdateWindow {
    /// Updates from this time (W3C date-time); the window is at most 90 days and defaults to
    /// the last 90 ending now
    #[param(format = DateTime)]
    start_date: Option<String>,
    /// Updates before this time (W3C date-time), default now
    #[param(format = DateTime)]
    end_date: Option<String>,
}

/// Open311's discovery document.
#[derive(ToSchema)]
#[schema(as = open311::Discovery)]
pub struct Discovery {
    #[schema(format = DateTime)]
    changeset: String,
    contact: String,
    key_service: String,
    endpoints: Vec<Endpoint>,
}

#[derive(ToSchema)]
#[schema(as = open311::Endpoint)]
pub struct Endpoint {
    specification: String,
    /// This host's GeoReport v2 root, `…/open311/v2`
    url: String,
    #[schema(format = DateTime)]
    changeset: String,
    #[schema(rename = "type")]
    kind: String,
    /// `application/json` and `text/xml`
    formats: Vec<String>,
}

/// A service: an item of the event catalog (事项).
#[derive(ToSchema)]
#[schema(as = open311::Service)]
pub struct Service {
    /// The item's code, e.g. `01-001`
    service_code: String,
    /// The item's name (Chinese)
    service_name: String,
    /// The category, the item and its time limit
    description: String,
    /// Whether `services/{service_code}` has a definition (the item has handling requirements)
    metadata: bool,
    /// Always `realtime`: a posted request is decided at once
    #[schema(rename = "type")]
    kind: ServiceType,
    /// Comma-separated keywords; `private` (mySociety's convention) marks a service whose
    /// requests are never listed
    keywords: String,
    /// The item's category
    #[schema(required = true)]
    group: Option<String>,
}

#[derive(ToSchema)]
#[schema(as = open311::ServiceType, rename_all = "lowercase")]
pub enum ServiceType {
    Realtime,
    Batch,
    Blackbox,
}

/// A service's definition: its attributes.
#[derive(ToSchema)]
#[schema(as = open311::ServiceDefinition)]
pub struct ServiceDefinition {
    service_code: String,
    attributes: Vec<Attribute>,
}

/// An attribute of a service: here the item's handling requirements and time limit, shown to
/// the citizen (`variable: false`), not asked of them.
#[derive(ToSchema)]
#[schema(as = open311::Attribute)]
pub struct Attribute {
    variable: bool,
    code: String,
    /// `string`, `number`, `datetime`, `text`, `singlevaluelist` or `multivaluelist`
    datatype: String,
    required: bool,
    #[schema(required = true)]
    datatype_description: Option<String>,
    order: u32,
    description: String,
    values: Vec<AttributeValue>,
}

#[derive(ToSchema)]
#[schema(as = open311::AttributeValue)]
pub struct AttributeValue {
    key: String,
    name: String,
}

/// A service request: a case, as GeoReport v2 shows it.
#[derive(ToSchema)]
#[schema(as = open311::ServiceRequest)]
pub struct ServiceRequest {
    service_request_id: String,
    /// `closed` once the case is final (closed, rejected, merged), else `open`
    status: OpenOrClosed,
    /// The latest step of the case in words, with its note or reason
    status_notes: String,
    service_name: String,
    service_code: String,
    description: String,
    /// The handling unit (处置单位)
    agency_responsible: String,
    #[schema(required = true)]
    service_notice: Option<String>,
    #[schema(format = DateTime)]
    requested_datetime: String,
    #[schema(format = DateTime)]
    updated_datetime: String,
    /// The case's deadline (办理期限)
    #[schema(format = DateTime)]
    expected_datetime: String,
    #[schema(required = true)]
    address: Option<String>,
    /// Always null
    #[schema(required = true)]
    address_id: Option<String>,
    /// Always null
    #[schema(required = true)]
    zipcode: Option<String>,
    /// WGS84
    #[schema(required = true)]
    lat: Option<f64>,
    /// WGS84
    #[schema(required = true)]
    long: Option<f64>,
    /// The request's `media_url` attribute as it was submitted, or null
    #[schema(required = true)]
    media_url: Option<serde_json::Value>,
}

#[derive(ToSchema)]
#[schema(as = open311::Status, rename_all = "lowercase")]
pub enum OpenOrClosed {
    Open,
    Closed,
}

/// A request just posted: decided at once, so it has its id, and its token is that id.
#[derive(ToSchema)]
#[schema(as = open311::PostedRequest)]
pub struct PostedRequest {
    service_request_id: String,
    /// The same as `service_request_id`
    token: String,
    /// What happens next: waiting for the command centre's dispatch, or the unit and deadline
    service_notice: String,
    /// Always null
    #[schema(required = true)]
    account_id: Option<String>,
}

/// A token and the request it stands for.
#[derive(ToSchema)]
#[schema(as = open311::RequestToken)]
pub struct RequestToken {
    service_request_id: String,
    token: String,
}

/// One entry of a case's timeline as mySociety's `servicerequestupdates`.
#[derive(ToSchema)]
#[schema(as = open311::RequestUpdate)]
pub struct RequestUpdate {
    /// `{service_request_id}-{seq}`, stable: the timeline is append-only
    update_id: String,
    service_request_id: String,
    status: ExtendedStatus,
    #[schema(format = DateTime)]
    updated_datetime: String,
    /// The step in words, with its note or reason
    description: String,
    /// The case action that made the entry (e.g. `dispatch`, `sign`, `close`)
    external_status_code: String,
    /// Always null
    #[schema(required = true)]
    media_url: Option<String>,
}

/// mySociety's extended states, as FixMyStreet reads them (the README maps every status).
#[derive(ToSchema)]
#[schema(as = open311::ExtendedStatus, rename_all = "snake_case")]
pub enum ExtendedStatus {
    Open,
    Investigating,
    ActionScheduled,
    InProgress,
    InternalReferral,
    Fixed,
    Closed,
    NotCouncilsResponsibility,
    Duplicate,
}

/// A citizen's update just stored.
#[derive(ToSchema)]
#[schema(as = open311::PostedUpdate)]
pub struct PostedUpdate {
    update_id: String,
}

/// One error of the standard's error list (`<errors><error>` in XML).
#[derive(ToSchema)]
#[schema(as = open311::Error)]
pub struct Error {
    /// The HTTP status again
    code: u16,
    description: String,
}

/// `POST requests`, form-encoded. `attribute[<code>]` fields (a service definition's
/// attributes) are kept with the request too.
#[derive(ToSchema)]
#[schema(as = open311::RequestForm)]
pub struct RequestForm {
    /// The channel's key (or in the query, or as `Authorization`)
    api_key: Option<String>,
    /// Accepted and ignored: one jurisdiction
    jurisdiction_id: Option<String>,
    /// A service's code, from `services`
    service_code: String,
    /// Latitude in `coordinate_system`; with `long`, or give `address_string`
    lat: Option<f64>,
    /// Longitude in `coordinate_system`
    long: Option<f64>,
    /// `wgs84` (default), `gcj02` (高德, 腾讯) or `bd09` (百度); converted to WGS84
    coordinate_system: Option<CoordinateSystemName>,
    /// The address; without coordinates, the street it names (…街道…) locates the request
    address_string: Option<String>,
    description: Option<String>,
    media_url: Option<String>,
    /// Family name (姓)
    last_name: Option<String>,
    /// Given name (名)
    first_name: Option<String>,
    phone: Option<String>,
}

#[derive(ToSchema)]
#[schema(as = open311::CoordinateSystem, rename_all = "lowercase")]
pub enum CoordinateSystemName {
    Wgs84,
    Gcj02,
    Bd09,
}

/// `POST servicerequestupdates`, form-encoded: a citizen's update to their request.
#[derive(ToSchema)]
#[schema(as = open311::UpdateForm)]
pub struct UpdateForm {
    /// The channel's key (or in the query, or as `Authorization`)
    api_key: Option<String>,
    /// Accepted and ignored: one jurisdiction
    jurisdiction_id: Option<String>,
    service_request_id: String,
    /// At most 2000 characters
    #[schema(max_length = 2000)]
    description: String,
    /// The state the citizen reports (default `open`)
    #[schema(pattern = "^[A-Za-z_]{1,40}$")]
    status: Option<String>,
    /// When the citizen wrote it (W3C date-time), default now
    #[schema(format = DateTime)]
    updated_datetime: Option<String>,
    /// The channel's own id of the update: the same one sent again is stored once
    update_id: Option<String>,
    media_url: Option<String>,
}
