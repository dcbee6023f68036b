//! The record does not depend on the order it was typed in (issue 19): a random county
//! history — lifecycle steps, progress reports, receipts, allocations and payments, each
//! with its business date — entered in date order into one database and in a shuffled
//! order of recording into another (each step still valid when it is entered) gives the
//! same figures at every month-end and on random days, in every grouping.
use crate::helpers::{TestApp, spawn_demo_app};
use chrono::{Datelike, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use tracker::domain::access::{Actor, Role, Scope};
use tracker::domain::funds::{FundKind, FundLevel};
use tracker::domain::lifecycle::{self, ProjectAction, ProjectStatus};
use tracker::domain::metrics::Dimension;
use tracker::domain::project::{AcceptanceGrade, Beneficiaries, ConstructionNature, PreparationMilestone};
use tracker::domain::region::RegionCode;
use tracker::domain::sector::Sector;
use tracker::service::construction::{self, ProgressDimension};
use tracker::service::{funds, progress, projects, utilization};

const COUNTY: &str = "990101000000";

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

/// One thing a clerk records.
#[derive(Clone, Debug)]
enum Act {
    Create {
        sector: Sector,
        township: u32,
        quantity: i64,
    },
    Step {
        action: ProjectAction,
    },
    Report {
        quantity_milli: i64,
    },
    Allocate {
        line: usize,
        fen: i64,
    },
    Pay {
        allocation: usize,
        fen: i64,
    },
}

#[derive(Clone, Debug)]
struct Item {
    project: usize,
    on: NaiveDate,
    act: Act,
    /// Items that must be recorded first.
    after: Vec<usize>,
}

/// A random history of `n` projects; items are listed in an order valid for recording.
fn history(rng: &mut StdRng, n: usize) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    let last = day(11, 30);
    for p in 0..n {
        let sector = [Sector::Road, Sector::DrinkingWater, Sector::Clinic][rng.random_range(0..3)];
        let quantity = match sector {
            Sector::Road => rng.random_range(2..20),
            _ => rng.random_range(1..4),
        };
        let status = ProjectStatus::ALL[rng.random_range(0..ProjectStatus::ALL.len())];
        let mut on = day(1, 5) + chrono::Duration::days(rng.random_range(0..60));
        let create = items.len();
        items.push(Item {
            project: p,
            on,
            act: Act::Create {
                sector,
                township: rng.random_range(1..=2),
                quantity,
            },
            after: vec![],
        });
        let mut previous = create;
        let (mut approved, mut started) = (None, None);
        let mut reports = Vec::new();
        for action in lifecycle::path_to(status) {
            on = (on + chrono::Duration::days(rng.random_range(0..25))).min(last);
            if action == ProjectAction::Complete || action == ProjectAction::Cancel {
                // Reports are recorded while the project is under construction.
                let mut after = vec![previous];
                after.extend(&reports);
                items.push(Item {
                    project: p,
                    on,
                    act: Act::Step { action },
                    after,
                });
            } else {
                items.push(Item {
                    project: p,
                    on,
                    act: Act::Step { action },
                    after: vec![previous],
                });
            }
            previous = items.len() - 1;
            match action {
                ProjectAction::Approve => approved = Some((previous, on)),
                ProjectAction::StartConstruction => {
                    started = Some((previous, on));
                    // Progress reported on random days from the start on, some of them
                    // entered after later ones (corrections).
                    let mut built = 0;
                    for _ in 0..rng.random_range(0..4) {
                        built += rng.random_range(100..(quantity * 1000 / 3).max(101));
                        let report_on = (on + chrono::Duration::days(rng.random_range(0..90))).min(last);
                        items.push(Item {
                            project: p,
                            on: report_on,
                            act: Act::Report { quantity_milli: built },
                            after: vec![previous],
                        });
                        reports.push(items.len() - 1);
                    }
                }
                _ => {}
            }
        }
        // Progress is reported until completion (or cancellation).
        if let Some(end) = items[create..]
            .iter()
            .find(|i| matches!(i.act, Act::Step { action } if action == ProjectAction::Complete || action == ProjectAction::Cancel))
            .map(|i| i.on)
        {
            for r in &reports {
                items[*r].on = items[*r].on.min(end);
            }
        }
        // Money for projects that reached the programme and were not cancelled.
        if status == ProjectStatus::Cancelled || status == ProjectStatus::Rejected {
            continue;
        }
        if let Some((approve, approved_on)) = approved {
            let allocation_on = (approved_on + chrono::Duration::days(rng.random_range(0..40))).min(last);
            let fen = rng.random_range(10_000..200_000) * 100;
            items.push(Item {
                project: p,
                on: allocation_on,
                act: Act::Allocate {
                    // Integrated funds may not pay for clinics (负面清单).
                    line: if sector == Sector::Clinic {
                        1
                    } else {
                        rng.random_range(0..2)
                    },
                    fen,
                },
                after: vec![approve],
            });
            let allocation = items.len() - 1;
            if let Some((start, started_on)) = started {
                let pay_on =
                    (allocation_on.max(started_on) + chrono::Duration::days(rng.random_range(0..30))).min(last);
                items.push(Item {
                    project: p,
                    on: pay_on,
                    act: Act::Pay {
                        allocation,
                        fen: fen / rng.random_range(2..5),
                    },
                    after: vec![allocation, start],
                });
            }
        }
    }
    items
}

