//! Sign-in and tokens: every demo user signs in and sees its own role and scope; every
//! kind of bad credential or token is refused with a clear, typed error.
use crate::helpers::{SECRET, spawn_demo_app};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

const ME: &str = "{ me { username role region { code name } department { name } } }";

#[tokio::test]
async fn every_demo_user_signs_in_and_sees_its_role_and_scope() {
    let app = spawn_demo_app().await;
    let expected = [
        ("admin", "ADMIN", "990000000000", None),
        (
            "coordinator",
            "COORDINATOR",
            "990101000000",
            Some("示范县扶贫开发办公室"),
        ),
        ("finance", "FINANCE", "990101000000", Some("示范县财政局")),
        ("transport", "DEPARTMENT", "990101000000", Some("示范县交通运输局")),
        ("water", "DEPARTMENT", "990101000000", Some("示范县水利局")),
        ("health", "DEPARTMENT", "990101000000", Some("示范县卫生健康局")),
        ("power", "DEPARTMENT", "990101000000", Some("示范县供电公司")),
        ("education", "DEPARTMENT", "990101000000", Some("示范县教育局")),
        ("telecom", "DEPARTMENT", "990101000000", Some("示范县通信发展办公室")),
        ("township", "TOWNSHIP", "990101001000", None),
        ("inspector", "INSPECTOR", "990101000000", None),
    ];
    for (username, role, region, department) in expected {
        let token = app.demo_login(username).await;
        let reply = app.gql(Some(&token), ME, json!({})).await;
        let me = &reply.ok()["me"];
        assert_eq!(me["username"], username);
        assert_eq!(me["role"], role, "{username}");
        assert_eq!(me["region"]["code"], region, "{username}");
        assert_eq!(me["department"]["name"].as_str(), department, "{username}");
    }
}

#[tokio::test]
async fn login_returns_a_token_with_an_expiry_and_the_user() {
    let app = spawn_demo_app().await;
    let reply = app
        .gql(
            None,
            r#"mutation { login(input: {username: "finance", password: "demo1234"}) { token expiresAt user { username role } userErrors { code } } }"#,
            json!({}),
        )
        .await;
    let login = &reply.ok()["login"];
    assert_eq!(login["user"]["role"], "FINANCE");
    assert_eq!(login["userErrors"], json!([]));
    let expires = chrono::DateTime::parse_from_rfc3339(login["expiresAt"].as_str().unwrap()).unwrap();
    assert!(expires > chrono::Utc::now());
    // The header names HS256 explicitly.
    let token = login["token"].as_str().unwrap();
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_typed_error() {
    let app = spawn_demo_app().await;
    for (username, password) in [("finance", "wrong-password"), ("nobody", "demo1234")] {
        let reply = app
            .gql(
                None,
                "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token userErrors { code message } } }",
                json!({"u": username, "p": password}),
            )
            .await;
        let login = &reply.ok()["login"];
        assert_eq!(login["token"], json!(null));
        assert_eq!(login["userErrors"][0]["code"], "INVALID_CREDENTIALS");
        assert_eq!(login["userErrors"][0]["message"], "wrong username or password");
    }
}

fn forge(claims: serde_json::Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn bad_tokens_are_unauthenticated_with_a_reason() {
    let app = spawn_demo_app().await;
    let now = chrono::Utc::now().timestamp();
    let claims = |exp: i64| json!({"sub": "1", "iss": "poverty-fund-tracker", "iat": now - 7200, "exp": exp});
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(now + 3600).to_string())
    );
    let hs512 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &claims(now + 3600),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()).unwrap(),
    )
    .unwrap();
    let cases = [
        (None, "sign in first"),
        (Some("not-a-token".to_string()), "malformed"),
        (Some(forge(claims(now - 60), SECRET.as_bytes())), "expired"),
        (
            Some(forge(claims(now + 3600), b"another-secret-another-secret-another")),
            "signature",
        ),
        (Some(unsigned), "malformed"),
        (Some(hs512), "algorithm"),
    ];
    for (token, reason) in cases {
        let reply = app.gql(token.as_deref(), ME, json!({})).await;
        assert_eq!(reply.error_code(), Some("UNAUTHENTICATED"), "{token:?}: {}", reply.body);
        assert!(
            reply.error_message().contains(reason),
            "{token:?}: {}",
            reply.error_message()
        );
        assert_eq!(reply.data()["me"], json!(null));
    }
    // A header that is not a bearer token.
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("authorization", "Basic YWRtaW46ZGVtbzEyMzQ=")
        .json(&json!({"query": ME}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    // A well-signed token for a real user still works afterwards.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let admin = entity::app_user::Entity::find()
        .filter(entity::app_user::Column::Username.eq("admin"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut valid = claims(now + 3600);
    valid["sub"] = json!(admin.id.to_string());
    let token = forge(valid, SECRET.as_bytes());
    let reply = app.gql(Some(&token), ME, json!({})).await;
    assert_eq!(reply.ok()["me"]["username"], "admin");
}

#[tokio::test]
async fn a_deleted_or_disabled_users_token_stops_working_at_once() {
    let app = spawn_demo_app().await;
    let admin = app.demo_login("admin").await;
    let inspector = app.demo_login("inspector").await;
    let water = app.demo_login("water").await;
    let id_of = |reply: &crate::helpers::Reply| reply.ok()["me"]["id"].as_str().unwrap().to_string();
    let inspector_id = id_of(&app.gql(Some(&inspector), "{ me { id } }", json!({})).await);
    let water_id = id_of(&app.gql(Some(&water), "{ me { id } }", json!({})).await);

    let reply = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { userDelete(input: {id: $id}) { deletedUserId userErrors { code message } } }",
            json!({"id": inspector_id}),
        )
        .await;
    assert_eq!(reply.ok()["userDelete"]["deletedUserId"], json!(inspector_id));
    let reply = app.gql(Some(&inspector), ME, json!({})).await;
    assert_eq!(reply.error_code(), Some("UNAUTHENTICATED"));
    assert!(reply.error_message().contains("no longer exists"));

    let reply = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { userUpdate(input: {id: $id, disabled: true}) { user { disabled } userErrors { message } } }",
            json!({"id": water_id}),
        )
        .await;
    assert_eq!(reply.ok()["userUpdate"]["user"]["disabled"], true);
    let reply = app.gql(Some(&water), ME, json!({})).await;
    assert_eq!(reply.error_code(), Some("UNAUTHENTICATED"));
    assert!(reply.error_message().contains("disabled"));
    // And the disabled account cannot sign in again.
    let reply = app
        .gql(None, r#"mutation { login(input: {username: "water", password: "demo1234"}) { token userErrors { code message } } }"#, json!({}))
        .await;
    assert_eq!(reply.ok()["login"]["userErrors"][0]["code"], "INVALID_CREDENTIALS");
    assert!(
        reply.ok()["login"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("disabled")
    );
}
