//! The permission table, checked through the API: every query and mutation outside the
//! project lifecycle (which `lifecycle.rs` checks against its own table) as every role,
//! on a target in its area and on one outside every demo user's area. The expected
//! outcome is read from `domain::access::permission` — the one table the server uses.
use crate::helpers::{TestApp, spawn_demo_app};
use serde_json::{Value, json};
use tracker::domain::access::{Actor, Operation, authorize, authorize_at};
use tracker::domain::region::RegionCode;

const USERS: [&str; 6] = ["admin", "coordinator", "finance", "transport", "township", "inspector"];
const HOME_COUNTY: &str = "990101000000";
/// A province no demo user works in.
const FOREIGN_COUNTY: &str = "980101000000";

/// What a case does with a target county, and how to read the answer.
struct Case {
    operation: Operation,
    /// Builds the document and variables for attempt `n` against `county`.
    request: fn(county: &str, n: usize, fixtures: &Fixtures) -> (String, Value),
    /// The region whose reach decides, from the target county.
    target: fn(county: &str) -> String,
    /// Whether the answer shows the operation was allowed.
    allowed: fn(reply: &crate::helpers::Reply) -> bool,
}

struct Fixtures {
    home_line: String,
    foreign_line: String,
}

fn line_of<'a>(f: &'a Fixtures, county: &str) -> &'a str {
    if county == HOME_COUNTY {
        &f.home_line
    } else {
        &f.foreign_line
    }
}

fn county(c: &str) -> String {
    c.to_string()
}

fn first_village(c: &str) -> String {
    format!("{}001001", &c[..6])
}

/// A query answered without errors and with something in it.
fn answered(path: &'static [&'static str]) -> impl Fn(&crate::helpers::Reply) -> bool {
    move |reply| {
        if reply.body.get("errors").is_some() {
            return false;
        }
        let mut v = reply.data();
        for p in path {
            v = &v[*p];
        }
        match v {
            Value::Null => false,
            Value::Array(a) => !a.is_empty(),
            Value::Number(n) => n.as_i64() != Some(0),
            _ => true,
        }
    }
}

fn mutation_ok(field: &'static str) -> impl Fn(&crate::helpers::Reply) -> bool {
    move |reply| reply.body.get("errors").is_none() && reply.data()[field]["userErrors"] == json!([])
}

macro_rules! reader {
    ($($path:literal),+) => {{
        fn read(reply: &crate::helpers::Reply) -> bool {
            answered(&[$($path),+])(reply)
        }
        read
    }};
}

