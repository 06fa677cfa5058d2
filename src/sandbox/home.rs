//! `GET /`: what this server is and where to start, for a person who opens it in a browser
//! (HTML) or a script that asks for anything else (JSON). It names the two APIs with their
//! fixture users, the control plane and the OpenAPI document. Only the fixture users the
//! database holds are named, and a password only while it is still theirs and the control
//! plane is open (no `--admin-token`): they are test credentials, but a server that guards its
//! control plane should not hand them out on its front page.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::ACCEPT;
use axum::response::{Html, IntoResponse, Json, Response};
use serde::Serialize;

use crate::AppState;
use crate::http::base_url::BaseUrl;
use crate::sandbox::fixtures::{Click2MailUser, HostwayUser};
use crate::store::DEFAULT;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Home {
    name: &'static str,
    version: &'static str,
    click2mail: Api,
    hostway: Api,
    control_plane: String,
    openapi: String,
    health: String,
}

#[derive(Debug, Serialize)]
struct Api {
    name: &'static str,
    endpoints: Vec<String>,
    users: Vec<User>,
}

#[derive(Debug, Serialize)]
struct User {
    username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<String>,
    /// What the user may do, in words.
    access: String,
}

pub async fn page(State(state): State<AppState>, base_url: BaseUrl, headers: HeaderMap) -> Response {
    let home = describe(&state, &base_url).await;
    let wants_html = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|accept| accept.split(',').any(|range| crate::http::request_body::media_type(range) == "text/html"));
    if wants_html { Html(render(&home)).into_response() } else { Json(home).into_response() }
}

/// The users the fixtures name that the database holds: a database started from other
/// fixtures may lack some, or hold them with other passwords, which are then not shown.
pub async fn fixture_click2mail_users(state: &AppState) -> Vec<(&Click2MailUser, bool)> {
    let mut present = Vec::new();
    let store = state.store.namespace(DEFAULT);
    for user in &state.fixtures.click2mail.users {
        if let Ok(Some(stored)) = store.click2mail_user(&user.username).await {
            present.push((user, stored.password_hash.matches(&user.password)));
        }
    }
    present
}

async fn fixture_hostway_users(state: &AppState) -> Vec<(&HostwayUser, bool)> {
    let mut present = Vec::new();
    let store = state.store.namespace(DEFAULT);
    for user in &state.fixtures.hostway.users {
        if let Ok(Some(stored)) = store.hostway_user(&user.username).await {
            present.push((user, stored.password_hash.matches(&user.password)));
        }
    }
    present
}

async fn describe(state: &AppState, base_url: &BaseUrl) -> Home {
    let show_password =
        |password: &str, unchanged: bool| (state.admin_token.is_none() && unchanged).then(|| password.to_owned());
    let fixtures = &state.fixtures;
    let click2mail_users = fixture_click2mail_users(state)
        .await
        .into_iter()
        .map(|(user, unchanged)| User {
            username: user.username.clone(),
            password: show_password(&user.password, unchanged),
            access: format!("starting balance {}", user.balance),
        })
        .collect();
    let hostway_users = fixture_hostway_users(state)
        .await
        .into_iter()
        .map(|(user, unchanged)| {
            let access = if user.sales_agent {
                "sales agent: every account".to_owned()
            } else {
                let roles: Vec<String> =
                    user.roles.iter().map(|(account, roles)| format!("{} on {account}", roles.join(", "))).collect();
                if roles.is_empty() { "no role".to_owned() } else { roles.join("; ") }
            };
            User { username: user.username.clone(), password: show_password(&user.password, unchanged), access }
        })
        .collect();
    let accounts: Vec<&str> = fixtures.hostway.accounts.iter().map(|account| account.id.as_str()).collect();
    let example_account = accounts.first().copied().unwrap_or("{id}");
    Home {
        name: "paymock",
        version: env!("CARGO_PKG_VERSION"),
        click2mail: Api {
            name: "Click2Mail MOL Pro credit API (Basic auth; form in, XML or JSON out)",
            endpoints: vec![
                format!("GET {}", base_url.join("/molpro/credit")),
                format!("POST {}", base_url.join("/molpro/credit/purchase")),
            ],
            users: click2mail_users,
        },
        hostway: Api {
            name: "Hostway payment-info API (Basic auth; JSON)",
            endpoints: vec![
                format!("GET, POST {}", base_url.join(&format!("/accounts/{example_account}/paymentInfo"))),
                format!(
                    "GET, PUT, DELETE {}",
                    base_url.join(&format!("/accounts/{example_account}/paymentInfo/default"))
                ),
                format!("GET, DELETE {}", base_url.join(&format!("/accounts/{example_account}/paymentInfo/{{pid}}"))),
                format!("POST {}", base_url.join(&format!("/accounts/{example_account}/paymentInfo/{{pid}}/payment"))),
            ],
            users: hostway_users,
        },
        control_plane: base_url.join("/__admin/state"),
        openapi: base_url.join("/__admin/openapi.json"),
        health: base_url.join("/__admin/health"),
    }
}

fn render(home: &Home) -> String {
    let api = |api: &Api| {
        let endpoints: String =
            api.endpoints.iter().map(|endpoint| format!("<li><code>{}</code></li>", escape(endpoint))).collect();
        let users: String = api
            .users
            .iter()
            .map(|user| {
                format!(
                    "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                    escape(&user.username),
                    escape(user.password.as_deref().unwrap_or("(not shown)")),
                    escape(&user.access)
                )
            })
            .collect();
        format!(
            "<h2>{}</h2><ul>{endpoints}</ul><table><thead><tr><th scope=\"col\">username</th>\
             <th scope=\"col\">password</th><th scope=\"col\">access</th></tr></thead><tbody>{users}</tbody></table>",
            escape(api.name)
        )
    };
    let link = |url: &str| format!("<a href=\"{0}\">{0}</a>", escape(url));
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>paymock {version}</title></head><body><main>\
         <h1>paymock {version}</h1><p>A stateful local sandbox for two payment APIs.</p>{click2mail}{hostway}\
         <h2>The sandbox</h2><ul><li>Control plane: {control}</li><li>OpenAPI document: {openapi}</li>\
         <li>Health: {health}</li></ul></main></body></html>\n",
        version = home.version,
        click2mail = api(&home.click2mail),
        hostway = api(&home.hostway),
        control = link(&home.control_plane),
        openapi = link(&home.openapi),
        health = link(&home.health),
    )
}

/// Text made safe for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}
