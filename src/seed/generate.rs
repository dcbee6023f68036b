//! 生成数据 — a deterministic generator of a realistic county (or a province of them) for
//! benchmarks: regions, departments, projects over five years in every state and sector
//! with their event histories, fund lines, receipts, allocations, disbursements and
//! progress reports — written with bulk inserts.
//!
//! Bulk inserts skip the services, so the generator keeps their rules itself, through the
//! same domain functions: allocations only to allocatable projects, integrated funds never
//! to the negative list, poverty money only where there are poor households, payments only
//! from construction on (retention after acceptance), Σ allocations ≤ Σ receipts per line,
//! Σ disbursements ≤ allocation, progress cumulative. No audit entries are written: the
//! data were not changed through the API by anyone.
use crate::domain::category::ProjectCategory;
use crate::domain::funds::{self as fund_rules, EntryKind, FundKind, FundLevel};
use crate::domain::lifecycle::{self, ProjectAction, ProjectStatus};
use crate::domain::project::{ConstructionNature, project_code};
use crate::domain::region::RegionCode;
use crate::domain::sector::Sector;
use crate::service::ServiceResult;
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use entity::{
    construction_total, fund_line, fund_line_month_total, fund_line_total, ledger_entry, ledger_total, progress_report,
    project, project_event, project_village, region,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbBackend, EntityName,
    EntityTrait, IdenStatic, Iterable, TryIntoModel,
};
use std::collections::{BTreeMap, HashMap};

/// How big a generated county is.
#[derive(Clone, Copy, Debug)]
pub struct CountyShape {
    pub townships: usize,
    pub villages: usize,
    pub projects: usize,
    pub years: i32,
    pub allocations: usize,
    pub disbursements: usize,
    pub progress_reports: usize,
}

impl Default for CountyShape {
    /// The scale of issue 6: 15 townships, 250 villages, 10,000 projects over 5 years,
    /// 30,000 allocations, 100,000 disbursements, 50,000 progress reports.
    fn default() -> Self {
        CountyShape {
            townships: 15,
            villages: 250,
            projects: 10_000,
            years: 5,
            allocations: 30_000,
            disbursements: 100_000,
            progress_reports: 50_000,
        }
    }
}

/// What was generated.
#[derive(Clone, Copy, Debug, Default)]
pub struct Generated {
    pub regions: usize,
    pub projects: usize,
    pub events: usize,
    pub ledger_entries: usize,
    pub progress_reports: usize,
}

const CHUNK: usize = 1_000;

/// The next free id of a table, so bulk rows can carry their ids.
async fn next_id(db: &DatabaseConnection, table: &str) -> ServiceResult<i64> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM {table}"),
        ))
        .await?;
    Ok(row.map(|r| r.try_get::<i64>("", "next")).transpose()?.unwrap_or(1))
}

/// After explicit ids, PostgreSQL's sequences must move past them.
async fn resync_sequences(db: &DatabaseConnection) -> ServiceResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        for table in [
            "project",
            "project_event",
            "fund_line",
            "ledger_entry",
            "progress_report",
            "department",
        ] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
            ))
            .await?;
        }
    }
    Ok(())
}

/// Writes generated rows to `$entity`'s table: `COPY … FROM STDIN` on PostgreSQL (a province
/// is some 25 M rows, and COPY takes a row for a fraction of what an INSERT's bound values
/// cost on both sides), multi-row INSERTs of `CHUNK` rows on SQLite.
macro_rules! insert_chunks {
    ($db:expr, $entity:ty, $rows:expr, $progress:expr, $label:expr) => {{
        let rows = $rows;
        let total = rows.len();
        if $db.get_database_backend() == DbBackend::Postgres {
            copy_in($db, &rows, &|done| $progress($label, done, total)).await?;
        } else {
            for (i, chunk) in rows.chunks(CHUNK).enumerate() {
                <$entity>::insert_many(chunk.to_vec())
                    .exec_without_returning($db)
                    .await?;
                $progress($label, ((i + 1) * CHUNK).min(total), total);
            }
        }
        total
    }};
}

