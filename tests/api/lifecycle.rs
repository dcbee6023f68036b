//! The project lifecycle through the HTTP API: the whole pipeline as the right users,
//! every action from every state as every role against the state machine table, the
//! version guard under concurrent clerks, and bad input that changes nothing.
use crate::helpers::{TestApp, notice_for, spawn_demo_app};
use serde_json::{Value, json};
use tracker::domain::access::Actor;
use tracker::domain::calendar::china_date;
use tracker::domain::lifecycle::{self, ProjectAction, ProjectStatus};
use tracker::service::projects::{self, ProjectInput, TargetInput, TransitionDetails};

const PROJECT_FIELDS: &str = "id code status version department { name } actualStart actualFinish finalQuantity acceptanceGrade events { action fromStatus toStatus actorUsername comment }";

fn today() -> chrono::NaiveDate {
    china_date(chrono::Utc::now())
}

fn create_input() -> Value {
    json!({
        "name": "城关镇大河村通村道路硬化",
        "sector": "ROAD",
        "year": 2026,
        "villageCodes": ["990101001001", "990101001002"],
        "constructionNature": "NEW",
        "content": "硬化道路4.5公里，宽4.5米",
        "plannedQuantity": "4.5",
        "budget": "1350000.00",
        "beneficiaries": {"households": 120, "people": 410, "poorHouseholds": 36, "poorPeople": 118},
        "performanceTargets": [{"indicator": "新建道路里程", "unit": "公里", "target": "4.5"}],
        "plannedStart": "2026-03-01",
        "plannedFinish": "2026-10-31"
    })
}

/// Calls a mutation that returns a `ProjectPayload`, returning (project, userErrors).
async fn mutate(app: &TestApp, token: &str, mutation: &str, input: Value) -> (Value, Value) {
    let input_type = match mutation {
        "projectCreate" => "ProjectCreateInput",
        "projectUpdate" => "ProjectUpdateInput",
        "projectSubmit" | "projectApprove" | "projectClaim" => "ProjectCommentInput",
        "projectReturn" | "projectReject" | "projectDecline" | "projectCancel" => "ProjectReasonInput",
        "projectAssign" => "ProjectAssignInput",
        "projectRecordPreparation" => "ProjectRecordPreparationInput",
        "projectStartConstruction" => "ProjectStartConstructionInput",
        "projectComplete" => "ProjectCompleteInput",
        "projectAccept" => "ProjectAcceptInput",
        "projectFailAcceptance" => "ProjectFailAcceptanceInput",
        "progressReportCreate" => "ProgressReportCreateInput",
        other => panic!("unknown mutation {other}"),
    };
    let query = format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ project {{ {PROJECT_FIELDS} }} userErrors {{ code field message }} }} }}"
    );
    let reply = app.gql(Some(token), &query, json!({"input": input})).await;
    let payload = reply.ok()[mutation].clone();
    (payload["project"].clone(), payload["userErrors"].clone())
}

/// Calls a mutation that must succeed and returns the project.
async fn must(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let (project, errors) = mutate(app, token, mutation, input).await;
    assert_eq!(errors, json!([]), "{mutation} failed");
    project
}

fn step(project: &Value, extra: Value) -> Value {
    let mut input = json!({"project": project["id"], "expectedVersion": project["version"]});
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    input
}

