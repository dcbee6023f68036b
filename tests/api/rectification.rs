//! 问题整改台账 through the HTTP API: the lifecycle table for every state × action × role,
//! who sees which problems, dated steps and the summary as of past days, overdue at its
//! boundary day, and the inputs refused.
use crate::helpers::{TestApp, department_id as department, spawn_demo_app};
use chrono::Datelike;
use serde_json::{Value, json};
use tracker::domain::calendar;

const FILE: &str = "mutation($i: RectificationIssueFileInput!) { rectificationIssueFile(input: $i) { issue { id status version overdue daysOverdue filedOn } userErrors { code field message } } }";
const STEP: &str = "mutation($i: RectificationIssueStepInput!) { rectificationIssueStep(input: $i) { issue { id status version } userErrors { code field message } } }";
const SUMMARY: &str = "query($r: String!, $g: RectificationGrouping!, $d: Date) { rectificationSummary(regionCode: $r, groupBy: $g, asOf: $d) { asOf groups { key label issues closed closingRate overdue open rectifying submitted reopened } total { issues closed closingRate overdue } } }";
const LIST: &str = "query($f: RectificationIssueFilter, $after: String) { rectificationIssues(first: 2, after: $after, filter: $f) { totalCount pageInfo { hasNextPage endCursor } nodes { id description } } }";

const COUNTY: &str = "990101000000";
const CITY_TOWNSHIP: &str = "990101001000";

/// A problem given to `unit` (`{"responsibleDepartment": …}` or
/// `{"responsibleTownshipCode": …}`), filed on `date` with `deadline`.
fn problem(unit: Value, description: &str, date: &str, deadline: &str) -> Value {
    let mut input = json!({
        "countyCode": COUNTY,
        "source": "PROVINCIAL_FEEDBACK",
        "batch": "2026年省市反馈问题",
        "batchDocumentNo": "示督〔2026〕3号",
        "batchDate": "2026-03-01",
        "category": "项目管理",
        "description": description,
        "responsiblePerson": "张三",
        "measures": "逐项整改,建立台账",
        "deadline": deadline,
        "date": date,
    });
    for (k, v) in unit.as_object().unwrap() {
        input[k] = v.clone();
    }
    json!({ "i": input })
}

struct Issue {
    id: String,
    version: i64,
}

async fn file(app: &TestApp, token: &str, input: Value) -> Issue {
    let reply = app.gql(Some(token), FILE, input).await;
    let payload = &reply.ok()["rectificationIssueFile"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    Issue {
        id: payload["issue"]["id"].as_str().unwrap().to_string(),
        version: payload["issue"]["version"].as_i64().unwrap(),
    }
}

/// Takes a step; the reply's payload.
async fn step(app: &TestApp, token: &str, issue: &Issue, action: &str, date: &str) -> Value {
    let reply = app
        .gql(
            Some(token),
            STEP,
            json!({"i": {
                "issue": issue.id,
                "expectedVersion": issue.version,
                "action": action,
                "date": date,
                "note": "核查意见",
                "evidence": "已硬化路面并验收",
                "attachments": ["档案2026-17"],
            }}),
        )
        .await;
    reply.ok()["rectificationIssueStep"].clone()
}

/// Takes a step that must succeed, keeping the version.
async fn advance(app: &TestApp, token: &str, issue: &mut Issue, action: &str, date: &str) {
    let payload = step(app, token, issue, action, date).await;
    assert_eq!(payload["userErrors"], json!([]), "{action}: {payload}");
    issue.version = payload["issue"]["version"].as_i64().unwrap();
}

const STATES: [&str; 5] = ["OPEN", "RECTIFYING", "SUBMITTED", "CLOSED", "REOPENED"];
const ACTIONS: [&str; 5] = ["START", "SUBMIT", "CLOSE", "RETURN_FOR_RECTIFICATION", "REOPEN"];

/// The steps from OPEN to `state`, each by who may take it.
fn path(state: &str) -> &'static [(&'static str, &'static str)] {
    const UNIT: &str = "transport";
    const VERIFIER: &str = "inspector";
    match state {
        "OPEN" => &[],
        "RECTIFYING" => &[("START", UNIT)],
        "SUBMITTED" => &[("START", UNIT), ("SUBMIT", UNIT)],
        "CLOSED" => &[("START", UNIT), ("SUBMIT", UNIT), ("CLOSE", VERIFIER)],
        _ => &[
            ("START", UNIT),
            ("SUBMIT", UNIT),
            ("CLOSE", VERIFIER),
            ("REOPEN", VERIFIER),
        ],
    }
}

