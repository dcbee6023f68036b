//! The edge: no request can stop the server, standard GraphQL tools work out of the box, and
//! GraphQL over HTTP answers with the status codes and media types its specification gives.
use crate::helpers::{TestApp, serve_args, spawn_app_with, spawn_demo_app};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// `n` fragments each spreading the next twice: 2ⁿ field visits from a text of ~40n bytes.
fn doubling_fragments(n: usize) -> String {
    let mut query = String::from("query { ...F0 }\n");
    for i in 0..n {
        query.push_str(&format!(
            "fragment F{i} on Query {{ ...F{next} ...F{next} }}\n",
            next = i + 1
        ));
    }
    query.push_str(&format!("fragment F{n} on Query {{ me {{ username }} }}\n"));
    query
}

/// A POST with the given `Accept` (none if `None`), as JSON.
async fn post(app: &TestApp, accept: Option<&str>, body: &Value) -> (u16, String, Value) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let media = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, media, body)
}

/// The fastest of three refusals of `query`, with the refusal's body.
async fn fastest_refusal(app: &TestApp, query: &str) -> (Duration, Value) {
    let mut fastest = Duration::MAX;
    let mut body = Value::Null;
    for _ in 0..3 {
        let started = Instant::now();
        let (_, _, reply) = post(app, None, &json!({ "query": query })).await;
        fastest = fastest.min(started.elapsed());
        body = reply;
    }
    (fastest, body)
}

