//! 公告公示 through the API: notices drafted from the figures, posted, withdrawn; the
//! approval rule at 9 and 10 days; objections blocking until resolved; acceptance needing
//! the completion notice; the plan adjustment's deadline in working days; rules set by a
//! county; who writes and reads.
use crate::helpers::{TestApp, project_at, project_id, spawn_demo_app, township_clerk};
use serde_json::{Value, json};
use tracker::domain::lifecycle::ProjectStatus;
use tracker::domain::sector::Sector;

const CREATE: &str = "mutation($i: DisclosureCreateInput!) { disclosureCreate(input: $i) { disclosure { id number title body status version periodDays hotlines publicPath } userErrors { code field message } } }";
const POST: &str = "mutation($i: DisclosurePostInput!) { disclosurePost(input: $i) { disclosure { id status version startDate endDate statusOn(date: \"2026-03-05\") body } userErrors { code field message } } }";
const OBJECT: &str = "mutation($i: DisclosureObjectionRecordInput!) { disclosureObjectionRecord(input: $i) { objection { id resolved } disclosure { openObjections } userErrors { code field message } } }";
const RESOLVE: &str = "mutation($i: DisclosureObjectionResolveInput!) { disclosureObjectionResolve(input: $i) { objection { resolved resolvedOn resolution resolvedBy } userErrors { code field message } } }";
const APPROVE: &str = "mutation($p: ID!, $v: Int!, $d: Date!) { projectApprove(input: {project: $p, expectedVersion: $v, date: $d}) { project { status version } userErrors { code field message } } }";
const WITHDRAW: &str = "mutation($i: DisclosureWithdrawInput!) { disclosureWithdraw(input: $i) { disclosure { status withdrawnOn withdrawnReason } userErrors { code field message } } }";

const CHENGGUAN: &str = "990101001000";
const CHENGGUAN_VILLAGE: &str = "990101001001";

async fn call(app: &TestApp, token: &str, query: &str, input: Value, name: &str) -> Value {
    app.gql(Some(token), query, json!({"i": input})).await.ok()[name].clone()
}

fn notice_input(project: &str, subject: &str, start: &str, end: &str) -> Value {
    json!({
        "subject": subject, "project": project, "level": "TOWNSHIP", "regionCode": CHENGGUAN,
        "place": "城关镇政务公开栏", "startDate": start, "endDate": end, "hotline": "0915-3212317"
    })
}

/// Drafts and posts a notice as `token`, returning the posted notice.
async fn posted(app: &TestApp, token: &str, input: Value) -> Value {
    let start = input["startDate"].clone();
    let created = call(app, token, CREATE, input, "disclosureCreate").await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    let d = &created["disclosure"];
    let post = call(
        app,
        token,
        POST,
        json!({"disclosure": d["id"], "expectedVersion": d["version"], "date": start}),
        "disclosurePost",
    )
    .await;
    assert_eq!(post["userErrors"], json!([]), "{post}");
    post["disclosure"].clone()
}

async fn approve(app: &TestApp, token: &str, project: &Value, version: i64, day: &str) -> Value {
    app.gql(Some(token), APPROVE, json!({"p": project, "v": version, "d": day}))
        .await
        .ok()["projectApprove"]
        .clone()
}