/// A random order of recording that keeps every item after what it needs.
fn shuffled(rng: &mut StdRng, items: &[Item]) -> Vec<usize> {
    let mut done = vec![false; items.len()];
    let mut order = Vec::new();
    while order.len() < items.len() {
        let ready: Vec<usize> = (0..items.len())
            .filter(|i| !done[*i] && items[*i].after.iter().all(|a| done[*a]))
            .collect();
        let pick = ready[rng.random_range(0..ready.len())];
        done[pick] = true;
        order.push(pick);
    }
    order
}

/// The clerks of the fixture county.
struct Clerks {
    townships: [Actor; 2],
    coordinator: Actor,
    finance: Actor,
    departments: Vec<(Sector, Actor)>,
}

async fn clerks(app: &TestApp) -> Clerks {
    let township = |n: u32| Actor {
        user_id: None,
        username: format!("township{n}"),
        role: Role::Township,
        scope: Scope::Subtree(RegionCode::parse(&format!("990101{n:03}000")).unwrap()),
        department_id: None,
    };
    Clerks {
        townships: [township(1), township(2)],
        coordinator: app.actor("coordinator").await,
        finance: app.actor("finance").await,
        departments: vec![
            (Sector::Road, app.actor("transport").await),
            (Sector::DrinkingWater, app.actor("water").await),
            (Sector::Clinic, app.actor("health").await),
        ],
    }
}

