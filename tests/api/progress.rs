//! Construction progress and the work report, on a fixture county built through the API.
use crate::helpers::{TestApp, notice_for, spawn_demo_app};
use chrono::Datelike;
use serde_json::{Value, json};
use tracker::domain::calendar::china_date;
use tracker::domain::lifecycle::ProjectAction;

const COUNTY: &str = "990101000000";

fn today() -> chrono::NaiveDate {
    china_date(chrono::Utc::now())
}

/// The day the fixture projects are drafted, approved, assigned and claimed: two months
/// ago, so that steps may be dated in between.
fn early() -> String {
    (today() - chrono::Duration::days(60)).to_string()
}

async fn gql_ok(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.gql(Some(token), query, variables).await.ok().clone()
}

/// Runs a project mutation and returns the project, asserting it succeeded.
async fn step(app: &TestApp, token: &str, mutation: &str, input_type: &str, project: &Value, extra: Value) -> Value {
    let mut input = json!({"project": project["id"], "expectedVersion": project["version"]});
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    let query = format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ project {{ id version status }} userErrors {{ code message }} }} }}"
    );
    let data = gql_ok(app, token, &query, json!({"input": input})).await;
    assert_eq!(data[mutation]["userErrors"], json!([]), "{mutation}");
    data[mutation]["project"].clone()
}

struct Clerks {
    township: String,
    coordinator: String,
    finance: String,
}

async fn clerks(app: &TestApp) -> Clerks {
    Clerks {
        township: app.demo_login("township").await,
        coordinator: app.demo_login("coordinator").await,
        finance: app.demo_login("finance").await,
    }
}

/// Drafts a project of 城关镇 and moves it as far as `steps` say, through the API.
async fn project(
    app: &TestApp,
    c: &Clerks,
    sector: &str,
    quantity: &str,
    department_user: &str,
    steps: &[&str],
) -> Value {
    let input = json!({
        "name": format!("{sector}工程"), "sector": sector, "year": today().year(), "villageCodes": ["990101001001"],
        "constructionNature": "NEW", "content": "建设内容", "plannedQuantity": quantity, "budget": "100000.00",
        "beneficiaries": {"households": 10, "people": 30, "poorHouseholds": 3, "poorPeople": 9},
        "performanceTargets": [{"indicator": "工程量", "target": quantity}],
        "plannedStart": today().to_string(), "plannedFinish": today().to_string(),
        "date": early()
    });
    let data = gql_ok(
        app,
        &c.township,
        "mutation($input: ProjectCreateInput!) { projectCreate(input: $input) { project { id version status } userErrors { message } } }",
        json!({"input": input}),
    )
    .await;
    let mut p = data["projectCreate"]["project"].clone();
    let department = app.demo_login(department_user).await;
    let department_id = {
        let data = gql_ok(app, &department, "{ me { department { id } } }", json!({})).await;
        data["me"]["department"]["id"].clone()
    };
    let day = today().to_string();
    for s in steps {
        p = match *s {
            "submit" => {
                step(
                    app,
                    &c.township,
                    "projectSubmit",
                    "ProjectCommentInput",
                    &p,
                    json!({"date": early()}),
                )
                .await
            }
            "approve" => {
                notice_for(app, &p["id"], ProjectAction::Approve, &early()).await;
                step(
                    app,
                    &c.coordinator,
                    "projectApprove",
                    "ProjectCommentInput",
                    &p,
                    json!({"date": early()}),
                )
                .await
            }
            "assign" => {
                let deadline = (today() + chrono::Duration::days(20)).to_string();
                step(
                    app,
                    &c.coordinator,
                    "projectAssign",
                    "ProjectAssignInput",
                    &p,
                    json!({"department": department_id, "deadline": deadline, "date": early()}),
                )
                .await
            }
            "claim" => {
                step(
                    app,
                    &department,
                    "projectClaim",
                    "ProjectCommentInput",
                    &p,
                    json!({"date": early()}),
                )
                .await
            }
            "start" => {
                step(
                    app,
                    &department,
                    "projectStartConstruction",
                    "ProjectStartConstructionInput",
                    &p,
                    json!({"date": day}),
                )
                .await
            }
            "complete" => {
                step(
                    app,
                    &department,
                    "projectComplete",
                    "ProjectCompleteInput",
                    &p,
                    json!({"date": day, "finalQuantity": quantity}),
                )
                .await
            }
            "accept" => {
                notice_for(app, &p["id"], ProjectAction::Accept, &day).await;
                step(
                    app,
                    &c.coordinator,
                    "projectAccept",
                    "ProjectAcceptInput",
                    &p,
                    json!({"grade": "QUALIFIED"}),
                )
                .await
            }
            "cancel" => {
                step(
                    app,
                    &c.coordinator,
                    "projectCancel",
                    "ProjectReasonInput",
                    &p,
                    json!({"reason": "重复"}),
                )
                .await
            }
            other => {
                let (quantity, invested) = other.split_once('/').unwrap();
                let query = "mutation($input: ProgressReportCreateInput!) { progressReportCreate(input: $input) { progressReport { completedQuantity } project { id version status } userErrors { code message } } }";
                let input = json!({"project": p["id"], "expectedVersion": p["version"], "completedQuantity": quantity, "investedAmount": invested, "reportedOn": day});
                let data = gql_ok(app, &department, query, json!({"input": input})).await;
                assert_eq!(data["progressReportCreate"]["userErrors"], json!([]));
                data["progressReportCreate"]["project"].clone()
            }
        };
    }
    p
}

