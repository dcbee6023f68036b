//! Property tests over the scalars and inputs, and a few thousand generated hostile
//! requests: no response is a 5xx or an internal error, and the ledger's invariants hold.
use crate::helpers::{TestApp, project_at, project_id, spawn_demo_app};
use async_graphql::{ScalarType, Value};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use serde_json::json;
use tracker::domain::lifecycle::ProjectStatus;
use tracker::domain::sector::Sector;
use tracker::graphql::scalars::{Date, Decimal};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Any text: the Decimal scalar parses it or refuses it, and what it accepts it
    /// prints back as the same number.
    #[test]
    fn decimal_scalar_never_panics_and_round_trips(text in ".{0,40}") {
        if let Ok(d) = <Decimal as ScalarType>::parse(Value::String(text.clone())) {
            let printed = d.to_value();
            let again = <Decimal as ScalarType>::parse(printed).unwrap();
            prop_assert_eq!(again, d);
        }
    }

    /// Any yuan amount of up to 2 decimals within the limit becomes exactly that many fen.
    #[test]
    fn money_parses_exact_fen(fen in 1i64..=99_999_999_999_999) {
        let text = format!("{}.{:02}", fen / 100, fen % 100);
        let parsed = <Decimal as ScalarType>::parse(Value::String(text)).unwrap();
        let money = tracker::domain::money::Money::parse_positive(parsed.0).unwrap();
        prop_assert_eq!(money.fen(), fen);
        prop_assert_eq!(money.to_yuan(), parsed.0);
    }

    /// Digit strings of any size and scale are refused cleanly when they do not fit.
    #[test]
    fn money_refuses_without_panicking(whole in "[0-9]{1,40}", fraction in "[0-9]{0,30}") {
        let text = if fraction.is_empty() { whole } else { format!("{whole}.{fraction}") };
        if let Ok(d) = <Decimal as ScalarType>::parse(Value::String(text)) {
            let _ = tracker::domain::money::Money::parse_positive(d.0);
            let _ = tracker::domain::quantity::Quantity::parse(d.0);
        }
    }

    #[test]
    fn date_scalar_never_panics(text in ".{0,20}", y in 0i32..10_000, m in 0u32..14, d in 0u32..33) {
        let _ = <Date as ScalarType>::parse(Value::String(text));
        let iso = format!("{y:04}-{m:02}-{d:02}");
        let valid = chrono::NaiveDate::from_ymd_opt(y, m, d).is_some();
        prop_assert_eq!(<Date as ScalarType>::parse(Value::String(iso)).is_ok(), valid);
    }

    /// Global IDs: any text decodes to something or nothing, never a panic; what we
    /// encode decodes back.
    #[test]
    fn ids_decode_safely(text in ".{0,60}", kind in "[A-Za-z]{1,12}", key in 0i64..i64::MAX) {
        let _ = tracker::graphql::node::decode(&async_graphql::ID(text));
        let id = tracker::graphql::node::global_id(&kind, key);
        let decoded = tracker::graphql::node::decode(&id);
        prop_assert_eq!(decoded, Some((kind, key.to_string())));
    }

    #[test]
    fn region_codes_parse_or_explain(text in "[0-9]{0,14}") {
        match tracker::domain::region::RegionCode::parse(&text) {
            Ok(code) => {
                prop_assert!(code.contains(&code));
                prop_assert!(code.ancestors().iter().all(|a| a.contains(&code)));
            }
            Err(message) => prop_assert!(message.contains("not a region code")),
        }
    }
}

