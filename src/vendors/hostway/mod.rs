//! The Hostway payment-info API (CONTRACT.md §3): `/accounts/{id}/paymentInfo` and its
//! sub-resources, HTTP Basic auth, JSON in and out.
//!
//! Checks run in the contract's order — 401, 404 for the account, 403 ([`access`]), 415 and
//! 400 ([`body`]), then 404 for the payment info and 409 in the handlers below.
//! [`error::HostwayError`] is the one error type of this module and renders the vendor's
//! envelopes.

mod access;
mod body;
mod error;
mod model;

use std::convert::Infallible;

use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri, RawPathParams, State};
use axum::http::header::LOCATION;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};

use self::access::{AgentOnly, Authorized, Change, Read};
use self::body::{JsonBody, NewCard, NewDirectDebit, NewMethod, default_link, payment_amount};
pub use self::error::HostwayError;
use self::model::{Link, LinkError, Links, PaymentInfo, PaymentInfoList, method_from_link};
pub use self::model::{method_id, parse_method_id};
use crate::AppState;
use crate::http::base_url::BaseUrl;
use crate::http::options::allow;
use crate::sandbox::namespaces::{Namespace, Ns};
use chrono::{DateTime, Utc};

use crate::domain::cards::{BillingAddress, Card, Expiry, Outcome, Use};
use crate::domain::mask::Masked;
use crate::store::{
    DefaultMethod, DefaultResult, DeleteResult, MethodKind, NewPaymentMethod, PaymentMethodRecord, PaymentResult,
    SaveResult,
};

/// The routes below `/accounts`. The list and the default also answer with a trailing
/// slash, as the links the API hands out have one.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{account}/paymentInfo", get(list).post(create).options(allow::<HostwayError>("GET,HEAD,POST,OPTIONS")))
        .route(
            "/{account}/paymentInfo/default",
            get(show_default)
                .put(set_default)
                .delete(remove_default)
                .options(allow::<HostwayError>("GET,HEAD,PUT,DELETE,OPTIONS")),
        )
        .route(
            "/{account}/paymentInfo/{method}",
            get(show).delete(delete).options(allow::<HostwayError>("GET,HEAD,DELETE,OPTIONS")),
        )
        .route("/{account}/paymentInfo/{method}/payment", post(pay).options(allow::<HostwayError>("POST,OPTIONS")))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
}

/// The `{method}` path segment (`cc-<n>` or `dd-<n>`), read without rejecting: a method that
/// does not exist is a 404 only after the body has been checked.
struct MethodInPath {
    text: String,
    parsed: Option<(MethodKind, i64)>,
}

impl FromRequestParts<AppState> for MethodInPath {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let text = match RawPathParams::from_request_parts(parts, state).await {
            Ok(params) => params.iter().find(|(name, _)| *name == "method").map(|(_, value)| value.to_owned()),
            Err(_) => None,
        }
        .unwrap_or_default();
        let parsed = parse_method_id(&text);
        Ok(MethodInPath { text, parsed })
    }
}

impl MethodInPath {
    fn not_found(&self) -> HostwayError {
        HostwayError::PaymentInfoNotFound(self.text.as_str().into())
    }

    /// The kind and id this names, or 404 when it is no method id at all.
    fn id(&self) -> Result<(MethodKind, i64), HostwayError> {
        self.parsed.ok_or_else(|| self.not_found())
    }

    /// The active method of the account this names, or 404.
    async fn find(&self, ns: &Namespace, account_id: &str) -> Result<PaymentMethodRecord, HostwayError> {
        let (kind, id) = self.id()?;
        ns.store.payment_method(account_id, kind, id).await?.ok_or_else(|| self.not_found())
    }
}

async fn list(Ns(ns): Ns, access: Authorized<Read>, base_url: BaseUrl) -> Result<Json<PaymentInfoList>, HostwayError> {
    let methods = ns.store.payment_methods(&access.account_id).await?;
    let links = Links::new(&base_url, &access.account_id);
    let is_default = |method: &PaymentMethodRecord| access.account.default == DefaultMethod::Saved(method.id);
    Ok(Json(PaymentInfoList {
        list: methods.iter().map(|method| links.item(method, is_default(method))).collect(),
        default: vec![Link { href: links.default(), rel: "related" }],
        links: vec![Link { href: links.list(), rel: "self" }],
    }))
}

async fn show(
    Ns(ns): Ns,
    access: Authorized<Read>,
    method: MethodInPath,
    base_url: BaseUrl,
) -> Result<Json<PaymentInfo>, HostwayError> {
    let method = method.find(&ns, &access.account_id).await?;
    let is_default = access.account.default == DefaultMethod::Saved(method.id);
    Ok(Json(Links::new(&base_url, &access.account_id).item(&method, is_default)))
}