#[tokio::test]
async fn approval_needs_an_application_notice_of_ten_days_with_no_objection_open() {
    let app = spawn_demo_app().await;
    let coordinator = app.demo_login("coordinator").await;
    let township = app.demo_login("township").await;
    let project = project_at(&app, ProjectStatus::Submitted, Sector::Road, &[CHENGGUAN_VILLAGE], 10).await;
    let pid = json!(project_id(&project));
    let version = i64::from(project.version);

    // A draft, its text from the live figures: the project, its money, both hotlines.
    let draft = call(
        &app,
        &township,
        CREATE,
        notice_input(pid.as_str().unwrap(), "APPLICATION", "2026-03-01", "2026-03-09"),
        "disclosureCreate",
    )
    .await;
    assert_eq!(draft["userErrors"], json!([]), "{draft}");
    let d = &draft["disclosure"];
    assert_eq!(d["status"], "DRAFT");
    assert_eq!(d["periodDays"], 9);
    assert_eq!(d["hotlines"], json!(["0915-3212317", "12317"]));
    let body = d["body"].as_str().unwrap();
    for part in [
        project.name.as_str(),
        project.code.as_str(),
        "1000000.00元",
        "12317",
        "（9天）",
    ] {
        assert!(body.contains(part), "{part} missing from {body}");
    }
    assert_eq!(d["publicPath"], format!("/public/notices/{}", d["number"]));

    // A draft does not count.
    let refused = approve(&app, &coordinator, &pid, version, "2026-03-20").await;
    assert_eq!(refused["userErrors"][0]["code"], "DISCLOSURE_REQUIRED", "{refused}");
    assert_eq!(refused["userErrors"][0]["field"], json!(["input", "project"]));
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no application notice")
    );

    // Posted for 9 days (1–9 March): one day short.
    let post = call(
        &app,
        &township,
        POST,
        json!({"disclosure": d["id"], "expectedVersion": d["version"], "date": "2026-03-01"}),
        "disclosurePost",
    )
    .await;
    assert_eq!(post["userErrors"], json!([]), "{post}");
    assert_eq!(post["disclosure"]["statusOn"], "POSTED");
    assert_eq!(post["disclosure"]["status"], "ENDED");
    let refused = approve(&app, &coordinator, &pid, version, "2026-03-20").await;
    let message = refused["userErrors"][0]["message"].as_str().unwrap().to_string();
    assert_eq!(refused["userErrors"][0]["code"], "DISCLOSURE_REQUIRED");
    assert!(
        message.contains("ran 9 days") && message.contains("fewer than 10"),
        "{message}"
    );
    // A posted notice's text is frozen: editing is refused.
    let edit = app
        .gql(
            Some(&township),
            "mutation($i: DisclosureUpdateInput!) { disclosureUpdate(input: $i) { userErrors { code } } }",
            json!({"i": {"disclosure": d["id"], "expectedVersion": post["disclosure"]["version"], "body": "改"}}),
        )
        .await;
    assert_eq!(
        edit.ok()["disclosureUpdate"]["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );

    // Ten days (1–10 April): not on its last day, but the day after.
    let ten = posted(
        &app,
        &township,
        notice_input(pid.as_str().unwrap(), "APPLICATION", "2026-04-01", "2026-04-10"),
    )
    .await;
    let refused = approve(&app, &coordinator, &pid, version, "2026-04-10").await;
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("runs until 2026-04-10"),
        "{refused}"
    );
    // An objection received on 5 April blocks until it is resolved (on the 12th).
    let objection = call(
        &app,
        &township,
        OBJECT,
        json!({"disclosure": ten["id"], "receivedOn": "2026-04-05", "channel": "HOTLINE", "objector": "村民张某", "contact": "139****1111", "content": "受益户数与实际不符"}),
        "disclosureObjectionRecord",
    )
    .await;
    assert_eq!(objection["userErrors"], json!([]), "{objection}");
    assert_eq!(objection["disclosure"]["openObjections"], 1);
    // Who objected is for the poverty office, inspectors and whoever recorded it.
    let who = "query($id: ID!) { node(id: $id) { ... on Disclosure { objections { objector contact content } } } }";
    for (user, shown) in [
        ("township", true),
        ("coordinator", true),
        ("inspector", true),
        ("finance", false),
    ] {
        let token = app.demo_login(user).await;
        let reply = app.gql(Some(&token), who, json!({"id": ten["id"]})).await;
        let seen = &reply.ok()["node"]["objections"][0];
        assert_eq!(seen["content"], "受益户数与实际不符", "{user}");
        let expected = if shown { json!("村民张某") } else { Value::Null };
        assert_eq!(seen["objector"], expected, "{user}");
        assert_eq!(seen["contact"].is_null(), !shown, "{user}");
    }
    let refused = approve(&app, &coordinator, &pid, version, "2026-04-11").await;
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("objection received on 2026-04-05"),
        "{refused}"
    );
    let resolved = call(
        &app,
        &township,
        RESOLVE,
        json!({"objection": objection["objection"]["id"], "date": "2026-04-12", "resolution": "经核实已更正受益户名单"}),
        "disclosureObjectionResolve",
    )
    .await;
    assert_eq!(resolved["userErrors"], json!([]), "{resolved}");
    assert_eq!(
        resolved["objection"],
        json!({"resolved": true, "resolvedOn": "2026-04-12", "resolution": "经核实已更正受益户名单", "resolvedBy": "township"})
    );
    // As of the 11th it was still open: an approval dated then is still refused.
    let refused = approve(&app, &coordinator, &pid, version, "2026-04-11").await;
    assert_eq!(refused["userErrors"][0]["code"], "DISCLOSURE_REQUIRED");
    let approved = approve(&app, &coordinator, &pid, version, "2026-04-12").await;
    assert_eq!(approved["userErrors"], json!([]), "{approved}");
    assert_eq!(approved["project"]["status"], "APPROVED");
    // Resolving twice is refused; so is an objection before the notice went up.
    let again = call(
        &app,
        &township,
        RESOLVE,
        json!({"objection": objection["objection"]["id"], "resolution": "再次"}),
        "disclosureObjectionResolve",
    )
    .await;
    assert_eq!(again["userErrors"][0]["field"], json!(["input", "objection"]));
    let early = call(
        &app,
        &township,
        OBJECT,
        json!({"disclosure": ten["id"], "receivedOn": "2026-03-31", "channel": "LETTER", "objector": "某", "content": "早"}),
        "disclosureObjectionRecord",
    )
    .await;
    assert_eq!(early["userErrors"][0]["field"], json!(["input", "receivedOn"]));

    // Every change is in the audit trail.
    let admin = app.demo_login("admin").await;
    let audit = app
        .gql(
            Some(&admin),
            "{ auditLog(first: 50, filter: {entityType: \"Disclosure\"}) { nodes { action } } }",
            json!({}),
        )
        .await;
    let actions: Vec<String> = audit.ok()["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap().to_string())
        .collect();
    for action in ["DISCLOSURE_CREATE", "DISCLOSURE_POST"] {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }
    let audit = app
        .gql(
            Some(&admin),
            "{ auditLog(first: 50, filter: {entityType: \"DisclosureObjection\"}) { nodes { action } } }",
            json!({}),
        )
        .await;
    let nodes = audit.ok()["auditLog"]["nodes"].to_string();
    assert!(
        nodes.contains("DISCLOSURE_OBJECTION_RECORD") && nodes.contains("DISCLOSURE_OBJECTION_RESOLVE"),
        "{nodes}"
    );
}