/// The table as the issue states it, written out here rather than read from the code:
/// (from, action, who may).
const ALLOWED: [(&str, &str, &[&str]); 6] = [
    ("OPEN", "START", &["transport"]),
    ("REOPENED", "START", &["transport"]),
    ("RECTIFYING", "SUBMIT", &["transport"]),
    ("SUBMITTED", "CLOSE", &["coordinator", "inspector"]),
    ("SUBMITTED", "RETURN_FOR_RECTIFICATION", &["coordinator", "inspector"]),
    ("CLOSED", "REOPEN", &["coordinator", "inspector"]),
];

fn to_state(action: &str) -> &'static str {
    match action {
        "START" | "RETURN_FOR_RECTIFICATION" => "RECTIFYING",
        "SUBMIT" => "SUBMITTED",
        "CLOSE" => "CLOSED",
        _ => "REOPENED",
    }
}

#[tokio::test]
async fn every_state_action_and_role_follows_the_lifecycle_table() {
    let app = spawn_demo_app().await;
    let mut tokens = std::collections::HashMap::new();
    for user in [
        "transport",
        "water",
        "township",
        "coordinator",
        "inspector",
        "finance",
        "admin",
    ] {
        tokens.insert(user, app.demo_login(user).await);
    }
    let transport = department(&app, "示范县交通运输局").await;
    let unit = json!({"responsibleDepartment": transport});
    let fresh = |state: &'static str| {
        let app = &app;
        let tokens = &tokens;
        let unit = unit.clone();
        async move {
            let mut issue = file(
                app,
                &tokens["coordinator"],
                problem(unit, state, "2026-03-02", "2026-06-30"),
            )
            .await;
            for (i, (action, who)) in path(state).iter().enumerate() {
                advance(app, &tokens[who], &mut issue, action, &format!("2026-03-{:02}", 3 + i)).await;
            }
            issue
        }
    };
    let mut allowed_count = 0;
    for from in STATES {
        for action in ACTIONS {
            let mut issue = fresh(from).await;
            for who in [
                "transport",
                "water",
                "township",
                "coordinator",
                "inspector",
                "finance",
                "admin",
            ] {
                let may = ALLOWED
                    .iter()
                    .any(|(f, a, roles)| *f == from && *a == action && roles.contains(&who));
                let exists = ALLOWED.iter().any(|(f, a, _)| *f == from && *a == action);
                let payload = step(&app, &tokens[who], &issue, action, "2026-03-20").await;
                let expected = if matches!(who, "water" | "township") {
                    // Neither sees a problem given to the transport bureau.
                    Some("NOT_FOUND")
                } else if !exists {
                    Some("INVALID_TRANSITION")
                } else if !may {
                    Some("FORBIDDEN")
                } else {
                    None
                };
                match expected {
                    Some(code) => assert_eq!(
                        payload["userErrors"][0]["code"],
                        json!(code),
                        "{who} {action} from {from}: {payload}"
                    ),
                    None => {
                        assert_eq!(payload["userErrors"], json!([]), "{who} {action} from {from}");
                        assert_eq!(payload["issue"]["status"], json!(to_state(action)));
                        allowed_count += 1;
                        issue = fresh(from).await;
                    }
                }
            }
        }
    }
    assert_eq!(allowed_count, 9);

    // The history keeps every step with its day, actor and what it carried; the audit trail
    // has one entry per change.
    let issue = fresh("CLOSED").await;
    let reply = app
        .gql(
            Some(&tokens["inspector"]),
            "query($id: ID!) { node(id: $id) { ... on RectificationIssue { status history { action fromStatus toStatus date actorUsername evidence attachments note } } } }",
            json!({"id": issue.id}),
        )
        .await;
    let history = &reply.ok()["node"]["history"];
    assert_eq!(history.as_array().unwrap().len(), 4, "{history}");
    assert_eq!(history[0]["action"], json!(null));
    assert_eq!(history[0]["toStatus"], json!("OPEN"));
    assert_eq!(history[2]["action"], json!("SUBMIT"));
    assert_eq!(history[2]["date"], json!("2026-03-04"));
    assert_eq!(history[2]["evidence"], json!("已硬化路面并验收"));
    assert_eq!(history[2]["attachments"], json!(["档案2026-17"]));
    assert_eq!(history[3]["actorUsername"], json!("inspector"));
    let reply = app
        .gql(
            Some(&tokens["admin"]),
            "query($id: ID!) { auditLog(first: 10, filter: {entity: $id}) { nodes { action } } }",
            json!({"id": issue.id}),
        )
        .await;
    let actions: Vec<&str> = reply.ok()["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.len(), 4, "{actions:?}");
    for expected in [
        "RECTIFICATION_FILE",
        "RECTIFICATION_START",
        "RECTIFICATION_SUBMIT",
        "RECTIFICATION_CLOSE",
    ] {
        assert!(actions.contains(&expected), "{actions:?}");
    }
}