/// Streams `rows` into their table with PostgreSQL's `COPY … FROM STDIN` (text format),
/// every column named; `progress` hears how many rows have been sent.
async fn copy_in<A: ActiveModelTrait>(
    db: &DatabaseConnection,
    rows: &[A],
    progress: &(dyn Fn(usize) + Sync),
) -> ServiceResult<()> {
    use sea_orm::sqlx::postgres::PgPoolCopyExt;
    const SEND_BYTES: usize = 1 << 20;
    let table = A::Entity::default().table_name().to_string();
    let columns: Vec<_> = <A::Entity as EntityTrait>::Column::iter().collect();
    let names: Vec<String> = columns.iter().map(|c| format!("\"{}\"", c.as_str())).collect();
    let failed = |e: sea_orm::sqlx::Error| crate::service::ServiceError::Internal(format!("COPY into {table}: {e}"));
    let mut copy = db
        .get_postgres_connection_pool()
        .copy_in_raw(&format!("COPY \"{table}\" ({}) FROM STDIN", names.join(", ")))
        .await
        .map_err(failed)?;
    let mut buffer = Vec::with_capacity(SEND_BYTES + 4096);
    for (n, row) in rows.iter().enumerate() {
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                buffer.push(b'\t');
            }
            match row.get(*column) {
                ActiveValue::Set(value) | ActiveValue::Unchanged(value) => {
                    copy_text(&mut buffer, &value).map_err(|e| {
                        crate::service::ServiceError::Internal(format!("COPY into {table}.{}: {e}", column.as_str()))
                    })?
                }
                ActiveValue::NotSet => {
                    return Err(crate::service::ServiceError::Internal(format!(
                        "COPY into {table}: generated rows must set {}",
                        column.as_str()
                    )));
                }
            }
        }
        buffer.push(b'\n');
        if buffer.len() >= SEND_BYTES {
            copy.send(std::mem::take(&mut buffer)).await.map_err(failed)?;
            buffer.reserve(SEND_BYTES + 4096);
            progress(n + 1);
        }
    }
    copy.send(buffer).await.map_err(failed)?;
    copy.finish().await.map_err(failed)?;
    progress(rows.len());
    Ok(())
}

/// One value in COPY's text format: `\N` for NULL, backslash escapes for the separators.
fn copy_text(out: &mut Vec<u8>, value: &sea_orm::Value) -> Result<(), String> {
    use sea_orm::Value as V;
    use std::io::Write;
    let written = match value {
        V::Bool(Some(b)) => out.write_all(if *b { b"t" } else { b"f" }),
        V::Int(Some(n)) => write!(out, "{n}"),
        V::BigInt(Some(n)) => write!(out, "{n}"),
        V::String(Some(s)) => {
            escape_copy_text(out, s);
            Ok(())
        }
        V::Json(Some(json)) => {
            escape_copy_text(out, &json.to_string());
            Ok(())
        }
        V::ChronoDate(Some(date)) => write!(out, "{date}"),
        V::ChronoDateTimeUtc(Some(at)) => write!(out, "{}", at.format("%Y-%m-%d %H:%M:%S%.6f+00")),
        V::Bool(None)
        | V::Int(None)
        | V::BigInt(None)
        | V::String(None)
        | V::Json(None)
        | V::ChronoDate(None)
        | V::ChronoDateTimeUtc(None) => out.write_all(b"\\N"),
        other => return Err(format!("no COPY text form for {other:?}")),
    };
    written.map_err(|e| e.to_string())
}

fn escape_copy_text(out: &mut Vec<u8>, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(byte),
        }
    }
}

