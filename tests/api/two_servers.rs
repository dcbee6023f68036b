//! Two servers, each with its own connection pool, on one database — as two processes
//! behind a load balancer. Concurrent allocations and progress reports across them keep
//! every invariant and lose no update.
use crate::fuzz::assert_ledger_invariants;
use crate::helpers::{project_at, project_id, spawn_demo_app};
use serde_json::json;
use tracker::domain::calendar::china_date;
use tracker::domain::lifecycle::ProjectStatus;
use tracker::domain::sector::Sector;

#[tokio::test]
async fn two_servers_on_one_database_keep_the_invariants() {
    let first = spawn_demo_app().await;
    let second = first.second_server().await;
    let finance = first.demo_login("finance").await;
    let transport = second.demo_login("transport").await;
    let building = project_at(
        &first,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        &["990101001001"],
        0,
    )
    .await;
    let reply = first
        .gql(
            Some(&finance),
            "mutation { fundLineCreate(input: {countyCode: \"990101000000\", year: 2026, name: \"整合\", kind: INTEGRATED_AGRICULTURAL, level: CENTRAL, plannedAmount: \"1000.00\"}) { fundLine { id } } }",
            json!({}),
        )
        .await;
    let line = reply.ok()["fundLineCreate"]["fundLine"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = second
        .gql(
            Some(&finance),
            "mutation($l: ID!) { fundReceiptRecord(input: {fundLine: $l, amount: \"1000.00\", date: \"2026-02-01\", documentNo: \"x\"}) { userErrors { code } } }",
            json!({"l": line}),
        )
        .await;
    assert_eq!(reply.ok()["fundReceiptRecord"]["userErrors"], json!([]));

    let allocate = "mutation($l: ID!, $p: ID!) { fundAllocate(input: {fundLine: $l, project: $p, amount: \"100.00\", date: \"2026-02-02\"}) { entry { id } userErrors { code } } }";
    let project = project_id(&building);
    let attempts = (0..20).map(|i| {
        let server = if i % 2 == 0 { &first } else { &second };
        server.gql(Some(&finance), allocate, json!({"l": line, "p": project}))
    });
    let results = futures::future::join_all(attempts).await;
    let ok = results
        .iter()
        .filter(|r| r.ok()["fundAllocate"]["userErrors"] == json!([]))
        .count();
    let refused = results
        .iter()
        .filter(|r| r.ok()["fundAllocate"]["userErrors"][0]["code"] == "INSUFFICIENT_FUNDS")
        .count();
    assert_eq!((ok, refused), (10, 10));

    // Six clerks report progress on the same version through both servers: one wins.
    let report = "mutation($p: ID!, $v: Int!, $q: Decimal!) { progressReportCreate(input: {project: $p, expectedVersion: $v, completedQuantity: $q, investedAmount: \"1.00\", reportedOn: $d}) { project { version } userErrors { code } } }"
        .replace("$d", &format!("\"{}\"", china_date(chrono::Utc::now())));
    let attempts = (0..6).map(|i| {
        let server = if i % 2 == 0 { &first } else { &second };
        server.gql(
            Some(&transport),
            &report,
            json!({"p": project, "v": building.version, "q": format!("{}.5", i % 4)}),
        )
    });
    let results = futures::future::join_all(attempts).await;
    let won = results
        .iter()
        .filter(|r| r.ok()["progressReportCreate"]["userErrors"] == json!([]))
        .count();
    let stale = results
        .iter()
        .filter(|r| r.ok()["progressReportCreate"]["userErrors"][0]["code"] == "STALE_VERSION")
        .count();
    assert_eq!((won, stale), (1, 5));
    let reply = second
        .gql(
            Some(&transport),
            "query($id: ID!) { node(id: $id) { ... on Project { version progressReports { completedQuantity } } } }",
            json!({"id": project}),
        )
        .await;
    assert_eq!(reply.ok()["node"]["version"], building.version + 1);
    assert_eq!(reply.ok()["node"]["progressReports"].as_array().unwrap().len(), 1);
    assert_ledger_invariants(&first).await;
}