#[tokio::test]
async fn a_township_rectifies_its_own_problems_and_each_unit_sees_only_its_own() {
    let app = spawn_demo_app().await;
    let inspector = app.demo_login("inspector").await;
    let township = app.demo_login("township").await;
    let transport = app.demo_login("transport").await;
    let water = app.demo_login("water").await;
    let finance = app.demo_login("finance").await;
    let transport_id = department(&app, "示范县交通运输局").await;
    let mut of_township = file(
        &app,
        &inspector,
        problem(
            json!({"responsibleTownshipCode": CITY_TOWNSHIP}),
            "城关镇问题",
            "2026-03-02",
            "2026-06-30",
        ),
    )
    .await;
    let of_transport = file(
        &app,
        &inspector,
        problem(
            json!({"responsibleDepartment": transport_id}),
            "交通局问题",
            "2026-03-02",
            "2026-06-30",
        ),
    )
    .await;
    // The township takes up its own; the transport bureau cannot even see it.
    assert_eq!(
        step(&app, &transport, &of_township, "START", "2026-03-03").await["userErrors"][0]["code"],
        json!("NOT_FOUND")
    );
    advance(&app, &township, &mut of_township, "START", "2026-03-03").await;

    let listed = |token: String| {
        let app = &app;
        async move {
            let reply = app.gql(Some(&token), LIST, json!({})).await;
            let mut out: Vec<String> = reply.ok()["rectificationIssues"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["description"].as_str().unwrap().to_string())
                .collect();
            out.sort();
            out
        }
    };
    assert_eq!(listed(township.clone()).await, ["城关镇问题"]);
    assert_eq!(listed(transport.clone()).await, ["交通局问题"]);
    assert!(listed(water.clone()).await.is_empty());
    assert_eq!(listed(finance.clone()).await, ["交通局问题", "城关镇问题"]);
    // `node` follows the same rule.
    for (token, id, visible) in [
        (&water, &of_transport.id, false),
        (&transport, &of_transport.id, true),
        (&township, &of_transport.id, false),
        (&township, &of_township.id, true),
    ] {
        let reply = app
            .gql(
                Some(token),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(!reply.ok()["node"].is_null(), visible);
    }
    // A clerk of another township sees neither.
    let other = crate::helpers::township_clerk(&app, "990101002").await;
    let other = app.login(&other.username, "long-enough").await;
    assert!(listed(other).await.is_empty());
    // Only verifiers file.
    for token in [&township, &transport, &finance] {
        let reply = app
            .gql(
                Some(token),
                FILE,
                problem(
                    json!({"responsibleTownshipCode": CITY_TOWNSHIP}),
                    "x",
                    "2026-03-02",
                    "2026-06-30",
                ),
            )
            .await;
        assert_eq!(
            reply.ok()["rectificationIssueFile"]["userErrors"][0]["code"],
            json!("FORBIDDEN")
        );
    }
}

#[tokio::test]
async fn the_summary_reads_each_day_from_the_steps_business_dates() {
    let app = spawn_demo_app().await;
    let coordinator = app.demo_login("coordinator").await;
    let transport = app.demo_login("transport").await;
    let township = app.demo_login("township").await;
    let transport_id = department(&app, "示范县交通运输局").await;
    let road = json!({"responsibleDepartment": transport_id});
    let city = json!({"responsibleTownshipCode": CITY_TOWNSHIP});
    // a: transport, deadline 04-30, closed 04-20. b: transport, deadline 04-30, submitted
    // 04-25, never closed. c: 城关镇, deadline 05-31, started 05-01, filed 04-10.
    let mut a = file(
        &app,
        &coordinator,
        problem(road.clone(), "a", "2026-03-02", "2026-04-30"),
    )
    .await;
    let mut b = file(
        &app,
        &coordinator,
        problem(road.clone(), "b", "2026-03-02", "2026-04-30"),
    )
    .await;
    let mut c = file(
        &app,
        &coordinator,
        problem(city.clone(), "c", "2026-04-10", "2026-05-31"),
    )
    .await;
    advance(&app, &transport, &mut a, "START", "2026-03-05").await;
    advance(&app, &transport, &mut a, "SUBMIT", "2026-04-15").await;
    advance(&app, &coordinator, &mut a, "CLOSE", "2026-04-20").await;
    advance(&app, &transport, &mut b, "START", "2026-03-06").await;
    advance(&app, &transport, &mut b, "SUBMIT", "2026-04-25").await;
    // Entered late, dated back: counts from 05-01.
    advance(&app, &township, &mut c, "START", "2026-05-01").await;

    let summary = |group: &'static str, day: &'static str| {
        let app = &app;
        let token = coordinator.clone();
        async move {
            let reply = app
                .gql(Some(&token), SUMMARY, json!({"r": COUNTY, "g": group, "d": day}))
                .await;
            reply.ok()["rectificationSummary"].clone()
        }
    };
    // 04-09: a and b filed, a rectifying, b rectifying; c not yet filed.
    let s = summary("STATUS", "2026-04-09").await;
    assert_eq!(
        s["total"],
        json!({"issues": 2, "closed": 0, "closingRate": "0.00", "overdue": 0})
    );
    assert_eq!(s["groups"][0]["key"], json!("RECTIFYING"));
    assert_eq!(s["groups"][0]["label"], json!("整改中"));
    // 04-30, the deadline itself: a closed, b submitted, nothing overdue yet.
    let s = summary("STATUS", "2026-04-30").await;
    assert_eq!(
        s["total"],
        json!({"issues": 3, "closed": 1, "closingRate": "33.33", "overdue": 0})
    );
    // 05-01: b is a day past its deadline (submitted is not closed).
    let s = summary("UNIT", "2026-05-01").await;
    assert_eq!(s["total"]["overdue"], json!(1));
    let groups = s["groups"].as_array().unwrap();
    let road_group = groups.iter().find(|g| g["label"] == json!("示范县交通运输局")).unwrap();
    assert_eq!(
        (
            road_group["issues"].clone(),
            road_group["closed"].clone(),
            road_group["closingRate"].clone(),
            road_group["overdue"].clone(),
            road_group["submitted"].clone()
        ),
        (json!(2), json!(1), json!("50.00"), json!(1), json!(1))
    );
    let city_group = groups.iter().find(|g| g["label"] == json!("城关镇")).unwrap();
    assert_eq!(city_group["rectifying"], json!(1));
    // 06-01: c is overdue too.
    let s = summary("SOURCE", "2026-06-01").await;
    assert_eq!(s["groups"][0]["label"], json!("省级反馈"));
    assert_eq!(s["total"]["overdue"], json!(2));
    // The township's own view: only c.
    let reply = app
        .gql(
            Some(&township),
            SUMMARY,
            json!({"r": CITY_TOWNSHIP, "g": "BATCH", "d": "2026-06-01"}),
        )
        .await;
    assert_eq!(
        reply.ok()["rectificationSummary"]["groups"],
        json!([{"key": "2026年省市反馈问题", "label": "2026年省市反馈问题", "issues": 1, "closed": 0, "closingRate": "0.00", "overdue": 1, "open": 0, "rectifying": 1, "submitted": 0, "reopened": 0}])
    );

    // Today: overdue in the list is past the deadline today.
    let today = calendar::today();
    let yesterday = today.pred_opt().unwrap().to_string();
    let late = file(
        &app,
        &coordinator,
        problem(road.clone(), "late", "2026-03-02", &yesterday),
    )
    .await;
    file(
        &app,
        &coordinator,
        problem(road.clone(), "due today", "2026-03-02", &today.to_string()),
    )
    .await;
    let reply = app
        .gql(
            Some(&coordinator),
            "query($id: ID!) { node(id: $id) { ... on RectificationIssue { overdue daysOverdue } } }",
            json!({"id": late.id}),
        )
        .await;
    assert_eq!(reply.ok()["node"], json!({"overdue": true, "daysOverdue": 1}));
    // Paged two at a time, the overdue ones are b, c and "late" (a is closed, "due today" is not yet).
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let reply = app
            .gql(
                Some(&coordinator),
                LIST,
                json!({"f": {"overdue": true}, "after": after}),
            )
            .await;
        let page = &reply.ok()["rectificationIssues"];
        assert_eq!(page["totalCount"], json!(3));
        for n in page["nodes"].as_array().unwrap() {
            seen.push(n["description"].as_str().unwrap().to_string());
        }
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, ["b", "c", "late"]);
}