macro_rules! writer {
    ($field:literal) => {{
        fn read(reply: &crate::helpers::Reply) -> bool {
            mutation_ok($field)(reply)
        }
        read
    }};
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            operation: Operation::ViewRegions,
            request: |c, _, _| {
                (
                    "query($c: String!) { region(code: $c) { code } }".into(),
                    json!({"c": c}),
                )
            },
            target: county,
            allowed: reader!("region"),
        },
        Case {
            operation: Operation::ViewRegions,
            request: |c, _, _| {
                (
                    "query($c: String) { regions(filter: {parentCode: $c}) { totalCount } }".into(),
                    json!({"c": c}),
                )
            },
            target: county,
            allowed: reader!("regions", "totalCount"),
        },
        Case {
            operation: Operation::ViewDepartments,
            request: |c, _, _| {
                (
                    "query($c: String) { departments(filter: {countyCode: $c}) { totalCount } }".into(),
                    json!({"c": c}),
                )
            },
            target: county,
            allowed: reader!("departments", "totalCount"),
        },
        Case {
            operation: Operation::ViewUsers,
            request: |c, _, _| {
                (
                    "query($c: String) { users(filter: {regionCode: $c}) { totalCount } }".into(),
                    json!({"c": c}),
                )
            },
            target: county,
            allowed: reader!("users", "totalCount"),
        },
        Case {
            operation: Operation::ViewAuditLog,
            request: |_, _, _| {
                (
                    "{ auditLog(filter: {entityType: \"Region\"}) { totalCount } }".into(),
                    json!({}),
                )
            },
            target: |_| HOME_COUNTY.into(),
            allowed: reader!("auditLog", "totalCount"),
        },
        Case {
            operation: Operation::ViewFunds,
            request: |c, _, _| {
                (
                    "query($c: String) { fundLines(filter: {countyCode: $c}) { totalCount } }".into(),
                    json!({"c": c}),
                )
            },
            target: county,
            allowed: reader!("fundLines", "totalCount"),
        },
        Case {
            operation: Operation::ViewFunds,
            request: |c, _, f| {
                (
                    "query($id: ID!) { node(id: $id) { id } }".into(),
                    json!({"id": line_of(f, c)}),
                )
            },
            target: county,
            allowed: reader!("node"),
        },
        Case {
            operation: Operation::ViewFunds,
            request: |c, _, _| {
                (
                    "query($c: String!) { fundUtilization(year: 2026, regionCode: $c) { inPlace } }".into(),
                    json!({"c": c}),
                )
            },
            target: county,
            allowed: reader!("fundUtilization"),
        },
        Case {
            operation: Operation::ViewFunds,
            request: |c, _, _| {
                (
                    "query($c: String!) { progressReport(year: 2026, regionCode: $c) { narrative } }".into(),
                    json!({"c": c}),
                )
            },
            target: county,
            allowed: reader!("progressReport"),
        },
        Case {
            operation: Operation::ViewFunds,
            request: |c, _, _| {
                (
                    "query($c: String!) { constructionProgress(year: 2026, regionCode: $c) { sector } }".into(),
                    json!({"c": c}),
                )
            },
            target: county,
            allowed: |reply| reply.body.get("errors").is_none(),
        },
        Case {
            operation: Operation::ViewFunds,
            request: |c, _, _| {
                (
                    "query($c: String!) { annualPlan(countyCode: $c, year: 2026) { version } }".into(),
                    json!({"c": c}),
                )
            },
            target: county,
            allowed: reader!("annualPlan"),
        },
        Case {
            operation: Operation::ViewJournal,
            request: |c, _, _| {
                (
                    "query($c: String) { ledgerEntries(filter: {regionCode: $c}) { totalCount } }".into(),
                    json!({"c": c}),
                )
            },
            target: county,
            allowed: reader!("ledgerEntries", "totalCount"),
        },
        Case {
            operation: Operation::ManageRegions,
            request: |c, n, _| {
                let code = format!("{}001{:03}", &c[..6], 500 + n);
                (
                    "mutation($c: String!) { regionCreate(input: {code: $c, name: \"新村\"}) { userErrors { code } } }"
                        .into(),
                    json!({"c": code}),
                )
            },
            target: first_village,
            allowed: writer!("regionCreate"),
        },
        Case {
            operation: Operation::ManageRegions,
            request: |c, _, _| {
                ("mutation($c: String!) { regionUpdate(input: {code: $c, poorPeople: 999}) { userErrors { code } } }".into(), json!({"c": first_village(c)}))
            },
            target: first_village,
            allowed: writer!("regionUpdate"),
        },
        Case {
            operation: Operation::ManageDepartments,
            request: |c, n, _| {
                let input = json!({"countyCode": c, "name": format!("新局{n}"), "kind": "SECTOR", "sectors": ["ROAD"]});
                (
                    "mutation($i: DepartmentCreateInput!) { departmentCreate(input: $i) { userErrors { code } } }"
                        .into(),
                    json!({"i": input}),
                )
            },
            target: county,
            allowed: writer!("departmentCreate"),
        },
        Case {
            operation: Operation::ManageUsers,
            request: |c, n, _| {
                let input = json!({"username": format!("clerk{n}"), "password": "long-enough", "role": "INSPECTOR", "regionCode": c});
                (
                    "mutation($i: UserCreateInput!) { userCreate(input: $i) { userErrors { code } } }".into(),
                    json!({"i": input}),
                )
            },
            target: county,
            allowed: writer!("userCreate"),
        },
        Case {
            operation: Operation::ManageFunds,
            request: |c, n, _| {
                let input = json!({"countyCode": c, "year": 2026, "name": format!("资金{n}"), "kind": "SOCIAL", "level": "COUNTY", "plannedAmount": "10.00"});
                (
                    "mutation($i: FundLineCreateInput!) { fundLineCreate(input: $i) { userErrors { code } } }".into(),
                    json!({"i": input}),
                )
            },
            target: county,
            allowed: writer!("fundLineCreate"),
        },
        Case {
            operation: Operation::ManageFunds,
            request: |c, n, f| {
                let input = json!({"fundLine": line_of(f, c), "amount": "1.00", "date": "2026-01-05", "documentNo": format!("文{n}")});
                (
                    "mutation($i: FundReceiptRecordInput!) { fundReceiptRecord(input: $i) { userErrors { code } } }"
                        .into(),
                    json!({"i": input}),
                )
            },
            target: county,
            allowed: writer!("fundReceiptRecord"),
        },
        Case {
            operation: Operation::ManageFundRules,
            request: |c, n, _| {
                // A different category each attempt, so that no success repeats another.
                const CATEGORIES: [&str; 9] = [
                    "INDUSTRY",
                    "ROAD",
                    "DRINKING_WATER",
                    "IRRIGATION",
                    "POWER_GRID",
                    "TELECOM",
                    "HOUSING",
                    "LIVING_ENVIRONMENT",
                    "OTHER",
                ];
                let input = json!({"countyCode": c, "category": CATEGORIES[n % CATEGORIES.len()], "fundKind": "SELF_RAISED", "source": format!("文件{n}")});
                (
                    "mutation($i: NegativeListEntryAddInput!) { negativeListEntryAdd(input: $i) { userErrors { code } } }"
                        .into(),
                    json!({"i": input}),
                )
            },
            target: county,
            allowed: writer!("negativeListEntryAdd"),
        },
        Case {
            operation: Operation::ManageFundRules,
            request: |c, _, _| {
                let input = json!({"countyCode": c, "rate": "3", "guaranteeMonths": 24, "source": "文件"});
                (
                    "mutation($i: RetentionTermsSetInput!) { retentionTermsSet(input: $i) { userErrors { code } } }"
                        .into(),
                    json!({"i": input}),
                )
            },
            target: county,
            allowed: writer!("retentionTermsSet"),
        },
        Case {
            operation: Operation::VerifyRectification,
            request: |c, n, _| {
                let input = json!({"countyCode": c, "source": "INSPECTION", "batch": "督查", "category": "项目管理", "description": format!("问题{n}"), "responsibleTownshipCode": format!("{}001000", &c[..6]), "responsiblePerson": "张三", "measures": "整改", "deadline": "2026-12-31", "date": "2026-06-01"});
                (
                    "mutation($i: RectificationIssueFileInput!) { rectificationIssueFile(input: $i) { userErrors { code } } }"
                        .into(),
                    json!({"i": input}),
                )
            },
            target: county,
            allowed: writer!("rectificationIssueFile"),
        },
        Case {
            operation: Operation::ManageAssessment,
            request: |c, _, _| {
                let rules: Vec<Value> = ["TOWNSHIP", "DEPARTMENT"]
                    .iter()
                    .flat_map(|u| {
                        [
                            json!({"unit": u, "indicator": "START_RATE", "weight": "60"}),
                            json!({"unit": u, "indicator": "OVERDUE_ITEMS", "weight": "40", "deductionPerItem": "1"}),
                        ]
                    })
                    .collect();
                let input = json!({"countyCode": c, "effectiveFrom": "2026-01-01", "name": "方案", "rules": rules});
                (
                    "mutation($i: AssessmentSchemeSetInput!) { assessmentSchemeSet(input: $i) { userErrors { code } } }"
                        .into(),
                    json!({"i": input}),
                )
            },
            target: county,
            allowed: writer!("assessmentSchemeSet"),
        },
        Case {
            operation: Operation::ManageExitStandards,
            request: |c, _, _| {
                let indicators = json!([{"code": "ROAD", "name": "通硬化路", "kind": "JUDGED", "source": "文件"}]);
                let input =
                    json!({"countyCode": c, "effectiveFrom": "2026-01-01", "name": "标准", "indicators": indicators});
                (
                    "mutation($i: ExitStandardSetInput!) { exitStandardSet(input: $i) { userErrors { code } } }".into(),
                    json!({"i": input}),
                )
            },
            target: county,
            allowed: writer!("exitStandardSet"),
        },
        Case {
            operation: Operation::JudgeExitIndicators,
            request: |c, _, _| {
                let input =
                    json!({"villageCode": first_village(c), "indicator": "ROAD", "state": "MET", "date": "2026-06-01"});
                (
                    "mutation($i: ExitIndicatorJudgeInput!) { exitIndicatorJudge(input: $i) { userErrors { code } } }"
                        .into(),
                    json!({"i": input}),
                )
            },
            target: first_village,
            allowed: writer!("exitIndicatorJudge"),
        },
        Case {
            operation: Operation::ManagePlan,
            request: |c, _, _| {
                let input = json!({"countyCode": c, "year": 2031, "sectors": [{"sector": "ROAD", "targetQuantity": "1", "targetProjectCount": 1}]});
                (
                    "mutation($i: AnnualPlanSetInput!) { annualPlanSet(input: $i) { userErrors { code } } }".into(),
                    json!({"i": input}),
                )
            },
            target: county,
            allowed: writer!("annualPlanSet"),
        },
    ]
}