/// Σ allocations ≤ Σ receipts per fund line, Σ disbursements ≤ allocation per allocation,
/// checked straight on the database.
pub async fn assert_ledger_invariants(app: &TestApp) {
    use sea_orm::EntityTrait;
    let entries = entity::ledger_entry::Entity::find().all(&app.db).await.unwrap();
    let mut by_line: std::collections::HashMap<i64, (i64, i64)> = Default::default();
    let mut by_allocation: std::collections::HashMap<i64, (i64, i64)> = Default::default();
    for e in &entries {
        let line = by_line.entry(e.fund_line_id).or_default();
        match e.kind.as_str() {
            "RECEIPT" => line.0 += e.amount_fen,
            "ALLOCATION" => {
                line.1 += e.amount_fen;
                by_allocation.entry(e.reverses_id.unwrap_or(e.id)).or_default().0 += e.amount_fen;
            }
            "DISBURSEMENT" => by_allocation.entry(e.allocation_id.unwrap()).or_default().1 += e.amount_fen,
            other => panic!("unknown kind {other}"),
        }
    }
    for (line, (received, allocated)) in by_line {
        assert!(
            allocated <= received,
            "line {line}: allocated {allocated} > received {received}"
        );
        assert!(allocated >= 0 && received >= 0);
    }
    for (allocation, (amount, paid)) in by_allocation {
        assert!(
            paid <= amount && paid >= 0,
            "allocation {allocation}: paid {paid} of {amount}"
        );
    }
    assert_totals_match_ledger(app, &entries).await;
}

/// The running totals (`ledger_total`, `fund_line_total`, `fund_line_month_total`, a
/// project's allocated and disbursed) equal the ledger summed from scratch.
async fn assert_totals_match_ledger(app: &TestApp, entries: &[entity::ledger_entry::Model]) {
    use sea_orm::EntityTrait;
    use std::collections::BTreeMap;
    let mut expected: BTreeMap<(i64, String, String, String, i32), i64> = BTreeMap::new();
    let mut expected_projects: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for e in entries {
        let key = (
            e.fund_line_id,
            e.kind.clone(),
            e.township_code.clone().unwrap_or_default(),
            e.sector.clone().unwrap_or_default(),
            e.entry_month,
        );
        *expected.entry(key).or_default() += e.amount_fen;
        if let Some(project) = e.project_id {
            let money = expected_projects.entry(project).or_default();
            match e.kind.as_str() {
                "ALLOCATION" => money.0 += e.amount_fen,
                "DISBURSEMENT" => money.1 += e.amount_fen,
                _ => {}
            }
        }
    }
    let kept: BTreeMap<(i64, String, String, String, i32), i64> = entity::ledger_total::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| {
            (
                (t.fund_line_id, t.kind, t.township_code, t.sector, t.entry_month),
                t.amount_fen,
            )
        })
        .collect();
    assert_eq!(kept, expected, "ledger_total differs from the ledger");
    let mut expected_lines: BTreeMap<(i64, String), i64> = BTreeMap::new();
    for e in entries {
        *expected_lines.entry((e.fund_line_id, e.kind.clone())).or_default() += e.amount_fen;
    }
    let kept_lines: BTreeMap<(i64, String), i64> = entity::fund_line_total::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| ((t.fund_line_id, t.kind), t.amount_fen))
        .collect();
    assert_eq!(kept_lines, expected_lines, "fund_line_total differs from the ledger");
    let mut expected_months: BTreeMap<(i64, String, i32), i64> = BTreeMap::new();
    for e in entries {
        *expected_months
            .entry((e.fund_line_id, e.kind.clone(), e.entry_month))
            .or_default() += e.amount_fen;
    }
    let kept_months: BTreeMap<(i64, String, i32), i64> = entity::fund_line_month_total::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| ((t.fund_line_id, t.kind, t.entry_month), t.amount_fen))
        .collect();
    assert_eq!(
        kept_months, expected_months,
        "fund_line_month_total differs from the ledger"
    );
    for project in entity::project::Entity::find().all(&app.db).await.unwrap() {
        let (allocated, disbursed) = expected_projects.get(&project.id).copied().unwrap_or_default();
        assert_eq!(
            (project.allocated_fen, project.disbursed_fen),
            (allocated, disbursed),
            "project {}'s money differs from the ledger",
            project.code
        );
    }
}

fn random_string(rng: &mut impl Rng, max: usize) -> String {
    let len = rng.random_range(0..max);
    (0..len).map(|_| rng.random_range(' '..='\u{9fff}')).collect()
}

