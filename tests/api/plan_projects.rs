//! 整合方案 — the plan by project, through the HTTP API: rows checked against their lines,
//! the outside-plan rule on the allocation's own day, adjustments that say which projects
//! gained or lost money, and `planned` by township from the plan in force.
use crate::helpers::{TestApp, project_at, project_id};
use serde_json::{Value, json};
use tracker::domain::lifecycle::ProjectStatus;
use tracker::domain::sector::Sector;

const COUNTY: &str = "990101000000";

struct Fixture {
    app: TestApp,
    finance: String,
    coordinator: String,
    line: String,
    /// Road in 城关镇, water in 东风镇, power in 红星镇.
    projects: [String; 3],
}

async fn fixture() -> Fixture {
    let app = crate::helpers::spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    let coordinator = app.demo_login("coordinator").await;
    let a = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        &["990101001001"],
        5,
    )
    .await;
    let b = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::DrinkingWater,
        &["990101002001"],
        5,
    )
    .await;
    let c = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::PowerGrid,
        &["990101003001"],
        5,
    )
    .await;
    let reply = app
        .gql(
            Some(&finance),
            "mutation { fundLineCreate(input: {countyCode: \"990101000000\", year: 2026, name: \"整合资金\", kind: INTEGRATED_AGRICULTURAL, level: CENTRAL, plannedAmount: \"1000000.00\"}) { fundLine { id } } }",
            json!({}),
        )
        .await;
    let line = reply.ok()["fundLineCreate"]["fundLine"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .gql(
            Some(&finance),
            "mutation($l: ID!) { fundReceiptRecord(input: {fundLine: $l, amount: \"1000000.00\", date: \"2026-02-01\", documentNo: \"财〔2026〕1号\"}) { userErrors { message } } }",
            json!({"l": line}),
        )
        .await;
    assert_eq!(reply.ok()["fundReceiptRecord"]["userErrors"], json!([]));
    Fixture {
        app,
        finance,
        coordinator,
        line,
        projects: [project_id(&a), project_id(&b), project_id(&c)],
    }
}

const SET: &str = "mutation($i: AnnualPlanSetInput!) { annualPlanSet(input: $i) { annualPlan { version projects { project { id } fundLine { id } plannedAmount } } userErrors { code field message } } }";
const APPROVE: &str = "mutation($v: Int!, $d: Date!) { annualPlanApprove(input: {countyCode: \"990101000000\", year: 2026, version: $v, date: $d}) { userErrors { message } } }";
const ALLOCATE: &str = "mutation($i: FundAllocateInput!) { fundAllocate(input: $i) { entry { outsidePlan note } userErrors { code field message } } }";

async fn allocate(f: &Fixture, project: usize, amount: &str, date: &str, extra: Value) -> Value {
    let mut input = json!({"fundLine": f.line, "project": f.projects[project], "amount": amount, "date": date});
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        input.extend(extra.clone());
    }
    f.app.gql(Some(&f.finance), ALLOCATE, json!({"i": input})).await.ok()["fundAllocate"].clone()
}

