//! The benchmark data generator: deterministic, and every record keeps the API's rules.
use crate::fuzz::assert_ledger_invariants;
use crate::helpers::{TestApp, spawn_demo_app};
use rust_decimal::Decimal;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tracker::domain::region::RegionCode;
use tracker::seed::generate::{self, CountyShape};

#[tokio::test]
async fn a_generated_county_keeps_every_rule_and_answers_queries() {
    let app = spawn_demo_app().await;
    let shape = CountyShape {
        townships: 4,
        villages: 40,
        projects: 300,
        years: 3,
        allocations: 600,
        disbursements: 2_000,
        progress_reports: 800,
    };
    let code = RegionCode::parse("990102000000").unwrap();
    let made = generate::county(&app.db, &code, shape, 7, &|_, _, _| {}).await.unwrap();
    assert_eq!(made.projects, 300);
    assert_eq!(entity::project::Entity::find().count(&app.db).await.unwrap(), 300);
    assert_ledger_invariants(&app).await;

    // Every project's history is a walk through the lifecycle table ending at its status.
    let projects = entity::project::Entity::find().all(&app.db).await.unwrap();
    let events = entity::project_event::Entity::find().all(&app.db).await.unwrap();
    for p in &projects {
        let mut mine: Vec<_> = events.iter().filter(|e| e.project_id == p.id).collect();
        mine.sort_by_key(|e| e.id);
        assert_eq!(mine.len() as i32, p.version, "{}", p.code);
        assert_eq!(mine.last().unwrap().to_status, p.status);
        for e in &mine[1..] {
            let from = tracker::domain::lifecycle::ProjectStatus::parse(e.from_status.as_deref().unwrap()).unwrap();
            let action = tracker::domain::lifecycle::ProjectAction::parse(&e.action).unwrap();
            assert_eq!(
                tracker::domain::lifecycle::transition(from, action)
                    .unwrap()
                    .to
                    .as_str(),
                e.to_status
            );
        }
    }
    // Integrated funds never reached the negative list.
    let lines = entity::fund_line::Entity::find().all(&app.db).await.unwrap();
    let entries = entity::ledger_entry::Entity::find().all(&app.db).await.unwrap();
    for e in entries.iter().filter(|e| e.kind == "ALLOCATION") {
        let line = lines.iter().find(|l| l.id == e.fund_line_id).unwrap();
        let sector: tracker::domain::sector::Sector = e.sector.as_deref().unwrap().parse().unwrap();
        let kind = tracker::domain::funds::FundKind::parse(&line.kind).unwrap();
        let category = tracker::domain::category::ProjectCategory::default_for(sector);
        assert!(tracker::domain::category::check_negative_list(kind, sector, category, &[]).is_ok());
    }

    // The same seed makes the same county.
    let again = spawn_demo_app().await;
    generate::county(&again.db, &code, shape, 7, &|_, _, _| {})
        .await
        .unwrap();
    let codes = |ps: Vec<entity::project::Model>| {
        let mut c: Vec<_> = ps.into_iter().map(|p| (p.code, p.status, p.budget_fen)).collect();
        c.sort();
        c
    };
    assert_eq!(
        codes(entity::project::Entity::find().all(&again.db).await.unwrap()),
        codes(projects)
    );

    // Rollups grouped by a line's county, kind or level (summed by the database) agree with
    // the same rollup per fund line summed here, and with the ledger itself.
    let admin = app.demo_login("admin").await;
    let per_line = rollup(&app, &admin, json!(["FUND_LINE"])).await;
    let sum_lines = |key: &dyn Fn(&Value) -> String| {
        let mut sums: BTreeMap<String, [Decimal; 4]> = BTreeMap::new();
        for row in &per_line {
            let slot = sums.entry(key(&row["fundLine"])).or_default();
            for (i, field) in FIGURES.iter().enumerate() {
                slot[i] += decimal(&row[*field]);
            }
        }
        sums
    };
    let by_county_kind = |l: &Value| {
        format!(
            "{}/{}",
            l["county"]["code"].as_str().unwrap(),
            l["kind"].as_str().unwrap()
        )
    };
    let by_level = |l: &Value| l["level"].as_str().unwrap().to_string();
    let by_county = |l: &Value| l["county"]["code"].as_str().unwrap().to_string();
    let grouped = |rows: Vec<Value>, key: &dyn Fn(&Value) -> String| -> BTreeMap<String, [Decimal; 4]> {
        rows.iter()
            .map(|row| (key(row), FIGURES.map(|field| decimal(&row[field]))))
            .collect()
    };
    let api_county_kind = grouped(rollup(&app, &admin, json!(["COUNTY", "FUND_KIND"])).await, &|r| {
        format!(
            "{}/{}",
            r["county"]["code"].as_str().unwrap(),
            r["fundKind"].as_str().unwrap()
        )
    });
    assert_eq!(api_county_kind, sum_lines(&by_county_kind));
    assert!(
        api_county_kind.keys().any(|k| k.starts_with("990102000000/")),
        "{api_county_kind:?}"
    );
    assert_eq!(
        grouped(rollup(&app, &admin, json!(["FUND_LEVEL"])).await, &|r| r["fundLevel"]
            .as_str()
            .unwrap()
            .to_string()),
        sum_lines(&by_level)
    );
    assert_eq!(
        grouped(rollup(&app, &admin, json!(["COUNTY"])).await, &|r| r["county"]["code"]
            .as_str()
            .unwrap()
            .to_string()),
        sum_lines(&by_county)
    );
    let lines = entity::fund_line::Entity::find().all(&app.db).await.unwrap();
    let mut ledger: BTreeMap<String, [Decimal; 4]> = BTreeMap::new();
    for e in entity::ledger_entry::Entity::find().all(&app.db).await.unwrap() {
        let line = lines.iter().find(|l| l.id == e.fund_line_id).unwrap();
        if line.year != 2026 {
            continue;
        }
        let slot = ledger.entry(format!("{}/{}", line.county_code, line.kind)).or_default();
        let figure = match e.kind.as_str() {
            "RECEIPT" => 1,
            "ALLOCATION" => 2,
            _ => 3,
        };
        slot[figure] += Decimal::new(e.amount_fen, 2);
    }
    for (key, figures) in &api_county_kind {
        let expected = ledger.get(key).copied().unwrap_or_default();
        assert_eq!(figures[1..], expected[1..], "{key}");
    }

    // And the API reads it; new writes after the bulk load get fresh ids.
    let reply = app
        .gql(Some(&admin), "{ fundUtilization(year: 2026, regionCode: \"990102000000\", groupBy: [FUND_KIND]) { fundKind inPlace allocated } }", json!({}))
        .await;
    assert!(!reply.ok()["fundUtilization"].as_array().unwrap().is_empty());
    let reply = app
        .gql(Some(&admin), "mutation { regionCreate(input: {code: \"990102001099\", name: \"新村\"}) { region { code } userErrors { message } } }", json!({}))
        .await;
    assert_eq!(reply.ok()["regionCreate"]["region"]["code"], "990102001099");
}

/// The figures compared between rollups, in this order.
const FIGURES: [&str; 4] = ["planned", "inPlace", "allocated", "disbursed"];

fn decimal(value: &Value) -> Decimal {
    value.as_str().map_or(Decimal::ZERO, |s| s.parse().unwrap())
}

/// `fundUtilization` over the demo city (the demo county and the generated one) for 2026.
async fn rollup(app: &TestApp, token: &str, group_by: Value) -> Vec<Value> {
    let reply = app
        .gql(
            Some(token),
            "query($g: [UtilizationDimension!]) { fundUtilization(year: 2026, regionCode: \"990100000000\", groupBy: $g) { county { code } fundKind fundLevel fundLine { county { code } kind level } planned inPlace allocated disbursed } }",
            json!({"g": group_by}),
        )
        .await;
    reply.ok()["fundUtilization"].as_array().unwrap().clone()
}