#[tokio::test]
async fn thousands_of_hostile_requests_get_no_5xx_and_break_no_invariant() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    let building = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        &["990101001001"],
        0,
    )
    .await;
    let reply = app
        .gql(
            Some(&finance),
            "mutation { fundLineCreate(input: {countyCode: \"990101000000\", year: 2026, name: \"整合\", kind: INTEGRATED_AGRICULTURAL, level: CENTRAL, plannedAmount: \"1000.00\"}) { fundLine { id } } }",
            json!({}),
        )
        .await;
    let line = reply.ok()["fundLineCreate"]["fundLine"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let project = project_id(&building);
    let templates = [
        "mutation($l: ID!, $a: Decimal!, $d: Date!, $n: String!) { fundReceiptRecord(input: {fundLine: $l, amount: $a, date: $d, documentNo: $n}) { entry { id } userErrors { code } } }",
        "mutation($l: ID!, $p: ID!, $a: Decimal!, $d: Date!) { fundAllocate(input: {fundLine: $l, project: $p, amount: $a, date: $d}) { entry { id } userErrors { code } } }",
        "query($f: RegionFilter, $n: Int, $c: String) { regions(first: $n, after: $c, filter: $f) { totalCount nodes { code } } }",
        "query($id: ID!) { node(id: $id) { id } }",
        "mutation($input: ProjectCreateInput!) { projectCreate(input: $input) { project { id } userErrors { code } } }",
        "query($y: Int!, $r: String!, $g: [UtilizationDimension!]) { fundUtilization(year: $y, regionCode: $r, groupBy: $g) { allocated } }",
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let hostile_values = || {
        vec![
            json!(null),
            json!(12.5),
            json!(-1),
            json!(1e308),
            json!("1e9"),
            json!("999999999999999999999999999999.999"),
            json!("0.01"),
            json!("100.00"),
            json!("2026-02-30"),
            json!("2026-03-01"),
            json!([]),
            json!({"a": 1}),
            json!(line.clone()),
            json!(project.clone()),
            json!("'; DROP TABLE ledger_entry; --"),
            json!("x".repeat(100_000)),
        ]
    };
    let values = hostile_values();
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..2_000 {
        let token = if i % 7 == 0 { None } else { Some(finance.as_str()) };
        let body: reqwest::Body = match i % 5 {
            // Broken JSON.
            0 => {
                let valid = json!({"query": templates[i % templates.len()], "variables": {}}).to_string();
                let cut = rng.random_range(0..valid.len());
                valid.as_bytes()[..cut].to_vec().into()
            }
            // Invalid UTF-8.
            1 => {
                let mut bytes = br#"{"query": "{ me { username } }", "variables": {"x": ""#.to_vec();
                bytes.extend((0..rng.random_range(1..50)).map(|_| rng.random_range(0x80u8..=0xff)));
                bytes.extend(br#""}}"#);
                bytes.into()
            }
            // Random fields and garbage documents.
            2 => {
                json!({"query": format!("{{ {} {{ {} }} }}", random_string(&mut rng, 20), random_string(&mut rng, 20))})
                    .to_string()
                    .into()
            }
            // A real operation with hostile variables.
            _ => {
                let mut variables = serde_json::Map::new();
                for name in ["l", "a", "d", "n", "p", "f", "c", "id", "input", "y", "r", "g"] {
                    variables.insert(name.into(), values[rng.random_range(0..values.len())].clone());
                }
                if rng.random_bool(0.3) {
                    variables.insert(
                        "a".into(),
                        json!(format!(
                            "{}.{:02}",
                            rng.random_range(0..2_000),
                            rng.random_range(0..100)
                        )),
                    );
                    variables.insert("d".into(), json!("2026-03-01"));
                    variables.insert("l".into(), json!(line));
                    variables.insert("p".into(), json!(project));
                    variables.insert("n".into(), json!(format!("文号{i}")));
                }
                json!({"query": templates[i % templates.len()], "variables": variables})
                    .to_string()
                    .into()
            }
        };
        let reply = app.post_raw(body, token).await;
        *statuses.entry(reply.status).or_insert(0) += 1;
        assert!(reply.status < 500, "request {i}: {} {}", reply.status, reply.body);
        assert!(
            !reply.body.to_string().contains("INTERNAL_SERVER_ERROR"),
            "request {i}: {}",
            reply.body
        );
    }
    assert!(
        statuses.contains_key(&200) && statuses.contains_key(&400),
        "{statuses:?}"
    );
    assert_ledger_invariants(&app).await;
    // Still serving.
    assert_eq!(
        app.gql(Some(&finance), "{ me { username } }", json!({})).await.ok()["me"]["username"],
        "finance"
    );
}
