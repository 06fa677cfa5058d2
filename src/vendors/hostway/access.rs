//! Who may do what to an account. Each handler names what it needs as the type parameter of
//! [`Authorized`], which runs the contract's first checks in order: 401 for credentials, 404
//! for an account that does not exist, 403 for a caller without the right role. Body checks
//! (415, 400) come after, because the body is extracted last.

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, OriginalUri, RawPathParams};
use axum::http::request::Parts;

use super::error::HostwayError;
use crate::AppState;
use crate::http::auth::BasicCredentials;
use crate::http::request_body;
use crate::sandbox::namespaces;
use crate::store::HostwayAccount;

/// The role that lets a user change an account's payment info.
pub const OWNER_ROLE: &str = "sitecontrol_account_owner";

/// What a route needs of its caller.
pub trait Need: Send + Sync {
    /// Whether a caller with these powers may go ahead.
    fn allows(is_sales_agent: bool, roles: &[String]) -> bool;
    /// The 403 message otherwise.
    const REFUSAL: &'static str;
}

/// Reading an account's payment info: sales agents, and users with any role on the account.
pub struct Read;
/// Changing it: sales agents, and the account's owners.
pub struct Change;
/// Sales agents only.
pub struct AgentOnly;

impl Need for Read {
    fn allows(is_sales_agent: bool, roles: &[String]) -> bool {
        is_sales_agent || !roles.is_empty()
    }
    const REFUSAL: &'static str = "Only sales agents and users with a role on this account may read its payment info.";
}

impl Need for Change {
    fn allows(is_sales_agent: bool, roles: &[String]) -> bool {
        is_sales_agent || roles.iter().any(|role| role == OWNER_ROLE)
    }
    const REFUSAL: &'static str = "Only sales agents and account owners may change this account's payment info.";
}

impl Need for AgentOnly {
    fn allows(is_sales_agent: bool, _roles: &[String]) -> bool {
        is_sales_agent
    }
    const REFUSAL: &'static str = "Only sales agents may remove an account's default payment method.";
}

/// An authenticated caller allowed to do `N` to the account named in the path.
pub struct Authorized<N> {
    pub account_id: String,
    pub account: HostwayAccount,
    need: PhantomData<N>,
}

impl<N: Need> FromRequestParts<AppState> for Authorized<N> {
    type Rejection = HostwayError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ns = namespaces::resolve(parts, state).await?;
        let credentials = BasicCredentials::from_headers(&parts.headers)?;
        let user = ns.store.hostway_user(&credentials.username).await?;
        credentials.verify(user.as_ref().map(|user| &user.password_hash))?;
        let is_sales_agent = user.is_some_and(|user| user.is_sales_agent);

        let path = match OriginalUri::from_request_parts(parts, state).await {
            Ok(OriginalUri(uri)) => uri.path().to_owned(),
            Err(never) => match never {},
        };
        let params = RawPathParams::from_request_parts(parts, state).await.ok();
        let account_id = params
            .as_ref()
            .and_then(|params| params.iter().find(|(name, _)| *name == "account").map(|(_, value)| value.to_owned()))
            .ok_or_else(|| HostwayError::NotFound(path.into()))?;
        let account = ns
            .store
            .hostway_account(&account_id)
            .await?
            .ok_or_else(|| HostwayError::AccountNotFound(account_id.as_str().into()))?;

        let roles = ns.store.hostway_roles(&credentials.username, &account_id).await?;
        if !N::allows(is_sales_agent, &roles) {
            return Err(HostwayError::Forbidden(N::REFUSAL));
        }
        request_body::failure(&parts.extensions)?;
        Ok(Authorized { account_id, account, need: PhantomData })
    }
}
