//! 支出进度排名 through the HTTP API: townships and departments ranked against an
//! independent computation from the fixture's own list of payments, on the day and at
//! the previous quarter-end; the same rate in `fundUtilization`.
use crate::helpers::{TestApp, project_at, spawn_demo_app};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tracker::domain::lifecycle::ProjectStatus;
use tracker::domain::sector::Sector;
use tracker::service::funds::{self, AllocationInput, DisbursementInput};

/// A project of the fixture: its township, its department's demo user, and its money by day.
struct Plan {
    village: &'static str,
    sector: Sector,
    department: &'static str,
    allocated: (&'static str, i64),
    paid: &'static [(&'static str, i64)],
}

const PROJECTS: [Plan; 4] = [
    Plan {
        village: "990101001001",
        sector: Sector::Road,
        department: "transport",
        allocated: ("2026-05-10", 10_000_000),
        paid: &[("2026-06-01", 5_000_000)],
    },
    Plan {
        village: "990101002001",
        sector: Sector::DrinkingWater,
        department: "water",
        allocated: ("2026-05-10", 20_000_000),
        paid: &[("2026-06-10", 2_000_000), ("2026-08-01", 16_000_000)],
    },
    Plan {
        village: "990101003001",
        sector: Sector::PowerGrid,
        department: "power",
        allocated: ("2026-05-10", 5_000_000),
        paid: &[("2026-07-15", 2_500_000)],
    },
    Plan {
        village: "990101001002",
        sector: Sector::Telecom,
        department: "telecom",
        allocated: ("2026-05-10", 10_000_000),
        paid: &[("2026-09-01", 1_000_000)],
    },
];

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn fixture() -> TestApp {
    let app = spawn_demo_app().await;
    let finance = app.actor("finance").await;
    let line = crate::helpers::funded_line(&app).await;
    for (n, p) in PROJECTS.iter().enumerate() {
        let project = project_at(&app, ProjectStatus::UnderConstruction, p.sector, &[p.village], 5).await;
        let allocation = funds::allocate(
            &app.db,
            &finance,
            AllocationInput {
                fund_line_id: line.id,
                project_id: project.id,
                amount: Decimal::new(p.allocated.1, 2),
                date: day(p.allocated.0),
                note: None,
                confirm_above_budget: false,
                outside_plan: false,
            },
        )
        .await
        .unwrap();
        for (m, (date, fen)) in p.paid.iter().enumerate() {
            funds::disburse(
                &app.db,
                &finance,
                DisbursementInput {
                    allocation_id: allocation.id,
                    amount: Decimal::new(*fen, 2),
                    date: day(date),
                    voucher_no: format!("记-{n}-{m}"),
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
    app
}

/// Independently: per group, Σ allocated and Σ paid by `on`, the rate as text (half up),
/// and places with ties sharing (1, 2, 2, 4).
fn expected(group: impl Fn(&Plan) -> String, on: &str) -> Vec<(String, String, Option<u32>)> {
    let mut sums: Vec<(String, i64, i64)> = Vec::new();
    for p in &PROJECTS {
        let key = group(p);
        let allocated = if p.allocated.0 <= on { p.allocated.1 } else { 0 };
        let paid: i64 = p.paid.iter().filter(|(d, _)| *d <= on).map(|(_, f)| f).sum();
        match sums.iter_mut().find(|(k, _, _)| *k == key) {
            Some(s) => {
                s.1 += allocated;
                s.2 += paid;
            }
            None => sums.push((key, allocated, paid)),
        }
    }
    let rate = |paid: i64, allocated: i64| -> i128 {
        // Hundredths of a percent, half up.
        (paid as i128 * 20_000 + allocated as i128) / (2 * allocated as i128)
    };
    let rates: Vec<i128> = sums.iter().map(|(_, a, p)| rate(*p, *a)).collect();
    sums.iter()
        .zip(&rates)
        .map(|((key, _, _), r)| {
            let place = rates.iter().filter(|other| *other > r).count() as u32 + 1;
            (key.clone(), format!("{}.{:02}", r / 100, r % 100), Some(place))
        })
        .collect()
}

const RANKING: &str = "query($by: RankingDimension!, $asOf: Date) { disbursementRanking(year: 2026, regionCode: \"990101000000\", by: $by, asOf: $asOf) { asOf previousQuarterEnd rows { rank township { code } department { name } allocated disbursed disbursementRate previousRank previousDisbursementRate rateChange rankChange } } }";

#[tokio::test]
async fn townships_and_departments_rank_as_an_independent_computation_does() {
    let app = fixture().await;
    let inspector = app.demo_login("inspector").await;
    let department_names: Vec<(String, String)> = {
        let reply = app
            .gql(
                Some(&inspector),
                "{ departments(first: 50) { nodes { name } } }",
                json!({}),
            )
            .await;
        let names: Vec<String> = reply.ok()["departments"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect();
        let of = |user: &str| match user {
            "transport" => "交通运输局",
            "water" => "水利局",
            "power" => "供电公司",
            _ => "通信发展办公室",
        };
        PROJECTS
            .iter()
            .map(|p| {
                let name = names.iter().find(|n| n.ends_with(of(p.department))).unwrap().clone();
                (p.department.to_string(), name)
            })
            .collect()
    };
    let department_of = |p: &Plan| {
        department_names
            .iter()
            .find(|(u, _)| u == p.department)
            .unwrap()
            .1
            .clone()
    };
    let township_of = |p: &Plan| format!("{}000", &p.village[..9]);
    for (by, key_of) in [
        ("TOWNSHIP", &township_of as &dyn Fn(&Plan) -> String),
        ("DEPARTMENT", &department_of as &dyn Fn(&Plan) -> String),
    ] {
        let reply = app
            .gql(Some(&inspector), RANKING, json!({"by": by, "asOf": "2026-09-30"}))
            .await;
        let ranking = reply.ok()["disbursementRanking"].clone();
        assert_eq!(ranking["asOf"], json!("2026-09-30"));
        assert_eq!(ranking["previousQuarterEnd"], json!("2026-06-30"));
        let rows = ranking["rows"].as_array().unwrap();
        let now = expected(key_of, "2026-09-30");
        let before = expected(key_of, "2026-06-30");
        assert_eq!(rows.len(), now.len(), "{by}: {ranking}");
        let mut last_rank = 0;
        for row in rows {
            let key = match by {
                "TOWNSHIP" => row["township"]["code"].as_str().unwrap().to_string(),
                _ => row["department"]["name"].as_str().unwrap().to_string(),
            };
            let (_, rate, rank) = now.iter().find(|(k, _, _)| *k == key).unwrap();
            let (_, previous_rate, previous_rank) = before.iter().find(|(k, _, _)| *k == key).unwrap();
            assert_eq!(row["disbursementRate"], json!(rate), "{by} {key}");
            assert_eq!(row["rank"], json!(rank), "{by} {key}");
            assert_eq!(row["previousDisbursementRate"], json!(previous_rate), "{by} {key}");
            assert_eq!(row["previousRank"], json!(previous_rank), "{by} {key}");
            let change: Decimal = rate.parse::<Decimal>().unwrap() - previous_rate.parse::<Decimal>().unwrap();
            assert_eq!(row["rateChange"], json!(change.to_string()), "{by} {key}");
            assert_eq!(
                row["rankChange"],
                json!(previous_rank.unwrap() as i64 - rank.unwrap() as i64),
                "{by} {key}"
            );
            // By place.
            let rank = row["rank"].as_i64().unwrap();
            assert!(rank >= last_rank, "{ranking}");
            last_rank = rank;
        }
    }
    // The fixture has a tie (power and transport at 50.00) and a move (红星镇 from last to 2nd).
    let reply = app
        .gql(
            Some(&inspector),
            RANKING,
            json!({"by": "DEPARTMENT", "asOf": "2026-09-30"}),
        )
        .await;
    let ranks: Vec<Value> = reply.ok()["disbursementRanking"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rank"].clone())
        .collect();
    assert_eq!(ranks, vec![json!(1), json!(2), json!(2), json!(4)]);

    // The same rate, defined once, in fundUtilization's township rows.
    let reply = app
        .gql(
            Some(&inspector),
            "{ fundUtilization(year: 2026, regionCode: \"990101000000\", groupBy: [TOWNSHIP], asOf: \"2026-09-30\") { township { code } allocationDisbursementRate } }",
            json!({}),
        )
        .await;
    for row in reply.ok()["fundUtilization"].as_array().unwrap() {
        let code = row["township"]["code"].as_str().unwrap();
        let (_, rate, _) = expected(township_of, "2026-09-30")
            .into_iter()
            .find(|(k, _, _)| k == code)
            .unwrap();
        assert_eq!(row["allocationDisbursementRate"], json!(rate), "{code}");
    }

    // A township clerk ranks nobody; a future day is refused.
    let township = app.demo_login("township").await;
    let reply = app.gql(Some(&township), RANKING, json!({"by": "TOWNSHIP"})).await;
    assert_eq!(reply.error_code(), Some("FORBIDDEN"), "{}", reply.body);
    let reply = app
        .gql(
            Some(&inspector),
            RANKING,
            json!({"by": "TOWNSHIP", "asOf": "2999-01-01"}),
        )
        .await;
    assert_eq!(reply.error_code(), Some("BAD_USER_INPUT"), "{}", reply.body);
}
