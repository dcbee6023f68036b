//! 逾期预警 through the HTTP API: each kind at its boundary day (not on the due day, one day
//! overdue the day after), read as of past days from the steps' business dates, with the
//! unit responsible; what each user sees; `tracker alerts` printing the same.
use crate::helpers::{HISTORY_START, PlannedDates, TestApp, project_id, project_planned, spawn_demo_app};
use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};
use tracker::domain::lifecycle::{ProjectAction, ProjectStatus, path_to};
use tracker::domain::sector::Sector;

const ALERTS: &str = "query($r: String!, $k: [AlertKind!], $d: Date, $n: Int) { alerts(regionCode: $r, kinds: $k, asOf: $d, noProgressDays: $n) { kind kindName dueOn daysOverdue description project { code } rectificationIssue { description } taskList { month } taskItemPosition responsibleDepartment { name } responsibleRegion { code } } }";

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn alerts(app: &TestApp, token: &str, kind: &str, as_of: NaiveDate, no_progress_days: Option<i32>) -> Vec<Value> {
    let reply = app
        .gql(
            Some(token),
            ALERTS,
            json!({"r": "990101000000", "k": [kind], "d": as_of.to_string(), "n": no_progress_days}),
        )
        .await;
    reply.ok()["alerts"].as_array().unwrap().clone()
}

/// The day `action` is taken on the path to `status` of a project made by `project_planned`.
fn day_of(status: ProjectStatus, action: ProjectAction) -> NaiveDate {
    let n = path_to(status).iter().position(|a| *a == action).unwrap();
    HISTORY_START + Duration::days(n as i64 + 1)
}

