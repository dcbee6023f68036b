//! 质保金 through the HTTP API: a county's terms, what an accepted project holds back and
//! when it falls due (against the acceptance day the test works out itself), overdue,
//! `retentionsDue`, and a retention paid early only with its reason.
use crate::helpers::{HISTORY_START, project_at, project_id, spawn_demo_app};
use serde_json::{Value, json};
use tracker::domain::lifecycle::{ProjectAction, ProjectStatus, path_to};
use tracker::domain::sector::Sector;

const TERMS_SET: &str = "mutation($i: RetentionTermsSetInput!) { retentionTermsSet(input: $i) { retentionTerms { rate guaranteeMonths source national updatedBy } userErrors { code field message } } }";
const RETENTION: &str = "query($id: ID!) { node(id: $id) { ... on Project { retention { rate guaranteeMonths required withheld paid due dueOn overdue } } } }";

fn terms(rate: &str, months: i32) -> Value {
    json!({"i": {"countyCode": "990101000000", "rate": rate, "guaranteeMonths": months, "source": "示财〔2026〕5号"}})
}

#[tokio::test]
async fn an_accepted_project_holds_back_the_countys_rate_until_its_guarantee_period_has_run() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    // The national terms until the county sets its own.
    let reply = app
        .gql(
            Some(&finance),
            "{ retentionTerms(countyCode: \"990101000000\") { rate guaranteeMonths national } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reply.ok()["retentionTerms"],
        json!({"rate": "3.00", "guaranteeMonths": 24, "national": true})
    );
    let reply = app.gql(Some(&finance), TERMS_SET, terms("10", 12)).await;
    assert_eq!(
        reply.ok()["retentionTermsSet"]["retentionTerms"],
        json!({"rate": "10.00", "guaranteeMonths": 12, "source": "示财〔2026〕5号", "national": false, "updatedBy": "finance"})
    );
    for (bad, field) in [
        (terms("10.5", 12), "rate"),
        (terms("3.333", 12), "rate"),
        (terms("3", 61), "guaranteeMonths"),
    ] {
        let reply = app.gql(Some(&finance), TERMS_SET, bad).await;
        assert_eq!(
            reply.ok()["retentionTermsSet"]["userErrors"][0]["field"],
            json!(["input", field])
        );
    }
    let coordinator = app.demo_login("coordinator").await;
    let reply = app.gql(Some(&coordinator), TERMS_SET, terms("5", 12)).await;
    assert_eq!(
        reply.ok()["retentionTermsSet"]["userErrors"][0]["code"],
        json!("FORBIDDEN")
    );

    // An accepted road with 100000.00 allocated.
    let project = project_at(&app, ProjectStatus::Accepted, Sector::Road, &["990101001001"], 0).await;
    let steps = path_to(ProjectStatus::Accepted);
    let accept_step = steps.iter().position(|a| *a == ProjectAction::Accept).unwrap();
    let accepted_on = HISTORY_START + chrono::Duration::days(accept_step as i64 + 1);
    let reply = app
        .gql(
            Some(&finance),
            "mutation { fundLineCreate(input: {countyCode: \"990101000000\", year: 2026, name: \"整合资金\", kind: INTEGRATED_AGRICULTURAL, level: CENTRAL, plannedAmount: \"500000.00\"}) { fundLine { id } } }",
            json!({}),
        )
        .await;
    let line = reply.ok()["fundLineCreate"]["fundLine"]["id"].clone();
    app.gql(
        Some(&finance),
        "mutation($l: ID!) { fundReceiptRecord(input: {fundLine: $l, amount: \"500000.00\", date: \"2026-01-03\", documentNo: \"财1\"}) { userErrors { message } } }",
        json!({"l": line}),
    )
    .await;
    let reply = app
        .gql(
            Some(&finance),
            "mutation($l: ID!, $p: ID!) { fundAllocate(input: {fundLine: $l, project: $p, amount: \"100000.00\", date: \"2026-01-04\"}) { entry { id } userErrors { message } } }",
            json!({"l": line, "p": project_id(&project)}),
        )
        .await;
    let allocation = reply.ok()["fundAllocate"]["entry"]["id"].clone();
    let pid = project_id(&project);
    let due_on = accepted_on + chrono::Months::new(12);
    let reply = app.gql(Some(&finance), RETENTION, json!({"id": pid})).await;
    assert_eq!(
        reply.ok()["node"]["retention"],
        json!({"rate": "10.00", "guaranteeMonths": 12, "required": "10000.00", "withheld": "10000.00", "paid": "0.00", "due": "10000.00", "dueOn": due_on.to_string(), "overdue": false})
    );
    // In the list of what falls due by then, not before.
    let due_query = "query($b: Date!) { retentionsDue(regionCode: \"990101000000\", before: $b) { project { id } due dueOn overdue } }";
    let reply = app
        .gql(Some(&finance), due_query, json!({"b": due_on.to_string()}))
        .await;
    assert_eq!(
        reply.ok()["retentionsDue"],
        json!([{"project": {"id": pid}, "due": "10000.00", "dueOn": due_on.to_string(), "overdue": false}])
    );
    let day_before = due_on.pred_opt().unwrap().to_string();
    let reply = app.gql(Some(&finance), due_query, json!({"b": day_before})).await;
    assert_eq!(reply.ok()["retentionsDue"], json!([]));

    // Paying it before it falls due needs the reason, which stays in the note.
    let pay = "mutation($i: DisbursementRecordInput!) { disbursementRecord(input: $i) { entry { note } userErrors { code field message } } }";
    let early = (accepted_on + chrono::Duration::days(1)).to_string();
    let input = json!({"allocation": allocation, "amount": "4000.00", "date": early, "voucherNo": "记-质保-1", "isRetention": true});
    let reply = app.gql(Some(&finance), pay, json!({"i": input})).await;
    let errors = &reply.ok()["disbursementRecord"]["userErrors"];
    assert_eq!(errors[0]["field"], json!(["input", "earlyReleaseReason"]), "{errors}");
    assert!(errors[0]["message"].as_str().unwrap().contains(&due_on.to_string()));
    let mut input = input;
    input["earlyReleaseReason"] = json!("审计完成");
    let reply = app.gql(Some(&finance), pay, json!({"i": input})).await;
    assert_eq!(reply.ok()["disbursementRecord"]["userErrors"], json!([]));
    assert!(
        reply.ok()["disbursementRecord"]["entry"]["note"]
            .as_str()
            .unwrap()
            .contains("审计完成")
    );
    let reply = app.gql(Some(&finance), RETENTION, json!({"id": pid})).await;
    assert_eq!(reply.ok()["node"]["retention"]["paid"], json!("4000.00"));
    assert_eq!(reply.ok()["node"]["retention"]["due"], json!("6000.00"));

    // With a 6-month period it fell due in the summer: overdue now, and paid since without
    // a reason needed.
    let reply = app.gql(Some(&finance), TERMS_SET, terms("10", 6)).await;
    assert_eq!(reply.ok()["retentionTermsSet"]["userErrors"], json!([]));
    let due_on = accepted_on + chrono::Months::new(6);
    let reply = app.gql(Some(&finance), RETENTION, json!({"id": pid})).await;
    assert_eq!(reply.ok()["node"]["retention"]["dueOn"], json!(due_on.to_string()));
    assert_eq!(reply.ok()["node"]["retention"]["overdue"], json!(true));
    let input = json!({"allocation": allocation, "amount": "6000.00", "date": due_on.to_string(), "voucherNo": "记-质保-2", "isRetention": true});
    let reply = app.gql(Some(&finance), pay, json!({"i": input})).await;
    assert_eq!(reply.ok()["disbursementRecord"]["userErrors"], json!([]));
    let reply = app.gql(Some(&finance), RETENTION, json!({"id": pid})).await;
    assert_eq!(
        (
            &reply.ok()["node"]["retention"]["due"],
            &reply.ok()["node"]["retention"]["overdue"]
        ),
        (&json!("0.00"), &json!(false))
    );
    // A project not yet accepted has no day it falls due.
    let building = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        &["990101001002"],
        0,
    )
    .await;
    let reply = app
        .gql(Some(&finance), RETENTION, json!({"id": project_id(&building)}))
        .await;
    assert_eq!(reply.ok()["node"]["retention"]["dueOn"], Value::Null);
}
