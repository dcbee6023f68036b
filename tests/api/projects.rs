//! The project list: filters, order, scope, batching, `node` and the audit log's access.
use crate::helpers::{TestApp, spawn_demo_app};
use chrono::Datelike;
use serde_json::{Value, json};
use tracker::domain::access::Actor;
use tracker::domain::calendar::china_date;
use tracker::domain::lifecycle::ProjectAction;
use tracker::domain::project::{Beneficiaries, ConstructionNature};
use tracker::domain::sector::Sector;
use tracker::service::projects::{self, ProjectInput, TransitionDetails};

fn input(name: &str, sector: Sector, year: i32, villages: &[&str]) -> ProjectInput {
    let today = china_date(chrono::Utc::now());
    ProjectInput {
        name: name.into(),
        sector,
        category: None,
        year,
        village_codes: villages.iter().map(|v| v.to_string()).collect(),
        nature: ConstructionNature::New,
        content: "建设内容".into(),
        planned_quantity: rust_decimal::Decimal::new(3, 0),
        budget: rust_decimal::Decimal::new(50_000_000, 2),
        beneficiaries: Beneficiaries {
            households: 10,
            people: 30,
            poor_households: 2,
            poor_people: 6,
        },
        performance_targets: vec![tracker::service::projects::TargetInput {
            indicator: "受益人口".into(),
            unit: "人".into(),
            target: rust_decimal::Decimal::new(30, 0),
        }],
        planned_start: Some(today),
        planned_finish: Some(today),
        created_on: None,
    }
}

/// A second township user, for 东风镇.
async fn second_township(app: &TestApp) -> Actor {
    tracker::service::users::create(
        &app.db,
        &Actor::system(),
        tracker::service::users::UserInput {
            username: "dongfeng".into(),
            display_name: None,
            password: "dongfeng-pass".into(),
            role: tracker::domain::access::Role::Township,
            region_code: Some("990101002000".into()),
            department_id: None,
        },
    )
    .await
    .unwrap();
    app.actor("dongfeng").await
}

async fn approve_and_assign(app: &TestApp, id: i64, department: i64) {
    let coordinator = app.actor("coordinator").await;
    let township_actor = {
        let project = projects::find(&app.db, &Actor::system(), id).await.unwrap().unwrap();
        if project.township_code == "990101001000" {
            app.actor("township").await
        } else {
            app.actor("dongfeng").await
        }
    };
    let mut version = 1;
    for (actor, action) in [
        (&township_actor, ProjectAction::Submit),
        (&coordinator, ProjectAction::Approve),
        (&coordinator, ProjectAction::Assign),
    ] {
        let details = TransitionDetails {
            department_id: Some(department),
            deadline: Some(china_date(chrono::Utc::now()) + chrono::Duration::days(5)),
            ..Default::default()
        };
        let project = projects::find(&app.db, &Actor::system(), id).await.unwrap().unwrap();
        let today = china_date(chrono::Utc::now());
        tracker::seed::disclosure::notice_for_step(&app.db, &coordinator, &project, action, today)
            .await
            .unwrap();
        version = projects::transition(&app.db, actor, id, version, action, details)
            .await
            .unwrap()
            .version;
    }
}

