//! `GET /__admin/events`, the live feed the dashboard reads, over a real socket: what each
//! change sends, the token, and a server that stops while the stream is open.

use std::time::Duration;

use paymock::Sandbox;
use serde_json::{Value, json};

use crate::helpers::*;

/// An open event stream, read event by event.
struct Stream {
    response: reqwest::Response,
    pending: String,
}

impl Stream {
    async fn open(url: &str, token: Option<&str>) -> Stream {
        let mut request = reqwest::Client::new().get(format!("{url}/__admin/events"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Stream { response, pending: String::new() }
    }

    /// The data of the next `change` event, skipping keep-alive comments; fails the test
    /// after 10 s without one.
    async fn next(&mut self) -> Value {
        loop {
            if let Some(at) = self.pending.find("\n\n") {
                let event: String = self.pending.drain(..at + 2).collect();
                if event.starts_with(':') {
                    continue;
                }
                let lines: Vec<&str> = event.trim_end().lines().collect();
                assert_eq!(lines[0], "event: change", "{event}");
                return serde_json::from_str(lines[1].strip_prefix("data: ").unwrap()).unwrap();
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk()).await;
            let chunk = chunk.expect("an event within 10 s").unwrap().expect("the stream stays open");
            self.pending.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// Reads events until one names `change` in `namespace`.
    async fn until(&mut self, namespace: &str, change: &str) -> Value {
        loop {
            let event = self.next().await;
            let changes = event["changes"][namespace].as_array().cloned().unwrap_or_default();
            if changes.contains(&json!(change)) {
                return event;
            }
        }
    }
}

#[tokio::test]
async fn each_change_is_told_by_namespace_with_no_state_in_it() {
    let app = TestApp::new().await;
    let served = app.serve().await;
    let url = format!("http://{}", served.address);
    let mut stream = Stream::open(&url, None).await;
    assert_eq!(stream.next().await, json!({"changes": {}, "resync": true}), "the first says the stream is open");

    let http = reqwest::Client::new();
    let purchase = http
        .post(format!("{url}/molpro/credit/purchase"))
        .basic_auth(USERNAME, Some(PASSWORD))
        .form(&VENDOR_EXAMPLE)
        .send()
        .await
        .unwrap();
    assert_eq!(purchase.status(), 200);
    // The commit and the journal entry, gathered into one event or two.
    let event = stream.until("default", "journal").await;
    let mut told: Vec<Value> = event["changes"]["default"].as_array().unwrap().clone();
    if !told.contains(&json!("state")) {
        told = stream.until("default", "state").await["changes"]["default"].as_array().unwrap().clone();
    }
    assert!(told.contains(&json!("state")), "{told:?}");

    // A fault rule in a new namespace: the namespace is made, and its faults changed.
    let reply = http
        .post(format!("{url}/__admin/ns/watched/faults"))
        .json(&json!({"action": {"status": 503}}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 201);
    let event = stream.until("watched", "faults").await;
    assert!(event.to_string().len() < 200, "names what changed, never the state: {event}");
    // Its use, the clock and a reset.
    let used = http.get(format!("{url}/ns/watched/molpro/credit")).send().await.unwrap();
    assert_eq!(used.status(), 503);
    stream.until("watched", "faults").await;
    let clock = http
        .put(format!("{url}/__admin/ns/watched/clock"))
        .json(&json!({"now": "2030-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(clock.status(), 200);
    stream.until("watched", "clock").await;
    assert_eq!(http.post(format!("{url}/__admin/ns/watched/reset")).send().await.unwrap().status(), 204);
    stream.until("watched", "state").await;
    // Deleting a namespace changes the list.
    assert_eq!(http.delete(format!("{url}/__admin/ns/watched")).send().await.unwrap().status(), 204);
    loop {
        if stream.next().await["namespaces"] == json!(true) {
            break;
        }
    }
}

#[tokio::test]
async fn the_stream_needs_the_admin_token() {
    let app = TestApp::new().await.with_admin_token("s3cret");
    let served = app.serve().await;
    let url = format!("http://{}", served.address);
    let reply = reqwest::get(format!("{url}/__admin/events")).await.unwrap();
    assert_eq!(reply.status(), 401);
    let mut stream = Stream::open(&url, Some("s3cret")).await;
    assert_eq!(stream.next().await["resync"], json!(true));
    // Not a route under a namespace: it watches them all.
    let reply = reqwest::get(format!("{url}/__admin/ns/x/events")).await.unwrap();
    assert_eq!(reply.status(), 404);
}

/// A page left open never keeps the server from stopping: the stream ends with it.
#[tokio::test]
async fn a_server_with_a_stream_open_stops_at_once() {
    let sandbox = Sandbox::start().await;
    let mut stream = Stream::open(&sandbox.url(), None).await;
    stream.next().await;
    tokio::time::timeout(Duration::from_secs(10), sandbox.shutdown()).await.expect("stops within 10 s");
    let end = tokio::time::timeout(Duration::from_secs(10), stream.response.chunk()).await.expect("the stream ends");
    assert!(matches!(end, Ok(None) | Err(_)), "{end:?}");
}
