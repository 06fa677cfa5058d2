//! The Click2Mail MOL Pro credit API (CONTRACT.md §2): `POST /molpro/credit/purchase` and
//! `GET /molpro/credit`, HTTP Basic auth, form parameters in, the vendor's `<credit>` XML
//! out — or the same fields as JSON for clients that ask for it.
//!
//! [`error::Click2MailError`] is the one error type of this module; it renders the vendor's
//! envelope for every failure, from a missing header to an unknown path.

mod error;
mod params;
mod reply;

use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use self::error::Click2MailError;
use self::params::{FormParams, PurchaseRequest};
pub use self::params::{MINIMUM_PURCHASE, REQUIRED};
pub use self::reply::negotiate;
use self::reply::{CreditReply, STATUS_PATH};
use crate::AppState;
use crate::domain::cards::Use;
use crate::domain::mask::Masked;
use crate::domain::money::Cents;
use crate::http::auth::{AuthError, BasicCredentials};
use crate::http::base_url::BaseUrl;
use crate::http::options::allow;
use crate::http::request_body;
use crate::sandbox::namespaces::{self, Ns};
use crate::store::{Purchase, PurchaseResult};

/// The routes below `/molpro`. Their `<credit>` answers become JSON through [`negotiate`],
/// which the app applies to every route.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/credit", get(balance).options(allow::<Click2MailError>("GET,HEAD,OPTIONS")))
        .route("/credit/purchase", post(purchase).options(allow::<Click2MailError>("POST,OPTIONS")))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
}

/// A Click2Mail user whose Basic credentials checked out, with the balance read alongside.
#[derive(Debug)]
pub struct Customer {
    pub username: String,
    pub balance: Cents,
}

impl FromRequestParts<AppState> for Customer {
    type Rejection = Click2MailError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ns = namespaces::resolve(parts, state).await?;
        let credentials = BasicCredentials::from_headers(&parts.headers)?;
        let user = ns.store.click2mail_user(&credentials.username).await?;
        credentials.verify(user.as_ref().map(|user| &user.password_hash))?;
        request_body::failure(&parts.extensions)?;
        let balance = user.map_or(Cents::ZERO, |user| user.balance);
        Ok(Customer { username: credentials.username, balance })
    }
}

async fn balance(customer: Customer, base_url: BaseUrl) -> CreditReply {
    CreditReply::balance(customer.balance, base_url.join(STATUS_PATH))
}

async fn purchase(
    Ns(ns): Ns,
    State(state): State<AppState>,
    customer: Customer,
    base_url: BaseUrl,
    params: FormParams,
) -> Result<CreditReply, Click2MailError> {
    let request = PurchaseRequest::parse(&params)?;
    let status_url = base_url.join(STATUS_PATH);
    let now = ns.clock.now();
    let approval = match state.fixtures.test_cards.authorize(&request.card(), Use::Charge, now) {
        Ok(approval) => approval,
        Err(decline) => {
            let user = Masked::new(&customer.username);
            tracing::debug!(%user, card = %request.number.masked(), %decline, "credit purchase not authorized");
            return Ok(CreditReply::not_authorized(&decline.to_string(), status_url));
        }
    };
    let purchase = Purchase {
        username: &customer.username,
        amount: request.amount,
        card_brand: approval.brand,
        card_last_four: request.number.last_four(),
        at: now,
    };
    match ns.store.record_purchase(purchase).await? {
        PurchaseResult::Recorded { balance } => {
            let user = Masked::new(&customer.username);
            tracing::debug!(%user, amount = %request.amount, %balance, card = %request.number.masked(), "credit purchased");
            Ok(CreditReply::purchased(status_url))
        }
        PurchaseResult::BalanceLimit => {
            let reason = format!("the balance would pass the sandbox's limit of {}", Cents::MAX);
            Ok(CreditReply::not_authorized(&reason, status_url))
        }
        PurchaseResult::NoSuchUser => Err(AuthError::WrongCredentials.into()),
    }
}

/// The answer to a fault that asks for `status`, as a `<credit>` document; `reason` is a
/// sentence without its full stop.
pub fn fault_reply(status: StatusCode, reason: &str) -> Response {
    let code = match status {
        StatusCode::UNAUTHORIZED => reply::STATUS_AUTHENTICATION_FAILED,
        _ if status.is_server_error() => reply::STATUS_INTERNAL_ERROR,
        _ => reply::STATUS_BAD_REQUEST,
    };
    let credit = reply::Credit {
        allow_negative: None,
        balance: None,
        status: code,
        description: format!("{reason}."),
        parameter: Vec::new(),
        status_url: None,
    };
    CreditReply { http_status: status, credit }.into_response()
}

pub async fn not_found(OriginalUri(uri): OriginalUri) -> Click2MailError {
    Click2MailError::NotFound(uri.path().into())
}

async fn method_not_allowed(request: Request) -> Click2MailError {
    Click2MailError::MethodNotAllowed(request.method().as_str().into())
}