#[tokio::test]
async fn requests_that_expand_beyond_the_limit_are_refused_at_once_while_others_are_answered() {
    let app = spawn_demo_app().await;
    let token = app.demo_login("admin").await;
    let ten_thousand_fields = format!("{{ me {{ {} }} }}", "username ".repeat(10_000));
    let cycle = "query { ...A } fragment A on Query { me { username } ...B } fragment B on Query { ...A }";
    let cases = [
        ("30 doubling fragments", doubling_fragments(30), "field visits"),
        ("a fragment cycle", cycle.to_string(), "spreads itself"),
        ("10,000 fields", ten_thousand_fields, "fields"),
    ];
    for (what, query, says) in &cases {
        let (fastest, body) = fastest_refusal(&app, query).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
            "{what}: {body}"
        );
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{what}: {message}");
        assert!(body.get("data").is_none(), "{what}: nothing ran: {body}");
        assert!(fastest < Duration::from_millis(50), "{what} took {fastest:?}");
    }
    // While a stream of them arrives, other requests are answered.
    let attack = doubling_fragments(30);
    let attackers: Vec<_> = (0..4)
        .map(|_| {
            let (client, address, body) = (
                app.client.clone(),
                app.address.clone(),
                json!({ "query": attack }).to_string(),
            );
            tokio::spawn(async move {
                for _ in 0..20 {
                    client
                        .post(format!("{address}/graphql"))
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for _ in 0..5 {
        assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
        let reply = app.gql(Some(&token), "{ me { username } }", json!({})).await;
        assert_eq!(reply.ok()["me"]["username"], "admin");
    }
    for attacker in attackers {
        attacker.await.unwrap();
    }
}

#[tokio::test]
async fn the_selection_limit_is_a_setting_and_counts_fragments_where_they_are_spread() {
    let mut args = serve_args();
    args.max_selections = 20;
    let app = spawn_app_with(args).await;
    // 1 + 4 × (1 + 3) = 17 visits expanded, plus the fragment's own 4: 21.
    let query = "{ me { ...U ...U ...U ...U } } fragment U on User { region { code name level } }";
    let (_, _, body) = post(&app, None, &json!({ "query": query })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("21 field visits"),
        "{body}"
    );
    // Three spreads (17) pass the measure and reach sign-in.
    let query = "{ me { ...U ...U ...U } } fragment U on User { region { code name level } }";
    let (_, _, body) = post(&app, None, &json!({ "query": query })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{body}");
}

/// SIGTERM makes `/readyz` say the server is going while it serves on for the drain time,
/// then stops it within the grace period even with a request that never ends (here a body
/// that never arrives).
#[tokio::test]
async fn sigterm_reports_not_ready_then_exits_within_the_grace_period_with_a_request_still_running() {
    use std::io::Write;
    let mut server = crate::helpers::start_binary(
        &[
            ("TRACKER_SHUTDOWN_GRACE_SECONDS", "2"),
            ("TRACKER_SHUTDOWN_DRAIN_SECONDS", "1"),
            ("RUST_LOG", "warn"),
        ],
        std::process::Stdio::inherit(),
    )
    .await;
    let (port, url) = (server.port, server.url.clone());
    let client = reqwest::Client::new();
    let probe = |path: &'static str| {
        let client = client.clone();
        async move {
            let r = client
                .get(format!("http://127.0.0.1:{port}{path}"))
                .send()
                .await
                .expect("probe");
            (r.status().as_u16(), r.json::<serde_json::Value>().await.expect("json"))
        }
    };
    assert_eq!(probe("/readyz").await, (200, json!({"status": "ready"})));
    let (status, version) = probe("/version").await;
    assert_eq!((status, &version["version"]), (200, &json!(env!("CARGO_PKG_VERSION"))));
    let database = if url.starts_with("postgres") {
        "postgresql"
    } else {
        "sqlite"
    };
    assert_eq!(version["database"], database);
    let mut stuck = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stuck
        .write_all(b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"query\":")
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pid = server.child.id().to_string();
    let signalled = Instant::now();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    // Draining: alive, not ready.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(probe("/readyz").await, (503, json!({"status": "shutting down"})));
    assert_eq!(probe("/healthz").await.0, 200);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        if signalled.elapsed() > Duration::from_secs(10) {
            panic!("the server was still running 10 s after SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let took = signalled.elapsed();
    assert!(status.success(), "{status:?}");
    // It drained, waited for the request (the grace period), then did not wait longer.
    assert!(
        took >= Duration::from_millis(2_900) && took < Duration::from_secs(6),
        "{took:?}"
    );
    drop(stuck);
}

/// graphql-js 16's `getIntrospectionQuery` with every option on, as GraphiQL 4, GraphQL Code
/// Generator and IDE plugins send it.
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types { ...FullType }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  isOneOf
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}
fragment TypeRef on __Type {
  kind
  name
  ofType {
    kind
    name
    ofType {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType { kind name }
                }
              }
            }
          }
        }
      }
    }
  }
}
"#;