#[tokio::test]
async fn filters_order_and_scope() {
    let app = spawn_demo_app().await;
    let chengguan = app.actor("township").await;
    let dongfeng = second_township(&app).await;
    let transport_dept = app.actor("transport").await.department_id.unwrap();
    let road = projects::create(
        &app.db,
        &chengguan,
        input("大河村道路", Sector::Road, 2026, &["990101001001"]),
    )
    .await
    .unwrap();
    projects::create(
        &app.db,
        &chengguan,
        input("小河村人饮", Sector::DrinkingWater, 2026, &["990101001002"]),
    )
    .await
    .unwrap();
    projects::create(
        &app.db,
        &chengguan,
        input("大河村产业", Sector::Industry, 2025, &["990101001001"]),
    )
    .await
    .unwrap();
    let east = projects::create(
        &app.db,
        &dongfeng,
        input("东风镇道路", Sector::Road, 2026, &["990101002002"]),
    )
    .await
    .unwrap();
    approve_and_assign(&app, road.id, transport_dept).await;
    approve_and_assign(&app, east.id, transport_dept).await;

    let coordinator = app.demo_login("coordinator").await;
    let count = |token: String, filter: serde_json::Value| {
        let app = &app;
        async move {
            let reply = app
                .gql(
                    Some(&token),
                    "query($f: ProjectFilter) { projects(filter: $f) { totalCount nodes { code } } }",
                    json!({"f": filter}),
                )
                .await;
            reply.ok()["projects"]["totalCount"].as_i64().unwrap()
        }
    };
    assert_eq!(count(coordinator.clone(), json!({})).await, 4);
    assert_eq!(count(coordinator.clone(), json!({"year": 2026})).await, 3);
    assert_eq!(count(coordinator.clone(), json!({"sector": "ROAD"})).await, 2);
    assert_eq!(count(coordinator.clone(), json!({"statuses": ["ASSIGNED"]})).await, 2);
    assert_eq!(
        count(coordinator.clone(), json!({"statuses": ["DRAFT", "SUBMITTED"]})).await,
        2
    );
    assert_eq!(
        count(coordinator.clone(), json!({"townshipCode": "990101002000"})).await,
        1
    );
    assert_eq!(
        count(coordinator.clone(), json!({"villageCode": "990101001001"})).await,
        2
    );
    // 大河村 (990101001001) and 990101002002? Only villages numbered 1, 4, 7… are poverty villages.
    assert_eq!(count(coordinator.clone(), json!({"povertyVillage": true})).await, 2);
    assert_eq!(count(coordinator.clone(), json!({"povertyVillage": false})).await, 2);
    assert_eq!(count(coordinator.clone(), json!({"text": "大河村"})).await, 2);
    assert_eq!(count(coordinator.clone(), json!({"text": "2025-INDUSTRY"})).await, 1);

    // A township sees its own; a department the projects assigned to it; others none.
    assert_eq!(count(app.demo_login("township").await, json!({})).await, 3);
    assert_eq!(count(app.login("dongfeng", "dongfeng-pass").await, json!({})).await, 1);
    assert_eq!(count(app.demo_login("transport").await, json!({})).await, 2);
    assert_eq!(count(app.demo_login("water").await, json!({})).await, 0);

    let reply = app
        .gql(
            Some(&coordinator),
            "{ projects(orderBy: {field: NAME, direction: DESC}) { nodes { name } } }",
            json!({}),
        )
        .await;
    let names: Vec<&str> = reply.ok()["projects"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(names, sorted);

    // By status: in lifecycle order, not by the statuses' names.
    let reply = app
        .gql(
            Some(&coordinator),
            "{ projects(first: 100, orderBy: {field: STATUS}) { nodes { status } } }",
            json!({}),
        )
        .await;
    let ranks: Vec<usize> = reply.ok()["projects"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let status = tracker::domain::lifecycle::ProjectStatus::parse(n["status"].as_str().unwrap()).unwrap();
            tracker::domain::lifecycle::ProjectStatus::ALL
                .iter()
                .position(|s| *s == status)
                .unwrap()
        })
        .collect();
    assert!(ranks.is_sorted(), "{ranks:?}");
    assert!(ranks.first() != ranks.last(), "several statuses to order: {ranks:?}");

    // Paging by cursor visits each project once.
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let reply = app
            .gql(Some(&coordinator), "query($a: String) { projects(first: 3, after: $a, orderBy: {field: UPDATED_AT}) { nodes { code } pageInfo { hasNextPage endCursor } } }", json!({"a": after}))
            .await;
        let page = &reply.ok()["projects"];
        seen.extend(
            page["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["code"].as_str().unwrap().to_string()),
        );
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4);

    // project(code:) and node(id:) apply the same scope.
    let township = app.demo_login("township").await;
    let reply = app
        .gql(
            Some(&township),
            r#"{ project(code: "2026-ROAD-0002") { name } mine: project(code: "2026-ROAD-0001") { name } }"#,
            json!({}),
        )
        .await;
    assert_eq!(reply.ok()["project"], json!(null), "东风镇's road is not 城关镇's");
    assert_eq!(reply.ok()["mine"]["name"], "大河村道路");
    let east_id = tracker::graphql::node::global_id("Project", east.id).0;
    let reply = app
        .gql(
            Some(&township),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": east_id}),
        )
        .await;
    assert_eq!(reply.ok()["node"], json!(null));
    let water = app.demo_login("water").await;
    let reply = app
        .gql(
            Some(&water),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": east_id}),
        )
        .await;
    assert_eq!(reply.ok()["node"], json!(null));
    let transport = app.demo_login("transport").await;
    let reply = app
        .gql(
            Some(&transport),
            "query($id: ID!) { node(id: $id) { ... on Project { name allowedActions } } }",
            json!({"id": east_id}),
        )
        .await;
    assert_eq!(reply.ok()["node"]["allowedActions"], json!(["CLAIM", "DECLINE"]));
}