/// The method the `default` link of the list points at.
async fn show_default(
    Ns(ns): Ns,
    access: Authorized<Read>,
    base_url: BaseUrl,
) -> Result<Json<PaymentInfo>, HostwayError> {
    let links = Links::new(&base_url, &access.account_id);
    let none = || HostwayError::NoDefaultYet(access.account_id.as_str().into());
    match access.account.default {
        DefaultMethod::None => Err(none()),
        DefaultMethod::Offline => Ok(Json(links.offline_item())),
        DefaultMethod::Saved(_) => {
            let method = ns.store.default_payment_method(&access.account_id).await?.ok_or_else(none)?;
            Ok(Json(links.item(&method, true)))
        }
    }
}

async fn create(
    Ns(ns): Ns,
    State(state): State<AppState>,
    access: Authorized<Change>,
    base_url: BaseUrl,
    body: JsonBody,
) -> Result<Response, HostwayError> {
    let now = ns.clock.now();
    let account_id = access.account_id.as_str();
    let method = NewMethod::parse(&body)?;
    let (new, duplicate) = match &method {
        NewMethod::CreditCard(card) => (
            authorized_card(&state, &ns, account_id, card, now)?,
            "A credit card with the same number is already active on this account.",
        ),
        NewMethod::DirectDebit(debit) => (
            direct_debit(&ns, account_id, debit, now),
            "A direct debit with the same routing and account number is already active on this account.",
        ),
    };
    let (kind, number_masked) = (new.kind, new.number_masked.clone());
    match ns.store.save_payment_method(new).await? {
        SaveResult::Saved { id } => {
            let account = Masked::new(account_id);
            tracing::debug!(%account, method = %method_id(kind, id), number = %number_masked, "payment info saved");
            let mut response = StatusCode::CREATED.into_response();
            // The base URL and the account id are sanitised, so this is always a valid header;
            // were it ever not, the method is saved all the same and the 201 stands.
            if let Ok(location) = HeaderValue::try_from(Links::new(&base_url, account_id).method(kind, id)) {
                response.headers_mut().insert(LOCATION, location);
            }
            Ok(response)
        }
        SaveResult::Duplicate { kind, id } => {
            Err(HostwayError::Duplicate { message: duplicate, existing: method_id(kind, id) })
        }
        SaveResult::AccountGone => Err(HostwayError::AccountNotFound(account_id.into())),
    }
}

/// The card, once the shared card rules accept it for saving, as the store keeps it.
fn authorized_card(
    state: &AppState,
    ns: &Namespace,
    account_id: &str,
    card: &NewCard,
    now: DateTime<Utc>,
) -> Result<NewPaymentMethod, HostwayError> {
    let address = BillingAddress {
        street: &card.street,
        postal_code: card.postal_code.as_deref(),
        country: card.country.as_deref(),
    };
    let checked = Card {
        number: &card.number,
        declared_brand: card.declared_brand,
        cvv: &card.cvv,
        expiry: card.expiry,
        address,
    };
    let approval = state
        .fixtures
        .test_cards
        .authorize(&checked, Use::Save, now)
        .map_err(|decline| HostwayError::Conflict(format!("Credit card rejected: {decline}.").into()))?;
    let number = card.number.digits();
    Ok(NewPaymentMethod {
        card_brand: Some(approval.brand.name().to_owned()),
        card_holder_name: Some(card.holder_name.clone()),
        expiration: Some(card.expiry.to_string()),
        test_card_outcome: Some(approval.outcome.name().to_owned()),
        ..NewPaymentMethod::new(
            account_id,
            MethodKind::CreditCard,
            number,
            ns.store.fingerprint(&["card", number]),
            now,
        )
    })
}

fn direct_debit(ns: &Namespace, account_id: &str, debit: &NewDirectDebit, now: DateTime<Utc>) -> NewPaymentMethod {
    let fingerprint = ns.store.fingerprint(&["bank account", &debit.routing_number, &debit.account_number]);
    NewPaymentMethod {
        routing_number: Some(debit.routing_number.clone()),
        account_owner: debit.account_owner.clone(),
        account_name: debit.account_name.clone(),
        bank_name: debit.bank_name.clone(),
        bank_city: debit.bank_city.clone(),
        bank_country: debit.bank_country.clone(),
        ..NewPaymentMethod::new(account_id, MethodKind::DirectDebit, &debit.account_number, fingerprint, now)
    }
}

async fn delete(Ns(ns): Ns, access: Authorized<Change>, method: MethodInPath) -> Result<StatusCode, HostwayError> {
    let (kind, id) = method.id()?;
    match ns.store.delete_payment_method(&access.account_id, kind, id, ns.clock.now()).await? {
        DeleteResult::Deleted => Ok(StatusCode::NO_CONTENT),
        DeleteResult::NotFound => Err(method.not_found()),
        DeleteResult::AccountGone => Err(HostwayError::AccountNotFound(access.account_id.as_str().into())),
        DeleteResult::IsDefault => Err(HostwayError::Conflict(
            format!("Payment info {} is the account's default: make another method the default first.", method.text)
                .into(),
        )),
    }
}