async fn department_id(app: &TestApp, token: &str, sector: &str) -> String {
    let reply = app
        .gql(
            Some(token),
            "query($s: Sector) { departments(filter: {sector: $s}) { nodes { id } } }",
            json!({"s": sector}),
        )
        .await;
    reply.ok()["departments"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn one_project_walks_the_whole_pipeline() {
    let app = spawn_demo_app().await;
    let township = app.demo_login("township").await;
    let coordinator = app.demo_login("coordinator").await;
    let transport = app.demo_login("transport").await;
    let inspector = app.demo_login("inspector").await;
    let transport_dept = department_id(&app, &coordinator, "ROAD").await;
    let deadline = (today() + chrono::Duration::days(30)).to_string();
    let today = today().to_string();

    let p = must(&app, &township, "projectCreate", json!(create_input())).await;
    assert_eq!(p["status"], "DRAFT");
    assert_eq!(p["code"], "2026-ROAD-0001");
    let p = must(&app, &township, "projectSubmit", step(&p, json!({}))).await;
    assert_eq!(p["status"], "SUBMITTED");
    let p = must(
        &app,
        &coordinator,
        "projectReturn",
        step(&p, json!({"reason": "补充受益人口明细"})),
    )
    .await;
    assert_eq!(p["status"], "DRAFT");
    let p = must(
        &app,
        &township,
        "projectUpdate",
        step(&p, json!({"content": "硬化道路4.5公里，宽4.5米，含排水沟"})),
    )
    .await;
    let p = must(&app, &township, "projectSubmit", step(&p, json!({"comment": "已补充"}))).await;
    notice_for(&app, &p["id"], ProjectAction::Approve, &today).await;
    let p = must(&app, &coordinator, "projectApprove", step(&p, json!({}))).await;
    assert_eq!(p["status"], "APPROVED");
    let p = must(
        &app,
        &coordinator,
        "projectAssign",
        step(&p, json!({"department": transport_dept, "deadline": deadline})),
    )
    .await;
    assert_eq!(p["status"], "ASSIGNED");
    assert_eq!(p["department"]["name"], "示范县交通运输局");
    let p = must(&app, &transport, "projectClaim", step(&p, json!({}))).await;
    assert_eq!(p["status"], "CLAIMED");
    let p = must(
        &app,
        &transport,
        "projectRecordPreparation",
        step(&p, json!({"milestone": "ESTABLISHMENT", "date": today})),
    )
    .await;
    let p = must(
        &app,
        &transport,
        "projectRecordPreparation",
        step(&p, json!({"milestone": "TENDERING", "date": today})),
    )
    .await;
    assert_eq!(p["status"], "PREPARING");
    let p = must(
        &app,
        &transport,
        "projectStartConstruction",
        step(&p, json!({"date": today})),
    )
    .await;
    assert_eq!(
        (p["status"].as_str(), p["actualStart"].as_str()),
        (Some("UNDER_CONSTRUCTION"), Some(today.as_str()))
    );
    let p = must(
        &app,
        &transport,
        "projectComplete",
        step(&p, json!({"date": today, "finalQuantity": "4.5"})),
    )
    .await;
    assert_eq!(
        (p["status"].as_str(), p["finalQuantity"].as_str()),
        (Some("COMPLETED"), Some("4.5"))
    );
    let p = must(
        &app,
        &coordinator,
        "projectFailAcceptance",
        step(&p, json!({"findings": "排水沟未完工"})),
    )
    .await;
    assert_eq!(p["status"], "UNDER_CONSTRUCTION");
    assert_eq!(p["actualFinish"], json!(null));
    let p = must(
        &app,
        &transport,
        "projectComplete",
        step(&p, json!({"date": today, "finalQuantity": "4.6"})),
    )
    .await;
    notice_for(&app, &p["id"], ProjectAction::Accept, &today).await;
    let p = must(
        &app,
        &coordinator,
        "projectAccept",
        step(&p, json!({"grade": "EXCELLENT"})),
    )
    .await;
    assert_eq!(
        (p["status"].as_str(), p["acceptanceGrade"].as_str()),
        (Some("ACCEPTED"), Some("EXCELLENT"))
    );
    assert_eq!(p["version"], 15);

    let actions: Vec<&str> = p["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "CREATE",
            "SUBMIT",
            "RETURN",
            "SUBMIT",
            "APPROVE",
            "ASSIGN",
            "CLAIM",
            "RECORD_PREPARATION",
            "RECORD_PREPARATION",
            "START_CONSTRUCTION",
            "COMPLETE",
            "FAIL_ACCEPTANCE",
            "COMPLETE",
            "ACCEPT"
        ]
    );
    let returned = &p["events"][2];
    assert_eq!(
        (
            returned["fromStatus"].as_str(),
            returned["toStatus"].as_str(),
            returned["actorUsername"].as_str(),
            returned["comment"].as_str()
        ),
        (
            Some("SUBMITTED"),
            Some("DRAFT"),
            Some("coordinator"),
            Some("补充受益人口明细")
        )
    );

    // The inspector reads the whole history in the audit trail, newest first.
    let reply = app
        .gql(
            Some(&inspector),
            "query($id: ID!) { auditLog(first: 100, filter: {entity: $id}) { totalCount nodes { id action actorUsername before after changes { field before after } } } }",
            json!({"id": p["id"]}),
        )
        .await;
    let log = &reply.ok()["auditLog"];
    assert_eq!(log["totalCount"], 15, "14 events and one draft edit");
    let accept = &log["nodes"][0];
    assert_eq!(accept["action"], "PROJECT_ACCEPT");
    assert_eq!(log["nodes"][14]["action"], "PROJECT_CREATE");
    // Before and after in the API's terms: its field names, global IDs, yuan.
    let after: Value = serde_json::from_str(accept["after"].as_str().unwrap()).unwrap();
    assert_eq!(after["status"], "ACCEPTED");
    assert_eq!(after["id"], p["id"]);
    assert_eq!(after["budget"], p_budget(&app, &inspector, &p).await);
    assert!(after["department"].as_str().is_some_and(|d| d.len() > 8), "{after}");
    assert!(!accept["after"].as_str().unwrap().contains("_fen"), "{after}");
    // The changes: exactly the fields acceptance altered.
    let changed: Vec<(&str, &str, &str)> = accept["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["field"].as_str().unwrap(),
                c["before"].as_str().unwrap(),
                c["after"].as_str().unwrap(),
            )
        })
        .collect();
    let fields: Vec<&str> = changed.iter().map(|c| c.0).collect();
    assert!(
        changed.contains(&("status", "\"COMPLETED\"", "\"ACCEPTED\"")),
        "{changed:?}"
    );
    assert!(
        fields.contains(&"acceptanceGrade") && fields.contains(&"version"),
        "{fields:?}"
    );
    assert!(!fields.contains(&"budget") && !fields.contains(&"name"), "{fields:?}");
    // An audit entry is a Node.
    let reply = app
        .gql(
            Some(&inspector),
            "query($id: ID!) { node(id: $id) { __typename id ... on AuditEntry { action } } }",
            json!({"id": accept["id"]}),
        )
        .await;
    assert_eq!(reply.ok()["node"]["action"], "PROJECT_ACCEPT");
    // and only for those who may read the trail.
    let township = app.demo_login("township").await;
    let reply = app
        .gql(
            Some(&township),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": accept["id"]}),
        )
        .await;
    assert_eq!(reply.ok()["node"], json!(null));
}