async fn fund(app: &TestApp, c: &Clerks, kind: &str, planned: &str, received: &str) -> String {
    let data = gql_ok(
        app,
        &c.finance,
        "mutation($input: FundLineCreateInput!) { fundLineCreate(input: $input) { fundLine { id } userErrors { message } } }",
        json!({"input": {"countyCode": COUNTY, "year": today().year(), "name": kind, "kind": kind, "level": "PROVINCIAL", "plannedAmount": planned}}),
    )
    .await;
    let id = data["fundLineCreate"]["fundLine"]["id"].as_str().unwrap().to_string();
    let data = gql_ok(
        app,
        &c.finance,
        "mutation($input: FundReceiptRecordInput!) { fundReceiptRecord(input: $input) { userErrors { message } } }",
        json!({"input": {"fundLine": id, "amount": received, "date": today().to_string(), "documentNo": "示财〔2026〕9号"}}),
    )
    .await;
    assert_eq!(data["fundReceiptRecord"]["userErrors"], json!([]));
    id
}

/// The fixture county: three fund lines, eight projects in every stage, an approved plan.
async fn fixture(app: &TestApp) {
    let c = clerks(app).await;
    fund(app, &c, "INTEGRATED_AGRICULTURAL", "5000000.00", "4367250.00").await;
    fund(app, &c, "COUNTY_MATCHING", "1000000.00", "1000000.00").await;
    fund(app, &c, "POLICY_LOAN", "3000000.00", "1000000.00").await;
    let built = ["submit", "approve", "assign", "claim", "start"];
    project(
        app,
        &c,
        "ROAD",
        "4.5",
        "transport",
        &[&built[..], &["complete", "accept"]].concat(),
    )
    .await;
    project(
        app,
        &c,
        "ROAD",
        "3",
        "transport",
        &[&built[..], &["0.8/100000.00", "1.2/200000.00"]].concat(),
    )
    .await;
    project(
        app,
        &c,
        "DRINKING_WATER",
        "2",
        "water",
        &[&built[..], &["complete"]].concat(),
    )
    .await;
    project(app, &c, "CLINIC", "1", "health", &["submit", "approve"]).await;
    project(
        app,
        &c,
        "POWER_GRID",
        "10",
        "power",
        &[&built[..], &["6.5/500000.00"]].concat(),
    )
    .await;
    project(
        app,
        &c,
        "TELECOM",
        "1",
        "telecom",
        &[&built[..], &["complete"]].concat(),
    )
    .await;
    project(app, &c, "ROAD", "2", "transport", &[]).await;
    project(app, &c, "EDUCATION", "1", "education", &["submit", "approve", "cancel"]).await;
    let targets = json!([
        {"sector": "ROAD", "targetQuantity": "10", "targetProjectCount": 3},
        {"sector": "DRINKING_WATER", "targetQuantity": "2", "targetProjectCount": 1},
        {"sector": "CLINIC", "targetQuantity": "1", "targetProjectCount": 1},
        {"sector": "POWER_GRID", "targetQuantity": "10", "targetProjectCount": 1},
        {"sector": "TELECOM", "targetQuantity": "1", "targetProjectCount": 1}
    ]);
    // The plan keeps the fund lines' own amounts: lines it left out would count nothing.
    let data = gql_ok(
        app,
        &c.finance,
        "query($y: Int) { fundLines(first: 100, filter: {year: $y}) { nodes { id plannedAmount } } }",
        json!({"y": today().year()}),
    )
    .await;
    let lines: Vec<Value> = data["fundLines"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| json!({"fundLine": l["id"], "plannedAmount": l["plannedAmount"]}))
        .collect();
    let data = gql_ok(
        app,
        &c.coordinator,
        "mutation($input: AnnualPlanSetInput!) { annualPlanSet(input: $input) { annualPlan { version } userErrors { message } } }",
        json!({"input": {"countyCode": COUNTY, "year": today().year(), "sectors": targets, "fundLines": lines}}),
    )
    .await;
    assert_eq!(data["annualPlanSet"]["userErrors"], json!([]));
    let data = gql_ok(
        app,
        &c.coordinator,
        "mutation($y: Int!) { annualPlanApprove(input: {countyCode: \"990101000000\", year: $y, version: 1}) { userErrors { message } } }",
        json!({"y": today().year()}),
    )
    .await;
    assert_eq!(data["annualPlanApprove"]["userErrors"], json!([]));
}