/// Generates one county at `county_code` (its province and city are made if missing).
pub async fn county(
    db: &DatabaseConnection,
    county_code: &RegionCode,
    shape: CountyShape,
    seed: u64,
    progress: &(dyn Fn(&str, usize, usize) + Sync),
) -> ServiceResult<Generated> {
    let mut rng = StdRng::seed_from_u64(seed ^ county_code.as_str().parse::<u64>().unwrap_or(0));
    let now = Utc::now();
    let mut out = Generated::default();
    let prefix = &county_code.as_str()[..6];

    // Regions: the ancestors if missing, the county, townships and villages.
    let mut regions = Vec::new();
    for ancestor in county_code.ancestors().into_iter().rev() {
        if region::Entity::find_by_id(ancestor.as_str()).one(db).await?.is_none() {
            regions.push(region_row(
                &ancestor,
                &format!("生成{}", ancestor.level().chinese_name()),
                false,
                0,
                now,
            ));
        }
    }
    regions.push(region_row(
        county_code,
        &format!("生成县{}", &prefix[4..]),
        false,
        0,
        now,
    ));
    let per_township = shape.villages.div_ceil(shape.townships.max(1));
    let mut villages_of: Vec<Vec<(String, bool)>> = Vec::new();
    for t in 1..=shape.townships {
        let township =
            RegionCode::parse(&format!("{prefix}{t:03}000")).map_err(crate::service::ServiceError::Internal)?;
        regions.push(region_row(&township, &format!("第{t}镇"), false, 0, now));
        let mut villages = Vec::new();
        for v in 1..=per_township {
            let code =
                RegionCode::parse(&format!("{prefix}{t:03}{v:03}")).map_err(crate::service::ServiceError::Internal)?;
            let poverty = rng.random_bool(1.0 / 3.0);
            regions.push(region_row(
                &code,
                &format!("第{t}镇{v}村"),
                poverty,
                if poverty {
                    rng.random_range(30..120)
                } else {
                    rng.random_range(2..15)
                },
                now,
            ));
            villages.push((code.to_string(), poverty));
        }
        villages_of.push(villages);
    }
    out.regions = insert_chunks!(db, region::Entity, regions, progress, "regions");

    // Departments: one per sector, the poverty office and the finance bureau.
    let first_department = next_id(db, "department").await?;
    let mut departments = Vec::new();
    for (i, sector) in Sector::ALL.into_iter().enumerate() {
        departments.push(entity::department::ActiveModel {
            id: Set(first_department + i as i64),
            county_code: Set(county_code.to_string()),
            name: Set(format!("{}{}部门", &prefix, sector.chinese_name())),
            kind: Set(if sector == Sector::Other {
                "POVERTY_OFFICE"
            } else {
                "SECTOR"
            }
            .into()),
            sectors: Set(sector.as_str().into()),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }
    entity::department::Entity::insert_many(departments)
        .exec_without_returning(db)
        .await?;
    let department_of =
        |sector: Sector| first_department + Sector::ALL.iter().position(|s| *s == sector).unwrap_or(0) as i64;

    // Fund lines: ten a year, of every kind.
    let this_year = crate::domain::calendar::china_date(now).year();
    let years: Vec<i32> = (0..shape.years).map(|i| this_year - shape.years + 1 + i).collect();
    let kinds = [
        (FundKind::IntegratedAgricultural, FundLevel::Central),
        (FundKind::IntegratedAgricultural, FundLevel::Provincial),
        (FundKind::CountyMatching, FundLevel::County),
        (FundKind::PolicyLoan, FundLevel::Provincial),
        (FundKind::Sector, FundLevel::Provincial),
        (FundKind::EastWest, FundLevel::Municipal),
        (FundKind::Social, FundLevel::County),
        (FundKind::SelfRaised, FundLevel::County),
    ];
    let first_line = next_id(db, "fund_line").await?;
    let mut lines = Vec::new();
    for (y, year) in years.iter().enumerate() {
        for (k, (kind, level)) in kinds.iter().enumerate() {
            lines.push(fund_line::Model {
                id: first_line + (y * kinds.len() + k) as i64,
                county_code: county_code.to_string(),
                year: *year,
                name: format!("{year}年{}{}", kind.chinese_name(), level.as_str()),
                kind: kind.as_str().into(),
                level: level.as_str().into(),
                planned_fen: 0,
                poverty_targeted: kind.poverty_targeted_by_default(),
                created_at: now,
                updated_at: now,
            });
        }
    }

    // Projects with their villages and histories.
    let first_project = next_id(db, "project").await?;
    let mut first_event = next_id(db, "project_event").await?;
    let mut projects = Vec::with_capacity(shape.projects);
    let mut project_villages = Vec::new();
    let mut events = Vec::new();
    // Each project's steps, for the construction figures' dated changes.
    let mut histories: Vec<Vec<crate::domain::timeline::Step>> = Vec::with_capacity(shape.projects);
    let mut sequence: std::collections::HashMap<(i32, Sector), u32> = Default::default();
    for i in 0..shape.projects {
        let id = first_project + i as i64;
        let year = years[i % years.len()];
        let sector = Sector::ALL[rng.random_range(0..Sector::ALL.len())];
        let status = ProjectStatus::ALL[rng.random_range(0..ProjectStatus::ALL.len())];
        let t = rng.random_range(0..shape.townships);
        let villages = &villages_of[t];
        let chosen: Vec<&(String, bool)> = (0..rng.random_range(1..=3))
            .map(|_| &villages[rng.random_range(0..villages.len())])
            .collect();
        let seq = sequence.entry((year, sector)).or_insert(0);
        *seq += 1;
        let start =
            NaiveDate::from_ymd_opt(year, rng.random_range(3..=6), rng.random_range(1..=28)).unwrap_or_default();
        let quantity_milli: i64 = match sector.unit() {
            "公里" => rng.random_range(1_000..20_000),
            "户" => rng.random_range(10..80) * 1000,
            _ => rng.random_range(1..4) * 1000,
        };
        let path = lifecycle::path_to(status);
        let with_department = path.contains(&ProjectAction::Assign) && status != ProjectStatus::Cancelled;
        let started = path.contains(&ProjectAction::StartConstruction);
        let completed = path.contains(&ProjectAction::Complete);
        let households = rng.random_range(20..200);
        projects.push(project::ActiveModel {
            id: Set(id),
            county_code: Set(county_code.to_string()),
            code: Set(project_code(year, sector, *seq)),
            name: Set(format!("第{}镇{}工程{}", t + 1, sector.chinese_name(), seq)),
            sector: Set(sector.as_str().into()),
            category: Set(ProjectCategory::default_for(sector).as_str().into()),
            year: Set(year),
            township_code: Set(format!("{prefix}{:03}000", t + 1)),
            construction_nature: Set(ConstructionNature::New.as_str().into()),
            content: Set(format!("{}建设", sector.chinese_name())),
            planned_quantity_milli: Set(quantity_milli),
            budget_fen: Set(rng.random_range(200_000..5_000_000) * 100),
            beneficiary_households: Set(households),
            beneficiary_people: Set(households * 3),
            // Every generated project has registered poor beneficiaries, so poverty money may reach it.
            poor_households: Set(households / 4 + 1),
            poor_people: Set((households / 4 + 1) * 3),
            performance_targets: Set("[]".into()),
            department_id: Set(with_department.then(|| department_of(sector))),
            claim_deadline: Set(with_department.then_some(start)),
            planned_start: Set(Some(start)),
            planned_finish: Set(NaiveDate::from_ymd_opt(year, 11, 30)),
            actual_start: Set(started.then_some(start)),
            actual_finish: Set(completed.then(|| start + chrono::Duration::days(120))),
            final_quantity_milli: Set(completed.then_some(quantity_milli)),
            acceptance_grade: Set((status == ProjectStatus::Accepted).then(|| "QUALIFIED".into())),
            status: Set(status.as_str().into()),
            version: Set(path.len() as i32 + 1),
            allocated_fen: Set(0),
            disbursed_fen: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        });
        let mut seen = Vec::new();
        for (code, _) in &chosen {
            if !seen.contains(code) {
                seen.push(code.clone());
                project_villages.push(project_village::ActiveModel {
                    project_id: Set(id),
                    village_code: Set(code.clone()),
                });
            }
        }
        // Business dates: a step a week, construction starting on `start`, completion
        // on `finish`, acceptance a week later.
        let finish = start + chrono::Duration::days(120);
        let before_start = path
            .iter()
            .position(|a| *a == ProjectAction::StartConstruction)
            .unwrap_or(path.len()) as i64
            + 1;
        let mut day = start - chrono::Duration::days(7 * before_start);
        let mut at = ProjectStatus::Draft;
        let mut steps = Vec::with_capacity(path.len() + 1);
        for action in std::iter::once(ProjectAction::Create).chain(path.iter().copied()) {
            let (from, to) = if action == ProjectAction::Create {
                (None, ProjectStatus::Draft)
            } else {
                let to = lifecycle::transition(at, action).map(|t| t.to).unwrap_or(at);
                (Some(at), to)
            };
            day = match action {
                ProjectAction::Create => day,
                ProjectAction::StartConstruction => start,
                ProjectAction::Complete => finish,
                _ => day + chrono::Duration::days(7),
            };
            let department = (action == ProjectAction::Assign).then(|| department_of(sector));
            let quantity = (action == ProjectAction::Complete).then_some(quantity_milli);
            events.push(project_event::ActiveModel {
                id: Set(first_event),
                project_id: Set(id),
                action: Set(action.as_str().into()),
                from_status: Set(from.map(|s| s.as_str().into())),
                to_status: Set(to.as_str().into()),
                actor_id: Set(None),
                actor_username: Set("generator".into()),
                actor_role: Set("ADMIN".into()),
                occurred_at: Set(Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0).unwrap_or_default())),
                comment: Set(None),
                event_date: Set(match action {
                    ProjectAction::StartConstruction | ProjectAction::Complete => Some(day),
                    ProjectAction::Assign => Some(start),
                    _ => None,
                }),
                happened_on: Set(day),
                milestone: Set(None),
                grade: Set(None),
                department_id: Set(department),
                quantity_milli: Set(quantity),
            });
            steps.push(crate::domain::timeline::Step {
                on: day,
                seq: first_event,
                action,
                status: to,
                department_id: department,
                quantity: quantity.map(crate::domain::quantity::Quantity::from_milli),
            });
            first_event += 1;
            at = to;
        }
        histories.push(steps);
    }

    // Money: allocations to allocatable projects from lines their sector may take,
    // disbursements from construction on, receipts to cover every line.
    let mut rng_money = StdRng::seed_from_u64(seed.wrapping_add(1));
    let allocatable: Vec<usize> = (0..projects.len())
        .filter(|i| {
            ProjectStatus::parse(projects[*i].status.as_ref()).is_some_and(|s| fund_rules::check_allocatable(s).is_ok())
        })
        .collect();
    let first_entry = next_id(db, "ledger_entry").await?;
    let mut entries: Vec<ledger_entry::ActiveModel> = Vec::new();
    let mut next_entry = first_entry;
    let mut received: Vec<i64> = vec![0; lines.len()];
    let mut allocations: Vec<(i64, usize, i64, usize)> = Vec::new(); // (entry id, project index, amount, line index)
    if !allocatable.is_empty() {
        for _ in 0..shape.allocations {
            let p = allocatable[rng_money.random_range(0..allocatable.len())];
            let year = *projects[p].year.as_ref();
            let sector: Sector = projects[p].sector.as_ref().parse().unwrap_or(Sector::Other);
            let y = years.iter().position(|x| *x == year).unwrap_or(0);
            let k = loop {
                let k = rng_money.random_range(0..kinds.len());
                let category = ProjectCategory::default_for(sector);
                if crate::domain::category::check_negative_list(kinds[k].0, sector, category, &[]).is_ok() {
                    break k;
                }
            };
            let line = y * kinds.len() + k;
            let amount = rng_money.random_range(10_000..500_000) * 100;
            received[line] += amount;
            allocations.push((next_entry, p, amount, line));
            entries.push(entry_row(
                next_entry,
                EntryKind::Allocation,
                &lines[line],
                NaiveDate::from_ymd_opt(year, 6, 1).unwrap_or_default(),
                amount,
                Some(&projects[p]),
                None,
                false,
                now,
            ));
            next_entry += 1;
        }
    }
    let payable: Vec<usize> = (0..allocations.len())
        .filter(|a| {
            let status =
                ProjectStatus::parse(projects[allocations[*a].1].status.as_ref()).unwrap_or(ProjectStatus::Draft);
            fund_rules::check_disbursable(status, false).is_ok()
        })
        .collect();
    let mut paid: std::collections::HashMap<usize, i64> = Default::default();
    if !payable.is_empty() {
        for _ in 0..shape.disbursements {
            let a = payable[rng_money.random_range(0..payable.len())];
            let (allocation_id, p, amount, line) = allocations[a];
            let already = paid.entry(a).or_insert(0);
            let room = amount - *already;
            if room <= 0 {
                continue;
            }
            let pay = (amount / 10).min(room).max(1);
            *already += pay;
            let year = *projects[p].year.as_ref();
            entries.push(entry_row(
                next_entry,
                EntryKind::Disbursement,
                &lines[line],
                NaiveDate::from_ymd_opt(year, 7, 1).unwrap_or_default(),
                pay,
                Some(&projects[p]),
                Some(allocation_id),
                false,
                now,
            ));
            next_entry += 1;
        }
    }
    // Receipts: what was allocated plus a margin, in three instalments per line.
    for (l, line) in lines.iter_mut().enumerate() {
        let total = received[l] + rng_money.random_range(1_000_000..50_000_000) * 100;
        line.planned_fen = total + total / 10;
        for (n, month) in [3u32, 6, 9].into_iter().enumerate() {
            let part = if n < 2 { total / 3 } else { total - 2 * (total / 3) };
            entries.push(entry_row(
                next_entry,
                EntryKind::Receipt,
                line,
                NaiveDate::from_ymd_opt(line.year, month, 1).unwrap_or_default(),
                part,
                None,
                None,
                false,
                now,
            ));
            next_entry += 1;
        }
    }
    // Progress: cumulative reports on projects under construction or later.
    let reporting: Vec<usize> = (0..projects.len())
        .filter(|i| {
            ProjectStatus::parse(projects[*i].status.as_ref()).is_some_and(crate::domain::metrics::counts_as_started)
        })
        .collect();
    let first_report = next_id(db, "progress_report").await?;
    let mut reports = Vec::new();
    let mut reported: std::collections::HashMap<usize, (i64, u32)> = Default::default();
    let mut report_of_project: HashMap<usize, Vec<crate::domain::timeline::Report>> = HashMap::new();
    if !reporting.is_empty() {
        for r in 0..shape.progress_reports {
            let p = reporting[rng_money.random_range(0..reporting.len())];
            let planned = *projects[p].planned_quantity_milli.as_ref();
            let (done, n) = reported.entry(p).or_insert((0, 0));
            *done = (*done + planned / 10).min(planned);
            *n += 1;
            let start = projects[p].actual_start.as_ref().unwrap_or_default();
            report_of_project
                .entry(p)
                .or_default()
                .push(crate::domain::timeline::Report {
                    on: start + chrono::Duration::days(i64::from(*n)),
                    seq: first_report + r as i64,
                    quantity: crate::domain::quantity::Quantity::from_milli(*done),
                });
            reports.push(progress_report::ActiveModel {
                id: Set(first_report + r as i64),
                project_id: Set(*projects[p].id.as_ref()),
                based_on_version: Set(*projects[p].version.as_ref()),
                completed_quantity_milli: Set(*done),
                invested_fen: Set(*projects[p].budget_fen.as_ref() * i64::from((*n).min(10)) / 10),
                reported_on: Set(start + chrono::Duration::days(i64::from(*n))),
                note: Set(None),
                is_correction: Set(false),
                reported_by: Set("generator".into()),
                recorded_at: Set(now),
            });
        }
    }

    // The construction figures' dated changes each step and report leaves, summed here once.
    let mut construction = BTreeMap::new();
    for (p, steps) in histories.into_iter().enumerate() {
        let model = projects[p].clone().try_into_model()?;
        let sector: Sector = model.sector.parse().unwrap_or(Sector::Other);
        let history = crate::domain::timeline::History::new(steps, report_of_project.remove(&p).unwrap_or_default());
        let changes = crate::domain::timeline::changes(&[], &history.parts(sector));
        crate::service::timeline::add_changes(&mut construction, &model, &changes);
    }
    let construction_rows = crate::service::timeline::total_rows(construction);

    // The running totals the ledger's transactions keep, summed here once.
    let mut totals: BTreeMap<(i64, String, String, String, i32), ledger_total::Model> = BTreeMap::new();
    let mut line_totals: BTreeMap<(i64, String), fund_line_total::Model> = BTreeMap::new();
    let mut line_month_totals: BTreeMap<(i64, String, i32), fund_line_month_total::Model> = BTreeMap::new();
    let mut project_money: HashMap<i64, (i64, i64)> = HashMap::new();
    for entry in &entries {
        let entry = entry.clone().try_into_model()?;
        let total = crate::service::funds::total_of(&entry);
        totals
            .entry((
                total.fund_line_id,
                total.kind.clone(),
                total.township_code.clone(),
                total.sector.clone(),
                total.entry_month,
            ))
            .and_modify(|t| t.amount_fen += entry.amount_fen)
            .or_insert(total);
        line_totals
            .entry((entry.fund_line_id, entry.kind.clone()))
            .and_modify(|t| t.amount_fen += entry.amount_fen)
            .or_insert_with(|| crate::service::funds::line_total_of(&entry));
        line_month_totals
            .entry((entry.fund_line_id, entry.kind.clone(), entry.entry_month))
            .and_modify(|t| t.amount_fen += entry.amount_fen)
            .or_insert_with(|| crate::service::funds::line_month_total_of(&entry));
        if let Some(project_id) = entry.project_id {
            let money = project_money.entry(project_id).or_default();
            match EntryKind::parse(&entry.kind) {
                Some(EntryKind::Allocation) => money.0 += entry.amount_fen,
                Some(EntryKind::Disbursement) => money.1 += entry.amount_fen,
                _ => {}
            }
        }
    }
    for project in &mut projects {
        let (allocated, disbursed) = project_money.get(project.id.as_ref()).copied().unwrap_or_default();
        project.allocated_fen = Set(allocated);
        project.disbursed_fen = Set(disbursed);
    }
    let total_rows: Vec<ledger_total::ActiveModel> = totals.into_values().map(Into::into).collect();
    let line_total_rows: Vec<fund_line_total::ActiveModel> = line_totals.into_values().map(Into::into).collect();
    let line_month_rows: Vec<fund_line_month_total::ActiveModel> =
        line_month_totals.into_values().map(Into::into).collect();
    let line_rows: Vec<fund_line::ActiveModel> = lines.into_iter().map(Into::into).collect();
    insert_chunks!(db, fund_line::Entity, line_rows, progress, "fund lines");
    out.projects = insert_chunks!(db, project::Entity, projects, progress, "projects");
    insert_chunks!(
        db,
        project_village::Entity,
        project_villages,
        progress,
        "project villages"
    );
    out.events = insert_chunks!(db, project_event::Entity, events, progress, "project events");
    // Allocations before the disbursements that name them, receipts anywhere.
    out.ledger_entries = insert_chunks!(db, ledger_entry::Entity, entries, progress, "ledger entries");
    insert_chunks!(db, ledger_total::Entity, total_rows, progress, "ledger totals");
    insert_chunks!(
        db,
        fund_line_total::Entity,
        line_total_rows,
        progress,
        "fund line totals"
    );
    insert_chunks!(
        db,
        fund_line_month_total::Entity,
        line_month_rows,
        progress,
        "fund line month totals"
    );
    out.progress_reports = insert_chunks!(db, progress_report::Entity, reports, progress, "progress reports");
    insert_chunks!(
        db,
        construction_total::Entity,
        construction_rows,
        progress,
        "construction totals"
    );
    resync_sequences(db).await?;
    Ok(out)
}