/// The project's budget as the API shows it.
async fn p_budget(app: &TestApp, token: &str, p: &Value) -> Value {
    let reply = app
        .gql(
            Some(token),
            "query($id: ID!) { node(id: $id) { ... on Project { budget } } }",
            json!({"id": p["id"]}),
        )
        .await;
    reply.ok()["node"]["budget"].clone()
}

/// The demo users, one per role, plus a department the test project is never assigned to.
const USERS: [&str; 7] = [
    "admin",
    "coordinator",
    "finance",
    "transport",
    "water",
    "township",
    "inspector",
];

/// Details that satisfy whatever any action needs.
fn full_details(department_id: i64) -> TransitionDetails {
    TransitionDetails {
        comment: Some("理由".into()),
        department_id: Some(department_id),
        deadline: Some(today() + chrono::Duration::days(30)),
        milestone: Some(tracker::domain::project::PreparationMilestone::Design),
        date: Some(today()),
        final_quantity: Some(rust_decimal::Decimal::new(45, 1)),
        grade: Some(tracker::domain::project::AcceptanceGrade::Qualified),
        // The way to a state may already have recorded the milestone.
        correction: true,
    }
}

fn service_input() -> ProjectInput {
    ProjectInput {
        name: "表驱动测试道路".into(),
        sector: tracker::domain::sector::Sector::Road,
        category: None,
        year: 2026,
        village_codes: vec!["990101001001".into()],
        nature: tracker::domain::project::ConstructionNature::New,
        content: "硬化道路".into(),
        planned_quantity: rust_decimal::Decimal::new(45, 1),
        budget: rust_decimal::Decimal::new(10_000_000, 2),
        beneficiaries: tracker::domain::project::Beneficiaries {
            households: 10,
            people: 30,
            poor_households: 3,
            poor_people: 9,
        },
        performance_targets: vec![TargetInput {
            indicator: "里程".into(),
            unit: "公里".into(),
            target: rust_decimal::Decimal::new(45, 1),
        }],
        planned_start: Some(today()),
        planned_finish: Some(today() + chrono::Duration::days(90)),
        created_on: None,
    }
}

