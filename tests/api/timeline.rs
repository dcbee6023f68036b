//! The timeline (DESIGN §8): figures as of a past day come from when things happened, and
//! steps that would make the past contradict itself are refused. Replays the examples of
//! issue 19 through the API.
use crate::helpers::{TestApp, notice_for, spawn_demo_app};
use serde_json::{Value, json};
use tracker::domain::lifecycle::ProjectAction;

/// Runs a project mutation; returns the project and the userErrors.
async fn step(
    app: &TestApp,
    token: &str,
    mutation: &str,
    input_type: &str,
    project: &Value,
    extra: Value,
) -> (Value, Value) {
    let mut input = json!({"project": project["id"], "expectedVersion": project["version"]});
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    let query = format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ project {{ id version status }} userErrors {{ code field message }} }} }}"
    );
    let data = app.gql(Some(token), &query, json!({"input": input})).await.ok().clone();
    (data[mutation]["project"].clone(), data[mutation]["userErrors"].clone())
}

async fn ok_step(app: &TestApp, token: &str, mutation: &str, input_type: &str, project: &Value, extra: Value) -> Value {
    let (project, errors) = step(app, token, mutation, input_type, project, extra).await;
    assert_eq!(errors, json!([]), "{mutation}");
    project
}

/// Runs a mutation as `token`; returns the `id` of what its `field` holds and the userErrors.
async fn made(
    app: &TestApp,
    token: &str,
    mutation: &str,
    input_type: &str,
    field: &str,
    input: Value,
) -> (Value, Value) {
    let query = format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {field} {{ id }} userErrors {{ code field message }} }} }}"
    );
    let data = app.gql(Some(token), &query, json!({"input": input})).await.ok().clone();
    (
        data[mutation][field]["id"].clone(),
        data[mutation]["userErrors"].clone(),
    )
}

const ROAD_FIGURES: &str = "query($a: Date) { constructionProgress(year: 2026, regionCode: \"990101000000\", asOf: $a) { sector projectCount startedCount completedCount completedQuantity } }";