#[tokio::test]
async fn what_a_problem_concerns_is_checked_and_searchable() {
    let app = spawn_demo_app().await;
    let coordinator = app.demo_login("coordinator").await;
    let transport_id = department(&app, "示范县交通运输局").await;
    let water_id = department(&app, "示范县水利局").await;
    let mut input = problem(
        json!({"responsibleDepartment": transport_id}),
        "涉及村",
        "2026-03-02",
        "2026-06-30",
    );
    input["i"]["concerns"] = json!([{"regionCode": "990101001001"}, {"department": water_id}]);
    file(&app, &coordinator, input).await;
    let reply = app
        .gql(
            Some(&coordinator),
            "query($f: RectificationIssueFilter) { rectificationIssues(filter: $f) { nodes { description concerns { kind reference } } } }",
            json!({"f": {"concerns": {"regionCode": "990101001001"}}}),
        )
        .await;
    assert_eq!(
        reply.ok()["rectificationIssues"]["nodes"],
        json!([{"description": "涉及村", "concerns": [{"kind": "REGION", "reference": "990101001001"}, {"kind": "DEPARTMENT", "reference": water_id}]}])
    );
    let reply = app
        .gql(
            Some(&coordinator),
            "query($f: RectificationIssueFilter) { rectificationIssues(filter: $f) { totalCount } }",
            json!({"f": {"concerns": {"regionCode": "990101001002"}}}),
        )
        .await;
    assert_eq!(reply.ok()["rectificationIssues"]["totalCount"], json!(0));

    // Refused inputs, each naming its field.
    let base = || {
        problem(
            json!({"responsibleDepartment": transport_id}),
            "x",
            "2026-03-02",
            "2026-06-30",
        )
    };
    let mut cases: Vec<(Value, Value, &str)> = Vec::new();
    let mut v = base();
    v["i"]["concerns"] = json!([{"regionCode": "990102001001"}]);
    cases.push((v, json!(["input", "concerns", "0"]), "NOT_FOUND"));
    let mut v = base();
    v["i"]["concerns"] = json!([{"regionCode": "990101001001", "department": water_id}]);
    cases.push((v, json!(["input", "concerns", "0"]), "INVALID_INPUT"));
    let mut v = base();
    v["i"]["deadline"] = json!("2026-03-01");
    cases.push((v, json!(["input", "deadline"]), "INVALID_INPUT"));
    let mut v = base();
    v["i"]["description"] = json!("  ");
    cases.push((v, json!(["input", "description"]), "INVALID_INPUT"));
    let mut v = base();
    v["i"]["responsibleTownshipCode"] = json!(CITY_TOWNSHIP);
    cases.push((v, json!(["input", "responsibleDepartment"]), "INVALID_INPUT"));
    let v = problem(
        json!({"responsibleTownshipCode": "990101001001"}),
        "x",
        "2026-03-02",
        "2026-06-30",
    );
    cases.push((v, json!(["input", "responsibleTownshipCode"]), "NOT_FOUND"));
    let mut v = base();
    v["i"]["date"] = json!("2026-02-28");
    cases.push((v, json!(["input", "date"]), "INVALID_INPUT"));
    let mut v = base();
    v["i"]["date"] = json!(calendar::today().succ_opt().unwrap().to_string());
    cases.push((v, json!(["input", "date"]), "INVALID_INPUT"));
    for (input, field, code) in cases {
        let reply = app.gql(Some(&coordinator), FILE, input.clone()).await;
        let errors = &reply.ok()["rectificationIssueFile"]["userErrors"];
        assert_eq!(
            (errors[0]["field"].clone(), errors[0]["code"].as_str()),
            (field, Some(code)),
            "{input}"
        );
    }

    // Steps: the evidence a submission needs, a day before the previous step, a stale version.
    let transport = app.demo_login("transport").await;
    let mut issue = file(&app, &coordinator, base()).await;
    advance(&app, &transport, &mut issue, "START", "2026-03-10").await;
    let reply = app
        .gql(
            Some(&transport),
            STEP,
            json!({"i": {"issue": issue.id, "expectedVersion": issue.version, "action": "SUBMIT", "date": "2026-03-11"}}),
        )
        .await;
    assert_eq!(
        reply.ok()["rectificationIssueStep"]["userErrors"][0]["field"],
        json!(["input", "evidence"])
    );
    let payload = step(&app, &transport, &issue, "SUBMIT", "2026-03-09").await;
    assert_eq!(payload["userErrors"][0]["field"], json!(["input", "date"]));
    let stale = Issue {
        id: issue.id.clone(),
        version: issue.version - 1,
    };
    let payload = step(&app, &transport, &stale, "SUBMIT", "2026-03-11").await;
    assert_eq!(payload["userErrors"][0]["code"], json!("STALE_VERSION"));
}

