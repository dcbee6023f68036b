//! 负面清单 as data, through the HTTP API: the national entries and the demo county's own,
//! the rule by project category and fund kind, a county's entry added and taken out, and
//! who may change the list.
use crate::helpers::{TestApp, project_id, project_of_category, spawn_demo_app};
use serde_json::{Value, json};
use tracker::domain::category::{INTEGRATION_NOTICE_2019, NATIONAL, ProjectCategory};
use tracker::domain::lifecycle::ProjectStatus;
use tracker::domain::sector::Sector;

const COUNTY: &str = "990101000000";

async fn line(app: &TestApp, token: &str, name: &str, kind: &str) -> String {
    let reply = app
        .gql(
            Some(token),
            "mutation($i: FundLineCreateInput!) { fundLineCreate(input: $i) { fundLine { id } userErrors { message } } }",
            json!({"i": {"countyCode": COUNTY, "year": 2026, "name": name, "kind": kind, "level": "COUNTY", "plannedAmount": "100000.00", "povertyTargeted": false}}),
        )
        .await;
    let id = reply.ok()["fundLineCreate"]["fundLine"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .gql(
            Some(token),
            "mutation($l: ID!, $d: String!) { fundReceiptRecord(input: {fundLine: $l, amount: \"100000.00\", date: \"2026-03-01\", documentNo: $d}) { userErrors { message } } }",
            json!({"l": id, "d": format!("{name}文")}),
        )
        .await;
    assert_eq!(reply.ok()["fundReceiptRecord"]["userErrors"], json!([]));
    id
}

async fn allocate(app: &TestApp, token: &str, line: &str, project: &str) -> Value {
    let reply = app
        .gql(
            Some(token),
            "mutation($l: ID!, $p: ID!) { fundAllocate(input: {fundLine: $l, project: $p, amount: \"100.00\", date: \"2026-04-01\"}) { entry { id } userErrors { code message field } } }",
            json!({"l": line, "p": project}),
        )
        .await;
    reply.ok()["fundAllocate"]["userErrors"].clone()
}

#[tokio::test]
async fn the_rule_reads_the_category_and_the_counties_own_entries() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    // The list: the national entries with their document, then the demo county's own.
    let reply = app
        .gql(
            Some(&finance),
            "query($c: String!) { negativeList(countyCode: $c) { id national category categoryName fundKind source createdBy } }",
            json!({"c": COUNTY}),
        )
        .await;
    let list = reply.ok()["negativeList"].as_array().unwrap().clone();
    let national: Vec<&Value> = list.iter().filter(|e| e["national"] == json!(true)).collect();
    assert_eq!(national.len(), NATIONAL.len());
    assert!(
        national
            .iter()
            .all(|e| e["id"].is_null() && e["fundKind"] == json!("INTEGRATED_AGRICULTURAL"))
    );
    let office = national
        .iter()
        .find(|e| e["category"] == json!("VILLAGE_OFFICE"))
        .unwrap();
    assert_eq!(office["categoryName"], json!("村级办公场所"));
    assert_eq!(office["source"], json!(INTEGRATION_NOTICE_2019));
    let own: Vec<&Value> = list.iter().filter(|e| e["national"] == json!(false)).collect();
    assert_eq!(own.len(), 2, "the demo county's own entries");
    assert!(
        own.iter()
            .all(|e| e["fundKind"] == json!("COUNTY_MATCHING") && e["id"].is_string())
    );

    // A village office (a road project in name, an office in what it builds) may not have
    // integrated funds; a road may; sector funds may pay for the office.
    let office = project_of_category(
        &app,
        ProjectStatus::Approved,
        Sector::Road,
        Some(ProjectCategory::VillageOffice),
        &["990101001001"],
        5,
    )
    .await;
    let road = project_of_category(&app, ProjectStatus::Approved, Sector::Road, None, &["990101001002"], 5).await;
    // A clinic drafted under another category is still a clinic.
    let clinic = project_of_category(
        &app,
        ProjectStatus::Approved,
        Sector::Clinic,
        Some(ProjectCategory::Other),
        &["990101001003"],
        5,
    )
    .await;
    let integrated = line(&app, &finance, "整合资金", "INTEGRATED_AGRICULTURAL").await;
    let sector = line(&app, &finance, "行业资金", "SECTOR").await;
    let matching = line(&app, &finance, "配套资金", "COUNTY_MATCHING").await;
    let refused = allocate(&app, &finance, &integrated, &project_id(&office)).await;
    assert_eq!(refused[0]["code"], json!("NEGATIVE_LIST"), "{refused}");
    assert!(refused[0]["message"].as_str().unwrap().contains("村级办公场所"));
    assert!(
        refused[0]["message"]
            .as_str()
            .unwrap()
            .contains(INTEGRATION_NOTICE_2019)
    );
    assert_eq!(
        allocate(&app, &finance, &integrated, &project_id(&road)).await,
        json!([])
    );
    assert_eq!(allocate(&app, &finance, &sector, &project_id(&office)).await, json!([]));
    let refused = allocate(&app, &finance, &integrated, &project_id(&clinic)).await;
    assert_eq!(refused[0]["code"], json!("NEGATIVE_LIST"), "{refused}");
    assert!(refused[0]["message"].as_str().unwrap().contains("村卫生室"));

    // The county bars its matching money from roads: refused, naming the county's document;
    // taken out again: allowed.
    let add = "mutation($i: NegativeListEntryAddInput!) { negativeListEntryAdd(input: $i) { entry { id national source createdBy } userErrors { code field message } } }";
    let input = json!({"countyCode": COUNTY, "category": "ROAD", "fundKind": "COUNTY_MATCHING", "source": "示财〔2026〕9号", "note": "道路由交通专项安排"});
    let reply = app.gql(Some(&finance), add, json!({"i": input})).await;
    let entry = reply.ok()["negativeListEntryAdd"]["entry"].clone();
    assert_eq!(entry["national"], json!(false));
    assert_eq!(entry["createdBy"], json!("finance"));
    let refused = allocate(&app, &finance, &matching, &project_id(&road)).await;
    assert_eq!(refused[0]["code"], json!("NEGATIVE_LIST"), "{refused}");
    assert!(refused[0]["message"].as_str().unwrap().contains("示财〔2026〕9号"));
    // The same entry twice, or one the national list has, is refused.
    let reply = app.gql(Some(&finance), add, json!({"i": input})).await;
    assert_eq!(
        reply.ok()["negativeListEntryAdd"]["userErrors"][0]["code"],
        json!("ALREADY_EXISTS")
    );
    let national_again =
        json!({"countyCode": COUNTY, "category": "CLINIC", "fundKind": "INTEGRATED_AGRICULTURAL", "source": "x"});
    let reply = app.gql(Some(&finance), add, json!({"i": national_again})).await;
    assert_eq!(
        reply.ok()["negativeListEntryAdd"]["userErrors"][0]["code"],
        json!("ALREADY_EXISTS")
    );
    let no_source = json!({"countyCode": COUNTY, "category": "HOUSING", "fundKind": "SOCIAL", "source": "  "});
    let reply = app.gql(Some(&finance), add, json!({"i": no_source})).await;
    assert_eq!(
        reply.ok()["negativeListEntryAdd"]["userErrors"][0]["field"],
        json!(["input", "source"])
    );
    // Only the finance bureau (and ADMIN) changes the list.
    let coordinator = app.demo_login("coordinator").await;
    let reply = app.gql(Some(&coordinator), add, json!({"i": no_source})).await;
    assert_eq!(
        reply.ok()["negativeListEntryAdd"]["userErrors"][0]["code"],
        json!("FORBIDDEN")
    );

    let remove =
        "mutation($e: ID!) { negativeListEntryRemove(input: {entry: $e}) { entry { category } userErrors { code } } }";
    let reply = app.gql(Some(&finance), remove, json!({"e": entry["id"]})).await;
    assert_eq!(
        reply.ok()["negativeListEntryRemove"]["entry"]["category"],
        json!("ROAD")
    );
    assert_eq!(allocate(&app, &finance, &matching, &project_id(&road)).await, json!([]));
    let reply = app.gql(Some(&finance), remove, json!({"e": entry["id"]})).await;
    assert_eq!(
        reply.ok()["negativeListEntryRemove"]["userErrors"][0]["code"],
        json!("NOT_FOUND")
    );

    // Both changes are in the audit trail.
    let inspector = app.demo_login("inspector").await;
    let reply = app
        .gql(
            Some(&inspector),
            "{ auditLog(filter: {entityType: \"NegativeListEntry\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reply.ok()["auditLog"]["totalCount"],
        json!(4),
        "2 by the demo seed, 1 added, 1 removed"
    );
}

#[tokio::test]
async fn a_draft_carries_its_category_and_the_township_may_change_it() {
    let app = spawn_demo_app().await;
    let township = app.demo_login("township").await;
    let reply = app
        .gql(
            Some(&township),
            "mutation { projectCreate(input: {name: \"村部\", sector: OTHER, year: 2026, villageCodes: [\"990101001001\"], constructionNature: NEW, plannedQuantity: \"1\", budget: \"200000.00\"}) { project { id version category } userErrors { message } } }",
            json!({}),
        )
        .await;
    let project = reply.ok()["projectCreate"]["project"].clone();
    assert_eq!(project["category"], json!("OTHER"), "the sector's usual category");
    let reply = app
        .gql(
            Some(&township),
            "mutation($p: ID!, $v: Int!) { projectUpdate(input: {project: $p, expectedVersion: $v, category: VILLAGE_OFFICE}) { project { category } userErrors { message } } }",
            json!({"p": project["id"], "v": project["version"]}),
        )
        .await;
    assert_eq!(
        reply.ok()["projectUpdate"]["project"]["category"],
        json!("VILLAGE_OFFICE")
    );
}