#[tokio::test]
async fn a_page_costs_the_same_statements_at_any_size() {
    let app = spawn_demo_app().await;
    let chengguan = app.actor("township").await;
    let transport_dept = app.actor("transport").await.department_id.unwrap();
    for i in 0..100 {
        let villages = ["990101001001", "990101001002", "990101001003"];
        let project = projects::create(
            &app.db,
            &chengguan,
            input(&format!("项目{i:03}"), Sector::Road, 2026, &villages[..1 + i % 3]),
        )
        .await
        .unwrap();
        if i % 2 == 0 {
            approve_and_assign(&app, project.id, transport_dept).await;
        }
    }
    // Money on every fourth project, from two fund lines.
    let finance = app.actor("finance").await;
    let mut lines = Vec::new();
    for name in ["整合资金", "配套资金"] {
        let line = tracker::service::funds::create_line(
            &app.db,
            &finance,
            tracker::service::funds::FundLineInput {
                county_code: "990101000000".into(),
                year: 2026,
                name: name.into(),
                kind: tracker::domain::funds::FundKind::CountyMatching,
                level: tracker::domain::funds::FundLevel::County,
                planned: rust_decimal::Decimal::new(1_000_000, 0),
                poverty_targeted: None,
            },
        )
        .await
        .unwrap();
        let receipt = tracker::service::funds::ReceiptInput {
            fund_line_id: line.id,
            amount: rust_decimal::Decimal::new(1_000_000, 0),
            date: china_date(chrono::Utc::now()),
            document_no: "文号".into(),
            note: None,
            confirm_duplicate: false,
        };
        tracker::service::funds::record_receipt(&app.db, &finance, receipt)
            .await
            .unwrap();
        lines.push(line.id);
    }
    let assigned = projects::list(
        &app.db,
        &Actor::system(),
        &projects::ProjectFilter {
            statuses: vec![tracker::domain::lifecycle::ProjectStatus::Assigned],
            ..Default::default()
        },
        projects::ProjectOrder::default(),
        &tracker::service::PageRequest {
            first: 100,
            after: None,
            count_total: true,
        },
    )
    .await
    .unwrap();
    for (i, project) in assigned.items.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        let allocation = tracker::service::funds::AllocationInput {
            fund_line_id: lines[i % 4 / 2],
            project_id: project.id,
            amount: rust_decimal::Decimal::new(1000, 0),
            date: china_date(chrono::Utc::now()),
            note: None,
            confirm_above_budget: false,
            outside_plan: false,
        };
        tracker::service::funds::allocate(&app.db, &finance, allocation)
            .await
            .unwrap();
    }
    let coordinator = app.demo_login("coordinator").await;
    let query = "query($n: Int) { projects(first: $n) { totalCount nodes { code township { name } county { code } villages { name isPovertyVillage parent { name } } department { name county { name } } events { action department { name } } fundSummary { allocated disbursed byKind { kind allocated } } allocations { amount fundLine { name } } disbursements { amount } } } }";
    let (small, reply) = app.count_statements(&coordinator, query, json!({"n": 10})).await;
    assert_eq!(reply.ok()["projects"]["nodes"].as_array().unwrap().len(), 10);
    let (large, reply) = app.count_statements(&coordinator, query, json!({"n": 100})).await;
    let nodes = reply.ok()["projects"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 100);
    assert!(
        nodes
            .iter()
            .all(|n| !n["villages"].as_array().unwrap().is_empty() && n["township"]["name"] == "城关镇")
    );
    let funded = nodes
        .iter()
        .filter(|n| n["allocations"][0]["fundLine"]["name"].is_string())
        .count();
    assert_eq!(funded, 25, "every fourth project has money");
    assert_eq!(
        small, large,
        "a page of 10 ran {small} statements, a page of 100 ran {large}"
    );
    assert!(large <= 12, "{large} statements for one page");
    // Without totalCount the list is not counted: one statement fewer.
    let (uncounted, _) = app
        .count_statements(&coordinator, &query.replace("totalCount ", ""), json!({"n": 100}))
        .await;
    assert_eq!(uncounted, large - 1);
    // The benchmark's Q1 page: the money comes with the project row, so the page costs at
    // most six statements (account, page, villages, regions, departments, progress).
    let q1 = "query($n: Int) { projects(first: $n) { nodes { code township { name } villages { name } department { name } fundSummary { allocated disbursed } latestProgress { completedQuantity } } } }";
    let (q1_statements, reply) = app.count_statements(&coordinator, q1, json!({"n": 100})).await;
    assert!(q1_statements <= 6, "{q1_statements} statements for the Q1 page");
    let with_money = reply.ok()["projects"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["fundSummary"] == json!({"allocated": "1000.00", "disbursed": "0.00"}))
        .count();
    assert_eq!(with_money, 25, "every fourth project has 1000.00 allocated");
    // One project in full (the benchmark's Q3, and more) costs one statement per kind of
    // thing it shows, also for the kinds it has none of (no reports, no payments).
    let funded_code = nodes
        .iter()
        .find(|n| n["allocations"][0]["fundLine"]["name"].is_string())
        .unwrap()["code"]
        .clone();
    let q3 = "query($c: String!) { project(code: $c) { code villages { name } township { name } events { action department { name } } allocations { amount fundLine { name } } disbursements { amount } progressReports { reportedOn } latestProgress { reportedOn } } }";
    let (q3_statements, reply) = app.count_statements(&coordinator, q3, json!({"c": funded_code})).await;
    let project = &reply.ok()["project"];
    assert_eq!(project["allocations"][0]["fundLine"]["name"], "整合资金");
    assert_eq!(project["disbursements"], json!([]));
    assert_eq!(project["progressReports"], json!([]));
    assert_eq!(project["latestProgress"], Value::Null);
    assert_eq!(
        project["events"].as_array().unwrap().len(),
        4,
        "created, submitted, approved, assigned"
    );
    // account, project, villages, regions, events, departments, reports, latest report,
    // allocations, disbursements, fund lines
    assert_eq!(q3_statements, 11, "statements for one project in full");
}