/// The mutation and input that take `action` with everything it needs.
fn mutation_for(action: ProjectAction, department: &str) -> (&'static str, Value) {
    let deadline = (today() + chrono::Duration::days(30)).to_string();
    let today = today().to_string();
    match action {
        ProjectAction::Update => ("projectUpdate", json!({"name": "改过名的草稿"})),
        ProjectAction::Submit => ("projectSubmit", json!({})),
        ProjectAction::Return => ("projectReturn", json!({"reason": "理由"})),
        ProjectAction::Reject => ("projectReject", json!({"reason": "理由"})),
        ProjectAction::Approve => ("projectApprove", json!({})),
        ProjectAction::Assign => ("projectAssign", json!({"department": department, "deadline": deadline})),
        ProjectAction::Claim => ("projectClaim", json!({})),
        ProjectAction::Decline => ("projectDecline", json!({"reason": "理由"})),
        ProjectAction::RecordPreparation => (
            "projectRecordPreparation",
            json!({"milestone": "DESIGN", "date": today, "correction": true}),
        ),
        ProjectAction::StartConstruction => ("projectStartConstruction", json!({"date": today})),
        ProjectAction::Complete => ("projectComplete", json!({"date": today, "finalQuantity": "4.5"})),
        ProjectAction::Accept => ("projectAccept", json!({"grade": "QUALIFIED"})),
        ProjectAction::FailAcceptance => ("projectFailAcceptance", json!({"findings": "问题"})),
        ProjectAction::Cancel => ("projectCancel", json!({"reason": "理由"})),
        ProjectAction::ReportProgress => (
            "progressReportCreate",
            json!({"completedQuantity": "1", "investedAmount": "100.00", "reportedOn": today}),
        ),
        ProjectAction::Create => unreachable!("not a project transition mutation"),
    }
}