/// The county's road figures on `day`: (projects, started, completed, km).
async fn road_on(app: &TestApp, token: &str, day: &str) -> (i64, i64, i64, String) {
    let data = app.gql(Some(token), ROAD_FIGURES, json!({"a": day})).await.ok().clone();
    let row = data["constructionProgress"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sector"] == "ROAD")
        .cloned()
        .unwrap_or(json!({"projectCount": 0, "startedCount": 0, "completedCount": 0, "completedQuantity": "0"}));
    (
        row["projectCount"].as_i64().unwrap(),
        row["startedCount"].as_i64().unwrap(),
        row["completedCount"].as_i64().unwrap(),
        row["completedQuantity"].as_str().unwrap().to_string(),
    )
}

fn km(text: &str) -> rust_decimal::Decimal {
    text.parse().unwrap()
}

/// The road, entered in December: drafted in April, started 8 June, reported on
/// 31 July and 30 September, completed 15 November. Each month-end reads it as it was.
#[tokio::test]
async fn a_project_entered_late_counts_from_when_things_happened() {
    let app = spawn_demo_app().await;
    let township = app.demo_login("township").await;
    let coordinator = app.demo_login("coordinator").await;
    let transport = app.demo_login("transport").await;
    let days = [
        "2026-03-31",
        "2026-05-31",
        "2026-06-30",
        "2026-08-31",
        "2026-10-31",
        "2026-11-30",
        "2026-12-02",
    ];
    let mut before = Vec::new();
    for day in days {
        before.push(road_on(&app, &coordinator, day).await);
    }
    let input = json!({
        "name": "迟录道路工程", "sector": "ROAD", "year": 2026, "villageCodes": ["990101001001"],
        "constructionNature": "NEW", "content": "硬化道路12公里", "plannedQuantity": "12", "budget": "3000000.00",
        "beneficiaries": {"households": 100, "people": 300, "poorHouseholds": 30, "poorPeople": 90},
        "performanceTargets": [{"indicator": "道路里程", "target": "12"}],
        "plannedStart": "2026-06-01", "plannedFinish": "2026-11-30", "date": "2026-04-01"
    });
    let data = app
        .gql(
            Some(&township),
            "mutation($input: ProjectCreateInput!) { projectCreate(input: $input) { project { id version status } userErrors { message } } }",
            json!({"input": input}),
        )
        .await
        .ok()
        .clone();
    let p = data["projectCreate"]["project"].clone();
    let p = ok_step(
        &app,
        &township,
        "projectSubmit",
        "ProjectCommentInput",
        &p,
        json!({"date": "2026-04-05"}),
    )
    .await;
    // A step may not go back before the previous one, nor into the future.
    let (_, errors) = step(
        &app,
        &coordinator,
        "projectApprove",
        "ProjectCommentInput",
        &p,
        json!({"date": "2026-04-01"}),
    )
    .await;
    assert_eq!(errors[0]["code"], "INVALID_INPUT", "{errors}");
    assert_eq!(errors[0]["field"], json!(["input", "date"]));
    assert!(
        errors[0]["message"].as_str().unwrap().contains("2026-04-05"),
        "{errors}"
    );
    let (_, errors) = step(
        &app,
        &coordinator,
        "projectApprove",
        "ProjectCommentInput",
        &p,
        json!({"date": "2099-01-01"}),
    )
    .await;
    assert!(errors[0]["message"].as_str().unwrap().contains("future"), "{errors}");
    notice_for(&app, &p["id"], ProjectAction::Approve, "2026-04-20").await;
    let p = ok_step(
        &app,
        &coordinator,
        "projectApprove",
        "ProjectCommentInput",
        &p,
        json!({"date": "2026-04-20"}),
    )
    .await;
    let department = {
        let data = app
            .gql(Some(&transport), "{ me { department { id } } }", json!({}))
            .await
            .ok()
            .clone();
        data["me"]["department"]["id"].clone()
    };
    // The claim deadline is measured from the assignment, not from today.
    let p = ok_step(
        &app,
        &coordinator,
        "projectAssign",
        "ProjectAssignInput",
        &p,
        json!({"department": department, "deadline": "2026-05-30", "date": "2026-05-01"}),
    )
    .await;
    let p = ok_step(
        &app,
        &transport,
        "projectClaim",
        "ProjectCommentInput",
        &p,
        json!({"date": "2026-05-03"}),
    )
    .await;
    let p = ok_step(
        &app,
        &transport,
        "projectStartConstruction",
        "ProjectStartConstructionInput",
        &p,
        json!({"date": "2026-06-08"}),
    )
    .await;
    let report = "mutation($input: ProgressReportCreateInput!) { progressReportCreate(input: $input) { project { id version } userErrors { message } } }";
    let mut p = p;
    // Entered out of order: September first, then July.
    for (quantity, day) in [("9", "2026-09-30"), ("4", "2026-07-31")] {
        let input = json!({"project": p["id"], "expectedVersion": p["version"], "completedQuantity": quantity, "investedAmount": "1000.00", "reportedOn": day});
        let data = app
            .gql(Some(&transport), report, json!({"input": input}))
            .await
            .ok()
            .clone();
        assert_eq!(data["progressReportCreate"]["userErrors"], json!([]), "{day}");
        p = data["progressReportCreate"]["project"].clone();
    }
    let (_, errors) = step(
        &app,
        &transport,
        "projectComplete",
        "ProjectCompleteInput",
        &p,
        json!({"date": "2026-06-01", "finalQuantity": "12"}),
    )
    .await;
    assert_eq!(
        errors[0]["field"],
        json!(["input", "date"]),
        "completion before the start: {errors}"
    );
    let p = ok_step(
        &app,
        &transport,
        "projectComplete",
        "ProjectCompleteInput",
        &p,
        json!({"date": "2026-11-15", "finalQuantity": "12"}),
    )
    .await;
    assert_eq!(p["status"], "COMPLETED");

    // (projects, started, completed, km) added by the road at each month-end.
    let expected = [
        (0, 0, 0, "0"),
        (1, 0, 0, "0"),
        (1, 1, 0, "0"),
        (1, 1, 0, "4"),
        (1, 1, 0, "9"),
        (1, 1, 1, "12"),
        (1, 1, 1, "12"),
    ];
    for ((day, was), (projects, started, completed, built)) in days.iter().zip(&before).zip(expected) {
        let now = road_on(&app, &coordinator, day).await;
        assert_eq!(
            (now.0 - was.0, now.1 - was.1, now.2 - was.2, km(&now.3) - km(&was.3)),
            (projects, started, completed, km(built)),
            "as of {day}"
        );
    }
    // The paragraph as of 30 November counts the programme's projects, this one included.
    let data = app
        .gql(
            Some(&coordinator),
            "{ progressReport(year: 2026, regionCode: \"990101000000\", asOf: \"2026-11-30\") { narrative } }",
            json!({}),
        )
        .await
        .ok()
        .clone();
    let narrative = data["progressReport"]["narrative"].as_str().unwrap();
    assert!(!narrative.contains("规划实施扶贫项目0个"), "{narrative}");
    assert!(narrative.contains("截止11月底"), "{narrative}");
    // The project's history shows both days: when each step happened and was recorded.
    let data = app
        .gql(
            Some(&coordinator),
            "query($id: ID!) { node(id: $id) { ... on Project { events { action happenedOn occurredAt } } } }",
            json!({"id": p["id"]}),
        )
        .await
        .ok()
        .clone();
    let events = data["node"]["events"].as_array().unwrap();
    let on = |action: &str| {
        events
            .iter()
            .find(|e| e["action"] == action)
            .map(|e| e["happenedOn"].as_str().unwrap().to_string())
    };
    assert_eq!(on("CREATE").as_deref(), Some("2026-04-01"));
    assert_eq!(on("START_CONSTRUCTION").as_deref(), Some("2026-06-08"));
    assert_eq!(on("COMPLETE").as_deref(), Some("2026-11-15"));
    assert!(events.iter().all(|e| e["occurredAt"].as_str().unwrap() > "2026-12-01"));
}

/// 质保金 is paid from the acceptance on: a retention payment entered late but dated
/// before the acceptance day is refused, naming the day and the state the project was in.
#[tokio::test]
async fn a_payment_is_checked_against_the_project_on_its_own_day() {
    let app = spawn_demo_app().await;
    let coordinator = app.demo_login("coordinator").await;
    let finance = app.demo_login("finance").await;
    let project = crate::helpers::project_at(
        &app,
        tracker::domain::lifecycle::ProjectStatus::Completed,
        tracker::domain::sector::Sector::Road,
        &["990101001001"],
        10,
    )
    .await;
    let p = json!({"id": crate::helpers::project_id(&project), "version": project.version});
    let run = |mutation: &'static str, input_type: &'static str, input: Value| {
        let field = if mutation == "fundLineCreate" {
            "fundLine"
        } else {
            "entry"
        };
        made(&app, &finance, mutation, input_type, field, input)
    };
    let (line, errors) = run(
        "fundLineCreate",
        "FundLineCreateInput",
        json!({"countyCode": "990101000000", "year": 2026, "name": "整合资金", "kind": "INTEGRATED_AGRICULTURAL", "level": "CENTRAL", "plannedAmount": "1000.00"}),
    )
    .await;
    assert_eq!(errors, json!([]));
    let (_, errors) = run(
        "fundReceiptRecord",
        "FundReceiptRecordInput",
        json!({"fundLine": line, "amount": "500.00", "date": "2026-03-01", "documentNo": "示财〔2026〕901号"}),
    )
    .await;
    assert_eq!(errors, json!([]));
    let (allocation, errors) = run(
        "fundAllocate",
        "FundAllocateInput",
        json!({"fundLine": line, "project": p["id"], "amount": "100.00", "date": "2026-03-15"}),
    )
    .await;
    assert_eq!(errors, json!([]));
    notice_for(&app, &p["id"], ProjectAction::Accept, "2026-04-01").await;
    let p = ok_step(
        &app,
        &coordinator,
        "projectAccept",
        "ProjectAcceptInput",
        &p,
        json!({"grade": "QUALIFIED", "date": "2026-04-01"}),
    )
    .await;
    assert_eq!(p["status"], "ACCEPTED");
    let pay = |date: &'static str, voucher: &'static str| {
        run(
            "disbursementRecord",
            "DisbursementRecordInput",
            json!({"allocation": allocation, "amount": "10.00", "date": date, "voucherNo": voucher, "isRetention": true, "earlyReleaseReason": "审计完成"}),
        )
    };
    let (_, errors) = pay("2026-03-20", "记-质保-1").await;
    assert_eq!(errors[0]["code"], "WRONG_PROJECT_STAGE", "{errors}");
    assert_eq!(errors[0]["field"], json!(["input", "date"]));
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains("2026-03-20") && message.contains("COMPLETED"),
        "{message}"
    );
    let (_, errors) = pay("2026-04-01", "记-质保-2").await;
    assert_eq!(errors, json!([]), "on the acceptance day");
}