#[tokio::test]
async fn acceptance_needs_the_completion_notice_and_a_withdrawn_one_does_not_count() {
    let app = spawn_demo_app().await;
    let coordinator = app.demo_login("coordinator").await;
    let transport = app.demo_login("transport").await;
    let project = project_at(&app, ProjectStatus::Completed, Sector::Road, &[CHENGGUAN_VILLAGE], 10).await;
    let pid = json!(project_id(&project));
    let today = tracker::domain::calendar::today().to_string();
    let accept = "mutation($p: ID!, $v: Int!) { projectAccept(input: {project: $p, expectedVersion: $v, grade: QUALIFIED}) { project { status } userErrors { code message } } }";
    let refused = app
        .gql(Some(&coordinator), accept, json!({"p": pid, "v": project.version}))
        .await;
    let errors = &refused.ok()["projectAccept"]["userErrors"];
    assert_eq!(errors[0]["code"], "DISCLOSURE_REQUIRED", "{errors}");
    assert!(errors[0]["message"].as_str().unwrap().contains("竣工公告"), "{errors}");

    // The department building it posts the completion notice, then takes it down.
    let mut input = notice_input(pid.as_str().unwrap(), "COMPLETION", &today, &today);
    input["level"] = json!("SITE");
    input["regionCode"] = json!(CHENGGUAN_VILLAGE);
    input["place"] = json!("项目现场公示牌");
    let notice = posted(&app, &transport, input).await;
    assert!(notice["body"].as_str().unwrap().contains("完成量"), "{notice}");
    let withdrawn = call(
        &app,
        &transport,
        WITHDRAW,
        json!({"disclosure": notice["id"], "expectedVersion": notice["version"], "reason": "竣工决算未审定"}),
        "disclosureWithdraw",
    )
    .await;
    assert_eq!(withdrawn["disclosure"]["status"], "WITHDRAWN", "{withdrawn}");
    let refused = app
        .gql(Some(&coordinator), accept, json!({"p": pid, "v": project.version}))
        .await;
    assert_eq!(
        refused.ok()["projectAccept"]["userErrors"][0]["code"],
        "DISCLOSURE_REQUIRED"
    );

    let mut again = notice_input(pid.as_str().unwrap(), "COMPLETION", &today, &today);
    again["hotline"] = Value::Null;
    posted(&app, &transport, again).await;
    let accepted = app
        .gql(Some(&coordinator), accept, json!({"p": pid, "v": project.version}))
        .await;
    assert_eq!(
        accepted.ok()["projectAccept"]["userErrors"],
        json!([]),
        "{}",
        accepted.body
    );
    assert_eq!(accepted.ok()["projectAccept"]["project"]["status"], "ACCEPTED");
}