#[tokio::test]
async fn the_full_introspection_query_of_graphql_js_answers() {
    let app = spawn_demo_app().await;
    let (status, _, body) = post(
        &app,
        Some(GRAPHQL_RESPONSE),
        &json!({ "query": INTROSPECTION, "operationName": "IntrospectionQuery" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    let schema = &body["data"]["__schema"];
    assert_eq!(schema["queryType"]["name"], "Query");
    assert_eq!(schema["mutationType"]["name"], "Mutation");
    let types = schema["types"].as_array().unwrap();
    let named = |name: &str| {
        types
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    // Every type of the committed SDL is there, with its fields.
    let sdl = tracker::graphql::sdl();
    for line in sdl.lines() {
        if let Some(rest) = line
            .strip_prefix("type ")
            .or_else(|| line.strip_prefix("input "))
            .or_else(|| line.strip_prefix("enum "))
        {
            let name = rest.split([' ', '{']).next().unwrap();
            named(name);
        }
    }
    assert!(named("Project")["fields"].as_array().unwrap().len() > 10);
    // A deeply wrapped type (`[X!]!`) comes back through the nested `ofType`s.
    assert!(named("DateTime")["specifiedByURL"].is_string(), "{}", named("DateTime"));
    assert!(
        schema["directives"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["name"] == "deprecated"),
        "{schema}"
    );
}

#[tokio::test]
async fn who_may_introspect_is_a_setting() {
    let query = json!({ "query": "{ __schema { queryType { name } } }" });
    for (setting, anonymous, signed_in) in [
        (tracker::http::Introspection::SignedIn, Some("UNAUTHENTICATED"), None),
        (tracker::http::Introspection::Off, Some("FORBIDDEN"), Some("FORBIDDEN")),
        (tracker::http::Introspection::Public, None, None),
    ] {
        let mut args = serve_args();
        args.introspection = setting;
        let app = spawn_app_with(args).await;
        tracker::seed::demo::seed_directory(&app.db).await.unwrap();
        let token = app.demo_login("inspector").await;
        for (token, expected) in [(None, anonymous), (Some(token.as_str()), signed_in)] {
            let reply = app.gql(token, query["query"].as_str().unwrap(), json!({})).await;
            match expected {
                None => assert_eq!(reply.ok()["__schema"]["queryType"]["name"], "Query", "{setting:?}"),
                Some(code) => {
                    assert_eq!(reply.error_code(), Some(code), "{setting:?}: {}", reply.body);
                    assert!(reply.body.get("data").is_none());
                }
            }
        }
        // `__typename` is not introspection.
        let reply = app.gql(None, "{ __typename }", json!({})).await;
        assert_eq!(reply.ok()["__typename"], "Query");
    }
}

#[tokio::test]
async fn graphiql_is_served_with_its_assets_from_this_server() {
    let app = spawn_demo_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status().as_u16(), 200);
    let page = response.text().await.unwrap();
    assert!(!page.contains("://"), "the page names another host: {page}");
    assert!(
        page.contains("Authorization") && page.contains("Bearer"),
        "headers prefilled"
    );
    let mut assets = 0;
    for attribute in ["src=\"", "href=\""] {
        for (at, _) in page.match_indices(attribute) {
            let rest = &page[at + attribute.len()..];
            let path = &rest[..rest.find('"').unwrap()];
            assert!(path.starts_with('/'), "{path}");
            let response = app.get(path).await;
            assert_eq!(response.status().as_u16(), 200, "{path}");
            let kind = response.headers()["content-type"].to_str().unwrap().to_string();
            let expected = if path.ends_with(".css") {
                "text/css"
            } else {
                "text/javascript"
            };
            assert!(kind.starts_with(expected), "{path}: {kind}");
            assert!(response.bytes().await.unwrap().len() > 10_000, "{path}");
            assets += 1;
        }
    }
    assert_eq!(assets, 4);
    assert_eq!(app.get("/graphiql/nothing.js").await.status().as_u16(), 404);
}

#[tokio::test]
async fn graphql_over_http_status_codes_and_media_types() {
    let app = spawn_demo_app().await;
    let token = app.demo_login("admin").await;
    let cases: [(&str, Value, u16, u16, &str); 5] = [
        // (what, body, status with graphql-response+json, with json, code)
        (
            "a syntax error",
            json!({"query": "{ me { username "}),
            400,
            200,
            "BAD_USER_INPUT",
        ),
        (
            "an unknown field",
            json!({"query": "{ me { nonsense } }"}),
            400,
            200,
            "BAD_USER_INPUT",
        ),
        (
            "a variable of the wrong type",
            json!({"query": "query($n: Int) { regions(first: $n) { totalCount } }", "variables": {"n": "many"}}),
            400,
            200,
            "BAD_USER_INPUT",
        ),
        (
            "too much at once",
            json!({"query": doubling_fragments(20)}),
            400,
            200,
            "QUERY_TOO_COMPLEX",
        ),
        (
            "not signed in (execution began)",
            json!({"query": "{ me { username } }"}),
            200,
            200,
            "UNAUTHENTICATED",
        ),
    ];
    for (what, body, new_status, old_status, code) in &cases {
        for (accept, status, media) in [
            (Some(GRAPHQL_RESPONSE), *new_status, GRAPHQL_RESPONSE),
            (Some("application/json"), *old_status, "application/json"),
            (None, *old_status, "application/json"),
        ] {
            let (got, got_media, reply) = post(&app, accept, body).await;
            assert_eq!(got, status, "{what} with {accept:?}: {reply}");
            assert!(got_media.starts_with(media), "{what} with {accept:?}: {got_media}");
            assert_eq!(reply["errors"][0]["extensions"]["code"], *code, "{what}: {reply}");
            assert_eq!(
                reply["errors"].as_array().unwrap().len(),
                1,
                "one error per fault: {reply}"
            );
            // `data` is there exactly when execution began.
            assert_eq!(reply.get("data").is_some(), *new_status == 200, "{what}: {reply}");
        }
    }
    // A syntax error is one line with its position.
    let (_, _, reply) = post(&app, None, &json!({"query": "{ me { username "})).await;
    let message = reply["errors"][0]["message"].as_str().unwrap();
    assert!(
        !message.contains('\n') && message.contains("line 1, column 17"),
        "{message}"
    );
    assert_eq!(reply["errors"][0]["locations"][0], json!({"line": 1, "column": 17}));
    // Success, in the accepted media type.
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&token)
        .header("accept", format!("{GRAPHQL_RESPONSE}, application/json;q=0.9"))
        .json(&json!({"query": "{ me { username } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(GRAPHQL_RESPONSE)
    );
    let reply: Value = response.json().await.unwrap();
    assert_eq!(reply, json!({"data": {"me": {"username": "admin"}}}));
}

#[tokio::test]
async fn requests_that_are_not_graphql_requests_are_refused_with_4xx() {
    let app = spawn_demo_app().await;
    let query = json!({"query": "{ __typename }"}).to_string();
    // A body not declared JSON: a CORS "simple request" any web page could send.
    for content_type in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
        let mut request = app.client.post(format!("{}/graphql", app.address)).body(query.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 415, "{content_type:?}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("application/json")
        );
    }
    // `application/json` with parameters is JSON.
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json; charset=utf-8")
        .body(query.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    // No query, an empty one, variables that are not an object.
    for body in [
        json!({}),
        json!({"query": ""}),
        json!({"query": "{ __typename }", "variables": [1]}),
    ] {
        for accept in [Some(GRAPHQL_RESPONSE), None] {
            let (status, _, reply) = post(&app, accept, &body).await;
            assert_eq!(status, 400, "{body}: {reply}");
            assert_eq!(reply["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
            assert!(reply.get("data").is_none());
        }
    }
    let response = app.get("/graphql").await;
    assert_eq!(response.status().as_u16(), 400);
    // GET works for queries, with the same media types.
    let response = app
        .client
        .get(format!("{}/graphql?query=%7B__typename%7D", app.address))
        .header("accept", GRAPHQL_RESPONSE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(GRAPHQL_RESPONSE)
    );
}

/// The check every reply of the suite goes through (`helpers::check_user_error_paths`) knows
/// a real path from a false one.
#[test]
fn user_error_paths_are_checked_against_the_schema() {
    let shape = crate::helpers::schema_shape();
    assert!(
        shape
            .check("projectCreate", &["input", "beneficiaries", "poorHouseholds"])
            .is_ok()
    );
    assert!(shape.check("projectCreate", &["input", "poorHouseholds"]).is_err());
    assert!(shape.check("projectSubmit", &["input", "content"]).is_err());
    assert!(
        shape
            .check("annualPlanSet", &["input", "fundLines", "0", "plannedAmount"])
            .is_ok()
    );
    assert!(shape.check("annualPlanSet", &["input", "fundLines", "first"]).is_err());
    assert!(shape.check("noSuchMutation", &["input"]).is_err());
}

/// Every object type with an `id` implements `Node`, so clients can refetch and cache it.
#[test]
fn every_object_with_an_id_is_a_node() {
    let sdl = tracker::graphql::sdl();
    let mut current: Option<(String, bool)> = None;
    let mut checked = 0;
    for line in sdl.lines() {
        if let Some(rest) = line.strip_prefix("type ") {
            let name = rest.split([' ', '{']).next().unwrap().to_string();
            current = Some((name, rest.contains("implements Node")));
        } else if line == "}" {
            current = None;
        } else if line == "\tid: ID!"
            && let Some((name, node)) = &current
        {
            assert!(node, "{name} has an id but is not a Node");
            checked += 1;
        }
    }
    assert!(checked >= 9, "{checked}");
}

/// The plan versions and progress reports the API hands out IDs for are fetched by `node`,
/// within the same scope as everything else.
#[tokio::test]
async fn plans_and_progress_reports_are_nodes() {
    let app = crate::helpers::spawn_app().await;
    tracker::seed::demo::seed(&app.db).await.unwrap();
    let coordinator = app.demo_login("coordinator").await;
    let year = tracker::domain::calendar::today().format("%Y").to_string();
    let reply = app
        .gql(
            Some(&coordinator),
            "query($y: Int!) { annualPlan(countyCode: \"990101000000\", year: $y) { id version } \
             projects(first: 100) { nodes { progressReports { id reportedOn } } } }",
            json!({"y": year.parse::<i32>().unwrap()}),
        )
        .await;
    let data = reply.ok();
    let plan = &data["annualPlan"];
    let report = data["projects"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["progressReports"].as_array().unwrap().iter())
        .next()
        .expect("a progress report in the demo county")
        .clone();
    let fetch =
        "query($id: ID!) { node(id: $id) { id ... on AnnualPlan { version } ... on ProgressReport { reportedOn } } }";
    let reply = app.gql(Some(&coordinator), fetch, json!({"id": plan["id"]})).await;
    assert_eq!(
        reply.ok()["node"],
        json!({"id": plan["id"], "version": plan["version"]})
    );
    let reply = app.gql(Some(&coordinator), fetch, json!({"id": report["id"]})).await;
    assert_eq!(reply.ok()["node"], report);
    // Outside the reader's reach they are not there: a township does not read the county's
    // funds.
    let township = app.demo_login("township").await;
    let reply = app.gql(Some(&township), fetch, json!({"id": plan["id"]})).await;
    assert_eq!(reply.ok()["node"], json!(null));
}

/// A server whose database has not had this build's migrations (`--no-migrate` before
/// `tracker migrate` ran) is alive but not ready, and ready once they have run.
#[tokio::test]
async fn readyz_waits_for_the_migrations() {
    let (url, file) = crate::helpers::fresh_database().await;
    let db = tracker::db::connect(&url, 2).await.expect("connect");
    let args = serve_args();
    let tokens = tracker::startup::tokens(&args).expect("tokens");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let stopping = tracker::startup::Stopping::of(&args);
    let app = tracker::startup::app(db.clone(), tokens, &args);
    tokio::spawn(tracker::startup::serve(listener, app, stopping, std::future::pending()));
    let client = reqwest::Client::new();
    let readyz = || async {
        let r = client.get(format!("{base}/readyz")).send().await.expect("readyz");
        (r.status().as_u16(), r.json::<Value>().await.expect("json"))
    };
    let (status, body) = readyz().await;
    assert_eq!((status, &body["status"]), (503, &json!("migrations pending")), "{body}");
    assert!(!body["pending"].as_array().expect("pending").is_empty(), "{body}");
    let alive = client.get(format!("{base}/healthz")).send().await.expect("healthz");
    assert_eq!(alive.status().as_u16(), 200);
    tracker::startup::migrate(&db).await.expect("migrate");
    assert_eq!(readyz().await, (200, json!({"status": "ready"})));
    if let Some(file) = file {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }
}
