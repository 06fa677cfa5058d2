//! paymock's image under Testcontainers for Rust: the URL, a wait until it serves, and the
//! control plane's helpers over HTTP, with a namespace per test.

use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

/// paymock in a container, and its control plane.
struct Paymock {
    url: String,
    http: reqwest::Client,
    _container: ContainerAsync<GenericImage>,
}

impl Paymock {
    /// Starts the image (`PAYMOCK_IMAGE`, by default `paymock:latest`) and waits until it
    /// serves. On Docker, `WaitFor::healthcheck()` works too: the image has a HEALTHCHECK.
    async fn start() -> Paymock {
        let image = std::env::var("PAYMOCK_IMAGE").unwrap_or_else(|_| "paymock:latest".into());
        let (name, tag) = image.rsplit_once(':').unwrap_or((&image, "latest"));
        // A free port of our own choosing: podman's API reports a port published on every
        // address with an empty HostIp, which `get_host_port_ipv4` passes over.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let container = GenericImage::new(name, tag)
            .with_exposed_port(8080.tcp())
            .with_wait_for(WaitFor::message_on_stdout("listening on"))
            .with_mapped_port(port, 8080.tcp())
            .start()
            .await
            .expect("paymock's container starts");
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let health = http.get(format!("{url}/__admin/health")).send().await.expect("health answers");
        assert_eq!(health.status(), 200);
        Paymock { url, http, _container: container }
    }

    /// The base URL of the namespace `name`: state of its own.
    fn namespace(&self, name: &str) -> String {
        format!("{}/ns/{name}", self.url)
    }

    /// How many requests the namespace received with this method and path.
    async fn received(&self, namespace: &str, method: &str, path: &str) -> u64 {
        let url = format!("{}/__admin/ns/{namespace}/requests/count", self.url);
        let count: serde_json::Value =
            self.http.get(url).query(&[("method", method), ("path", path)]).send().await.unwrap().json().await.unwrap();
        count["count"].as_u64().unwrap()
    }

    /// The namespace's whole state, as `GET /__admin/state` shows it.
    async fn state(&self, namespace: &str) -> serde_json::Value {
        let url = format!("{}/__admin/ns/{namespace}/state", self.url);
        self.http.get(url).send().await.unwrap().json().await.unwrap()
    }
}

#[tokio::test]
async fn a_purchase_through_a_namespace_of_the_container() {
    let paymock = Paymock::start().await;
    let base = paymock.namespace("container-test");
    let form = [
        ("billingName", "Awesome User"),
        ("billingAddress1", "221B Baker St"),
        ("billingCity", "Springfield"),
        ("billingState", "MO"),
        ("billingZip", "34567"),
        ("billingAmount", "25.00"),
        ("billingNumber", "4111111111111111"),
        ("billingMonth", "12"),
        ("billingYear", "2030"),
        ("billingCvv", "123"),
        ("billingCcType", "VI"),
    ];
    let bought = paymock
        .http
        .post(format!("{base}/molpro/credit/purchase"))
        .basic_auth("awesomeuser", Some("gReAt/PaSsWoRd123"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(bought.status(), 200);
    assert!(bought.text().await.unwrap().contains("<status>0</status>"));

    assert_eq!(paymock.received("container-test", "POST", "/molpro/credit/purchase").await, 1);
    let state = paymock.state("container-test").await;
    assert_eq!(state["click2mail"]["users"][0]["balance"], "25.00");
    assert_eq!(paymock.state("default").await["click2mail"]["users"][0]["balance"], "0.00");
}
