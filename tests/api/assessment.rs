//! 督考 through the HTTP API: a fixture county's second quarter scored against the test's
//! own computation from the fixture (construction, money, problems, lists, overdue items),
//! the same scores asked again after later steps and a new scheme, each unit's own row and
//! record, and the spreadsheet.
use crate::helpers::{PlannedDates, TestApp, project_planned, spawn_demo_app};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tracker::domain::lifecycle::ProjectStatus;
use tracker::domain::sector::Sector;
use tracker::service::funds::{self, AllocationInput, DisbursementInput};

const SCORES: &str = "query($q: Int!, $by: AssessedUnit!) { assessmentScores(year: 2026, quarter: $q, regionCode: \"990101000000\", by: $by) { asOf scheme { version isDefault } rows { rank total township { code } department { name } indicators { indicator value weight points } } } }";
const T1: &str = "990101001000";
const T2: &str = "990101002000";

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The fixture's facts, from which the test works out the scores itself.
struct Facts {
    /// (township or department, started, completed, in programme)
    construction: [(&'static str, i64, i64, i64); 4],
    /// (unit, paid fen, allocated fen) by 06-30
    money: [(&'static str, i64, i64); 4],
}

const FACTS: Facts = Facts {
    construction: [
        (T1, 1, 1, 2),
        (T2, 1, 0, 1),
        ("示范县交通运输局", 1, 1, 2),
        ("示范县水利局", 1, 0, 1),
    ],
    money: [
        (T1, 6_000_000, 10_000_000),
        (T2, 0, 10_000_000),
        ("示范县交通运输局", 6_000_000, 10_000_000),
        ("示范县水利局", 0, 10_000_000),
    ],
};

/// Hundredths of a percent, half up; `None` for nothing to measure.
fn rate(n: i64, d: i64) -> Option<i64> {
    (d != 0).then(|| (n * 20_000 + d) / (2 * d))
}

/// Points in hundredths: the weight's share, half up; the whole weight for nothing to measure.
fn points(weight: i64, rate: Option<i64>) -> i64 {
    match rate {
        None => weight * 100,
        Some(r) => (weight * r.min(10_000) + 50) / 100,
    }
}

/// The default scheme, worked out: (start, completion, disbursement, closing, lists, overdue).
fn expected_total(unit: &str, closing: Option<i64>, lists: Option<i64>, overdue: i64) -> String {
    let (_, started, completed, count) = FACTS.construction.iter().find(|c| c.0 == unit).unwrap();
    let (_, paid, allocated) = FACTS.money.iter().find(|m| m.0 == unit).unwrap();
    let total = points(20, rate(*started, *count))
        + points(20, rate(*completed, *count))
        + points(25, rate(*paid, *allocated))
        + points(15, closing)
        + points(10, lists)
        + (1000 - 200 * overdue).max(0);
    format!("{}.{:02}", total / 100, total % 100)
}

async fn fixture() -> TestApp {
    let app = spawn_demo_app().await;
    let far = PlannedDates {
        start: day("2026-11-30"),
        finish: day("2026-11-30"),
        claim_deadline: day("2026-11-30"),
    };
    // 城关镇: an accepted road and a claimed one that should have started on 03-01 (the
    // transport bureau's); 2nd township: a water project under construction (the water
    // bureau's) with no progress report.
    let accepted = project_planned(
        &app,
        ProjectStatus::Accepted,
        Sector::Road,
        None,
        &["990101001001"],
        5,
        far,
    )
    .await;
    project_planned(
        &app,
        ProjectStatus::Claimed,
        Sector::Road,
        None,
        &["990101001002"],
        5,
        PlannedDates {
            start: day("2026-03-01"),
            ..far
        },
    )
    .await;
    let building = project_planned(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::DrinkingWater,
        None,
        &["990101002001"],
        5,
        far,
    )
    .await;
    let finance = app.actor("finance").await;
    let line = crate::helpers::funded_line(&app).await;
    for (project, paid) in [(&accepted, 6_000_000), (&building, 0)] {
        let allocation = funds::allocate(
            &app.db,
            &finance,
            AllocationInput {
                fund_line_id: line.id,
                project_id: project.id,
                amount: Decimal::new(10_000_000, 2),
                date: day("2026-05-10"),
                note: None,
                confirm_above_budget: false,
                outside_plan: false,
            },
        )
        .await
        .unwrap();
        if paid > 0 {
            funds::disburse(
                &app.db,
                &finance,
                DisbursementInput {
                    allocation_id: allocation.id,
                    amount: Decimal::new(paid, 2),
                    date: day("2026-06-01"),
                    voucher_no: format!("记-{}", project.id),
                    is_retention: false,
                    early_release_reason: None,
                    note: None,
                    confirm_duplicate: false,
                },
            )
            .await
            .unwrap();
        }
    }
    // 城关镇's problems: one closed on 06-10, one open past its deadline of 05-31.
    let coordinator = app.demo_login("coordinator").await;
    let township = app.demo_login("township").await;
    for (description, deadline) in [("已销号", "2026-06-15"), ("逾期", "2026-05-31")] {
        let reply = app
            .gql(
                Some(&coordinator),
                "mutation($i: RectificationIssueFileInput!) { rectificationIssueFile(input: $i) { issue { id version } } }",
                json!({"i": {"countyCode": "990101000000", "source": "CITY_FEEDBACK", "batch": "市级反馈", "category": "项目管理", "description": description, "responsibleTownshipCode": T1, "responsiblePerson": "张三", "measures": "整改", "deadline": deadline, "date": "2026-04-01"}}),
            )
            .await;
        let issue = reply.ok()["rectificationIssueFile"]["issue"].clone();
        if description == "已销号" {
            let mut version = issue["version"].as_i64().unwrap();
            for (action, date, token) in [
                ("START", "2026-04-02", &township),
                ("SUBMIT", "2026-06-05", &township),
                ("CLOSE", "2026-06-10", &coordinator),
            ] {
                let reply = app
                    .gql(
                        Some(token),
                        "mutation($i: RectificationIssueStepInput!) { rectificationIssueStep(input: $i) { issue { version } userErrors { message } } }",
                        json!({"i": {"issue": issue["id"], "expectedVersion": version, "action": action, "date": date, "note": "核查", "evidence": "材料"}}),
                    )
                    .await;
                version = reply.ok()["rectificationIssueStep"]["issue"]["version"]
                    .as_i64()
                    .unwrap();
            }
        }
    }
    // 城关镇's lists: May's cleared on 06-01 with one of two done; a village's June list
    // published, not yet cleared at the quarter's end.
    let create = |input: Value| {
        let app = &app;
        let township = township.clone();
        async move {
            let reply = app
                .gql(
                    Some(&township),
                    "mutation($i: MonthlyTaskListCreateInput!) { monthlyTaskListCreate(input: $i) { list { id items { id } } } }",
                    json!({"i": input}),
                )
                .await;
            reply.ok()["monthlyTaskListCreate"]["list"].clone()
        }
    };
    let may = create(json!({"countyCode": "990101000000", "month": "2026-05", "unitKind": "TOWNSHIP", "regionCode": T1, "items": [{"content": "a", "plannedResult": "a"}, {"content": "b", "plannedResult": "b"}]})).await;
    let june = create(json!({"countyCode": "990101000000", "month": "2026-06", "unitKind": "VILLAGE", "regionCode": "990101001001", "items": [{"content": "c", "plannedResult": "c"}]})).await;
    for (list, date) in [(&may, "2026-05-02"), (&june, "2026-06-02")] {
        app.gql(
            Some(&township),
            "mutation($l: ID!, $d: Date!) { monthlyTaskListPublish(input: {list: $l, expectedVersion: 1, date: $d}) { userErrors { message } } }",
            json!({"l": list["id"], "d": date}),
        )
        .await;
    }
    let reply = app
        .gql(
            Some(&township),
            "mutation($i: MonthlyTaskListClearInput!) { monthlyTaskListClear(input: $i) { userErrors { message } } }",
            json!({"i": {"list": may["id"], "expectedVersion": 2, "date": "2026-06-01", "items": [{"item": may["items"][0]["id"], "outcome": "DONE"}, {"item": may["items"][1]["id"], "outcome": "NOT_DONE", "reason": "资金未到"}]}}),
        )
        .await;
    assert_eq!(reply.ok()["monthlyTaskListClear"]["userErrors"], json!([]));
    app
}

async fn scores(app: &TestApp, token: &str, quarter: i32, by: &str) -> Value {
    let reply = app.gql(Some(token), SCORES, json!({"q": quarter, "by": by})).await;
    reply.ok()["assessmentScores"].clone()
}

fn row<'a>(scores: &'a Value, key: &str) -> &'a Value {
    scores["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["township"]["code"] == json!(key) || r["department"]["name"] == json!(key))
        .unwrap_or_else(|| panic!("no row {key}: {scores}"))
}

#[tokio::test]
async fn a_quarter_scores_from_its_figures_at_the_quarters_end() {
    let app = fixture().await;
    let coordinator = app.demo_login("coordinator").await;
    let q2 = scores(&app, &coordinator, 2, "TOWNSHIP").await;
    assert_eq!(q2["asOf"], json!("2026-06-30"));
    assert_eq!(q2["scheme"], json!({"version": null, "isDefault": true}));
    // 城关镇: half its problems closed, one done of three list items, one problem overdue.
    let t1 = row(&q2, T1);
    assert_eq!(
        t1["total"],
        json!(expected_total(T1, rate(1, 2), rate(1, 3), 1)),
        "{t1}"
    );
    assert_eq!(
        t1["indicators"][2],
        json!({"indicator": "DISBURSEMENT_RATE", "value": "60.00", "weight": "25", "points": "15.00"})
    );
    // 2nd township: nothing to close and no lists (the whole weight), nothing overdue of its own
    // (its stalled site is the water bureau's).
    let t2 = row(&q2, T2);
    assert_eq!(t2["total"], json!(expected_total(T2, None, None, 0)), "{t2}");
    // Places: the townships with nothing to measure share the first; then the 2nd, then 城关镇.
    let n = q2["rows"].as_array().unwrap().len() as u64;
    assert_eq!((t2["rank"].as_u64(), t1["rank"].as_u64()), (Some(n - 1), Some(n)));
    // The departments: transport has the overdue start, water the stalled site.
    let departments = scores(&app, &coordinator, 2, "DEPARTMENT").await;
    for (name, overdue) in [("示范县交通运输局", 1), ("示范县水利局", 1)] {
        assert_eq!(
            row(&departments, name)["total"],
            json!(expected_total(name, None, None, overdue)),
            "{name}"
        );
    }

    // Later steps dated after the quarter and a new scheme from 07-01 leave the quarter as it was.
    let township = app.demo_login("township").await;
    let open = app
        .gql(
            Some(&coordinator),
            "{ rectificationIssues(filter: {status: OPEN}) { nodes { id version } } }",
            json!({}),
        )
        .await;
    let open = open.ok()["rectificationIssues"]["nodes"][0].clone();
    let reply = app
        .gql(
            Some(&township),
            "mutation($i: RectificationIssueStepInput!) { rectificationIssueStep(input: $i) { userErrors { message } } }",
            json!({"i": {"issue": open["id"], "expectedVersion": open["version"], "action": "START", "date": "2026-07-10"}}),
        )
        .await;
    assert_eq!(reply.ok()["rectificationIssueStep"]["userErrors"], json!([]));
    let rules = |unit: &str| {
        json!([
            {"unit": unit, "indicator": "START_RATE", "weight": "50"},
            {"unit": unit, "indicator": "OVERDUE_ITEMS", "weight": "50", "deductionPerItem": "5"},
        ])
    };
    let mut all_rules = rules("TOWNSHIP").as_array().unwrap().clone();
    all_rules.extend(rules("DEPARTMENT").as_array().unwrap().clone());
    let set = "mutation($i: AssessmentSchemeSetInput!) { assessmentSchemeSet(input: $i) { scheme { version effectiveFrom rules { indicator weight } } userErrors { code field } } }";
    let input = json!({"i": {"countyCode": "990101000000", "effectiveFrom": "2026-07-01", "name": "示扶〔2026〕9号", "rules": all_rules}});
    let finance = app.demo_login("finance").await;
    let reply = app.gql(Some(&finance), set, input.clone()).await;
    assert_eq!(
        reply.ok()["assessmentSchemeSet"]["userErrors"][0]["code"],
        json!("FORBIDDEN")
    );
    let reply = app.gql(Some(&coordinator), set, input).await;
    assert_eq!(reply.ok()["assessmentSchemeSet"]["scheme"]["version"], json!(1));
    let mut bad = rules("TOWNSHIP");
    bad[1]["weight"] = json!("40");
    let reply = app
        .gql(
            Some(&coordinator),
            set,
            json!({"i": {"countyCode": "990101000000", "effectiveFrom": "2026-07-01", "name": "x", "rules": bad}}),
        )
        .await;
    assert_eq!(
        reply.ok()["assessmentSchemeSet"]["userErrors"][0]["field"],
        json!(["input", "rules"])
    );
    assert_eq!(scores(&app, &coordinator, 2, "TOWNSHIP").await, q2);
    let q3 = scores(&app, &coordinator, 3, "TOWNSHIP").await;
    assert_eq!(q3["scheme"], json!({"version": 1, "isDefault": false}));
    // 城关镇 in Q3: start 1 of 2 → 25.00; two overdue items (the problem, now rectifying but
    // still past its deadline, and the June list not cleared) → 50 − 10.
    assert_eq!(row(&q3, T1)["total"], json!("65.00"));

    // A township reads its own row, a department its own; the record over the year.
    let own = scores(&app, &township, 2, "TOWNSHIP").await;
    assert_eq!(own["rows"].as_array().unwrap().len(), 1);
    assert_eq!(own["rows"][0], *t1);
    let transport = app.demo_login("transport").await;
    let own = scores(&app, &transport, 2, "DEPARTMENT").await;
    assert_eq!(own["rows"].as_array().unwrap().len(), 1);
    let reply = app
        .gql(
            Some(&township),
            "{ assessmentRecord(year: 2026, regionCode: \"990101000000\", townshipCode: \"990101001000\") { quarter asOf outOf score { total rank } } }",
            json!({}),
        )
        .await;
    let record = reply.ok()["assessmentRecord"].as_array().unwrap().clone();
    assert_eq!(record.len(), 4);
    assert_eq!(record[1]["score"]["total"], t1["total"]);
    assert_eq!(record[1]["outOf"].as_u64(), Some(n));

    // The spreadsheet has the same totals.
    let response = app
        .get_with_token(
            "/exports/assessment.csv?year=2026&quarter=2&regionCode=990101000000&by=TOWNSHIP",
            &coordinator,
        )
        .await;
    assert_eq!(response.status(), 200);
    let csv = response.text().await.unwrap();
    let line = csv
        .lines()
        .find(|l| l.contains("城关镇"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(line.ends_with(t1["total"].as_str().unwrap()), "{line}");
}