#[tokio::test]
async fn a_plan_adjustment_is_disclosed_within_ten_working_days_or_raises_an_alert() {
    let app = spawn_demo_app().await;
    let coordinator = app.demo_login("coordinator").await;
    // The plan (version 1, March) and its adjustment (version 2), approved on Monday 3 August.
    let set = "mutation($r: String) { annualPlanSet(input: {countyCode: \"990101000000\", year: 2026, reason: $r}) { annualPlan { id version } userErrors { message } } }";
    let approve = "mutation($v: Int!, $d: Date!) { annualPlanApprove(input: {countyCode: \"990101000000\", year: 2026, version: $v, date: $d}) { userErrors { message } } }";
    let mut plan = Value::Null;
    for (version, reason, day) in [(1, None, "2026-03-02"), (2, Some("八月调整"), "2026-08-03")] {
        let reply = app.gql(Some(&coordinator), set, json!({"r": reason})).await;
        plan = reply.ok()["annualPlanSet"]["annualPlan"].clone();
        assert_eq!(plan["version"], version, "{}", reply.body);
        let approved = app
            .gql(Some(&coordinator), approve, json!({"v": version, "d": day}))
            .await;
        assert_eq!(approved.ok()["annualPlanApprove"]["userErrors"], json!([]));
    }
    let alerts = |as_of: &'static str| {
        let app = &app;
        let coordinator = coordinator.clone();
        async move {
            let reply = app
                .gql(
                    Some(&coordinator),
                    "query($d: Date!) { alerts(regionCode: \"990101000000\", kinds: [DISCLOSURE_OVERDUE], asOf: $d) { kind dueOn daysOverdue planVersion description } }",
                    json!({"d": as_of}),
                )
                .await;
            reply.ok()["alerts"].clone()
        }
    };
    // Ten working days after 3 August is Monday 17 August: due then, late from the 18th.
    assert_eq!(alerts("2026-08-17").await, json!([]));
    let late = alerts("2026-08-18").await;
    assert_eq!(
        late,
        json!([{"kind": "DISCLOSURE_OVERDUE", "dueOn": "2026-08-17", "daysOverdue": 1, "planVersion": 2, "description": "2026年度计划第2版 计划调整公告未发布"}])
    );
    // Posted on the 20th: late on the 18th still, nothing from the 20th.
    let notice = posted(
        &app,
        &coordinator,
        json!({"subject": "PLAN_ADJUSTMENT", "annualPlan": plan["id"], "level": "COUNTY", "regionCode": "990101000000",
               "place": "县人民政府门户网站", "startDate": "2026-08-20", "endDate": "2026-09-18"}),
    )
    .await;
    assert!(notice["body"].as_str().unwrap().contains("八月调整"), "{notice}");
    assert_eq!(alerts("2026-08-18").await.as_array().unwrap().len(), 1);
    assert_eq!(alerts("2026-08-20").await, json!([]));
    // Version 1 is the plan itself: an adjustment notice for it is refused.
    let v1 = app
        .gql(
            Some(&coordinator),
            "{ annualPlan(countyCode: \"990101000000\", year: 2026, version: 1) { id } }",
            json!({}),
        )
        .await;
    let refused = call(
        &app,
        &coordinator,
        CREATE,
        json!({"subject": "PLAN_ADJUSTMENT", "annualPlan": v1.ok()["annualPlan"]["id"], "level": "COUNTY", "regionCode": "990101000000",
               "place": "县人民政府门户网站", "startDate": "2026-08-20", "endDate": "2026-09-18"}),
        "disclosureCreate",
    )
    .await;
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "annualPlan"]),
        "{refused}"
    );
}