#[tokio::test]
async fn every_action_from_every_state_as_every_role_follows_the_table() {
    let app = spawn_demo_app().await;
    let mut tokens = Vec::new();
    let mut actors: Vec<Actor> = Vec::new();
    for username in USERS {
        tokens.push(app.demo_login(username).await);
        actors.push(app.actor(username).await);
    }
    let actor_of = |username: &str| actors[USERS.iter().position(|u| *u == username).unwrap()].clone();
    let transport_dept = actor_of("transport").department_id.unwrap();
    let transport_global = department_id(&app, &tokens[1], "ROAD").await;
    let actions = [
        ProjectAction::Update,
        ProjectAction::Submit,
        ProjectAction::Return,
        ProjectAction::Reject,
        ProjectAction::Approve,
        ProjectAction::Assign,
        ProjectAction::Claim,
        ProjectAction::Decline,
        ProjectAction::RecordPreparation,
        ProjectAction::StartConstruction,
        ProjectAction::Complete,
        ProjectAction::Accept,
        ProjectAction::FailAcceptance,
        ProjectAction::Cancel,
        ProjectAction::ReportProgress,
    ];
    let mut tried = 0;
    for status in ProjectStatus::ALL {
        for action in actions {
            // A fresh project in `status`, built through the services as the right users.
            let mut project = projects::create(&app.db, &actor_of("township"), service_input())
                .await
                .unwrap();
            // The notices approval and acceptance need (公告公示), in place from the start.
            for needs in [ProjectAction::Approve, ProjectAction::Accept] {
                tracker::seed::disclosure::notice_for_step(&app.db, &actor_of("coordinator"), &project, needs, today())
                    .await
                    .unwrap();
            }
            for step in lifecycle::path_to(status) {
                let who = match lifecycle::transition(projects::status_of(&project).unwrap(), step)
                    .unwrap()
                    .who
                {
                    lifecycle::Who::Role(tracker::domain::access::Role::Township) => "township",
                    lifecycle::Who::AssignedDepartment => "transport",
                    _ => "coordinator",
                };
                project = projects::transition(
                    &app.db,
                    &actor_of(who),
                    project.id,
                    project.version,
                    step,
                    full_details(transport_dept),
                )
                .await
                .unwrap_or_else(|e| panic!("setting up {status:?}: {step:?} failed: {e}"));
            }
            assert_eq!(projects::status_of(&project).unwrap(), status);
            let global_id = tracker::graphql::node::global_id("Project", project.id);
            let township = tracker::domain::region::RegionCode::parse(&project.township_code).unwrap();
            // The role the table lets act goes last, so every other try meets the same state.
            let mut order: Vec<usize> = (0..USERS.len()).collect();
            order.sort_by_key(|&i| lifecycle::check(&actors[i], status, action, project.department_id).is_ok());
            for i in order {
                let actor = &actors[i];
                let expected = if !actor.projects_seen().contains(&township, project.department_id) {
                    Err("NOT_FOUND")
                } else {
                    match lifecycle::check(actor, status, action, project.department_id) {
                        Ok(row) => Ok(row.to),
                        Err(fault) => Err(match fault.code {
                            tracker::domain::fault::ErrorCode::InvalidTransition => "INVALID_TRANSITION",
                            _ => "FORBIDDEN",
                        }),
                    }
                };
                let (mutation, extra) = mutation_for(action, &transport_global);
                let input = step(&json!({"id": global_id.0.clone(), "version": project.version}), extra);
                let (result, errors) = mutate(&app, &tokens[i], mutation, input).await;
                let context = format!("{} {action:?} from {status:?}", USERS[i]);
                match expected {
                    Ok(to) => {
                        assert_eq!(errors, json!([]), "{context}");
                        assert_eq!(result["status"], to.as_str(), "{context}");
                    }
                    Err(code) => {
                        assert_eq!(errors[0]["code"], code, "{context}: {errors}");
                        assert_eq!(result, json!(null), "{context}");
                    }
                }
                tried += 1;
            }
        }
    }
    assert_eq!(tried, 11 * 15 * USERS.len());
}