/// Money that arrives before its line's year (提前下达) keeps its own year-month: grouped by
/// MONTH, December 2025 and December 2026 are two rows.
#[tokio::test]
async fn months_are_year_months() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    let run = |mutation: &'static str, input_type: &'static str, field: &'static str, input: Value| {
        let (app, finance) = (&app, finance.clone());
        async move {
            let (id, errors) = made(app, &finance, mutation, input_type, field, input).await;
            assert_eq!(errors, json!([]), "{mutation}");
            id
        }
    };
    let line = run(
        "fundLineCreate",
        "FundLineCreateInput",
        "fundLine",
        json!({"countyCode": "990101000000", "year": 2026, "name": "提前下达资金", "kind": "EAST_WEST", "level": "MUNICIPAL", "plannedAmount": "1000.00"}),
    )
    .await;
    for (amount, date, number) in [
        ("300.00", "2025-12-20", "示财〔2025〕88号"),
        ("200.00", "2026-12-01", "示财〔2026〕89号"),
    ] {
        run(
            "fundReceiptRecord",
            "FundReceiptRecordInput",
            "entry",
            json!({"fundLine": line, "amount": amount, "date": date, "documentNo": number}),
        )
        .await;
    }
    let data = app
        .gql(
            Some(&finance),
            "{ fundUtilization(year: 2026, regionCode: \"990101000000\", groupBy: [FUND_KIND, MONTH]) { fundKind month yearMonth inPlace } }",
            json!({}),
        )
        .await
        .ok()
        .clone();
    let rows: Vec<(i64, String, String)> = data["fundUtilization"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["fundKind"] == "EAST_WEST")
        .map(|r| {
            (
                r["month"].as_i64().unwrap(),
                r["yearMonth"].as_str().unwrap().to_string(),
                r["inPlace"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (12, "2025-12".to_string(), "300.00".to_string()),
            (12, "2026-12".to_string(), "200.00".to_string())
        ]
    );
}

/// A plan adjustment adjusts: version 2 starts as a copy of version 1, changes what it
/// names and keeps the rest; it carries its 文号 and reason; the diff lists the changes;
/// and the plan in force on a day is the latest approved by that day's date.
#[tokio::test]
async fn a_plan_adjustment_changes_what_it_names_and_keeps_the_rest() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    let coordinator = app.demo_login("coordinator").await;
    let gql = |token: &str, query: &str, variables: Value| {
        let (app, token, query) = (&app, token.to_string(), query.to_string());
        async move { app.gql(Some(&token), &query, variables).await.ok().clone() }
    };
    let mut lines = Vec::new();
    for (name, kind) in [
        ("整合资金", "INTEGRATED_AGRICULTURAL"),
        ("县配套", "COUNTY_MATCHING"),
        ("追加资金", "EAST_WEST"),
    ] {
        let data = gql(
            &finance,
            "mutation($input: FundLineCreateInput!) { fundLineCreate(input: $input) { fundLine { id } userErrors { message } } }",
            json!({"input": {"countyCode": "990101000000", "year": 2026, "name": name, "kind": kind, "level": "COUNTY", "plannedAmount": "1000.00"}}),
        )
        .await;
        lines.push(data["fundLineCreate"]["fundLine"]["id"].clone());
    }
    let set = "mutation($input: AnnualPlanSetInput!) { annualPlanSet(input: $input) { annualPlan { version documentNo reason fundLines { fundLine { name } plannedAmount } sectors { sector targetQuantity targetProjectCount } } userErrors { code field message } } }";
    let approve = "mutation($input: AnnualPlanApproveInput!) { annualPlanApprove(input: $input) { annualPlan { version approvedOn } userErrors { code field message } } }";
    let data = gql(
        &coordinator,
        set,
        json!({"input": {"countyCode": "990101000000", "year": 2026, "documentNo": "示政发〔2026〕8号",
            "fundLines": [{"fundLine": lines[0], "plannedAmount": "800.00"}, {"fundLine": lines[1], "plannedAmount": "200.00"}],
            "sectors": [{"sector": "ROAD", "targetQuantity": "10", "targetProjectCount": 2}, {"sector": "DRINKING_WATER", "targetQuantity": "3", "targetProjectCount": 1}]}}),
    )
    .await;
    assert_eq!(data["annualPlanSet"]["userErrors"], json!([]));
    let data = gql(
        &coordinator,
        approve,
        json!({"input": {"countyCode": "990101000000", "year": 2026, "version": 1, "date": "2026-02-28"}}),
    )
    .await;
    assert_eq!(data["annualPlanApprove"]["annualPlan"]["approvedOn"], "2026-02-28");
    // Version 2 names one new line and one sector; everything else carries over.
    let data = gql(
        &coordinator,
        set,
        json!({"input": {"countyCode": "990101000000", "year": 2026, "documentNo": "示政发〔2026〕45号", "reason": "年中调整",
            "fundLines": [{"fundLine": lines[2], "plannedAmount": "300.00"}],
            "sectors": [{"sector": "ROAD", "targetQuantity": "12", "targetProjectCount": 3}]}}),
    )
    .await;
    let plan = &data["annualPlanSet"]["annualPlan"];
    assert_eq!(plan["version"], 2);
    assert_eq!(
        (plan["documentNo"].as_str(), plan["reason"].as_str()),
        (Some("示政发〔2026〕45号"), Some("年中调整"))
    );
    assert_eq!(plan["fundLines"].as_array().unwrap().len(), 3, "{plan}");
    assert_eq!(
        plan["sectors"],
        json!([{"sector": "ROAD", "targetQuantity": "12", "targetProjectCount": 3}, {"sector": "DRINKING_WATER", "targetQuantity": "3", "targetProjectCount": 1}])
    );
    // Taking out what the plan does not have is refused.
    let data = gql(
        &coordinator,
        set,
        json!({"input": {"countyCode": "990101000000", "year": 2026, "removeSectors": ["CLINIC"]}}),
    )
    .await;
    assert_eq!(
        data["annualPlanSet"]["userErrors"][0]["field"],
        json!(["input", "removeSectors", "0"])
    );
    // An adjustment is not approved before what it adjusts.
    let data = gql(
        &coordinator,
        approve,
        json!({"input": {"countyCode": "990101000000", "year": 2026, "version": 2, "date": "2026-02-01"}}),
    )
    .await;
    assert_eq!(
        data["annualPlanApprove"]["userErrors"][0]["field"],
        json!(["input", "date"]),
        "{data}"
    );
    let data = gql(
        &coordinator,
        approve,
        json!({"input": {"countyCode": "990101000000", "year": 2026, "version": 2, "date": "2026-07-15"}}),
    )
    .await;
    assert_eq!(data["annualPlanApprove"]["userErrors"], json!([]));
    let data = gql(
        &coordinator,
        "{ annualPlanDiff(countyCode: \"990101000000\", year: 2026, from: 1, to: 2) { change fundLine { name } sector plannedBefore plannedAfter targetQuantityBefore targetQuantityAfter } }",
        json!({}),
    )
    .await;
    assert_eq!(
        data["annualPlanDiff"],
        json!([
            {"change": "ADDED", "fundLine": {"name": "追加资金"}, "sector": null, "plannedBefore": null, "plannedAfter": "300.00", "targetQuantityBefore": null, "targetQuantityAfter": null},
            {"change": "CHANGED", "fundLine": null, "sector": "ROAD", "plannedBefore": null, "plannedAfter": null, "targetQuantityBefore": "10", "targetQuantityAfter": "12"}
        ])
    );
    // The plan in force follows the approval days.
    let target_on = |day: &'static str| {
        let gql = &gql;
        let coordinator = coordinator.clone();
        async move {
            let data = gql(
                &coordinator,
                "query($a: Date) { constructionProgress(year: 2026, regionCode: \"990101000000\", asOf: $a) { sector targetQuantity } fundUtilization(year: 2026, regionCode: \"990101000000\", asOf: $a) { planned } }",
                json!({"a": day}),
            )
            .await;
            let road = data["constructionProgress"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["sector"] == "ROAD")
                .map(|r| r["targetQuantity"].clone());
            (road, data["fundUtilization"][0]["planned"].clone())
        }
    };
    assert_eq!(
        target_on("2026-01-31").await,
        (None, json!("3000.00")),
        "no plan yet: each line its own"
    );
    assert_eq!(
        target_on("2026-06-30").await,
        (Some(json!("10")), json!("1000.00")),
        "version 1: the third line is outside it"
    );
    assert_eq!(
        target_on("2026-07-31").await,
        (Some(json!("12")), json!("1300.00")),
        "version 2"
    );
}