#[tokio::test]
async fn the_narrative_is_the_paragraph_written_by_hand_from_the_fixture() {
    let app = spawn_demo_app().await;
    fixture(&app).await;
    // 截止M月底 on a month's last day, 截止M月D日 on any other.
    let as_of = tracker::domain::report::as_of_phrase(today());
    let by_hand = format!(
        "整合涉农资金436.73万元、占年计划87.35%,落实县本级配套资金100.00万元、占年计划100.00%,争取到位政策性金融贷款资金100.00万元、占年计划33.33%,规划实施扶贫项目6个,开工率83.33%。\
         {as_of},道路计划建设10公里,完工5.7公里,完成率57.00%;人饮工程计划建设2处,竣工2处,竣工率100.00%;标准化卫生室计划建设1个,竣工0个;农网改造计划1条10公里,完工率65.00%;1个通讯网络项目已全部竣工投运。"
    );
    let inspector = app.demo_login("inspector").await;
    let query = "query($y: Int!, $r: String!) { progressReport(year: $y, regionCode: $r) { narrative integratedFunds { inPlace arrivalRate } programme { projectCount startedCount startRate } sectors { sector projectCount } } }";
    let data = gql_ok(&app, &inspector, query, json!({"y": today().year(), "r": COUNTY})).await;
    assert_eq!(data["progressReport"]["narrative"], json!(by_hand));
    assert_eq!(
        data["progressReport"]["integratedFunds"],
        json!({"inPlace": "4367250.00", "arrivalRate": "87.35"})
    );
    assert_eq!(
        data["progressReport"]["programme"],
        json!({"projectCount": 6, "startedCount": 5, "startRate": "83.33"})
    );
    // A province sums its counties: here, the one.
    let admin = app.demo_login("admin").await;
    let data = gql_ok(&app, &admin, query, json!({"y": today().year(), "r": "990000000000"})).await;
    assert_eq!(data["progressReport"]["narrative"], json!(by_hand));
}

