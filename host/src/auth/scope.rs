//! Scopes and the one rule that decides what a token may do.
//!
//! | scope | read a street | write a street (deploy, activate, configure...) | read the audit log |
//! |---|---|---|---|
//! | `district_admin` | every street | every street | every street |
//! | `street_admin` of S | S only | S only | S only |
//! | `read_only` | every street, or S only when limited to S | never | never |

use serde::Serialize;

/// What a token is allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Scope {
    /// Everything, in every street.
    DistrictAdmin,
    /// Everything in one street: deploy, activate, roll back, configure, read.
    StreetAdmin,
    /// Reads (GET) only: of every street, or of one street when the token names one.
    ReadOnly,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::DistrictAdmin => "district_admin",
            Scope::StreetAdmin => "street_admin",
            Scope::ReadOnly => "read_only",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Scope::DistrictAdmin, Scope::StreetAdmin, Scope::ReadOnly]
            .into_iter()
            .find(|scope| scope.as_str() == s)
    }
}

/// What a request wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read a resource (GET).
    Read,
    /// Change a street's plugins: deploy, activate, roll back, configure.
    Write,
    /// Read the audit log.
    Audit,
}

/// The holder of a valid token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The token's public id, or `"admin"` for the bootstrap admin token.
    pub token_id: String,
    pub scope: Scope,
    /// The street (code) the token is limited to, if any.
    pub street_code: Option<String>,
}

/// Why a valid token was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("a read_only token may only read")]
    ReadOnly,
    #[error("this token is limited to street {own}")]
    OtherStreet { own: String },
    #[error("this needs a district_admin token")]
    DistrictOnly,
}

impl Principal {
    /// The bootstrap admin token's holder.
    pub fn bootstrap_admin() -> Self {
        Self {
            token_id: "admin".into(),
            scope: Scope::DistrictAdmin,
            street_code: None,
        }
    }

    /// May this principal have `access` to `street` (a street code), or to the whole district
    /// when `street` is `None`?
    pub fn check(&self, access: Access, street: Option<&str>) -> Result<(), Refusal> {
        match (self.scope, access) {
            (Scope::DistrictAdmin, _) => Ok(()),
            (Scope::ReadOnly, Access::Write | Access::Audit) => Err(Refusal::ReadOnly),
            (Scope::ReadOnly | Scope::StreetAdmin, _) => match (&self.street_code, street) {
                (None, _) => Ok(()),
                (Some(own), Some(street)) if own == street => Ok(()),
                (Some(own), Some(_)) => Err(Refusal::OtherStreet { own: own.clone() }),
                (Some(_), None) => Err(Refusal::DistrictOnly),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUJI: &str = "440307014";
    const BANTIAN: &str = "440307013";

    fn principal(scope: Scope, street: Option<&str>) -> Principal {
        Principal {
            token_id: "t".into(),
            scope,
            street_code: street.map(Into::into),
        }
    }

    #[test]
    fn a_district_admin_may_do_everything_everywhere() {
        let admin = Principal::bootstrap_admin();
        for access in [Access::Read, Access::Write, Access::Audit] {
            assert_eq!(admin.check(access, Some(BUJI)), Ok(()));
            assert_eq!(admin.check(access, None), Ok(()));
        }
    }

    #[test]
    fn a_street_admin_may_do_everything_in_its_street_only() {
        let buji = principal(Scope::StreetAdmin, Some(BUJI));
        for access in [Access::Read, Access::Write, Access::Audit] {
            assert_eq!(buji.check(access, Some(BUJI)), Ok(()));
            assert_eq!(
                buji.check(access, Some(BANTIAN)),
                Err(Refusal::OtherStreet { own: BUJI.into() })
            );
            assert_eq!(buji.check(access, None), Err(Refusal::DistrictOnly));
        }
    }

    #[test]
    fn a_read_only_token_reads_within_its_limit_and_never_writes() {
        let everywhere = principal(Scope::ReadOnly, None);
        assert_eq!(everywhere.check(Access::Read, Some(BANTIAN)), Ok(()));
        assert_eq!(everywhere.check(Access::Read, None), Ok(()));
        assert_eq!(
            everywhere.check(Access::Write, Some(BUJI)),
            Err(Refusal::ReadOnly)
        );
        assert_eq!(
            everywhere.check(Access::Audit, None),
            Err(Refusal::ReadOnly)
        );
        let buji = principal(Scope::ReadOnly, Some(BUJI));
        assert_eq!(buji.check(Access::Read, Some(BUJI)), Ok(()));
        assert!(buji.check(Access::Read, Some(BANTIAN)).is_err());
    }

    #[test]
    fn scopes_read_back_from_their_names() {
        for scope in [Scope::DistrictAdmin, Scope::StreetAdmin, Scope::ReadOnly] {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("root"), None);
    }
}