#[tokio::test]
async fn only_oversight_reads_the_audit_log_and_only_in_its_area() {
    let app = spawn_demo_app().await;
    let chengguan = app.actor("township").await;
    projects::create(
        &app.db,
        &chengguan,
        input("审计测试", Sector::Road, 2026, &["990101001001"]),
    )
    .await
    .unwrap();
    for username in ["finance", "township", "coordinator", "transport"] {
        let token = app.demo_login(username).await;
        let reply = app.gql(Some(&token), "{ auditLog { totalCount } }", json!({})).await;
        assert_eq!(reply.error_code(), Some("FORBIDDEN"), "{username}");
    }
    let inspector = app.demo_login("inspector").await;
    let reply = app
        .gql(
            Some(&inspector),
            r#"{ auditLog(filter: {entityType: "Project"}) { totalCount nodes { action actorUsername entityId } } }"#,
            json!({}),
        )
        .await;
    let log = &reply.ok()["auditLog"];
    assert_eq!(log["totalCount"], 1);
    assert_eq!(log["nodes"][0]["action"], "PROJECT_CREATE");
    assert_eq!(log["nodes"][0]["actorUsername"], "township");
    let reply = app
        .gql(
            Some(&inspector),
            r#"{ auditLog(filter: {actorUsername: "system", action: REGION_CREATE}) { totalCount } }"#,
            json!({}),
        )
        .await;
    // The demo county's own rows, but not the province and city above the inspector.
    assert_eq!(reply.ok()["auditLog"]["totalCount"], 161);
}