/// Records `items` in `order`; every item must be accepted.
async fn record(app: &TestApp, items: &[Item], order: &[usize]) {
    let c = clerks(app).await;
    let mut lines = Vec::new();
    for (name, kind, level) in [
        ("整合资金", FundKind::IntegratedAgricultural, FundLevel::Central),
        ("县本级配套", FundKind::CountyMatching, FundLevel::County),
    ] {
        let line = funds::create_line(
            &app.db,
            &c.finance,
            funds::FundLineInput {
                county_code: COUNTY.into(),
                year: 2026,
                name: name.into(),
                kind,
                level,
                planned: Decimal::new(100_000_000, 0),
                poverty_targeted: None,
            },
        )
        .await
        .unwrap();
        funds::record_receipt(
            &app.db,
            &c.finance,
            funds::ReceiptInput {
                fund_line_id: line.id,
                amount: Decimal::new(50_000_000, 0),
                date: day(1, 2),
                document_no: format!("{name}到位"),
                note: None,
                confirm_duplicate: false,
            },
        )
        .await
        .unwrap();
        lines.push(line.id);
    }
    let mut project: Vec<Option<entity::project::Model>> = vec![None; items.len()];
    let mut sector_of: Vec<Sector> = vec![Sector::Other; items.len()];
    let mut township_of: Vec<u32> = vec![1; items.len()];
    let mut entry_of: Vec<i64> = vec![0; items.len()];
    for (n, &i) in order.iter().enumerate() {
        let item = &items[i];
        let p = item.project;
        match &item.act {
            Act::Create {
                sector,
                township,
                quantity,
            } => {
                let input = projects::ProjectInput {
                    name: format!("项目{p}"),
                    sector: *sector,
                    category: None,
                    year: 2026,
                    village_codes: vec![format!("990101{township:03}001")],
                    nature: ConstructionNature::New,
                    content: "建设内容".into(),
                    planned_quantity: Decimal::new(*quantity, 0),
                    budget: Decimal::new(5_000_000, 0),
                    beneficiaries: Beneficiaries {
                        households: 40,
                        people: 120,
                        poor_households: 10,
                        poor_people: 30,
                    },
                    performance_targets: vec![projects::TargetInput {
                        indicator: "工程量".into(),
                        unit: sector.unit().into(),
                        target: Decimal::new(*quantity, 0),
                    }],
                    planned_start: Some(day(3, 1)),
                    planned_finish: Some(day(11, 30)),
                    created_on: Some(item.on),
                };
                let actor = &c.townships[*township as usize - 1];
                project[p] = Some(
                    projects::create(&app.db, actor, input)
                        .await
                        .unwrap_or_else(|e| panic!("item {n} ({i}) {item:?}: {e}")),
                );
                sector_of[p] = *sector;
                township_of[p] = *township;
            }
            Act::Step { action } => {
                let current = project[p].clone().unwrap();
                let department = &c.departments.iter().find(|(s, _)| *s == sector_of[p]).unwrap().1;
                let row = lifecycle::transition(projects::status_of(&current).unwrap(), *action).unwrap();
                let actor = match row.who {
                    lifecycle::Who::Role(Role::Township) => &c.townships[township_of[p] as usize - 1],
                    lifecycle::Who::AssignedDepartment => department,
                    lifecycle::Who::Role(_) => &c.coordinator,
                };
                let details = projects::TransitionDetails {
                    comment: Some("理由".into()),
                    department_id: department.department_id,
                    deadline: Some(item.on + chrono::Duration::days(30)),
                    milestone: Some(PreparationMilestone::Design),
                    date: Some(item.on),
                    final_quantity: Some(Decimal::new(current.planned_quantity_milli, 3)),
                    grade: Some(AcceptanceGrade::Qualified),
                    correction: false,
                };
                tracker::seed::disclosure::notice_for_step(&app.db, &c.coordinator, &current, *action, item.on)
                    .await
                    .unwrap();
                project[p] = Some(
                    projects::transition(&app.db, actor, current.id, current.version, *action, details)
                        .await
                        .unwrap_or_else(|e| panic!("item {n} ({i}) {item:?}: {e}")),
                );
            }
            Act::Report { quantity_milli } => {
                let current = project[p].clone().unwrap();
                let department = &c.departments.iter().find(|(s, _)| *s == sector_of[p]).unwrap().1;
                let input = progress::ProgressInput {
                    project_id: current.id,
                    expected_version: current.version,
                    completed_quantity: Decimal::new(*quantity_milli, 3),
                    invested_amount: Decimal::new(1000, 0),
                    reported_on: item.on,
                    note: None,
                    correction: true,
                    confirm_above_plan: false,
                };
                let (_, updated) = progress::create(&app.db, department, input)
                    .await
                    .unwrap_or_else(|e| panic!("item {n} ({i}) {item:?}: {e}"));
                project[p] = Some(updated);
            }
            Act::Allocate { line, fen } => {
                let current = project[p].clone().unwrap();
                let input = funds::AllocationInput {
                    fund_line_id: lines[*line],
                    project_id: current.id,
                    amount: Decimal::new(*fen, 2),
                    date: item.on,
                    note: None,
                    confirm_above_budget: false,
                    outside_plan: false,
                };
                entry_of[i] = funds::allocate(&app.db, &c.finance, input)
                    .await
                    .unwrap_or_else(|e| panic!("item {n} ({i}) {item:?}: {e}"))
                    .id;
            }
            Act::Pay { allocation, fen } => {
                let input = funds::DisbursementInput {
                    allocation_id: entry_of[*allocation],
                    amount: Decimal::new(*fen, 2),
                    date: item.on,
                    voucher_no: format!("记-{i}"),
                    is_retention: false,
                    early_release_reason: None,
                    note: None,
                    confirm_duplicate: false,
                };
                funds::disburse(&app.db, &c.finance, input)
                    .await
                    .unwrap_or_else(|e| panic!("item {n} ({i}) {item:?}: {e}"));
            }
        }
    }
}