#[tokio::test]
async fn a_county_sets_its_own_rules_from_a_day_on() {
    let app = spawn_demo_app().await;
    let coordinator = app.demo_login("coordinator").await;
    let township = app.demo_login("township").await;
    let rules = "query($d: Date) { disclosureRules(countyCode: \"990101000000\", asOf: $d) { isDefault applicationMinDays approvalNeedsApplication acceptanceNeedsCompletion adjustmentDeadlineWorkingDays sources { rule document } } }";
    let reply = app.gql(Some(&township), rules, json!({"d": null})).await;
    let defaults = &reply.ok()["disclosureRules"];
    assert_eq!(defaults["isDefault"], true);
    assert_eq!(defaults["applicationMinDays"], 10);
    assert_eq!(defaults["adjustmentDeadlineWorkingDays"], 10);
    assert!(defaults["sources"].to_string().contains("10天"), "{defaults}");

    let set = "mutation($i: DisclosureRulesSetInput!) { disclosureRulesSet(input: $i) { rules { isDefault effectiveFrom applicationMinDays } userErrors { code field message } } }";
    let input = json!({"countyCode": "990101000000", "effectiveFrom": "2026-05-01", "approvalNeedsApplication": true,
                       "applicationMinDays": 7, "acceptanceNeedsCompletion": true, "adjustmentDeadlineWorkingDays": 10});
    let refused = call(&app, &township, set, input.clone(), "disclosureRulesSet").await;
    assert_eq!(refused["userErrors"][0]["code"], "FORBIDDEN");
    let mut bad = input.clone();
    bad["applicationMinDays"] = json!(0);
    let refused = call(&app, &coordinator, set, bad, "disclosureRulesSet").await;
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "applicationMinDays"])
    );
    let done = call(&app, &coordinator, set, input.clone(), "disclosureRulesSet").await;
    assert_eq!(
        done["rules"],
        json!({"isDefault": false, "effectiveFrom": "2026-05-01", "applicationMinDays": 7})
    );
    let again = call(&app, &coordinator, set, input, "disclosureRulesSet").await;
    assert_eq!(again["userErrors"][0]["field"], json!(["input", "effectiveFrom"]));
    let before = app.gql(Some(&township), rules, json!({"d": "2026-04-30"})).await;
    assert_eq!(before.ok()["disclosureRules"]["applicationMinDays"], 10);

    // Seven days now suffice for an approval dated from 1 May on — and not before.
    let project = project_at(&app, ProjectStatus::Submitted, Sector::Road, &[CHENGGUAN_VILLAGE], 10).await;
    let pid = json!(project_id(&project));
    posted(
        &app,
        &township,
        notice_input(pid.as_str().unwrap(), "APPLICATION", "2026-04-20", "2026-04-26"),
    )
    .await;
    let refused = approve(&app, &coordinator, &pid, project.version.into(), "2026-04-30").await;
    assert_eq!(refused["userErrors"][0]["code"], "DISCLOSURE_REQUIRED", "{refused}");
    let approved = approve(&app, &coordinator, &pid, project.version.into(), "2026-05-01").await;
    assert_eq!(approved["userErrors"], json!([]), "{approved}");
}

