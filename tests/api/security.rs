//! Sign-in hardening, browser origins and demand limits.
use crate::helpers::{serve_args, spawn_app_with, spawn_demo_app};
use serde_json::json;

const LOGIN: &str = "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token userErrors { code message } } }";

#[tokio::test]
async fn failed_sign_ins_are_limited_per_username_and_say_so() {
    let app = spawn_demo_app().await;
    for _ in 0..5 {
        let reply = app.gql(None, LOGIN, json!({"u": "finance", "p": "guess-guess"})).await;
        assert_eq!(reply.ok()["login"]["userErrors"][0]["code"], "INVALID_CREDENTIALS");
    }
    // Now even the right password is refused for a while, and the message says why.
    let reply = app.gql(None, LOGIN, json!({"u": "finance", "p": "demo1234"})).await;
    let error = &reply.ok()["login"]["userErrors"][0];
    assert_eq!(error["code"], "RATE_LIMITED");
    assert!(error["message"].as_str().unwrap().contains("try again in"), "{error}");
    assert_eq!(reply.ok()["login"]["token"], json!(null));
    // Other accounts are not affected.
    app.demo_login("coordinator").await;
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_client_address() {
    let app = spawn_demo_app().await;
    for i in 0..20 {
        let reply = app
            .gql(None, LOGIN, json!({"u": format!("nobody{i}"), "p": "guess-guess"}))
            .await;
        assert_eq!(reply.ok()["login"]["userErrors"][0]["code"], "INVALID_CREDENTIALS");
    }
    let reply = app.gql(None, LOGIN, json!({"u": "inspector", "p": "demo1234"})).await;
    let error = &reply.ok()["login"]["userErrors"][0];
    assert_eq!(error["code"], "RATE_LIMITED");
    assert!(
        error["message"].as_str().unwrap().contains("from your address"),
        "{error}"
    );
}

#[tokio::test]
async fn a_successful_sign_in_clears_the_accounts_failures() {
    let app = spawn_demo_app().await;
    for _ in 0..4 {
        app.gql(None, LOGIN, json!({"u": "water", "p": "guess-guess"})).await;
    }
    app.demo_login("water").await;
    for _ in 0..4 {
        app.gql(None, LOGIN, json!({"u": "water", "p": "guess-guess"})).await;
    }
    app.demo_login("water").await;
}

#[tokio::test]
async fn only_configured_browser_origins_may_call() {
    let app = spawn_demo_app().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization,content-type")
            .send()
    };
    let allowed = preflight("https://frontend.example").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://frontend.example"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(refused.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn too_many_aliases_are_refused() {
    let app = spawn_demo_app().await;
    let token = app.demo_login("admin").await;
    let query = format!(
        "{{ {} }}",
        (0..101)
            .map(|i| format!("a{i}: me {{ username }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let reply = app.gql(Some(&token), &query, json!({})).await;
    assert_eq!(reply.error_code(), Some("QUERY_TOO_COMPLEX"));
    assert!(reply.error_message().contains("aliases"), "{}", reply.error_message());
    let query = format!(
        "{{ {} }}",
        (0..100)
            .map(|i| format!("a{i}: me {{ username }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    assert_eq!(
        app.gql(Some(&token), &query, json!({})).await.ok()["a99"]["username"],
        "admin"
    );
}

#[tokio::test]
async fn a_request_past_the_time_limit_is_stopped_with_a_clear_error() {
    let mut args = serve_args();
    args.request_timeout_ms = 1;
    let app = spawn_app_with(args).await;
    tracker::seed::demo::seed_directory(&app.db).await.unwrap();
    // Sign in is itself a request: with a 1 ms limit it too is stopped.
    let reply = app.gql(None, LOGIN, json!({"u": "admin", "p": "demo1234"})).await;
    assert_eq!(reply.error_code(), Some("REQUEST_TIMEOUT"), "{}", reply.body);
    assert!(reply.error_message().contains("1 ms"));
}

#[tokio::test]
async fn the_server_answers_others_while_one_client_floods_it() {
    let app = spawn_demo_app().await;
    let token = app.demo_login("admin").await;
    let heavy =
        "{ regions(first: 100) { nodes { code children(first: 20) { nodes { code name parent { name } } } } } }";
    let flood = (0..30).map(|_| app.gql(Some(&token), heavy, json!({})));
    let normal = app.gql(Some(&token), "{ me { username } }", json!({}));
    let (flooded, normal) = tokio::join!(futures::future::join_all(flood), normal);
    assert_eq!(normal.ok()["me"]["username"], "admin");
    for r in &flooded {
        assert!(r.status == 200 && r.body.get("errors").is_none(), "{}", r.body);
    }
}

#[test]
fn production_refuses_to_start_without_a_strong_secret() {
    let mut args = serve_args();
    args.jwt_secret = Some("short".into());
    assert!(tracker::startup::tokens(&args).is_err());
    args.jwt_secret = None;
    let err = tracker::startup::tokens(&args).err().unwrap().to_string();
    assert!(err.contains("TRACKER_JWT_SECRET") && err.contains("--dev"), "{err}");
    args.dev = true;
    assert!(tracker::startup::tokens(&args).is_ok(), "dev mode makes its own");
}

#[tokio::test]
async fn an_internal_failure_reaches_the_client_as_a_code_and_a_request_id_only() {
    let app = spawn_demo_app().await;
    let token = app.demo_login("inspector").await;
    // Break the database under the server: sign-in can no longer count failures.
    use sea_orm::ConnectionTrait;
    app.db.execute_unprepared("DROP TABLE login_failure").await.unwrap();
    let reply = app
        .gql(None, LOGIN, json!({"u": "finance", "p": "wrong-password"}))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.error_code(), Some("INTERNAL_SERVER_ERROR"), "{}", reply.body);
    let request_id = reply.body["errors"][0]["extensions"]["requestId"].as_str().unwrap();
    assert_eq!(request_id.len(), 32);
    assert!(reply.error_message().contains("request id"));
    let text = reply.body.to_string().to_lowercase();
    for leak in ["login_failure", "select", "insert", "no such table", "relation", "sqlx"] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
    // Everything else still works.
    assert_eq!(
        app.gql(Some(&token), "{ me { role } }", json!({})).await.ok()["me"]["role"],
        "INSPECTOR"
    );
}