#[tokio::test]
async fn the_demo_county_shows_a_ledger_lists_and_a_scored_quarter() {
    let app = crate::helpers::spawn_app().await;
    tracker::seed::demo::seed(&app.db).await.unwrap();
    let inspector = app.demo_login("inspector").await;
    let reply = app
        .gql(Some(&inspector), SUMMARY, json!({"r": COUNTY, "g": "STATUS"}))
        .await;
    let summary = &reply.ok()["rectificationSummary"];
    assert_eq!(summary["total"]["issues"], json!(12));
    assert!(summary["total"]["overdue"].as_u64().unwrap() > 0, "{summary}");
    assert_eq!(summary["groups"].as_array().unwrap().len(), 5, "every state: {summary}");
    let today = calendar::today();
    let this_month = tracker::domain::task_list::Month::of(today);
    let last_month = tracker::domain::task_list::Month::of(this_month.first_day().pred_opt().unwrap());
    for (month, status) in [(last_month, "CLEARED"), (this_month, "PUBLISHED")] {
        let reply = app
            .gql(
                Some(&inspector),
                "query($m: String!) { monthlyTaskLists(filter: {month: $m}) { nodes { status published } } }",
                json!({"m": month.to_string()}),
            )
            .await;
        let lists = reply.ok()["monthlyTaskLists"]["nodes"].as_array().unwrap().clone();
        // This month's lists are published from its second day.
        if month == this_month && today.day() < 2 {
            continue;
        }
        assert_eq!(lists.len(), 4, "{month}");
        assert!(lists.iter().all(|l| l["status"] == json!(status)), "{month}: {lists:?}");
    }
    let quarter = tracker::domain::assessment::Quarter::of(today);
    let reply = app
        .gql(
            Some(&inspector),
            "query($y: Int!, $q: Int!) { assessmentScores(year: $y, quarter: $q, regionCode: \"990101000000\", by: TOWNSHIP) { scheme { isDefault } unitsRanked rows { rank total } } }",
            json!({"y": quarter.year, "q": quarter.number}),
        )
        .await;
    let scores = &reply.ok()["assessmentScores"];
    assert_eq!(scores["scheme"]["isDefault"], json!(false));
    assert_eq!(scores["unitsRanked"], json!(10));
    // The exit register: most villages ready, one of them since this month's first day,
    // gaps handed out and claimed.
    let reply = app
        .gql(
            Some(&inspector),
            "query($d: Date) { exitReadiness(regionCode: \"990101000000\", groupBy: TOWNSHIP, asOf: $d) { total { villages ready } } }",
            json!({"d": this_month.first_day().pred_opt().unwrap().to_string()}),
        )
        .await;
    let before = reply.ok()["exitReadiness"]["total"].clone();
    let reply = app
        .gql(
            Some(&inspector),
            "{ exitReadiness(regionCode: \"990101000000\", groupBy: TOWNSHIP) { total { villages ready } } gapList(regionCode: \"990101000000\", filter: {status: CLAIMED}) { totalCount } }",
            json!({}),
        )
        .await;
    let now = reply.ok()["exitReadiness"]["total"].clone();
    let (villages, ready) = (now["villages"].as_u64().unwrap(), now["ready"].as_u64().unwrap());
    assert!(ready * 2 > villages && ready < villages, "{now}");
    assert_eq!(
        before["ready"].as_u64().unwrap() + 1,
        ready,
        "one village ready this month"
    );
    assert!(reply.ok()["gapList"]["totalCount"].as_u64().unwrap() >= 3);
}