#[tokio::test]
async fn two_clerks_with_the_same_version_one_wins_and_the_other_is_stale() {
    let app = spawn_demo_app().await;
    let township = app.demo_login("township").await;
    let coordinator = app.demo_login("coordinator").await;
    let p = must(&app, &township, "projectCreate", create_input()).await;
    let p = must(&app, &township, "projectSubmit", step(&p, json!({}))).await;
    notice_for(&app, &p["id"], ProjectAction::Approve, &today().to_string()).await;
    // Eight clerks act on version 2 at once: approvals, rejections and returns.
    let attempts = (0..8).map(|i| {
        let (mutation, extra) = match i % 3 {
            0 => ("projectApprove", json!({})),
            1 => ("projectReject", json!({"reason": "重复申报"})),
            _ => ("projectReturn", json!({"reason": "材料不全"})),
        };
        mutate(&app, &coordinator, mutation, step(&p, extra))
    });
    let results = futures::future::join_all(attempts).await;
    let winners = results.iter().filter(|(_, errors)| errors == &json!([])).count();
    let stale = results
        .iter()
        .filter(|(_, errors)| errors[0]["code"] == "STALE_VERSION")
        .count();
    assert_eq!((winners, stale), (1, 7), "{results:?}");
    let reply = app
        .gql(
            Some(&coordinator),
            "query($id: ID!) { node(id: $id) { ... on Project { version events { action } } } }",
            json!({"id": p["id"]}),
        )
        .await;
    let node = &reply.ok()["node"];
    assert_eq!(node["version"], 3);
    assert_eq!(
        node["events"].as_array().unwrap().len(),
        3,
        "create, submit and exactly one decision"
    );
}