/// A region's target is the sum of all its counties' targets or none: beside the demo
/// county (with a plan) a generated county with projects and no plan leaves the city with no
/// target, says which county lacks one, and the paragraph leaves the target out.
#[tokio::test]
async fn a_regions_target_needs_every_county_with_projects_to_have_one() {
    use tracker::seed::generate::{self, CountyShape};
    let app = spawn_demo_app().await;
    fixture(&app).await;
    let shape = CountyShape {
        townships: 2,
        villages: 10,
        projects: 120,
        years: 1,
        allocations: 60,
        disbursements: 100,
        progress_reports: 100,
    };
    let planless = tracker::domain::region::RegionCode::parse("990102000000").unwrap();
    generate::county(&app.db, &planless, shape, 7, &|_, _, _| {})
        .await
        .unwrap();
    let admin = app.demo_login("admin").await;
    let query = "query($y: Int!, $r: String!) { constructionProgress(year: $y, regionCode: $r) { sector targetQuantity targetProjectCount quantityRate projectCount countiesWithoutTarget { code } } }";
    let road = |data: &Value| {
        data["constructionProgress"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["sector"] == "ROAD")
            .unwrap()
            .clone()
    };
    let county = road(&gql_ok(&app, &admin, query, json!({"y": today().year(), "r": COUNTY})).await);
    assert_eq!(
        (&county["targetQuantity"], &county["countiesWithoutTarget"]),
        (&json!("10"), &json!([]))
    );
    let city = road(&gql_ok(&app, &admin, query, json!({"y": today().year(), "r": "990100000000"})).await);
    assert!(
        city["projectCount"].as_i64().unwrap() > county["projectCount"].as_i64().unwrap(),
        "{city}"
    );
    assert_eq!(
        (
            &city["targetQuantity"],
            &city["targetProjectCount"],
            &city["quantityRate"]
        ),
        (&Value::Null, &Value::Null, &Value::Null),
        "{city}"
    );
    assert_eq!(city["countiesWithoutTarget"], json!([{"code": "990102000000"}]));
    let report = gql_ok(
        &app,
        &admin,
        "query($y: Int!) { progressReport(year: $y, regionCode: \"990100000000\") { narrative } }",
        json!({"y": today().year()}),
    )
    .await;
    let narrative = report["progressReport"]["narrative"].as_str().unwrap();
    assert!(
        narrative.contains("道路完工") && !narrative.contains("道路计划建设"),
        "{narrative}"
    );
    assert!(!narrative.contains('—'), "{narrative}");
}

/// Without a grouping the rollup answers one row, zeros where there is nothing.
#[tokio::test]
async fn a_rollup_without_grouping_is_one_row_even_with_no_money() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    let data = gql_ok(
        &app,
        &finance,
        "query($r: String!) { fundUtilization(year: 2031, regionCode: $r) { planned inPlace allocated disbursed arrivalRate } }",
        json!({"r": COUNTY}),
    )
    .await;
    assert_eq!(
        data["fundUtilization"],
        json!([{"planned": "0.00", "inPlace": "0.00", "allocated": "0.00", "disbursed": "0.00", "arrivalRate": null}])
    );
}

const PROGRESS: &str = "query($y: Int!, $r: String!, $g: [ProgressDimension!], $a: Date) { constructionProgress(year: $y, regionCode: $r, groupBy: $g, asOf: $a) { sector unit township { name } month targetQuantity completedQuantity quantityRate projectCount startedCount startRate completedCount completionRate } }";