async fn planned_by_township(f: &Fixture, as_of: &str) -> Vec<(String, Value)> {
    let reply = f
        .app
        .gql(
            Some(&f.finance),
            "query($a: Date) { fundUtilization(year: 2026, regionCode: \"990101000000\", groupBy: [TOWNSHIP], asOf: $a) { township { code } planned allocated } }",
            json!({"a": as_of}),
        )
        .await;
    reply.ok()["fundUtilization"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["township"]["code"].as_str().unwrap().to_string(),
                r["planned"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn allocations_outside_the_plan_by_project_need_a_reason_and_adjustments_name_the_projects() {
    let f = fixture().await;
    let app = &f.app;
    let [a, b, c] = f.projects.clone();
    // Rows are checked against their lines: no more than the line plans, a line in the plan,
    // an amount with its line.
    let input = |projects: Value| json!({"countyCode": COUNTY, "year": 2026, "fundLines": [{"fundLine": f.line, "plannedAmount": "1000000.00"}], "projects": projects});
    let too_much = input(json!([{"project": a, "fundLine": f.line, "plannedAmount": "1000000.01"}]));
    let reply = app.gql(Some(&f.coordinator), SET, json!({"i": too_much})).await;
    assert_eq!(
        reply.ok()["annualPlanSet"]["userErrors"][0]["code"],
        json!("INVALID_INPUT"),
        "{}",
        reply.body
    );
    assert!(
        reply.ok()["annualPlanSet"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1000000.01")
    );
    let no_line = input(json!([{"project": a, "plannedAmount": "1.00"}]));
    let reply = app.gql(Some(&f.coordinator), SET, json!({"i": no_line})).await;
    assert_eq!(
        reply.ok()["annualPlanSet"]["userErrors"][0]["field"],
        json!(["input", "projects", "0", "fundLine"])
    );
    // Version 1: A 300000 and B 200000 from the line, C listed without money.
    let v1 = input(json!([
        {"project": a, "fundLine": f.line, "plannedAmount": "300000.00"},
        {"project": b, "fundLine": f.line, "plannedAmount": "200000.00"},
        {"project": c}
    ]));
    let reply = app.gql(Some(&f.coordinator), SET, json!({"i": v1})).await;
    let plan = &reply.ok()["annualPlanSet"]["annualPlan"];
    assert_eq!(plan["projects"].as_array().unwrap().len(), 3, "{plan}");
    let reply = app
        .gql(Some(&f.coordinator), APPROVE, json!({"v": 1, "d": "2026-03-01"}))
        .await;
    assert_eq!(reply.ok()["annualPlanApprove"]["userErrors"], json!([]));

    // Before the plan was in force nothing is outside it (the rule reads the entry's day).
    let early = allocate(&f, 2, "100.00", "2026-02-15", json!({})).await;
    assert_eq!(early["userErrors"], json!([]), "{early}");
    assert_eq!(early["entry"]["outsidePlan"], json!(false));
    // Within the plan; then above A's amount; C listed without money.
    assert_eq!(
        allocate(&f, 0, "300000.00", "2026-03-10", json!({})).await["userErrors"],
        json!([])
    );
    let refused = allocate(&f, 0, "0.01", "2026-03-11", json!({})).await;
    assert_eq!(refused["userErrors"][0]["code"], json!("OUTSIDE_PLAN"), "{refused}");
    assert_eq!(refused["userErrors"][0]["field"], json!(["input", "outsidePlan"]));
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("300000.01")
    );
    let refused = allocate(&f, 2, "1.00", "2026-03-11", json!({})).await;
    assert_eq!(refused["userErrors"][0]["code"], json!("OUTSIDE_PLAN"), "{refused}");
    let no_reason = allocate(&f, 0, "0.01", "2026-03-11", json!({"outsidePlan": true})).await;
    assert_eq!(no_reason["userErrors"][0]["field"], json!(["input", "note"]));
    let confirmed = allocate(
        &f,
        0,
        "0.01",
        "2026-03-11",
        json!({"outsidePlan": true, "note": "差价补足"}),
    )
    .await;
    assert_eq!(confirmed["userErrors"], json!([]), "{confirmed}");
    assert_eq!(confirmed["entry"]["outsidePlan"], json!(true));

    // The journal finds the allocations made outside the plan.
    let reply = app
        .gql(
            Some(&f.finance),
            "{ ledgerEntries(filter: {outsidePlan: true}) { nodes { amount outsidePlan note } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reply.ok()["ledgerEntries"]["nodes"],
        json!([{"amount": "0.01", "outsidePlan": true, "note": "差价补足"}])
    );

    // Version 2 (调整方案): B down to 150000, C given 50000 and no longer listed bare.
    let v2 = json!({"countyCode": COUNTY, "year": 2026, "projects": [
        {"project": b, "fundLine": f.line, "plannedAmount": "150000.00"},
        {"project": c, "fundLine": f.line, "plannedAmount": "50000.00"}
    ], "removeProjects": [{"project": c}], "reason": "年中调整"});
    let reply = app.gql(Some(&f.coordinator), SET, json!({"i": v2})).await;
    assert_eq!(reply.ok()["annualPlanSet"]["userErrors"], json!([]), "{}", reply.body);
    let reply = app
        .gql(Some(&f.coordinator), APPROVE, json!({"v": 2, "d": "2026-06-01"}))
        .await;
    assert_eq!(reply.ok()["annualPlanApprove"]["userErrors"], json!([]));
    let reply = app
        .gql(
            Some(&f.finance),
            "{ annualPlanDiff(countyCode: \"990101000000\", year: 2026, from: 1, to: 2) { change project { id } fundLine { id } plannedBefore plannedAfter plannedChange } }",
            json!({}),
        )
        .await;
    let changes: Vec<Value> = reply.ok()["annualPlanDiff"].as_array().unwrap().clone();
    let of = |project: &str, with_line: bool| {
        changes
            .iter()
            .find(|c| c["project"]["id"] == json!(project) && c["fundLine"].is_null() != with_line)
            .unwrap_or_else(|| panic!("no change for {project}: {changes:?}"))
            .clone()
    };
    assert_eq!(
        (of(&b, true)["change"].clone(), of(&b, true)["plannedChange"].clone()),
        (json!("CHANGED"), json!("-50000.00"))
    );
    assert_eq!(of(&c, true)["change"], json!("ADDED"));
    assert_eq!(of(&c, true)["plannedAfter"], json!("50000.00"));
    assert_eq!(of(&c, false)["change"], json!("REMOVED"));
    assert_eq!(changes.len(), 3, "A did not change: {changes:?}");
    // C may now have its 50000 (with the 100 before the plan: within it).
    assert_eq!(
        allocate(&f, 2, "49900.00", "2026-06-02", json!({})).await["userErrors"],
        json!([])
    );

    // 年计划 by township from the plan in force on the day.
    let planned = planned_by_township(&f, "2026-09-30").await;
    assert_eq!(
        planned,
        vec![
            ("990101001000".to_string(), json!("300000.00")),
            ("990101002000".to_string(), json!("150000.00")),
            ("990101003000".to_string(), json!("50000.00")),
        ]
    );
    let planned = planned_by_township(&f, "2026-04-01").await;
    assert_eq!(
        planned,
        vec![
            ("990101001000".to_string(), json!("300000.00")),
            ("990101002000".to_string(), json!("200000.00")),
            ("990101003000".to_string(), json!("0.00")),
        ],
        "version 1, where C has no money"
    );
    // By the department holding each project on the day.
    let reply = app
        .gql(
            Some(&f.finance),
            "{ fundUtilization(year: 2026, regionCode: \"990101000000\", groupBy: [DEPARTMENT], asOf: \"2026-09-30\") { department { name } planned } }",
            json!({}),
        )
        .await;
    let by_department: Vec<(String, Value)> = reply.ok()["fundUtilization"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["department"]["name"].as_str().unwrap().to_string(),
                r["planned"].clone(),
            )
        })
        .collect();
    assert_eq!(
        by_department,
        vec![
            ("示范县交通运输局".to_string(), json!("300000.00")),
            ("示范县水利局".to_string(), json!("150000.00")),
            ("示范县供电公司".to_string(), json!("50000.00")),
        ]
    );
    // Below a county, its county's plan for its own projects.
    let reply = app
        .gql(
            Some(&f.finance),
            "{ fundUtilization(year: 2026, regionCode: \"990101002000\", groupBy: [SECTOR], asOf: \"2026-09-30\") { sector planned } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reply.ok()["fundUtilization"],
        json!([{"sector": "DRINKING_WATER", "planned": "150000.00"}])
    );
    // A department reads the county's plan, but only its own projects' rows and changes.
    let transport = app.demo_login("transport").await;
    let reply = app
        .gql(
            Some(&transport),
            "{ annualPlan(countyCode: \"990101000000\", year: 2026, version: 1) { projects { project { id } plannedAmount } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reply.ok()["annualPlan"]["projects"],
        json!([{"project": {"id": a}, "plannedAmount": "300000.00"}])
    );
    let reply = app
        .gql(
            Some(&transport),
            "{ annualPlanDiff(countyCode: \"990101000000\", year: 2026, from: 1, to: 2) { project { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reply.ok()["annualPlanDiff"],
        json!([]),
        "B and C are not the road department's"
    );

    let reply = app
        .gql(
            Some(&f.finance),
            "{ disbursementRanking(year: 2026, regionCode: \"990101000000\", by: TOWNSHIP, asOf: \"2026-09-30\") { rows { township { code } planned plannedDisbursementRate } } }",
            json!({}),
        )
        .await;
    let rows = reply.ok()["disbursementRanking"]["rows"].as_array().unwrap().clone();
    assert!(
        rows.iter()
            .all(|r| r["planned"].is_string() && r["plannedDisbursementRate"] == json!("0.00")),
        "{rows:?}"
    );
}