#[tokio::test]
async fn the_demo_county_has_projects_in_every_state_and_sector_for_two_years() {
    let app = crate::helpers::spawn_app().await;
    tracker::seed::demo::seed(&app.db).await.unwrap();
    let inspector = app.demo_login("inspector").await;
    let year = china_date(chrono::Utc::now()).year();
    for y in [year - 1, year] {
        for status in tracker::domain::lifecycle::ProjectStatus::ALL {
            let reply = app
                .gql(Some(&inspector), "query($y: Int, $s: [ProjectStatus!]) { projects(filter: {year: $y, statuses: $s}) { totalCount } }", json!({"y": y, "s": [status.as_str()]}))
                .await;
            assert!(
                reply.ok()["projects"]["totalCount"].as_i64().unwrap() > 0,
                "no {status:?} project in {y}"
            );
        }
        for sector in Sector::ALL {
            let reply = app
                .gql(
                    Some(&inspector),
                    "query($y: Int, $s: Sector) { projects(filter: {year: $y, sector: $s}) { totalCount } }",
                    json!({"y": y, "s": sector.as_str()}),
                )
                .await;
            assert_eq!(reply.ok()["projects"]["totalCount"], 4, "{sector:?} in {y}");
        }
    }
    // A year of money: every kind of fund line, most of it arrived, some allocated and paid.
    for y in [year - 1, year] {
        let reply = app
            .gql(Some(&inspector), "query($y: Int!) { fundUtilization(year: $y, regionCode: \"990101000000\", groupBy: [FUND_KIND]) { fundKind planned inPlace allocated disbursed } annualPlan(countyCode: \"990101000000\", year: $y) { status sectors { sector } } }", json!({"y": y}))
            .await;
        let rows = reply.ok()["fundUtilization"].as_array().unwrap();
        assert_eq!(rows.len(), 7, "every fund kind in {y}");
        let yuan = |v: &serde_json::Value| rust_decimal::Decimal::from_str_exact(v.as_str().unwrap()).unwrap();
        let integrated = rows
            .iter()
            .find(|r| r["fundKind"] == "INTEGRATED_AGRICULTURAL")
            .unwrap();
        // Hundreds to thousands of 万元 (1 万元 = 10,000 yuan).
        let in_place = yuan(&integrated["inPlace"]);
        assert!(
            in_place > rust_decimal::Decimal::new(1_000_000, 0)
                && in_place < rust_decimal::Decimal::new(100_000_000, 0),
            "{integrated}"
        );
        assert!(
            yuan(&integrated["allocated"]).is_sign_positive() && !yuan(&integrated["disbursed"]).is_zero(),
            "{integrated}"
        );
        assert_eq!(reply.ok()["annualPlan"]["status"], "APPROVED");
        assert!(!reply.ok()["annualPlan"]["sectors"].as_array().unwrap().is_empty());
    }
    // Each project's history is consistent with the table: every event's step is a row of it.
    let reply = app
        .gql(
            Some(&inspector),
            "{ projects(first: 100) { nodes { status events { action fromStatus toStatus } } } }",
            json!({}),
        )
        .await;
    for project in reply.ok()["projects"]["nodes"].as_array().unwrap() {
        let events = project["events"].as_array().unwrap();
        assert_eq!(events.last().unwrap()["toStatus"], project["status"]);
        for event in &events[1..] {
            let from = tracker::domain::lifecycle::ProjectStatus::parse(event["fromStatus"].as_str().unwrap()).unwrap();
            let action = tracker::domain::lifecycle::ProjectAction::parse(event["action"].as_str().unwrap()).unwrap();
            assert_eq!(
                tracker::domain::lifecycle::transition(from, action)
                    .unwrap()
                    .to
                    .as_str(),
                event["toStatus"]
            );
        }
    }
}

