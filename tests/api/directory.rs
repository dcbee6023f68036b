//! Regions and departments: reading them within scope, paging, `node`, and the admin
//! mutations that build them, each recorded in the audit trail.
use crate::helpers::{spawn_app, spawn_demo_app};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

#[tokio::test]
async fn the_demo_county_has_the_shape_of_the_report() {
    let app = spawn_demo_app().await;
    let token = app.demo_login("coordinator").await;
    let count = |filter: serde_json::Value| {
        let app = &app;
        let token = token.clone();
        async move {
            let reply = app
                .gql(
                    Some(&token),
                    "query($f: RegionFilter) { regions(filter: $f) { totalCount } }",
                    json!({"f": filter}),
                )
                .await;
            reply.ok()["regions"]["totalCount"].as_i64().unwrap()
        }
    };
    assert_eq!(count(json!({"level": "TOWNSHIP"})).await, 10);
    assert_eq!(count(json!({"level": "VILLAGE"})).await, 150);
    assert_eq!(count(json!({"level": "VILLAGE", "isPovertyVillage": true})).await, 50);
    assert_eq!(count(json!({"parentCode": "990101003000"})).await, 15);
    let reply = app
        .gql(
            Some(&token),
            "{ departments(first: 100) { totalCount nodes { name kind sectors county { code } } } }",
            json!({}),
        )
        .await;
    let departments = &reply.ok()["departments"];
    assert_eq!(departments["totalCount"], 10);
    let all_sectors: Vec<&str> = departments["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["sectors"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()))
        .collect();
    for sector in [
        "ROAD",
        "DRINKING_WATER",
        "CLINIC",
        "POWER_GRID",
        "EDUCATION",
        "TELECOM",
        "INDUSTRY",
        "HOUSING",
        "OTHER",
    ] {
        assert!(all_sectors.contains(&sector), "no department handles {sector}");
    }
    let kinds: Vec<&str> = departments["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"POVERTY_OFFICE") && kinds.contains(&"FINANCE_BUREAU"));
}

#[tokio::test]
async fn pages_walk_the_whole_list_with_cursors() {
    let app = spawn_demo_app().await;
    let token = app.demo_login("inspector").await;
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let reply = app
            .gql(
                Some(&token),
                "query($after: String) { regions(first: 40, after: $after, filter: {level: VILLAGE}) { totalCount edges { cursor node { code } } pageInfo { hasNextPage endCursor } } }",
                json!({"after": after}),
            )
            .await;
        let regions = &reply.ok()["regions"];
        assert_eq!(regions["totalCount"], 150);
        for edge in regions["edges"].as_array().unwrap() {
            seen.push(edge["node"]["code"].as_str().unwrap().to_string());
        }
        if !regions["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = regions["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    assert_eq!(seen.len(), 150);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "pages are in code order without repeats");
    let reply = app
        .gql(Some(&token), r#"{ regions(after: "bogus") { totalCount } }"#, json!({}))
        .await;
    assert_eq!(reply.error_code(), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn a_township_sees_its_own_subtree_and_the_regions_above_it() {
    let app = spawn_demo_app().await;
    let token = app.demo_login("township").await;
    let reply = app
        .gql(
            Some(&token),
            "{ regions(first: 100) { totalCount nodes { code } } }",
            json!({}),
        )
        .await;
    let regions = &reply.ok()["regions"];
    // 演示省, 演示市, 示范县, 城关镇 and its 15 villages.
    assert_eq!(regions["totalCount"], 19);
    for region in regions["nodes"].as_array().unwrap() {
        let code = region["code"].as_str().unwrap();
        assert!(code.starts_with("990101001") || code.ends_with("000000"), "{code}");
    }
    let reply = app
        .gql(
            Some(&token),
            r#"{ region(code: "990101000000") { name children(first: 100) { totalCount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(reply.ok()["region"]["name"], "示范县");
    assert_eq!(
        reply.ok()["region"]["children"]["totalCount"],
        1,
        "only its own township below the county"
    );
    let reply = app
        .gql(Some(&token), r#"{ region(code: "990101002000") { name } }"#, json!({}))
        .await;
    assert_eq!(reply.error_code(), Some("NOT_FOUND"), "another township is invisible");
}

#[tokio::test]
async fn region_lookups_explain_unknown_and_malformed_codes() {
    let app = spawn_demo_app().await;
    let token = app.demo_login("admin").await;
    let reply = app
        .gql(Some(&token), r#"{ region(code: "990101001001") { name level isPovertyVillage poorHouseholds poorPeople parent { code level parent { code } } } }"#, json!({}))
        .await;
    let village = &reply.ok()["region"];
    assert_eq!(village["level"], "VILLAGE");
    assert_eq!(village["parent"]["code"], "990101001000");
    assert_eq!(village["parent"]["level"], "TOWNSHIP");
    assert_eq!(village["parent"]["parent"]["code"], "990101000000");
    assert_eq!(village["isPovertyVillage"], true);

    let reply = app
        .gql(Some(&token), r#"{ region(code: "990101099000") { name } }"#, json!({}))
        .await;
    assert_eq!(reply.error_code(), Some("NOT_FOUND"));
    assert!(reply.error_message().contains("990101099000"));
    let reply = app
        .gql(Some(&token), r#"{ region(code: "12345") { name } }"#, json!({}))
        .await;
    assert_eq!(reply.error_code(), Some("BAD_USER_INPUT"));
    assert!(reply.error_message().contains("12 digits"));
}

#[tokio::test]
async fn node_fetches_by_global_id_within_scope() {
    let app = spawn_demo_app().await;
    let admin = app.demo_login("admin").await;
    let township = app.demo_login("township").await;
    let reply = app
        .gql(Some(&admin), r#"{ a: region(code: "990101001001") { id } b: region(code: "990101002001") { id } departments(first: 1) { nodes { id name } } me { id } }"#, json!({}))
        .await;
    let data = reply.ok();
    let own_village = data["a"]["id"].as_str().unwrap();
    let other_village = data["b"]["id"].as_str().unwrap();
    let department = data["departments"]["nodes"][0]["id"].as_str().unwrap();
    let admin_user = data["me"]["id"].as_str().unwrap();
    let query = "query($id: ID!) { node(id: $id) { __typename id ... on Region { code } ... on Department { name } ... on User { username } } }";

    let reply = app.gql(Some(&admin), query, json!({"id": own_village})).await;
    assert_eq!(reply.ok()["node"]["code"], "990101001001");
    let reply = app.gql(Some(&admin), query, json!({"id": department})).await;
    assert_eq!(reply.ok()["node"]["__typename"], "Department");
    let reply = app.gql(Some(&admin), query, json!({"id": admin_user})).await;
    assert_eq!(reply.ok()["node"]["username"], "admin");

    let reply = app.gql(Some(&township), query, json!({"id": own_village})).await;
    assert_eq!(reply.ok()["node"]["code"], "990101001001");
    for hidden in [other_village, admin_user] {
        let reply = app.gql(Some(&township), query, json!({"id": hidden})).await;
        assert_eq!(
            reply.ok()["node"],
            json!(null),
            "{hidden} is outside the township's scope"
        );
    }
    let reply = app.gql(Some(&township), query, json!({"id": "nonsense"})).await;
    assert_eq!(reply.error_code(), Some("BAD_USER_INPUT"));
}

const REGION_CREATE: &str = "mutation($input: RegionCreateInput!) { regionCreate(input: $input) { region { code level name parent { code } } userErrors { code field message } } }";

#[tokio::test]
async fn admins_create_and_edit_regions_and_each_change_is_audited() {
    let app = spawn_demo_app().await;
    let admin = app.demo_login("admin").await;
    let audit_before = entity::audit_entry::Entity::find().count(&app.db).await.unwrap();

    let reply = app
        .gql(
            Some(&admin),
            REGION_CREATE,
            json!({"input": {"code": "990101011000", "name": "新建镇"}}),
        )
        .await;
    let created = &reply.ok()["regionCreate"];
    assert_eq!(created["userErrors"], json!([]));
    assert_eq!(created["region"]["level"], "TOWNSHIP");
    assert_eq!(created["region"]["parent"]["code"], "990101000000");
    let reply = app
        .gql(
            Some(&admin),
            REGION_CREATE,
            json!({"input": {"code": "990101011001", "name": "新建村", "isPovertyVillage": true, "poorHouseholds": 30, "poorPeople": 95}}),
        )
        .await;
    assert_eq!(reply.ok()["regionCreate"]["region"]["level"], "VILLAGE");
    let reply = app
        .gql(
            Some(&admin),
            "mutation { regionUpdate(input: {code: \"990101011001\", name: \"新建村一组\", poorPeople: 101}) { region { name poorPeople poorHouseholds } userErrors { message } } }",
            json!({}),
        )
        .await;
    let updated = &reply.ok()["regionUpdate"]["region"];
    assert_eq!(updated["name"], "新建村一组");
    assert_eq!(updated["poorPeople"], 101);
    assert_eq!(updated["poorHouseholds"], 30);

    let entries = entity::audit_entry::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(entries.len() as u64, audit_before + 3);
    let last = entries.iter().max_by_key(|e| e.id).unwrap();
    assert_eq!(
        (
            last.action.as_str(),
            last.entity_id.as_str(),
            last.actor_username.as_str()
        ),
        ("region.update", "990101011001", "admin")
    );
    assert!(
        last.before.as_deref().unwrap().contains("新建村") && last.after.as_deref().unwrap().contains("新建村一组")
    );
}

#[tokio::test]
async fn bad_region_input_is_a_typed_error_and_changes_nothing() {
    let app = spawn_demo_app().await;
    let admin = app.demo_login("admin").await;
    let regions_before = entity::region::Entity::find().count(&app.db).await.unwrap();
    let cases = [
        (
            json!({"code": "990101001001", "name": "重复村"}),
            "ALREADY_EXISTS",
            "code",
        ),
        (json!({"code": "990101050001", "name": "孤儿村"}), "NOT_FOUND", "code"),
        (json!({"code": "99010105", "name": "短码"}), "INVALID_INPUT", "code"),
        (json!({"code": "990101001099", "name": "  "}), "INVALID_INPUT", "name"),
        (
            json!({"code": "990101001099", "name": "负数村", "poorHouseholds": -3}),
            "INVALID_INPUT",
            "poorHouseholds",
        ),
        (
            json!({"code": "990101012000", "name": "贫困镇", "isPovertyVillage": true}),
            "INVALID_INPUT",
            "isPovertyVillage",
        ),
        (json!({"code": "980101001001", "name": "外省村"}), "FORBIDDEN", ""),
    ];
    for (input, code, field) in cases {
        let reply = app.gql(Some(&admin), REGION_CREATE, json!({"input": input})).await;
        let payload = &reply.ok()["regionCreate"];
        assert_eq!(payload["region"], json!(null), "{input}");
        assert_eq!(payload["userErrors"][0]["code"], code, "{input}: {payload}");
        if !field.is_empty() {
            assert_eq!(payload["userErrors"][0]["field"], json!(["input", field]), "{input}");
        }
    }
    // Only ADMIN may build the tree.
    let coordinator = app.demo_login("coordinator").await;
    let reply = app
        .gql(
            Some(&coordinator),
            REGION_CREATE,
            json!({"input": {"code": "990101001099", "name": "越权村"}}),
        )
        .await;
    assert_eq!(reply.ok()["regionCreate"]["userErrors"][0]["code"], "FORBIDDEN");
    assert_eq!(
        entity::region::Entity::find().count(&app.db).await.unwrap(),
        regions_before
    );
}

const IMPORT: &str = "mutation($csv: String!) { regionImport(input: {csv: $csv}) { created updated unchanged userErrors { code field message } } }";

#[tokio::test]
async fn a_region_tree_imports_from_csv_in_any_order() {
    let app = spawn_app().await;
    // Bootstrap the province from the command-line actor, then import the rest as an admin.
    tracker::service::regions::import_csv(
        &app.db,
        &tracker::domain::access::Actor::system(),
        "code,name\n990000000000,演示省\n",
        &|_, _| {},
    )
    .await
    .unwrap();
    tracker::service::users::create(
        &app.db,
        &tracker::domain::access::Actor::system(),
        tracker::service::users::UserInput {
            username: "root".into(),
            display_name: None,
            password: "root-password".into(),
            role: tracker::domain::access::Role::Admin,
            region_code: Some("990000000000".into()),
            department_id: None,
        },
    )
    .await
    .unwrap();
    let token = app.login("root", "root-password").await;
    let csv = "\u{feff}code,name,is_poverty_village,poor_households,poor_people\n\
               990101001001,甲村,true,12,40\n\
               990101000000,示范县,,,\n\
               990101001000,甲镇,false,0,0\n\
               990100000000,演示市,false,0,0\n";
    let reply = app.gql(Some(&token), IMPORT, json!({"csv": csv})).await;
    let result = &reply.ok()["regionImport"];
    assert_eq!(result["userErrors"], json!([]));
    assert_eq!(
        (result["created"].as_i64(), result["updated"].as_i64()),
        (Some(4), Some(0))
    );

    // Importing again with one change updates that row only.
    let reply = app
        .gql(
            Some(&token),
            IMPORT,
            json!({"csv": csv.replace("甲村,true,12,40", "甲村,true,13,41")}),
        )
        .await;
    let result = &reply.ok()["regionImport"];
    assert_eq!(
        (
            result["created"].as_i64(),
            result["updated"].as_i64(),
            result["unchanged"].as_i64()
        ),
        (Some(0), Some(1), Some(3))
    );

    // One bad row refuses the whole file, naming the line.
    let before = entity::region::Entity::find().count(&app.db).await.unwrap();
    let bad = "code,name,poor_households,poor_people\n990101001002,乙村,3,9\n990101001003,丙村,many,1\n";
    let reply = app.gql(Some(&token), IMPORT, json!({"csv": bad})).await;
    let result = &reply.ok()["regionImport"];
    assert_eq!(result["created"], json!(null));
    assert_eq!(result["userErrors"][0]["code"], "INVALID_INPUT");
    assert!(
        result["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 3:"),
        "{result}"
    );
    let orphan = "code,name\n990101001002,乙村\n990101077001,孤村\n";
    let reply = app.gql(Some(&token), IMPORT, json!({"csv": orphan})).await;
    let result = &reply.ok()["regionImport"];
    assert_eq!(result["userErrors"][0]["code"], "NOT_FOUND", "{result}");
    assert!(
        result["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 3:"),
        "{result}"
    );
    assert_eq!(
        entity::region::Entity::find().count(&app.db).await.unwrap(),
        before,
        "乙村 was rolled back too"
    );
    let reply = app.gql(Some(&token), IMPORT, json!({"csv": "id;title\n1;x\n"})).await;
    assert!(
        reply.ok()["regionImport"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("header")
    );
}

const DEPARTMENT_CREATE: &str = "mutation($input: DepartmentCreateInput!) { departmentCreate(input: $input) { department { id name kind sectors county { code } } userErrors { code field message } } }";

#[tokio::test]
async fn admins_manage_departments_and_names_stay_unique_per_county() {
    let app = spawn_demo_app().await;
    let admin = app.demo_login("admin").await;
    let reply = app
        .gql(
            Some(&admin),
            DEPARTMENT_CREATE,
            json!({"input": {"countyCode": "990101000000", "name": "示范县文化旅游局", "kind": "SECTOR", "sectors": ["OTHER", "INDUSTRY"]}}),
        )
        .await;
    let created = &reply.ok()["departmentCreate"]["department"];
    assert_eq!(created["sectors"], json!(["INDUSTRY", "OTHER"]));
    assert_eq!(created["county"]["code"], "990101000000");
    let id = created["id"].as_str().unwrap().to_string();

    let failures = [
        (
            json!({"countyCode": "990101000000", "name": "示范县交通运输局", "kind": "SECTOR", "sectors": ["ROAD"]}),
            "ALREADY_EXISTS",
        ),
        (
            json!({"countyCode": "990101001000", "name": "镇里的局", "kind": "SECTOR", "sectors": ["ROAD"]}),
            "INVALID_INPUT",
        ),
        (
            json!({"countyCode": "990101000000", "name": "无行业局", "kind": "SECTOR", "sectors": []}),
            "INVALID_INPUT",
        ),
        (
            json!({"countyCode": "990199000000", "name": "不存在县的局", "kind": "SECTOR", "sectors": ["ROAD"]}),
            "NOT_FOUND",
        ),
    ];
    for (input, code) in failures {
        let reply = app.gql(Some(&admin), DEPARTMENT_CREATE, json!({"input": input})).await;
        assert_eq!(
            reply.ok()["departmentCreate"]["userErrors"][0]["code"],
            code,
            "{input}: {}",
            reply.body
        );
    }

    let update = "mutation($input: DepartmentUpdateInput!) { departmentUpdate(input: $input) { department { name sectors } userErrors { code message } } }";
    let reply = app
        .gql(
            Some(&admin),
            update,
            json!({"input": {"id": id, "sectors": ["TELECOM"]}}),
        )
        .await;
    assert_eq!(
        reply.ok()["departmentUpdate"]["department"]["sectors"],
        json!(["TELECOM"])
    );
    let reply = app
        .gql(
            Some(&admin),
            update,
            json!({"input": {"id": id, "name": "示范县水利局"}}),
        )
        .await;
    assert_eq!(
        reply.ok()["departmentUpdate"]["userErrors"][0]["code"],
        "ALREADY_EXISTS"
    );

    let reply = app
        .gql(
            Some(&admin),
            r#"{ departments(filter: {sector: TELECOM}) { totalCount nodes { name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(reply.ok()["departments"]["totalCount"], 2);

    let finance = app.demo_login("finance").await;
    let reply = app
        .gql(Some(&finance), update, json!({"input": {"id": id, "name": "改名"}}))
        .await;
    assert_eq!(reply.ok()["departmentUpdate"]["userErrors"][0]["code"], "FORBIDDEN");
}

#[tokio::test]
async fn a_long_page_lists_its_nodes_and_edges_in_order_under_any_alias() {
    let app = spawn_demo_app().await;
    let token = app.demo_login("inspector").await;
    let reply = app
        .gql(
            Some(&token),
            "{ regions(first: 100, filter: {level: VILLAGE}) { __typename nodes { code } edges { cursor node { code } } villages: nodes { __typename name } pageInfo { hasNextPage } totalCount } }",
            json!({}),
        )
        .await;
    let regions = &reply.ok()["regions"];
    assert_eq!(regions["__typename"], "RegionConnection");
    let codes = |list: &serde_json::Value, path: &[&str]| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|item| path.iter().fold(item, |v, key| &v[key]).as_str().unwrap().to_string())
            .collect()
    };
    let nodes = codes(&regions["nodes"], &["code"]);
    assert_eq!(nodes.len(), 100, "more than one group of items");
    let mut sorted = nodes.clone();
    sorted.sort();
    assert_eq!(nodes, sorted, "in code order");
    assert_eq!(codes(&regions["edges"], &["node", "code"]), nodes);
    assert!(
        regions["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["cursor"].is_string())
    );
    let villages = regions["villages"].as_array().unwrap();
    assert_eq!(villages.len(), 100);
    assert!(
        villages
            .iter()
            .all(|v| v["__typename"] == "Region" && v["name"].is_string())
    );
    assert_eq!(regions["pageInfo"]["hasNextPage"], true);
    assert_eq!(regions["totalCount"], 150);
}