/// A province outside every demo user's area, with a county, village, department and fund line.
async fn foreign_province(app: &TestApp) -> String {
    let system = Actor::system();
    let csv = "code,name,is_poverty_village,poor_households,poor_people\n980000000000,外省,false,0,0\n980100000000,外市,false,0,0\n980101000000,外县,false,0,0\n980101001000,外镇,false,0,0\n980101001001,外村,true,10,30\n";
    tracker::service::regions::import_csv(&app.db, &system, csv, &|_, _| {})
        .await
        .unwrap();
    tracker::service::departments::create(
        &app.db,
        &system,
        tracker::service::departments::DepartmentInput {
            county_code: FOREIGN_COUNTY.into(),
            name: "外县交通局".into(),
            kind: tracker::domain::department::DepartmentKind::Sector,
            sectors: vec![tracker::domain::sector::Sector::Road],
        },
    )
    .await
    .unwrap();
    tracker::service::users::create(
        &app.db,
        &system,
        tracker::service::users::UserInput {
            username: "foreigner".into(),
            display_name: None,
            password: "long-enough".into(),
            role: tracker::domain::access::Role::Inspector,
            region_code: Some(FOREIGN_COUNTY.into()),
            department_id: None,
        },
    )
    .await
    .unwrap();
    fund_line(app, FOREIGN_COUNTY).await
}