#[tokio::test]
async fn who_posts_and_who_reads_a_notice() {
    let app = spawn_demo_app().await;
    let project = project_at(&app, ProjectStatus::Claimed, Sector::Road, &[CHENGGUAN_VILLAGE], 10).await;
    let pid = project_id(&project);
    let start = "2026-06-01";
    let input = notice_input(&pid, "CONSTRUCTION_START", start, "2026-06-10");
    // Who may draft this project's notice in 城关镇: the poverty office, the township, the
    // department holding it; not finance (money and plans only), another township's
    // clerk, another department, the inspector or the admin.
    township_clerk(&app, "990101002").await;
    let other_township = app.login("township990101002", "long-enough").await;
    let mut allowed = Vec::new();
    for user in [
        "coordinator",
        "township",
        "transport",
        "finance",
        "township990101002",
        "water",
        "inspector",
        "admin",
    ] {
        let token = if user == "township990101002" {
            other_township.clone()
        } else {
            app.demo_login(user).await
        };
        let reply = call(&app, &token, CREATE, input.clone(), "disclosureCreate").await;
        match reply["userErrors"][0]["code"].as_str() {
            None => allowed.push(user),
            Some(code) => assert!(matches!(code, "FORBIDDEN" | "NOT_FOUND"), "{user}: {reply}"),
        }
    }
    assert_eq!(allowed, ["coordinator", "township", "transport"]);

    // Reading: the township sees the notices posted in its area, another township not.
    let township = app.demo_login("township").await;
    let dongfeng = other_township;
    let list = "query($p: ID!) { disclosures(filter: {project: $p}) { totalCount nodes { id createdBy } } }";
    let mine = app.gql(Some(&township), list, json!({"p": pid})).await;
    assert_eq!(mine.ok()["disclosures"]["totalCount"], 1 + 3, "{}", mine.body);
    let id = mine.ok()["disclosures"]["nodes"][0]["id"].clone();
    let theirs = app.gql(Some(&dongfeng), list, json!({"p": pid})).await;
    assert_eq!(theirs.ok()["disclosures"]["totalCount"], 0);
    let node = "query($id: ID!) { node(id: $id) { ... on Disclosure { title } } }";
    assert_eq!(
        app.gql(Some(&dongfeng), node, json!({"id": id})).await.ok()["node"],
        Value::Null
    );
    assert!(app.gql(Some(&township), node, json!({"id": id})).await.ok()["node"]["title"].is_string());
    // The project lists its notices too.
    let on_project = app
        .gql(
            Some(&township),
            "query($p: ID!) { node(id: $p) { ... on Project { disclosures { subject status } } } }",
            json!({"p": pid}),
        )
        .await;
    assert_eq!(on_project.ok()["node"]["disclosures"].as_array().unwrap().len(), 3 + 1);
}

#[tokio::test]
async fn bad_notices_are_refused_naming_the_field() {
    let app = spawn_demo_app().await;
    let coordinator = app.demo_login("coordinator").await;
    let project = project_at(&app, ProjectStatus::Submitted, Sector::Road, &[CHENGGUAN_VILLAGE], 10).await;
    let pid = project_id(&project);
    let base = notice_input(&pid, "APPLICATION", "2026-03-01", "2026-03-10");
    let mut cases: Vec<(Value, Vec<&str>)> = Vec::new();
    let mut v = base.clone();
    v["endDate"] = json!("2026-02-01");
    cases.push((v, vec!["input", "endDate"]));
    let mut v = base.clone();
    v["project"] = Value::Null;
    cases.push((v, vec!["input", "project"]));
    let mut v = base.clone();
    v["subject"] = json!("FUND_ALLOCATION");
    cases.push((v, vec!["input", "project"]));
    let mut v = base.clone();
    v["level"] = json!("VILLAGE");
    cases.push((v, vec!["input", "regionCode"]));
    let mut v = base.clone();
    v["regionCode"] = json!("990101002000");
    cases.push((v, vec!["input", "regionCode"]));
    let mut v = base.clone();
    v["place"] = json!("  ");
    cases.push((v, vec!["input", "place"]));
    for (input, field) in cases {
        let reply = call(&app, &coordinator, CREATE, input.clone(), "disclosureCreate").await;
        assert_eq!(reply["userErrors"][0]["field"], json!(field), "{input}: {reply}");
        assert_eq!(reply["disclosure"], Value::Null);
    }
    // Posting on a day to come is refused.
    let draft = call(&app, &coordinator, CREATE, base, "disclosureCreate").await;
    let d = &draft["disclosure"];
    let reply = call(
        &app,
        &coordinator,
        POST,
        json!({"disclosure": d["id"], "expectedVersion": d["version"], "date": "2099-01-01", "endDate": "2099-01-10"}),
        "disclosurePost",
    )
    .await;
    assert_eq!(reply["userErrors"][0]["field"], json!(["input", "date"]), "{reply}");
    let stale = call(
        &app,
        &coordinator,
        POST,
        json!({"disclosure": d["id"], "expectedVersion": 7}),
        "disclosurePost",
    )
    .await;
    assert_eq!(stale["userErrors"][0]["code"], "STALE_VERSION");
}