async fn set_default(
    Ns(ns): Ns,
    access: Authorized<Change>,
    base_url: BaseUrl,
    body: JsonBody,
) -> Result<StatusCode, HostwayError> {
    let link = default_link(&body)?;
    // A bare id such as cc-1 is the usual slip: say which link it would be.
    if let Some((kind, id)) = parse_method_id(link.trim()) {
        let wanted = Links::new(&base_url, &access.account_id).method(kind, id);
        let exists = ns.store.payment_method(&access.account_id, kind, id).await?.is_some();
        let hint = if exists {
            format!("must be the link of a payment method, not its id: send {wanted}")
        } else {
            format!(
                "must be the link of a payment method, not its id; and account {} has no payment info {}",
                access.account_id,
                link.trim()
            )
        };
        return Err(HostwayError::bad_field("paymentInfo", hint));
    }
    let not_a_method =
        || HostwayError::bad_field("paymentInfo", format!("is not a payment method of account {}", access.account_id));
    let (kind, id) = method_from_link(&link, &access.account_id).map_err(|err| match err {
        LinkError::NotThisAccounts => not_a_method(),
        LinkError::Malformed => {
            let links = Links::new(&base_url, &access.account_id);
            let (example, path) =
                (links.method(MethodKind::CreditCard, 1), links.method_path(MethodKind::CreditCard, 1));
            HostwayError::bad_field(
                "paymentInfo",
                format!(
                    "must be the http:// or https:// link of a payment method, such as {example}, or its path, {path}"
                ),
            )
        }
    })?;
    match ns.store.set_default_payment_method(&access.account_id, kind, id).await? {
        DefaultResult::Set => Ok(StatusCode::NO_CONTENT),
        DefaultResult::Refused => Err(not_a_method()),
        DefaultResult::AccountGone => Err(HostwayError::AccountNotFound(access.account_id.as_str().into())),
    }
}

async fn remove_default(Ns(ns): Ns, access: Authorized<AgentOnly>) -> Result<StatusCode, HostwayError> {
    match ns.store.set_offline_default(&access.account_id).await? {
        DefaultResult::Set => Ok(StatusCode::NO_CONTENT),
        DefaultResult::Refused => Err(HostwayError::Conflict(
            format!(
                "Account {} does not allow the offline payment method, so its default cannot be removed.",
                access.account_id
            )
            .into(),
        )),
        DefaultResult::AccountGone => Err(HostwayError::AccountNotFound(access.account_id.as_str().into())),
    }
}

async fn pay(
    Ns(ns): Ns,
    access: Authorized<Change>,
    method: MethodInPath,
    body: JsonBody,
) -> Result<StatusCode, HostwayError> {
    let amount = payment_amount(&body)?;
    let saved = method.find(&ns, &access.account_id).await?;
    let now = ns.clock.now();
    if saved.kind == MethodKind::CreditCard {
        let expiry = saved.expiration.as_deref().and_then(Expiry::parse);
        let outcome = saved.test_card_outcome.as_deref().and_then(Outcome::from_name);
        let (Some(expiry), Some(outcome)) = (expiry, outcome) else {
            return Err(HostwayError::Conflict(format!("Payment info {} cannot be charged.", method.text).into()));
        };
        outcome
            .charge_saved(expiry, now)
            .map_err(|decline| HostwayError::Conflict(format!("Payment declined: {decline}.").into()))?;
    }
    match ns.store.record_payment(&access.account_id, saved.id, amount, now).await? {
        PaymentResult::Recorded => {}
        PaymentResult::MethodGone => return Err(method.not_found()),
        PaymentResult::AccountGone => return Err(HostwayError::AccountNotFound(access.account_id.as_str().into())),
    }
    let account = Masked::new(&access.account_id);
    tracing::debug!(%account, method = %method.text, %amount, "payment recorded, pending");
    Ok(StatusCode::NO_CONTENT)
}

/// The answer to a fault that asks for `status`, in the Hostway envelope; `reason` is a
/// sentence without its full stop.
pub fn fault_reply(status: StatusCode, reason: &str) -> Response {
    HostwayError::Injected(status, reason.to_owned()).into_response()
}

pub async fn not_found(OriginalUri(uri): OriginalUri) -> HostwayError {
    HostwayError::NotFound(uri.path().into())
}

async fn method_not_allowed(method: Method) -> HostwayError {
    HostwayError::MethodNotAllowed(method.as_str().into())
}