#[tokio::test]
async fn each_kind_is_overdue_from_the_day_after_its_due_day() {
    let app = spawn_demo_app().await;
    let coordinator = app.demo_login("coordinator").await;
    let far = PlannedDates {
        start: day("2026-11-30"),
        finish: day("2026-11-30"),
        claim_deadline: day("2026-11-30"),
    };
    // Assigned, to be claimed by 02-10.
    let assigned = project_planned(
        &app,
        ProjectStatus::Assigned,
        Sector::Road,
        None,
        &["990101001001"],
        0,
        PlannedDates {
            claim_deadline: day("2026-02-10"),
            ..far
        },
    )
    .await;
    // Claimed, to start by 03-01.
    let claimed = project_planned(
        &app,
        ProjectStatus::Claimed,
        Sector::Road,
        None,
        &["990101001002"],
        0,
        PlannedDates {
            start: day("2026-03-01"),
            ..far
        },
    )
    .await;
    // Under construction, to finish by 04-30, no report yet.
    let building = project_planned(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        None,
        &["990101001003"],
        0,
        PlannedDates {
            start: day("2026-01-02"),
            finish: day("2026-04-30"),
            claim_deadline: day("2026-11-30"),
        },
    )
    .await;
    let started = day_of(ProjectStatus::UnderConstruction, ProjectAction::StartConstruction);

    let codes = |alerts: &[Value]| -> Vec<(String, i64)> {
        alerts
            .iter()
            .map(|a| {
                (
                    a["project"]["code"].as_str().unwrap_or_default().to_string(),
                    a["daysOverdue"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    // 逾期未认领: none on the deadline, a day late after it; the transport bureau holds it.
    assert!(
        alerts(&app, &coordinator, "CLAIM_OVERDUE", day("2026-02-10"), None)
            .await
            .is_empty()
    );
    let late = alerts(&app, &coordinator, "CLAIM_OVERDUE", day("2026-02-11"), None).await;
    assert_eq!(codes(&late), [(assigned.code.clone(), 1)]);
    assert_eq!(late[0]["dueOn"], json!("2026-02-10"));
    assert_eq!(late[0]["kindName"], json!("逾期未认领"));
    assert_eq!(late[0]["responsibleDepartment"]["name"], json!("示范县交通运输局"));
    // 逾期未开工: the claimed project after 03-01 (the assigned one's start is far off).
    assert!(
        alerts(&app, &coordinator, "START_OVERDUE", day("2026-03-01"), None)
            .await
            .is_empty()
    );
    assert_eq!(
        codes(&alerts(&app, &coordinator, "START_OVERDUE", day("2026-03-03"), None).await),
        [(claimed.code.clone(), 2)]
    );
    // Before it was approved (its first days), a project is not in the programme: nothing late.
    // 逾期未完工: the building site after 04-30.
    assert!(
        alerts(&app, &coordinator, "FINISH_OVERDUE", day("2026-04-30"), None)
            .await
            .is_empty()
    );
    assert_eq!(
        codes(&alerts(&app, &coordinator, "FINISH_OVERDUE", day("2026-05-01"), None).await),
        [(building.code.clone(), 1)]
    );
    // 进度停滞: 30 days from the start without a report; 10 when asked.
    let due = started + Duration::days(30);
    assert!(alerts(&app, &coordinator, "NO_PROGRESS", due, None).await.is_empty());
    let stalled = alerts(&app, &coordinator, "NO_PROGRESS", due + Duration::days(1), None).await;
    assert_eq!(codes(&stalled), [(building.code.clone(), 1)]);
    assert_eq!(stalled[0]["dueOn"], json!(due.to_string()));
    assert_eq!(
        codes(
            &alerts(
                &app,
                &coordinator,
                "NO_PROGRESS",
                started + Duration::days(11),
                Some(10)
            )
            .await
        ),
        [(building.code.clone(), 1)]
    );
    // A report dated 20 days after the start — entered now — moves the due day from then on,
    // and leaves the days before it as they were.
    let transport = app.demo_login("transport").await;
    let reply = app
        .gql(
            Some(&transport),
            "mutation($i: ProgressReportCreateInput!) { progressReportCreate(input: $i) { userErrors { message } } }",
            json!({"i": {"project": project_id(&building), "expectedVersion": building.version, "completedQuantity": "1", "investedAmount": "1000.00", "reportedOn": (started + Duration::days(20)).to_string()}}),
        )
        .await;
    assert_eq!(reply.ok()["progressReportCreate"]["userErrors"], json!([]));
    assert!(
        alerts(&app, &coordinator, "NO_PROGRESS", due + Duration::days(1), None)
            .await
            .is_empty()
    );
    assert_eq!(
        codes(&alerts(&app, &coordinator, "NO_PROGRESS", started + Duration::days(51), None).await),
        [(building.code.clone(), 1)]
    );
    assert!(
        alerts(
            &app,
            &coordinator,
            "NO_PROGRESS",
            started + Duration::days(19),
            Some(10)
        )
        .await
        .len()
            == 1
    );

    // A problem past its deadline, and a list item not cleared by the month's end.
    let reply = app
        .gql(
            Some(&coordinator),
            "mutation($i: RectificationIssueFileInput!) { rectificationIssueFile(input: $i) { userErrors { message } } }",
            json!({"i": {"countyCode": "990101000000", "source": "AUDIT", "batch": "审计", "category": "资金使用", "description": "资金滞留", "responsibleTownshipCode": "990101001000", "responsiblePerson": "李四", "measures": "拨付到位", "deadline": "2026-04-30", "date": "2026-04-01"}}),
        )
        .await;
    assert_eq!(reply.ok()["rectificationIssueFile"]["userErrors"], json!([]));
    assert!(
        alerts(&app, &coordinator, "RECTIFICATION_OVERDUE", day("2026-04-30"), None)
            .await
            .is_empty()
    );
    let late = alerts(&app, &coordinator, "RECTIFICATION_OVERDUE", day("2026-05-02"), None).await;
    assert_eq!(late.len(), 1);
    assert_eq!(
        (
            late[0]["daysOverdue"].clone(),
            late[0]["rectificationIssue"]["description"].clone(),
            late[0]["responsibleRegion"]["code"].clone()
        ),
        (json!(2), json!("资金滞留"), json!("990101001000"))
    );
    let township = app.demo_login("township").await;
    let reply = app
        .gql(
            Some(&township),
            "mutation { monthlyTaskListCreate(input: {countyCode: \"990101000000\", month: \"2026-04\", unitKind: TOWNSHIP, regionCode: \"990101001000\", items: [{content: \"a\", plannedResult: \"b\"}]}) { list { id version } userErrors { message } } }",
            json!({}),
        )
        .await;
    let list = reply.ok()["monthlyTaskListCreate"]["list"].clone();
    app.gql(
        Some(&township),
        "mutation($l: ID!) { monthlyTaskListPublish(input: {list: $l, expectedVersion: 1, date: \"2026-04-02\"}) { userErrors { message } } }",
        json!({"l": list["id"]}),
    )
    .await;
    assert!(
        alerts(&app, &coordinator, "TASK_ITEM_NOT_CLEARED", day("2026-04-30"), None)
            .await
            .is_empty()
    );
    let late = alerts(&app, &coordinator, "TASK_ITEM_NOT_CLEARED", day("2026-05-01"), None).await;
    assert_eq!(
        (
            late.len(),
            late[0]["taskList"]["month"].clone(),
            late[0]["taskItemPosition"].clone(),
            late[0]["dueOn"].clone()
        ),
        (1, json!("2026-04"), json!(1), json!("2026-04-30"))
    );

    // Every kind together, most days overdue first; a department sees only its own.
    let reply = app
        .gql(
            Some(&coordinator),
            ALERTS,
            json!({"r": "990101000000", "d": "2026-05-02"}),
        )
        .await;
    let all = reply.ok()["alerts"].as_array().unwrap().clone();
    let days: Vec<i64> = all.iter().map(|a| a["daysOverdue"].as_i64().unwrap()).collect();
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "{days:?}");
    let kinds: std::collections::BTreeSet<&str> = all.iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    // `tracker alerts` prints the same list.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tracker"))
        .env("DATABASE_URL", &app.url)
        .env("RUST_LOG", "warn")
        .args(["alerts", "--region", "990101000000", "--as-of", "2026-05-02"])
        .output()
        .expect("run tracker alerts");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{printed} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        printed.starts_with(&format!("逾期预警 990101000000 as of 2026-05-02: {}\n", all.len())),
        "{printed}"
    );
    let claim_line = printed.lines().find(|l| l.starts_with("逾期未认领")).unwrap();
    assert!(
        claim_line.contains(&assigned.code) && claim_line.contains("示范县交通运输局"),
        "{claim_line}"
    );
    assert_eq!(printed.lines().count(), all.len() + 1);
    let water = app.demo_login("water").await;
    let reply = app
        .gql(Some(&water), ALERTS, json!({"r": "990101000000", "d": "2026-05-02"}))
        .await;
    assert_eq!(reply.ok()["alerts"], json!([]));
    let reply = app
        .gql(
            Some(&township),
            ALERTS,
            json!({"r": "990101000000", "d": "2026-05-02", "k": ["RECTIFICATION_OVERDUE", "TASK_ITEM_NOT_CLEARED"]}),
        )
        .await;
    assert_eq!(reply.ok()["alerts"].as_array().unwrap().len(), 2);
    let reply = app
        .gql(Some(&coordinator), ALERTS, json!({"r": "990101000000", "n": 0}))
        .await;
    assert_eq!(reply.error_code(), Some("BAD_USER_INPUT"), "{}", reply.body);
}