/// Every figure of the county on `on`, as text.
async fn figures(app: &TestApp, on: NaiveDate) -> Vec<String> {
    let actor = app.actor("coordinator").await;
    let mut out = Vec::new();
    for group_by in [
        vec![],
        vec![Dimension::FundKind],
        vec![Dimension::FundLine],
        vec![Dimension::Sector],
        vec![Dimension::Township],
        vec![Dimension::Department],
        vec![Dimension::Month],
        vec![Dimension::Sector, Dimension::Month],
    ] {
        let rows = utilization::fund_utilization(&app.db, &actor, 2026, COUNTY, &group_by, Some(on))
            .await
            .unwrap();
        out.push(format!("fundUtilization {group_by:?}: {rows:?}"));
    }
    for group_by in [
        vec![],
        vec![ProgressDimension::Township],
        vec![ProgressDimension::Department],
        vec![ProgressDimension::Month],
        vec![ProgressDimension::Township, ProgressDimension::Department],
    ] {
        let rows = construction::construction_progress(&app.db, &actor, 2026, COUNTY, &group_by, Some(on))
            .await
            .unwrap();
        out.push(format!("constructionProgress {group_by:?}: {rows:?}"));
    }
    let report = construction::work_report(&app.db, &actor, 2026, COUNTY, Some(on))
        .await
        .unwrap();
    out.push(report.narrative);
    out
}

/// The history's projects on `on`, counted from the generated items alone: (in the
/// programme, started, completed).
fn expected_counts(items: &[Item], on: NaiveDate) -> (i64, i64, i64) {
    use tracker::domain::metrics::{counts_as_completed, counts_as_started, counts_in_programme};
    let mut status: std::collections::BTreeMap<usize, ProjectStatus> = Default::default();
    for item in items.iter().filter(|i| i.on <= on) {
        match &item.act {
            Act::Create { .. } => {
                status.insert(item.project, ProjectStatus::Draft);
            }
            Act::Step { action } => {
                let from = status[&item.project];
                status.insert(item.project, lifecycle::transition(from, *action).unwrap().to);
            }
            _ => {}
        }
    }
    let count = |f: fn(ProjectStatus) -> bool| status.values().filter(|s| f(**s)).count() as i64;
    (
        count(counts_in_programme),
        count(counts_as_started),
        count(counts_as_completed),
    )
}

/// The history's money on `on`, summed from the generated items alone: (allocated,
/// disbursed) in fen.
fn expected_money(items: &[Item], on: NaiveDate) -> (i64, i64) {
    items
        .iter()
        .filter(|i| i.on <= on)
        .fold((0, 0), |(a, d), item| match item.act {
            Act::Allocate { fen, .. } => (a + fen, d),
            Act::Pay { fen, .. } => (a, d + fen),
            _ => (a, d),
        })
}