/// A cumulative quantity above the planned one needs the clerk's flag and a reason.
#[tokio::test]
async fn a_report_above_the_planned_quantity_needs_a_flag_and_a_reason() {
    let app = spawn_demo_app().await;
    let transport = app.demo_login("transport").await;
    let project = crate::helpers::project_at(
        &app,
        tracker::domain::lifecycle::ProjectStatus::UnderConstruction,
        tracker::domain::sector::Sector::Road,
        &["990101001001"],
        10,
    )
    .await;
    let report = "mutation($input: ProgressReportCreateInput!) { progressReportCreate(input: $input) { project { version } userErrors { field message } } }";
    let send = |extra: Value| {
        let mut input = json!({"project": crate::helpers::project_id(&project), "expectedVersion": project.version,
            "completedQuantity": "15", "investedAmount": "1000.00", "reportedOn": "2026-02-01"});
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        let (app, transport) = (&app, transport.clone());
        async move {
            app.gql(Some(&transport), report, json!({"input": input})).await.ok()["progressReportCreate"]["userErrors"]
                .clone()
        }
    };
    let errors = send(json!({})).await;
    assert_eq!(errors[0]["field"], json!(["input", "confirmAbovePlan"]), "{errors}");
    assert!(
        errors[0]["message"].as_str().unwrap().contains("15 is more than"),
        "{errors}"
    );
    let errors = send(json!({"confirmAbovePlan": true})).await;
    assert_eq!(errors[0]["field"], json!(["input", "note"]), "{errors}");
    assert_eq!(
        send(json!({"confirmAbovePlan": true, "note": "设计变更增加里程"})).await,
        json!([])
    );
}