async fn fund_line(app: &TestApp, county: &str) -> String {
    let line = tracker::service::funds::create_line(
        &app.db,
        &Actor::system(),
        tracker::service::funds::FundLineInput {
            county_code: county.into(),
            year: 2026,
            name: "整合资金".into(),
            kind: tracker::domain::funds::FundKind::IntegratedAgricultural,
            level: tracker::domain::funds::FundLevel::Central,
            planned: rust_decimal::Decimal::new(100_000, 0),
            poverty_targeted: None,
        },
    )
    .await
    .unwrap();
    // An entry, so that a reader of the journal finds something.
    tracker::service::funds::record_receipt(
        &app.db,
        &Actor::system(),
        tracker::service::funds::ReceiptInput {
            fund_line_id: line.id,
            amount: rust_decimal::Decimal::new(100, 0),
            date: chrono::NaiveDate::from_ymd_opt(2026, 1, 4).unwrap(),
            document_no: "财〔2026〕1号".into(),
            note: None,
            confirm_duplicate: false,
        },
    )
    .await
    .unwrap();
    tracker::graphql::node::global_id("FundLine", line.id).0
}

#[tokio::test]
async fn every_operation_as_every_role_in_and_out_of_scope_follows_the_permission_table() {
    let app = spawn_demo_app().await;
    let fixtures = Fixtures {
        home_line: fund_line(&app, HOME_COUNTY).await,
        foreign_line: foreign_province(&app).await,
    };
    tracker::service::plans::set(
        &app.db,
        &app.actor("coordinator").await,
        tracker::service::plans::PlanInput {
            county_code: HOME_COUNTY.into(),
            year: 2026,
            version: None,
            fund_lines: vec![],
            sectors: vec![],
            projects: vec![],
            remove_projects: vec![],
            remove_fund_lines: vec![],
            remove_sectors: vec![],
            document_no: None,
            reason: None,
        },
    )
    .await
    .unwrap();
    let mut n = 0;
    let mut checked = 0;
    for username in USERS {
        let token = app.demo_login(username).await;
        let actor = app.actor(username).await;
        for case in cases() {
            for target_county in [HOME_COUNTY, FOREIGN_COUNTY] {
                n += 1;
                let target = RegionCode::parse(&(case.target)(target_county)).unwrap();
                let expected =
                    authorize(&actor, case.operation).is_ok() && authorize_at(&actor, case.operation, &target).is_ok();
                let (query, variables) = (case.request)(target_county, n, &fixtures);
                let reply = app.gql(Some(&token), &query, variables).await;
                assert_eq!(
                    (case.allowed)(&reply),
                    expected,
                    "{username} {:?} on {target}: {query}\n{}",
                    case.operation,
                    reply.body
                );
                if !expected && reply.body.get("errors").is_some() {
                    let code = reply.error_code().unwrap_or("");
                    assert!(
                        matches!(code, "FORBIDDEN" | "NOT_FOUND"),
                        "{username} {:?}: {}",
                        case.operation,
                        reply.body
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, USERS.len() * cases().len() * 2);
}