/// The county's money on `on`, ungrouped: (allocated, disbursed) in fen.
async fn money(app: &TestApp, on: NaiveDate) -> (i64, i64) {
    let actor = app.actor("coordinator").await;
    let rows = utilization::fund_utilization(&app.db, &actor, 2026, COUNTY, &[], Some(on))
        .await
        .unwrap();
    let fen = |m: tracker::domain::money::Money| m.fen();
    (fen(rows[0].figures.allocated), fen(rows[0].figures.disbursed))
}

/// The county's programme totals on `on`: (projects, started, completed).
async fn counts(app: &TestApp, on: NaiveDate) -> (i64, i64, i64) {
    let actor = app.actor("coordinator").await;
    let rows = construction::construction_progress(&app.db, &actor, 2026, COUNTY, &[], Some(on))
        .await
        .unwrap();
    rows.iter().fold((0, 0, 0), |(p, s, c), r| {
        (
            p + r.figures.project_count,
            s + r.figures.started_count,
            c + r.figures.completed_count,
        )
    })
}

#[tokio::test]
async fn the_order_of_recording_does_not_change_any_figure() {
    let seed = std::env::var("REPLAY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(19);
    let mut rng = StdRng::seed_from_u64(seed);
    let items = history(&mut rng, 14);
    let mut by_date: Vec<usize> = (0..items.len()).collect();
    by_date.sort_by_key(|i| (items[*i].on, *i));
    let order = shuffled(&mut rng, &items);
    assert_ne!(order, by_date, "the shuffle must change the order");
    let (in_order, out_of_order) = (spawn_demo_app().await, spawn_demo_app().await);
    let mut days: Vec<NaiveDate> = (1..=11)
        .map(|m| NaiveDate::from_ymd_opt(2026, m + 1, 1).unwrap().pred_opt().unwrap())
        .collect();
    for _ in 0..6 {
        days.push(day(1, 1) + chrono::Duration::days(rng.random_range(0..334)));
    }
    // The day after some payments and allocations, in their month: the money of a month's
    // first days counts by the entries themselves, not by a month's total.
    let mid_month = items
        .iter()
        .filter(|i| matches!(i.act, Act::Allocate { .. } | Act::Pay { .. }))
        .filter_map(|i| i.on.succ_opt().filter(|next| next.month() == i.on.month()))
        .step_by(3);
    days.extend(mid_month.take(4));
    let mut before = Vec::new();
    for on in &days {
        before.push((counts(&in_order, *on).await, money(&in_order, *on).await));
    }
    record(&in_order, &items, &by_date).await;
    record(&out_of_order, &items, &order).await;
    // Each day's counts and money moved by what the history says had happened by then.
    for (on, (was, had)) in days.iter().zip(&before) {
        let now = counts(&in_order, *on).await;
        assert_eq!(
            (now.0 - was.0, now.1 - was.1, now.2 - was.2),
            expected_counts(&items, *on),
            "seed {seed}, as of {on}"
        );
        let has = money(&in_order, *on).await;
        assert_eq!(
            (has.0 - had.0, has.1 - had.1),
            expected_money(&items, *on),
            "seed {seed}, money as of {on}"
        );
    }
    let mut counted = 0;
    for on in days {
        let (a, b) = (figures(&in_order, on).await, figures(&out_of_order, on).await);
        for (a, b) in a.iter().zip(&b) {
            assert_eq!(a, b, "seed {seed}, as of {on}");
        }
        counted += a.len();
    }
    // The history moved the figures: the last month-end differs from the first.
    let (january, november) = (
        figures(&in_order, day(1, 31)).await,
        figures(&in_order, day(11, 30)).await,
    );
    assert_ne!(january, november);
    assert!(counted > 200);
}