#[tokio::test]
async fn construction_progress_follows_the_definitions() {
    let app = spawn_demo_app().await;
    fixture(&app).await;
    let coordinator = app.demo_login("coordinator").await;
    let year = today().year();
    let data = gql_ok(&app, &coordinator, PROGRESS, json!({"y": year, "r": COUNTY})).await;
    let rows = data["constructionProgress"].as_array().unwrap().clone();
    let road = rows.iter().find(|r| r["sector"] == "ROAD").unwrap();
    assert_eq!(
        road,
        &json!({"sector": "ROAD", "unit": "公里", "township": null, "month": null, "targetQuantity": "10", "completedQuantity": "5.7", "quantityRate": "57.00",
            "projectCount": 2, "startedCount": 2, "startRate": "100.00", "completedCount": 1, "completionRate": "50.00"})
    );
    let clinic = rows.iter().find(|r| r["sector"] == "CLINIC").unwrap();
    assert_eq!(
        (clinic["startRate"].as_str(), clinic["quantityRate"].as_str()),
        (Some("0.00"), Some("0.00"))
    );
    assert!(
        rows.iter().all(|r| r["sector"] != "EDUCATION"),
        "a cancelled project and no target: no row"
    );

    // By township: no plan targets per township.
    let data = gql_ok(
        &app,
        &coordinator,
        PROGRESS,
        json!({"y": year, "r": COUNTY, "g": ["TOWNSHIP"]}),
    )
    .await;
    let road = data["constructionProgress"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sector"] == "ROAD")
        .unwrap()
        .clone();
    assert_eq!(
        (
            road["township"]["name"].as_str(),
            road["targetQuantity"].clone(),
            road["projectCount"].as_i64()
        ),
        (Some("城关镇"), Value::Null, Some(2))
    );
    // By month: the figures at the end of each month; the projects were approved two months
    // ago and completed today.
    let data = gql_ok(
        &app,
        &coordinator,
        PROGRESS,
        json!({"y": year, "r": COUNTY, "g": ["MONTH"]}),
    )
    .await;
    let rows = data["constructionProgress"].as_array().unwrap().clone();
    let this_month = rows
        .iter()
        .find(|r| r["sector"] == "ROAD" && r["month"] == today().month())
        .unwrap();
    assert_eq!(this_month["completedQuantity"], "5.7");
    let approved = today() - chrono::Duration::days(60);
    if approved.year() == year && approved.month() > 1 {
        assert!(
            rows.iter().all(|r| r["month"] != 1),
            "nothing existed or was planned in January: {rows:?}"
        );
    }
    // Yesterday the road was approved and not yet completed: it counts, with nothing built.
    let yesterday = (today() - chrono::Duration::days(1)).to_string();
    let data = gql_ok(
        &app,
        &coordinator,
        PROGRESS,
        json!({"y": year, "r": COUNTY, "a": yesterday}),
    )
    .await;
    let road = data["constructionProgress"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sector"] == "ROAD")
        .cloned()
        .unwrap();
    assert_eq!(road["completedCount"], 0, "{road}");
    assert_ne!(road["projectCount"], 0, "{road}");
    // The day before they were approved nothing counted.
    let before = (approved - chrono::Duration::days(1)).to_string();
    let data = gql_ok(
        &app,
        &coordinator,
        PROGRESS,
        json!({"y": year, "r": COUNTY, "a": before}),
    )
    .await;
    assert!(
        data["constructionProgress"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["projectCount"] == 0)
    );
    // Out of scope: a township asking about the county.
    let township = app.demo_login("township").await;
    let reply = app
        .gql(Some(&township), PROGRESS, json!({"y": year, "r": COUNTY}))
        .await;
    assert_eq!(reply.error_code(), Some("FORBIDDEN"));
}

#[tokio::test]
async fn progress_reports_are_history_and_bad_reports_change_nothing() {
    let app = spawn_demo_app().await;
    let c = clerks(&app).await;
    let p = project(
        &app,
        &c,
        "ROAD",
        "5",
        "transport",
        &["submit", "approve", "assign", "claim", "start", "1.5/300000.00"],
    )
    .await;
    let claimed = project(
        &app,
        &c,
        "ROAD",
        "5",
        "transport",
        &["submit", "approve", "assign", "claim"],
    )
    .await;
    let transport = app.demo_login("transport").await;
    let water = app.demo_login("water").await;
    let create = "mutation($input: ProgressReportCreateInput!) { progressReportCreate(input: $input) { progressReport { completedQuantity investedAmount reportedOn isCorrection basedOnVersion } project { version } userErrors { code field message } } }";
    let report = |project: &Value, quantity: &str, day: String, correction: bool| json!({"input": {"project": project["id"], "expectedVersion": project["version"], "completedQuantity": quantity, "investedAmount": "400000.00", "reportedOn": day, "correction": correction}});
    let day = today().to_string();
    let tomorrow = (today() + chrono::Duration::days(1)).to_string();
    let yesterday = (today() - chrono::Duration::days(1)).to_string();
    let stale = json!({"input": {"project": p["id"], "expectedVersion": 1, "completedQuantity": "2", "investedAmount": "1.00", "reportedOn": day}});
    let cases = [
        (&transport, stale, "STALE_VERSION"),
        (
            &transport,
            report(&claimed, "1", day.clone(), false),
            "INVALID_TRANSITION",
        ),
        (&water, report(&p, "2", day.clone(), false), "NOT_FOUND"),
        (&c.coordinator, report(&p, "2", day.clone(), false), "FORBIDDEN"),
        (&transport, report(&p, "-1", day.clone(), false), "INVALID_INPUT"),
        (&transport, report(&p, "1.2", day.clone(), false), "INVALID_INPUT"),
        (&transport, report(&p, "2", tomorrow, false), "INVALID_INPUT"),
        (&transport, report(&p, "2", yesterday, false), "INVALID_INPUT"),
    ];
    for (token, input, code) in cases {
        let data = gql_ok(&app, token, create, input.clone()).await;
        assert_eq!(
            data["progressReportCreate"]["userErrors"][0]["code"], code,
            "{input}: {data}"
        );
        assert_eq!(data["progressReportCreate"]["progressReport"], Value::Null);
    }
    // Lower than the last report only as an explicit correction.
    let data = gql_ok(&app, &transport, create, report(&p, "1.2", day.clone(), true)).await;
    let created = &data["progressReportCreate"];
    assert_eq!(created["progressReport"]["isCorrection"], true);
    assert_eq!(created["project"]["version"], p["version"].as_i64().unwrap() + 1);
    let history = gql_ok(
        &app,
        &transport,
        "query($id: ID!) { node(id: $id) { ... on Project { version latestProgress { completedQuantity } progressReports { completedQuantity basedOnVersion } events { action } } } }",
        json!({"id": p["id"]}),
    )
    .await;
    let node = &history["node"];
    assert_eq!(node["latestProgress"]["completedQuantity"], "1.2");
    assert_eq!(
        node["progressReports"].as_array().unwrap().len(),
        2,
        "the bad reports left nothing behind"
    );
    assert_eq!(node["progressReports"][1]["completedQuantity"], "1.5");
    // A list's current progress is each project's own newest report (the correction here),
    // and none for a project without reports.
    let page = gql_ok(
        &app,
        &transport,
        "{ projects(first: 100) { nodes { id latestProgress { completedQuantity isCorrection } } } }",
        json!({}),
    )
    .await;
    let latest_of = |id: &Value| {
        page["projects"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| &n["id"] == id)
            .map(|n| n["latestProgress"].clone())
            .unwrap()
    };
    assert_eq!(
        latest_of(&p["id"]),
        json!({"completedQuantity": "1.2", "isCorrection": true})
    );
    assert_eq!(latest_of(&claimed["id"]), Value::Null);
    assert_eq!(
        node["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "REPORT_PROGRESS")
            .count(),
        2
    );
}

/// "Latest" means one thing (DESIGN §8): the report with the latest `reportedOn`, then the
/// latest recorded. A report dated before the latest is a correction, recorded as one, and
/// the project page and the rollups agree on what is current.
#[tokio::test]
async fn the_latest_report_is_the_latest_dated_everywhere() {
    let app = spawn_demo_app().await;
    let c = clerks(&app).await;
    let p = project(
        &app,
        &c,
        "ROAD",
        "5",
        "transport",
        &["submit", "approve", "assign", "claim"],
    )
    .await;
    let transport = app.demo_login("transport").await;
    let days_ago = |n: i64| (today() - chrono::Duration::days(n)).to_string();
    let p = step(
        &app,
        &transport,
        "projectStartConstruction",
        "ProjectStartConstructionInput",
        &p,
        json!({"date": days_ago(40)}),
    )
    .await;
    let create = "mutation($input: ProgressReportCreateInput!) { progressReportCreate(input: $input) { progressReport { reportedOn isCorrection } project { id version } userErrors { code message } } }";
    let mut p = p;
    let mut recorded = Vec::new();
    // Entered late and out of order: the later day first, then an earlier, lower one.
    for (quantity, day) in [("2", days_ago(10)), ("1", days_ago(30))] {
        let input = json!({"project": p["id"], "expectedVersion": p["version"], "completedQuantity": quantity, "investedAmount": "1000.00", "reportedOn": day});
        let data = gql_ok(&app, &transport, create, json!({"input": input})).await;
        assert_eq!(data["progressReportCreate"]["userErrors"], json!([]), "{day}");
        recorded.push(data["progressReportCreate"]["progressReport"].clone());
        p = data["progressReportCreate"]["project"].clone();
    }
    assert_eq!(recorded[0]["isCorrection"], false);
    assert_eq!(
        recorded[1]["isCorrection"], true,
        "dated before the latest: a correction"
    );
    let data = gql_ok(
        &app,
        &transport,
        "query($id: ID!) { node(id: $id) { ... on Project { latestProgress { completedQuantity reportedOn } progressReports { reportedOn } } } }",
        json!({"id": p["id"]}),
    )
    .await;
    let project = &data["node"];
    assert_eq!(
        project["latestProgress"],
        json!({"completedQuantity": "2", "reportedOn": days_ago(10)})
    );
    assert_eq!(
        project["progressReports"],
        json!([{"reportedOn": days_ago(10)}, {"reportedOn": days_ago(30)}])
    );
    // The rollup takes the same report.
    let data = gql_ok(
        &app,
        &c.coordinator,
        PROGRESS,
        json!({"y": today().year(), "r": COUNTY}),
    )
    .await;
    let road = data["constructionProgress"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sector"] == "ROAD")
        .unwrap()
        .clone();
    assert_eq!(road["completedQuantity"], "2");
}
