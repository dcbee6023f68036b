//! What operators see: the metrics at `/metrics` and the log lines, for answered and for
//! refused requests.
use crate::helpers::{serve_args, spawn_app_with};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

const METRICS_TOKEN: &str = "metrics-token-for-tests";

/// The samples of the Prometheus text: name → (labels, value).
fn samples(text: &str) -> Vec<(String, HashMap<String, String>, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let value: f64 = value.parse().ok()?;
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split("\",")
                .filter(|p| !p.is_empty())
                .filter_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    Some((k.to_string(), v.trim_matches('"').to_string()))
                })
                .collect();
            Some((name.to_string(), labels, value))
        })
        .collect()
}

/// The sum of a metric's samples whose labels include `with`.
fn value(text: &str, name: &str, with: &[(&str, &str)]) -> f64 {
    samples(text)
        .into_iter()
        .filter(|(n, labels, _)| n == name && with.iter().all(|(k, v)| labels.get(*k).map(String::as_str) == Some(*v)))
        .map(|(_, _, v)| v)
        .sum()
}

async fn scrape(app: &crate::helpers::TestApp) -> String {
    let response = app.get_with_token("/metrics", METRICS_TOKEN).await;
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_count_each_outcome_and_need_their_token() {
    let mut args = serve_args();
    args.metrics_token = Some(METRICS_TOKEN.into());
    let app = spawn_app_with(args).await;
    tracker::seed::demo::seed_directory(&app.db).await.expect("seed");
    // Operation names of this test alone: the recorder is the process's.
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let (ok, anonymous, refused) = (format!("Ok_{tag}"), format!("Anon_{tag}"), format!("Bad_{tag}"));

    assert_eq!(app.get("/metrics").await.status(), 401);
    assert_eq!(app.get_with_token("/metrics", "wrong").await.status(), 401);
    let before = scrape(&app).await;
    assert_eq!(
        value(&before, "tracker_build_info", &[("version", env!("CARGO_PKG_VERSION"))]),
        1.0
    );

    let token = app.demo_login("finance").await;
    let query = |name: &str| format!("query {name} {{ me {{ username }} }}");
    for _ in 0..2 {
        app.gql(Some(&token), &query(&ok), json!({})).await.ok();
    }
    let reply = app.gql(None, &query(&anonymous), json!({})).await;
    assert_eq!(reply.error_code(), Some("UNAUTHENTICATED"));
    // A user error: a fund line without a name is refused in the payload.
    let user_error = format!(
        "mutation {refused} {{ fundLineCreate(input: {{countyCode: \"990101000000\", year: 2026, name: \"\", kind: INTEGRATED_AGRICULTURAL, level: CENTRAL, plannedAmount: \"1.00\"}}) {{ userErrors {{ code }} }} }}"
    );
    let reply = app.gql(Some(&token), &user_error, json!({})).await;
    assert_ne!(
        reply.ok()["fundLineCreate"]["userErrors"],
        json!([]),
        "{:?}",
        reply.data()
    );
    // Refused before GraphQL: a batch.
    let batch = app.post_raw("[{\"query\": \"{ me { username } }\"}]", None).await;
    assert_eq!(batch.status, 400);
    let failed = app
        .gql(
            None,
            "mutation($u: String!) { login(input: {username: $u, password: \"wrong-password\"}) { token userErrors { code } } }",
            json!({"u": format!("nobody-{tag}")}),
        )
        .await;
    assert_ne!(failed.ok()["login"]["userErrors"], json!([]));

    let after = scrape(&app).await;
    let requests = |text: &str, operation: &str, outcome: &str| {
        value(
            text,
            "tracker_http_requests_total",
            &[("route", "/graphql"), ("operation", operation), ("outcome", outcome)],
        )
    };
    assert_eq!(requests(&after, &ok, "OK"), 2.0);
    assert_eq!(requests(&after, &anonymous, "UNAUTHENTICATED"), 1.0);
    assert_eq!(requests(&after, &refused, "USER_ERROR"), 1.0);
    assert!(requests(&after, "", "BAD_USER_INPUT") > requests(&before, "", "BAD_USER_INPUT"));
    let latency = value(
        &after,
        "tracker_http_request_duration_seconds_count",
        &[("route", "/graphql"), ("operation", &ok)],
    );
    assert_eq!(latency, 2.0);
    assert!(
        value(&after, "tracker_sign_in_failures_total", &[]) > value(&before, "tracker_sign_in_failures_total", &[])
    );
    assert!(value(&after, "tracker_db_pool_connections", &[("state", "max")]) >= 1.0);
    // This scrape is itself in flight.
    assert!(value(&after, "tracker_http_requests_in_flight", &[]) >= 1.0);
}

/// Without a token the metrics are not served on the API's address; a metrics address
/// serves them to whoever reaches it.
#[tokio::test]
async fn metrics_are_off_without_a_setting_and_open_on_their_own_address() {
    let app = crate::helpers::spawn_app().await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("TRACKER_METRICS_TOKEN"),
        "{body}"
    );

    tracker::telemetry::install_metrics().expect("recorder");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(tracker::startup::serve_metrics(listener, app.db.clone()));
    let text = reqwest::get(format!("http://{address}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("tracker_db_pool_connections"), "{text}");
}

/// The real binary with `TRACKER_LOG_FORMAT=json`: one JSON line for each request — a
/// refused batch and a slow one too — with its id, status, route, client and codes; and
/// the pool's waits in its metrics.
#[tokio::test]
async fn every_request_has_a_json_log_line_with_its_id() {
    use std::io::{BufRead, Write};
    let mut server = crate::helpers::start_binary(
        &[
            ("TRACKER_LOG_FORMAT", "json"),
            ("TRACKER_SLOW_MS", "400"),
            ("TRACKER_METRICS_TOKEN", METRICS_TOKEN),
            ("RUST_LOG", "info"),
        ],
        std::process::Stdio::piped(),
    )
    .await;
    let port = server.port;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let batch = client
        .post(format!("{base}/graphql"))
        .header("content-type", "application/json")
        .body("[{\"query\": \"{ me { username } }\"}]")
        .send()
        .await
        .unwrap();
    assert_eq!(batch.status(), 400);
    let refused_id = batch.headers()["x-request-id"].to_str().unwrap().to_string();
    // A body that takes 600 ms to arrive makes a slow request.
    let mut slow = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let body = "{\"query\": \"{ __typename }\"}";
    write!(
        slow,
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{{",
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(600));
    slow.write_all(&body.as_bytes()[1..]).unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut slow, &mut answer).unwrap();
    let slow_id = answer
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .expect("the slow answer's id")
        .trim()
        .to_string();

    // The pool's waits are counted from sqlx's reports, through the process's log layers.
    let metrics = client
        .get(format!("{base}/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        value(&metrics, "tracker_db_pool_wait_seconds_count", &[]) >= 1.0,
        "{metrics}"
    );

    server.child.kill().unwrap();
    let lines: Vec<String> = std::io::BufReader::new(server.child.stderr.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .collect();
    let parsed: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let line_of = |id: &str| {
        parsed
            .iter()
            .find(|l| l["request_id"] == id)
            .unwrap_or_else(|| panic!("no line for {id} in {lines:#?}"))
            .clone()
    };
    let refused = line_of(&refused_id);
    assert_eq!(refused["level"], "INFO", "{refused}");
    assert_eq!(refused["message"], "request");
    assert_eq!(refused["status"], 400);
    assert_eq!(refused["method"], "POST");
    assert_eq!(refused["path"], "/graphql");
    assert_eq!(refused["client"], "127.0.0.1");
    assert_eq!(refused["error_codes"], "BAD_USER_INPUT");
    assert!(refused["duration_ms"].is_u64(), "{refused}");
    // Written inside the request's span, which carries its id to every line it causes.
    assert_eq!(refused["span"]["request_id"], refused_id.as_str(), "{refused}");
    let slow = line_of(&slow_id);
    assert_eq!(
        (&slow["level"], &slow["message"]),
        (&json!("WARN"), &json!("slow request")),
        "{slow}"
    );
    assert!(slow["duration_ms"].as_u64().unwrap() >= 400, "{slow}");
    assert_eq!(slow["status"], 200);
}
