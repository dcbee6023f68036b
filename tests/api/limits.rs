//! The HTTP and GraphQL surface under bad requests: each gets a typed error with a
//! message a clerk understands, and the server keeps serving.
use crate::helpers::{TestApp, spawn_demo_app};
use serde_json::json;

/// The server still answers a normal query.
async fn still_serving(app: &TestApp, token: &str) {
    let reply = app.gql(Some(token), "{ me { username } }", json!({})).await;
    assert_eq!(reply.ok()["me"]["username"], "admin");
}

#[tokio::test]
async fn health_reports_the_database_and_graphiql_is_served() {
    let app = spawn_demo_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, json!({"status": "ok", "database": "reachable"}));
    let page = app.get("/").await.text().await.unwrap();
    assert!(page.contains("graphiql") && page.contains("/graphql"), "{page}");
}

#[tokio::test]
async fn page_size_must_be_between_1_and_100() {
    let app = spawn_demo_app().await;
    let token = app.demo_login("admin").await;
    for first in [0, 1000, -1] {
        let reply = app
            .gql(
                Some(&token),
                "query($n: Int) { regions(first: $n) { totalCount } }",
                json!({"n": first}),
            )
            .await;
        assert_eq!(reply.error_code(), Some("BAD_USER_INPUT"), "{first}: {}", reply.body);
        assert!(
            reply.error_message().contains("between 1 and 100"),
            "{}",
            reply.error_message()
        );
    }
    let reply = app
        .gql(
            Some(&token),
            "{ regions(first: 100) { totalCount nodes { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.ok()["regions"]["nodes"].as_array().unwrap().len(), 100);
    still_serving(&app, &token).await;
}

/// `{ me { region { parent { parent { … code } } } } }`, `levels` deep in all.
fn nested(levels: usize) -> String {
    let mut inner = "code".to_string();
    for _ in 0..levels.saturating_sub(3) {
        inner = format!("parent {{ {inner} }}");
    }
    format!("{{ me {{ region {{ {inner} }} }} }}")
}

#[tokio::test]
async fn deep_and_costly_queries_are_refused_before_they_run() {
    let app = spawn_demo_app().await;
    let token = app.demo_login("admin").await;
    for levels in [20, 50, 200] {
        let reply = app.gql(Some(&token), &nested(levels), json!({})).await;
        assert_eq!(
            reply.error_code(),
            Some("QUERY_TOO_COMPLEX"),
            "{levels}: {}",
            reply.body
        );
        assert!(reply.data().is_null(), "nothing ran: {}", reply.body);
    }
    let costly = "{ regions(first: 100) { nodes { children(first: 100) { nodes { children(first: 100) { nodes { code name } } } } } } }";
    let reply = app.gql(Some(&token), costly, json!({})).await;
    assert_eq!(reply.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", reply.body);
    assert!(reply.error_message().contains("too much"), "{}", reply.error_message());
    still_serving(&app, &token).await;
}

#[tokio::test]
async fn oversized_malformed_and_batched_bodies_get_clear_errors() {
    let app = spawn_demo_app().await;
    let token = app.demo_login("admin").await;

    let huge = format!(
        r#"{{"query": "{{ me {{ username }} }}", "variables": {{"pad": "{}"}}}}"#,
        "x".repeat(10 * 1024 * 1024)
    );
    let reply = app.post_raw(huge, Some(&token)).await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.error_code(), Some("BAD_USER_INPUT"));
    assert!(
        reply.error_message().contains("larger than the limit"),
        "{}",
        reply.error_message()
    );

    let reply = app.post_raw(r#"{"query": "{ me { username } }""#, Some(&token)).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), Some("BAD_USER_INPUT"));
    assert!(
        reply.error_message().contains("not a GraphQL request"),
        "{}",
        reply.error_message()
    );

    let reply = app
        .post_raw(
            r#"[{"query": "{ me { username } }"}, {"query": "{ me { role } }"}]"#,
            Some(&token),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.error_message().contains("batched requests are not supported"));

    let reply = app.gql(Some(&token), "{ me { username ", json!({})).await;
    assert_eq!(reply.error_code(), Some("BAD_USER_INPUT"), "{}", reply.body);

    let reply = app.gql(Some(&token), "{ me { salary } }", json!({})).await;
    assert_eq!(reply.error_code(), Some("BAD_USER_INPUT"), "{}", reply.body);
    assert!(reply.error_message().contains("salary"));
    still_serving(&app, &token).await;
}

#[tokio::test]
async fn get_serves_queries_and_refuses_mutations() {
    let app = spawn_demo_app().await;
    let token = app.demo_login("admin").await;
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "{ me { username } }")])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["data"]["me"]["username"], "admin");

    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[(
            "query",
            r#"mutation { login(input: {username: "admin", password: "demo1234"}) { token } }"#,
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("POST"));
}

#[tokio::test]
async fn errors_carry_a_request_id_and_no_internals() {
    let app = spawn_demo_app().await;
    let reply = app
        .gql(None, "{ region(code: \"990101001000\") { name } }", json!({}))
        .await;
    let request_id = reply.body["errors"][0]["extensions"]["requestId"].as_str().unwrap();
    assert_eq!(request_id.len(), 32);
    let text = reply.body.to_string().to_lowercase();
    for leak in ["select ", "sqlx", "panicked", "src/"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
}