fn region_row(
    code: &RegionCode,
    name: &str,
    poverty: bool,
    households: i32,
    now: chrono::DateTime<Utc>,
) -> region::ActiveModel {
    region::ActiveModel {
        code: Set(code.to_string()),
        name: Set(name.into()),
        level: Set(code.level().as_str().into()),
        parent_code: Set(code.parent().map(|p| p.to_string())),
        is_poverty_village: Set(poverty),
        poor_households: Set(households),
        poor_people: Set(households * 3),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

#[allow(clippy::too_many_arguments)]
fn entry_row(
    id: i64,
    kind: EntryKind,
    line: &fund_line::Model,
    date: NaiveDate,
    amount: i64,
    project: Option<&project::ActiveModel>,
    allocation_id: Option<i64>,
    is_retention: bool,
    now: chrono::DateTime<Utc>,
) -> ledger_entry::ActiveModel {
    ledger_entry::ActiveModel {
        id: Set(id),
        kind: Set(kind.as_str().into()),
        fund_line_id: Set(line.id),
        county_code: Set(line.county_code.clone()),
        year: Set(line.year),
        entry_date: Set(date),
        entry_month: Set(fund_rules::year_month(date)),
        amount_fen: Set(amount),
        project_id: Set(project.map(|p| *p.id.as_ref())),
        township_code: Set(project.map(|p| p.township_code.as_ref().clone())),
        sector: Set(project.map(|p| p.sector.as_ref().clone())),
        allocation_id: Set(allocation_id),
        document_no: Set(Some(format!("G{id}"))),
        is_retention: Set(is_retention),
        reverses_id: Set(None),
        outside_plan: Set(false),
        note: Set(None),
        recorded_by: Set("generator".into()),
        recorded_at: Set(now),
    }
}

/// The county codes of a generated province: 10 cities of 10 counties each (or fewer).
pub fn province_counties(province: &RegionCode, counties: usize) -> Vec<RegionCode> {
    let p = &province.as_str()[..2];
    (0..counties)
        .filter_map(|i| RegionCode::parse(&format!("{p}{:02}{:02}000000", i / 10 + 1, i % 10 + 1)).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::copy_text;
    use sea_orm::Value;

    fn text(value: Value) -> String {
        let mut out = Vec::new();
        copy_text(&mut out, &value).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn copy_text_escapes_the_separators_and_writes_null_as_backslash_n() {
        assert_eq!(
            text(Value::String(Some("第1镇\t村\n旧\\新\r".into()))),
            "第1镇\\t村\\n旧\\\\新\\r"
        );
        assert_eq!(text(Value::String(None)), "\\N");
        assert_eq!(text(Value::BigInt(Some(-12_345))), "-12345");
        assert_eq!(text(Value::Bool(Some(true))), "t");
        assert_eq!(
            text(Value::ChronoDate(chrono::NaiveDate::from_ymd_opt(2026, 2, 3))),
            "2026-02-03"
        );
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-28T21:00:05.25Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            text(Value::ChronoDateTimeUtc(Some(at))),
            "2026-11-28 21:00:05.250000+00"
        );
    }

    #[test]
    fn copy_text_refuses_a_type_it_has_no_form_for() {
        assert!(copy_text(&mut Vec::new(), &Value::Char(Some('x'))).is_err());
    }
}