#[tokio::test]
async fn batch_reads_answer_every_key_asked_however_many() {
    use entity::{project, project_village};
    use sea_orm::{EntityTrait, QueryOrder};
    use tracker::service::{funds, progress, projects};
    let app = crate::helpers::spawn_app().await;
    tracker::seed::demo::seed(&app.db).await.unwrap();
    let all: Vec<project::Model> = project::Entity::find()
        .order_by_asc(project::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    // The demo's projects among 70,000 ids: more than a statement can take as separate
    // parameters on either database (PostgreSQL allows 65,535), one parameter here.
    let mut ids: Vec<i64> = (1_000_000..1_070_000).collect();
    ids.extend(all.iter().map(|p| p.id));
    let villages = projects::villages_of(&app.db, &ids).await.unwrap();
    assert_eq!(villages.len(), ids.len(), "every id asked gets an answer");
    let expected = project_village::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(villages.values().map(Vec::len).sum::<usize>(), expected.len());
    for row in &expected {
        assert!(villages[&row.project_id].contains(&row.village_code));
    }
    let disbursements = funds::entries_of_projects(&app.db, &ids, tracker::domain::funds::EntryKind::Disbursement)
        .await
        .unwrap();
    let found: Vec<_> = disbursements.values().flatten().collect();
    assert!(!found.is_empty(), "the demo county has disbursements");
    assert!(
        found.iter().all(|e| e.kind == "DISBURSEMENT"),
        "the kind parameter filters"
    );
    let latest = progress::latest_reports_of_projects(&app.db, &ids).await.unwrap();
    let reports = progress::reports_of_projects(&app.db, &ids).await.unwrap();
    for id in &ids {
        assert_eq!(
            latest[id].as_ref(),
            reports[id].first(),
            "the latest report is the newest of the history"
        );
    }
    // One key is read with a statement of its own: the same answer.
    for p in &all {
        let one = funds::entries_of_projects(&app.db, &[p.id], tracker::domain::funds::EntryKind::Disbursement)
            .await
            .unwrap();
        assert_eq!(one[&p.id], disbursements[&p.id]);
        assert_eq!(
            projects::villages_of(&app.db, &[p.id]).await.unwrap()[&p.id],
            villages[&p.id]
        );
    }
    // No keys, no statement and no rows.
    assert!(projects::villages_of(&app.db, &[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn rows_read_by_position_equal_rows_read_by_name_and_wrong_types_are_refused() {
    use entity::{ledger_entry, project};
    use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, Statement};
    use tracker::db::rows;
    let app = crate::helpers::spawn_app().await;
    tracker::seed::demo::seed(&app.db).await.unwrap();
    // Several rows, so that the rows after the first (read without sqlx's type check on
    // PostgreSQL) are compared too; every kind of column (text, dates, options, flags).
    let by_name = ledger_entry::Entity::find()
        .order_by_asc(ledger_entry::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    assert!(by_name.len() > 5, "the demo county has a ledger");
    let by_position = rows::all(
        ledger_entry::Entity::find().order_by_asc(ledger_entry::Column::Id),
        &app.db,
    )
    .await
    .unwrap();
    assert_eq!(by_position, by_name);
    let projects = rows::all(project::Entity::find().order_by_asc(project::Column::Id), &app.db)
        .await
        .unwrap();
    assert_eq!(
        projects,
        project::Entity::find()
            .order_by_asc(project::Column::Id)
            .all(&app.db)
            .await
            .unwrap()
    );
    // A result whose first column is text where the model has a number is refused, not
    // misread (eight bytes of text would pass for a PostgreSQL bigint unchecked).
    let backend = app.db.get_database_backend();
    let wrong = app
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT 'abcdefgh' AS id, county_code, name, kind, sectors, created_at, updated_at FROM department",
        ))
        .await
        .unwrap();
    assert!(wrong.len() > 1);
    assert!(rows::decode_all::<entity::department::Model>(&wrong).is_err());
    // The same when the mistyped column is NULL in the first row: the column's type is
    // checked, not just the first value's (a bigint of eight ASCII bytes would otherwise
    // read as the text "ABCDEFGH" in every later row).
    let wrong_after_null = app
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, kind, fund_line_id, county_code, year, entry_date, entry_month, amount_fen, project_id, \
             township_code, sector, allocation_id, \
             CASE WHEN id = (SELECT MIN(id) FROM ledger_entry) THEN NULL ELSE 4702394921427289928 END AS document_no, \
             is_retention, reverses_id, note, recorded_by, recorded_at FROM ledger_entry ORDER BY id",
        ))
        .await
        .unwrap();
    assert!(
        wrong_after_null[0]
            .try_get_by_index::<Option<i64>>(12)
            .unwrap()
            .is_none()
    );
    assert!(rows::decode_all::<ledger_entry::Model>(&wrong_after_null).is_err());
}

/// A project's lists come from what its page or lookup loaded once; asking for one twice
/// (under aliases) or for the same object twice (merged) gives the same answers, and a
/// fragment is resolved like a plain selection.
#[tokio::test]
async fn a_field_asked_twice_answers_the_same_both_times() {
    let app = crate::helpers::spawn_app().await;
    tracker::seed::demo::seed(&app.db).await.unwrap();
    let token = app.demo_login("coordinator").await;
    let page = app
        .gql(
            Some(&token),
            "{ projects(first: 100) { nodes { code disbursements { amount } } } }",
            json!({}),
        )
        .await;
    let code = page.ok()["projects"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|n| n["disbursements"].as_array().unwrap().len())
        .map(|n| n["code"].as_str().unwrap().to_string())
        .unwrap();
    let reply = app
        .gql(
            Some(&token),
            "query($c: String!) { project(code: $c) {
                allocations { amount date } again: allocations { amount date }
                disbursements { amount } disbursementsAgain: disbursements { amount }
                events { action } eventsAgain: events { action }
                progressReports { reportedOn } reportsAgain: progressReports { reportedOn }
                villages { code } villagesAgain: villages { code }
                township { code } township { name }
                ... on Project { code }
            } }",
            json!({"c": code}),
        )
        .await;
    let project = &reply.ok()["project"];
    assert!(!project["disbursements"].as_array().unwrap().is_empty());
    for (first, second) in [
        ("allocations", "again"),
        ("disbursements", "disbursementsAgain"),
        ("events", "eventsAgain"),
        ("progressReports", "reportsAgain"),
        ("villages", "villagesAgain"),
    ] {
        assert!(project[first].is_array(), "{first}: {project}");
        assert_eq!(project[first], project[second], "{first}");
    }
    assert!(project["township"]["code"].is_string() && project["township"]["name"].is_string());
    assert_eq!(project["code"], code.as_str());
}