#[tokio::test]
async fn bad_input_is_a_typed_error_and_the_project_is_unchanged() {
    let app = spawn_demo_app().await;
    let township = app.demo_login("township").await;
    let coordinator = app.demo_login("coordinator").await;
    let p = must(&app, &township, "projectCreate", create_input()).await;
    let p = must(&app, &township, "projectSubmit", step(&p, json!({}))).await;

    let cases = [
        (
            &coordinator,
            "projectAccept",
            step(&p, json!({"grade": "QUALIFIED"})),
            "INVALID_TRANSITION",
            "SUBMITTED",
        ),
        (
            &township,
            "projectApprove",
            step(&p, json!({})),
            "FORBIDDEN",
            "COORDINATOR",
        ),
        (
            &coordinator,
            "projectApprove",
            json!({"project": p["id"], "expectedVersion": 1}),
            "STALE_VERSION",
            "reload",
        ),
        (
            &coordinator,
            "projectReject",
            step(&p, json!({"reason": "  "})),
            "INVALID_INPUT",
            "reason",
        ),
        (
            &coordinator,
            "projectReturn",
            step(&p, json!({"reason": ""})),
            "INVALID_INPUT",
            "reason",
        ),
    ];
    for (token, mutation, input, code, mentions) in cases {
        let (project, errors) = mutate(&app, token, mutation, input).await;
        assert_eq!(project, json!(null));
        assert_eq!(errors[0]["code"], code, "{mutation}: {errors}");
        assert!(
            errors[0]["message"].as_str().unwrap().contains(mentions),
            "{mutation}: {errors}"
        );
    }
    // What the business requires is non-null in the schema: leaving it out is refused
    // before anything runs, and a typed client cannot compile the request.
    for (mutation, input_type, input, field) in [
        ("projectReturn", "ProjectReasonInput", step(&p, json!({})), "reason"),
        ("projectAccept", "ProjectAcceptInput", step(&p, json!({})), "grade"),
        (
            "projectAssign",
            "ProjectAssignInput",
            step(&p, json!({"deadline": "2030-01-01"})),
            "department",
        ),
        (
            "projectAssign",
            "ProjectAssignInput",
            step(&p, json!({"department": "x"})),
            "deadline",
        ),
        (
            "projectComplete",
            "ProjectCompleteInput",
            step(&p, json!({"date": "2026-01-01"})),
            "finalQuantity",
        ),
        (
            "projectFailAcceptance",
            "ProjectFailAcceptanceInput",
            step(&p, json!({})),
            "findings",
        ),
        (
            "projectRecordPreparation",
            "ProjectRecordPreparationInput",
            step(&p, json!({"date": "2026-01-01"})),
            "milestone",
        ),
    ] {
        let query = format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ project {{ id }} }} }}");
        let reply = app.gql(Some(&coordinator), &query, json!({"input": input})).await;
        assert_eq!(reply.error_code(), Some("BAD_USER_INPUT"), "{mutation}: {}", reply.body);
        assert!(reply.error_message().contains(field), "{mutation}: {}", reply.body);
        assert!(reply.body.get("data").is_none(), "{mutation}: {}", reply.body);
    }
    let (_, errors) = mutate(
        &app,
        &coordinator,
        "projectAccept",
        step(&p, json!({"grade": "QUALIFIED"})),
    )
    .await;
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("return, reject, approve, cancel"),
        "{errors}"
    );

    // Assigning needs a real department of the county that handles the sector.
    notice_for(&app, &p["id"], ProjectAction::Approve, &today().to_string()).await;
    let p = must(&app, &coordinator, "projectApprove", step(&p, json!({}))).await;
    let deadline = (today() + chrono::Duration::days(10)).to_string();
    let water = department_id(&app, &coordinator, "DRINKING_WATER").await;
    let unknown = tracker::graphql::node::global_id("Department", 99_999).0;
    for (extra, code, field) in [
        (
            json!({"department": unknown, "deadline": deadline}),
            "NOT_FOUND",
            "department",
        ),
        (
            json!({"department": water, "deadline": deadline}),
            "INVALID_INPUT",
            "department",
        ),
        (
            json!({"department": "garbage", "deadline": deadline}),
            "INVALID_INPUT",
            "department",
        ),
        (
            json!({"department": water, "deadline": "2001-01-01"}),
            "INVALID_INPUT",
            "deadline",
        ),
    ] {
        let (project, errors) = mutate(&app, &coordinator, "projectAssign", step(&p, extra.clone())).await;
        assert_eq!(project, json!(null));
        assert_eq!(errors[0]["code"], code, "{extra}: {errors}");
        assert_eq!(errors[0]["field"], json!(["input", field]), "{extra}: {errors}");
    }
    let reply = app
        .gql(
            Some(&coordinator),
            "query($id: ID!) { node(id: $id) { ... on Project { status version events { action } } } }",
            json!({"id": p["id"]}),
        )
        .await;
    let node = &reply.ok()["node"];
    assert_eq!(
        (node["status"].as_str(), node["version"].as_i64()),
        (Some("APPROVED"), p["version"].as_i64())
    );
    assert_eq!(node["events"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_draft_with_bad_fields_is_refused_and_nothing_is_created() {
    let app = spawn_demo_app().await;
    let township = app.demo_login("township").await;
    let cases = [
        (json!({"plannedQuantity": "-3"}), "plannedQuantity", "negative"),
        (
            json!({"plannedFinish": "2026-02-01"}),
            "plannedFinish",
            "before the start",
        ),
        (json!({"budget": "0"}), "budget", "greater than 0"),
        (json!({"budget": "100.001"}), "budget", "2 decimals"),
        (
            json!({"budget": "1000000000000.00"}),
            "budget",
            "larger than the ledger holds",
        ),
        (
            json!({"villageCodes": ["990101002001"]}),
            "villageCodes",
            "not a village of township",
        ),
        (json!({"villageCodes": []}), "villageCodes", "at least one village"),
        (json!({"year": 1999}), "year", "between"),
        (
            json!({"beneficiaries": {"households": 5, "people": 20, "poorHouseholds": 9, "poorPeople": 3}}),
            "beneficiaries.poorHouseholds",
            "outnumber",
        ),
    ];
    for (change, field, mentions) in cases {
        let mut input = create_input();
        for (k, v) in change.as_object().unwrap() {
            input[k] = v.clone();
        }
        let (project, errors) = mutate(&app, &township, "projectCreate", input).await;
        assert_eq!(project, json!(null), "{change}");
        assert_eq!(errors[0]["code"], "INVALID_INPUT", "{change}: {errors}");
        let path: Vec<&str> = std::iter::once("input").chain(field.split('.')).collect();
        assert_eq!(errors[0]["field"], json!(path), "{change}: {errors}");
        assert!(
            errors[0]["message"].as_str().unwrap().contains(mentions),
            "{change}: {errors}"
        );
    }
    // Not a number, and a JSON number: refused by the Decimal scalar before anything runs.
    for bad in [json!("four"), json!(4.5)] {
        let mut input = create_input();
        input["plannedQuantity"] = bad.clone();
        let reply = app
            .gql(
                Some(&township),
                "mutation($input: ProjectCreateInput!) { projectCreate(input: $input) { project { id } } }",
                json!({"input": input}),
            )
            .await;
        assert_eq!(reply.error_code(), Some("BAD_USER_INPUT"), "{bad}: {}", reply.body);
    }
    let mut input = create_input();
    input["budget"] = json!(1350000.5);
    let reply = app
        .gql(
            Some(&township),
            "mutation($input: ProjectCreateInput!) { projectCreate(input: $input) { project { id } } }",
            json!({"input": input}),
        )
        .await;
    assert!(reply.error_message().contains("sent as strings"), "{}", reply.body);

    // Only a township drafts, and an incomplete draft cannot be submitted.
    let coordinator = app.demo_login("coordinator").await;
    let (_, errors) = mutate(&app, &coordinator, "projectCreate", create_input()).await;
    assert_eq!(errors[0]["code"], "FORBIDDEN");
    let mut sparse = create_input();
    for key in ["content", "performanceTargets", "plannedStart", "plannedFinish"] {
        sparse.as_object_mut().unwrap().remove(key);
    }
    let p = must(&app, &township, "projectCreate", sparse).await;
    let (_, errors) = mutate(&app, &township, "projectSubmit", step(&p, json!({}))).await;
    let fields: Vec<&str> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            // The draft is at fault, not the submission's input: the message names the field.
            assert_eq!(e["field"], json!(null), "{e}");
            e["message"].as_str().unwrap().split('`').nth(1).unwrap()
        })
        .collect();
    assert_eq!(
        fields,
        ["content", "performanceTargets", "plannedStart", "plannedFinish"]
    );
    let reply = app
        .gql(
            Some(&township),
            "{ projects { totalCount nodes { status } } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.ok()["projects"]["totalCount"], 1, "only the sparse draft exists");
    assert_eq!(reply.ok()["projects"]["nodes"][0]["status"], "DRAFT");
}

/// A preliminary-work milestone is reached once: recording it again is refused, naming the
/// earlier record, unless it is sent as a correction — and then the history says so.
#[tokio::test]
async fn a_milestone_is_recorded_once_and_corrected_openly() {
    let app = spawn_demo_app().await;
    let p = crate::helpers::project_at(
        &app,
        ProjectStatus::Preparing,
        tracker::domain::sector::Sector::Road,
        &["990101001001"],
        3,
    )
    .await;
    let transport = app.demo_login("transport").await;
    let record = |milestone: &str, correction: bool, version: i32| json!({"project": crate::helpers::project_id(&p), "expectedVersion": version, "milestone": milestone, "date": today().to_string(), "correction": correction});
    let (project, errors) = mutate(
        &app,
        &transport,
        "projectRecordPreparation",
        record("DESIGN", false, p.version),
    )
    .await;
    assert_eq!(project, json!(null));
    assert_eq!(errors[0]["field"], json!(["input", "milestone"]), "{errors}");
    assert!(
        errors[0]["message"].as_str().unwrap().contains("already recorded"),
        "{errors}"
    );
    let (project, errors) = mutate(
        &app,
        &transport,
        "projectRecordPreparation",
        record("DESIGN", true, p.version),
    )
    .await;
    assert_eq!(errors, json!([]));
    let comment = project["events"].as_array().unwrap().last().unwrap()["comment"].clone();
    assert!(comment.as_str().unwrap().starts_with("更正设计"), "{comment}");
    let version = project["version"].as_i64().unwrap() as i32;
    let (_, errors) = mutate(
        &app,
        &transport,
        "projectRecordPreparation",
        record("TENDERING", false, version),
    )
    .await;
    assert_eq!(errors, json!([]), "another milestone needs no correction");
}