/// Grouped by DEPARTMENT as of a day, money sits under the department that held the
/// project at the end of that day: the one it was assigned to, none after it declined,
/// and a department created later only from its own assignment on.
#[tokio::test]
async fn money_by_department_follows_the_department_holding_the_project_then() {
    let app = spawn_demo_app().await;
    let (coordinator, finance, admin, transport) = (
        app.demo_login("coordinator").await,
        app.demo_login("finance").await,
        app.demo_login("admin").await,
        app.demo_login("transport").await,
    );
    // Assigned to the transport bureau on 01-05 (`HISTORY_START` + 3 days).
    let project = crate::helpers::project_at(
        &app,
        tracker::domain::lifecycle::ProjectStatus::Assigned,
        tracker::domain::sector::Sector::Road,
        &["990101001001"],
        10,
    )
    .await;
    let p = json!({"id": crate::helpers::project_id(&project), "version": project.version});
    let days = ["2026-03-31", "2026-05-15", "2026-06-30"];
    let by_department = |day: Option<&'static str>| {
        let app = &app;
        let finance = finance.clone();
        async move {
            let data = app
                .gql(
                    Some(&finance),
                    "query($a: Date) { fundUtilization(year: 2026, regionCode: \"990101000000\", groupBy: [DEPARTMENT], asOf: $a) { department { name } allocated } }",
                    json!({"a": day}),
                )
                .await
                .ok()
                .clone();
            data["fundUtilization"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let name = r["department"]["name"].as_str().unwrap_or("(none)").to_string();
                    (name, km(r["allocated"].as_str().unwrap()))
                })
                .collect::<std::collections::BTreeMap<String, rust_decimal::Decimal>>()
        }
    };
    let mut before = Vec::new();
    for day in days.map(Some).into_iter().chain([None]) {
        before.push(by_department(day).await);
    }

    let (line, errors) = made(
        &app,
        &finance,
        "fundLineCreate",
        "FundLineCreateInput",
        "fundLine",
        json!({"countyCode": "990101000000", "year": 2026, "name": "整合资金（部门）", "kind": "INTEGRATED_AGRICULTURAL", "level": "CENTRAL", "plannedAmount": "1000.00"}),
    )
    .await;
    assert_eq!(errors, json!([]));
    for (mutation, input_type, input) in [
        (
            "fundReceiptRecord",
            "FundReceiptRecordInput",
            json!({"fundLine": line, "amount": "500.00", "date": "2026-03-01", "documentNo": "示财〔2026〕911号"}),
        ),
        (
            "fundAllocate",
            "FundAllocateInput",
            json!({"fundLine": line, "project": p["id"], "amount": "100.00", "date": "2026-03-05"}),
        ),
    ] {
        let (_, errors) = made(&app, &finance, mutation, input_type, "entry", input).await;
        assert_eq!(errors, json!([]), "{mutation}");
    }
    let p = ok_step(
        &app,
        &transport,
        "projectDecline",
        "ProjectReasonInput",
        &p,
        json!({"reason": "不属本局职责", "date": "2026-05-01"}),
    )
    .await;
    let created = app
        .gql(
            Some(&admin),
            "mutation { departmentCreate(input: {countyCode: \"990101000000\", name: \"示范县公路养护中心\", kind: SECTOR, sectors: [ROAD]}) { department { id } userErrors { code message } } }",
            json!({}),
        )
        .await
        .ok()
        .clone();
    let centre = created["departmentCreate"]["department"]["id"].clone();
    assert!(centre.is_string(), "{created}");
    ok_step(
        &app,
        &coordinator,
        "projectAssign",
        "ProjectAssignInput",
        &p,
        json!({"department": centre, "deadline": "2026-07-31", "date": "2026-06-01"}),
    )
    .await;

    // What each day's groups gained: the 100.00, under the department holding it then.
    let holder = ["示范县交通运输局", "(none)", "示范县公路养护中心", "示范县公路养护中心"];
    for ((day, was), holder) in days.map(Some).into_iter().chain([None]).zip(&before).zip(holder) {
        let now = by_department(day).await;
        let gained: Vec<(String, rust_decimal::Decimal)> = now
            .iter()
            .map(|(name, amount)| (name.clone(), amount - was.get(name).copied().unwrap_or_default()))
            .filter(|(_, d)| !d.is_zero())
            .collect();
        assert_eq!(gained, vec![(holder.to_string(), km("100.00"))], "as of {day:?}");
    }
}