/// Who may see a project is one rule in two forms (`domain::access::ProjectsSeen`): the SQL
/// of a list and the check of a lookup by id. For every demo user they agree on every one of
/// the demo county's projects — and each user sees some but, below the admin, not all.
#[tokio::test]
async fn the_list_and_a_lookup_agree_on_what_each_user_sees() {
    let app = crate::helpers::spawn_app().await;
    tracker::seed::demo::seed(&app.db).await.unwrap();
    let list = "query($after: String) { projects(first: 100, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }";
    let listed = |token: String| {
        let app = &app;
        async move {
            let mut ids = std::collections::BTreeSet::new();
            let mut after = serde_json::Value::Null;
            loop {
                let reply = app.gql(Some(&token), list, json!({ "after": after })).await;
                let page = &reply.ok()["projects"];
                for node in page["nodes"].as_array().unwrap() {
                    ids.insert(node["id"].as_str().unwrap().to_string());
                }
                if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                    break ids;
                }
                after = page["pageInfo"]["endCursor"].clone();
            }
        }
    };
    let everything = listed(app.demo_login("admin").await).await;
    assert!(
        everything.len() >= 72,
        "the demo county's projects: {}",
        everything.len()
    );
    for user in ["coordinator", "finance", "transport", "water", "township", "inspector"] {
        let token = app.demo_login(user).await;
        let seen = listed(token.clone()).await;
        let mut looked_up = std::collections::BTreeSet::new();
        for id in &everything {
            let reply = app
                .gql(
                    Some(&token),
                    "query($id: ID!) { node(id: $id) { id } }",
                    json!({ "id": id }),
                )
                .await;
            if !reply.ok()["node"].is_null() {
                looked_up.insert(id.clone());
            }
        }
        assert_eq!(seen, looked_up, "{user}: the list and the lookups disagree");
        assert!(!seen.is_empty(), "{user} sees no project");
        if user != "coordinator" && user != "finance" && user != "inspector" {
            assert!(seen.len() < everything.len(), "{user} sees every project");
        }
    }
}
