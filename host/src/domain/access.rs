//! Who is calling: a person signed in, a person's token, or a machine token; how far their
//! access reaches. Plain data: the rules over it are `crate::auth::policy`'s.

use serde::Serialize;

use super::{Source, StaffRole};

/// What a token is allowed to do.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    serde::Deserialize,
    clap::ValueEnum,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Scope {
    /// Everything, in every street.
    DistrictAdmin,
    /// Everything in one street: deploy, activate, roll back, configure, read.
    StreetAdmin,
    /// Reads (GET) only: of every street, or of one street when the token names one.
    ReadOnly,
    /// Acts as one person of the staff directory, with exactly that person's access (an
    /// integration such as the inspectors' mobile app).
    Staff,
    /// Submits events from the sources it names, and reads back what it submitted.
    Channel,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::DistrictAdmin,
        Scope::StreetAdmin,
        Scope::ReadOnly,
        Scope::Staff,
        Scope::Channel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::DistrictAdmin => "district_admin",
            Scope::StreetAdmin => "street_admin",
            Scope::ReadOnly => "read_only",
            Scope::Staff => "staff",
            Scope::Channel => "channel",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == s)
    }
}

/// How far a caller's view of cases and streets reaches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reach {
    /// Every street and unit.
    District,
    /// One street (code): its cases, whichever unit handles them, and its plugins.
    Street { street: String },
    /// The cases one unit handles; `street` is the unit's street, if it belongs to one.
    Unit {
        unit: String,
        street: Option<String>,
    },
    /// Only the events submitted from these sources (an intake channel).
    Sources { sources: Vec<Source> },
}

/// The person behind a caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub staff_id: String,
    pub name: String,
    pub post: StaffRole,
    /// The unit's code.
    pub unit: String,
}

/// Who is calling, as every check sees them: one type for sessions and tokens alike.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Principal {
    /// What the audit log names: the token's id, `admin` for the bootstrap admin token, or
    /// `staff:<id>` for a signed-in person.
    pub id: String,
    /// The token's scope, or `None` for a signed-in person.
    pub scope: Option<Scope>,
    /// The person, for a session or a `staff` token.
    pub person: Option<Person>,
    pub reach: Reach,
}

impl Principal {
    /// The bootstrap admin token's holder.
    pub fn bootstrap_admin() -> Self {
        Self {
            id: "admin".into(),
            scope: Some(Scope::DistrictAdmin),
            person: None,
            reach: Reach::District,
        }
    }

    /// A short name for logs and the audit log's `scope` column: the token scope or the post.
    pub fn kind(&self) -> &'static str {
        match (&self.person, self.scope) {
            (Some(person), _) => person.post.as_str(),
            (None, Some(scope)) => scope.as_str(),
            (None, None) => "unknown",
        }
    }

    /// The person's name, or the caller's id for a machine.
    pub fn display_name(&self) -> &str {
        self.person.as_ref().map_or(&self.id, |p| &p.name)
    }

    /// The staff id, when a person calls.
    pub fn staff_id(&self) -> Option<&str> {
        self.person.as_ref().map(|p| p.staff_id.as_str())
    }

    /// The one street this caller is limited to, if any.
    pub fn own_street(&self) -> Option<&str> {
        match &self.reach {
            Reach::Street { street } => Some(street),
            Reach::Unit { street, .. } => street.as_deref(),
            Reach::District | Reach::Sources { .. } => None,
        }
    }
}

/// What an access check needs to know of a case.
#[derive(Clone, Copy, Debug)]
pub struct CaseScope<'a> {
    pub street: &'a str,
    /// The handling unit's code.
    pub unit: Option<&'a str>,
    pub source: Source,
    /// The staff id of the person the case is assigned to.
    pub assignee: Option<&'a str>,
}
