//! Account management: who may create, list, change and delete accounts, and the
//! bindings each role needs.
use crate::helpers::spawn_demo_app;
use serde_json::json;

const USER_CREATE: &str = "mutation($input: UserCreateInput!) { userCreate(input: $input) { user { username role region { code } department { name } } userErrors { code field message } } }";

#[tokio::test]
async fn admins_create_accounts_bound_the_way_their_role_needs() {
    let app = spawn_demo_app().await;
    let admin = app.demo_login("admin").await;
    let reply = app
        .gql(
            Some(&admin),
            r#"{ departments(filter: {sector: ROAD}) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let transport_id = reply.ok()["departments"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let reply = app
        .gql(
            Some(&admin),
            USER_CREATE,
            json!({"input": {"username": "road-clerk", "password": "long-enough", "role": "DEPARTMENT", "departmentId": transport_id}}),
        )
        .await;
    let user = &reply.ok()["userCreate"]["user"];
    assert_eq!(
        user["region"]["code"], "990101000000",
        "a department user works in its department's county"
    );
    assert_eq!(user["department"]["name"], "示范县交通运输局");
    let token = app.login("road-clerk", "long-enough").await;
    let reply = app.gql(Some(&token), "{ me { role } }", json!({})).await;
    assert_eq!(reply.ok()["me"]["role"], "DEPARTMENT");

    let failures = [
        (
            json!({"username": "road-clerk", "password": "long-enough", "role": "INSPECTOR", "regionCode": "990101000000"}),
            "ALREADY_EXISTS",
            "username",
        ),
        (
            json!({"username": "town2", "password": "long-enough", "role": "TOWNSHIP", "regionCode": "990101000000"}),
            "INVALID_INPUT",
            "regionCode",
        ),
        (
            json!({"username": "dept2", "password": "long-enough", "role": "DEPARTMENT", "regionCode": "990101000000"}),
            "INVALID_INPUT",
            "departmentId",
        ),
        (
            json!({"username": "fin2", "password": "long-enough", "role": "FINANCE", "regionCode": "990101001001"}),
            "INVALID_INPUT",
            "regionCode",
        ),
        (
            json!({"username": "short", "password": "short", "role": "INSPECTOR", "regionCode": "990101000000"}),
            "INVALID_INPUT",
            "password",
        ),
        (
            json!({"username": "bad name!", "password": "long-enough", "role": "INSPECTOR", "regionCode": "990101000000"}),
            "INVALID_INPUT",
            "username",
        ),
        (
            json!({"username": "ghost", "password": "long-enough", "role": "INSPECTOR", "regionCode": "990101099000"}),
            "NOT_FOUND",
            "regionCode",
        ),
        (
            json!({"username": "ghost", "password": "long-enough", "role": "DEPARTMENT", "departmentId": "garbage"}),
            "INVALID_INPUT",
            "departmentId",
        ),
    ];
    for (input, code, field) in failures {
        let reply = app.gql(Some(&admin), USER_CREATE, json!({"input": input})).await;
        let payload = &reply.ok()["userCreate"];
        assert_eq!(payload["userErrors"][0]["code"], code, "{input}: {payload}");
        assert_eq!(
            payload["userErrors"][0]["field"],
            json!(["input", field]),
            "{input}: {payload}"
        );
        assert_eq!(payload["user"], json!(null));
    }
}

#[tokio::test]
async fn only_admins_manage_accounts_and_only_oversight_lists_them() {
    let app = spawn_demo_app().await;
    let input = json!({"input": {"username": "sneaky", "password": "long-enough", "role": "ADMIN", "regionCode": "990101000000"}});
    for role in ["coordinator", "finance", "transport", "township", "inspector"] {
        let token = app.demo_login(role).await;
        let reply = app.gql(Some(&token), USER_CREATE, input.clone()).await;
        assert_eq!(reply.ok()["userCreate"]["userErrors"][0]["code"], "FORBIDDEN", "{role}");
    }
    let reply = app.gql(None, USER_CREATE, input.clone()).await;
    assert_eq!(reply.error_code(), Some("UNAUTHENTICATED"));

    let inspector = app.demo_login("inspector").await;
    let reply = app
        .gql(
            Some(&inspector),
            "{ users(first: 100) { totalCount nodes { username } } }",
            json!({}),
        )
        .await;
    // The inspector's county holds every demo account but the province-level admin.
    assert_eq!(reply.ok()["users"]["totalCount"], 10);
    let finance = app.demo_login("finance").await;
    let reply = app.gql(Some(&finance), "{ users { totalCount } }", json!({})).await;
    assert_eq!(reply.error_code(), Some("FORBIDDEN"));
    assert!(
        reply.error_message().contains("ADMIN or INSPECTOR"),
        "{}",
        reply.error_message()
    );
}

#[tokio::test]
async fn an_admin_cannot_lock_itself_out() {
    let app = spawn_demo_app().await;
    let admin = app.demo_login("admin").await;
    let reply = app.gql(Some(&admin), "{ me { id } }", json!({})).await;
    let id = reply.ok()["me"]["id"].as_str().unwrap().to_string();
    let reply = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { userDelete(input: {id: $id}) { deletedUserId userErrors { code message } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(reply.ok()["userDelete"]["userErrors"][0]["code"], "INVALID_INPUT");
    let reply = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { userUpdate(input: {id: $id, disabled: true}) { userErrors { code } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(reply.ok()["userUpdate"]["userErrors"][0]["code"], "INVALID_INPUT");
    let reply = app.gql(Some(&admin), "{ me { username disabled } }", json!({})).await;
    assert_eq!(reply.ok()["me"]["disabled"], false);
}

#[tokio::test]
async fn a_changed_password_takes_effect_and_the_change_is_audited_without_the_hash() {
    let app = spawn_demo_app().await;
    let admin = app.demo_login("admin").await;
    let reply = app
        .gql(
            Some(&admin),
            r#"{ users(filter: {role: TOWNSHIP}) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let id = reply.ok()["users"]["nodes"][0]["id"].as_str().unwrap().to_string();
    let reply = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { userUpdate(input: {id: $id, password: \"a-new-password\"}) { userErrors { code } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(reply.ok()["userUpdate"]["userErrors"], json!([]));
    app.login("township", "a-new-password").await;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let entry = entity::audit_entry::Entity::find()
        .filter(entity::audit_entry::Column::Action.eq("user.update"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.actor_username, "admin");
    assert!(
        !entry.after.unwrap().contains("argon2"),
        "the password hash never enters the audit trail"
    );
}
