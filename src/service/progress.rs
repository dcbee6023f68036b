//! 进度填报 — construction progress reports by the department building a project.
//! Each report is kept; the latest is the project's current progress. A report carries the
//! project version it was based on and bumps it, so two clerks cannot overwrite each other.
use super::audit;
use super::projects::{
    EventRecord, TransitionDetails, load_at_version, project_change, record_event, status_of, write_guarded,
};
use super::{ServiceResult, begin_write};
use crate::db::rows::{self, KeyedRead};
use crate::domain::access::Actor;
use crate::domain::audit::AuditAction;
use crate::domain::calendar::{self, check_not_future};
use crate::domain::fault::Fault;
use crate::domain::lifecycle::{self, ProjectAction};
use crate::domain::money::Money;
use crate::domain::project::check_dates;
use crate::domain::quantity::Quantity;
use chrono::NaiveDate;
use entity::{progress_report, project};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait};
use std::collections::HashMap;

#[derive(Clone, Debug)]
pub struct ProgressInput {
    pub project_id: i64,
    pub expected_version: i32,
    /// Cumulative, in the sector's unit.
    pub completed_quantity: Decimal,
    /// Cumulative, in yuan.
    pub invested_amount: Decimal,
    pub reported_on: NaiveDate,
    pub note: Option<String>,
    /// Set to report less than the last report (a correction).
    pub correction: bool,
    /// Set to report more than the project plans (the reason goes in `note`).
    pub confirm_above_plan: bool,
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: ProgressInput,
) -> ServiceResult<(progress_report::Model, project::Model)> {
    // Checked before the write transaction (see `check`); the version guard of the write
    // makes the checks stand.
    let checked = check(db, actor, input).await?;
    let txn = begin_write(db).await?;
    let done = write(&txn, actor, checked).await?;
    txn.commit().await?;
    Ok(done)
}

/// [`create`] in a transaction the caller holds (an import's, one row at a time).
pub(crate) async fn create_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: ProgressInput,
) -> ServiceResult<(progress_report::Model, project::Model)> {
    let checked = check(conn, actor, input).await?;
    write(conn, actor, checked).await
}

/// A report checked against the project and its history, ready to write.
struct Checked {
    input: ProgressInput,
    quantity: Quantity,
    invested: Money,
    note: Option<String>,
    history: crate::domain::timeline::History,
    current: project::Model,
    status: crate::domain::lifecycle::ProjectStatus,
    correction: bool,
}

async fn check(conn: &impl ConnectionTrait, actor: &Actor, input: ProgressInput) -> ServiceResult<Checked> {
    let quantity = Quantity::parse(input.completed_quantity).map_err(|m| Fault::invalid("completedQuantity", m))?;
    let invested = Money::parse(input.invested_amount)
        .map_err(|e| Fault::invalid("investedAmount", format!("investedAmount: {e}")))?;
    if invested.fen() < 0 {
        return Err(Fault::invalid("investedAmount", "the amount invested cannot be negative").into());
    }
    check_not_future("reportedOn", input.reported_on, calendar::today())?;
    let note = crate::domain::fault::optional_text(
        "note",
        "a note",
        input.note.as_deref(),
        crate::domain::fault::MAX_NOTE_CHARS,
    )?;
    // Checked before the write transaction; the version guard of the write makes the checks
    // stand (every step and report bumps the version, so neither the project's history nor
    // its latest report can change unseen). The history is read *before* the project: if
    // the project is then still at the expected version, nothing was committed in between,
    // so the two reads agree; read the other way round, a report committed between them
    // would be judged against a project that no longer exists in that version (and refused
    // for its quantity, not as stale). Of the reports only the window this one is judged
    // against is read: its latest report is one dated after this one if there is any (this
    // one is then back-dated), else the latest by day, then by recording (DESIGN §8).
    let history = super::timeline::history_for_report(conn, input.project_id, input.reported_on).await?;
    let last = history.latest_report();
    let current = load_at_version(conn, actor, input.project_id, input.expected_version).await?;
    let planned = Quantity::from_milli(current.planned_quantity_milli);
    crate::domain::fault::check_confirmed_excess(
        quantity > planned,
        ("confirmAbovePlan", input.confirm_above_plan),
        ("note", note.as_deref()),
        || {
            format!(
                "{} is more than project {} plans ({})",
                quantity.to_decimal(),
                current.code,
                planned.to_decimal()
            )
        },
    )?;
    let status = status_of(&current)?;
    // A report is judged by what the project was on its day (DESIGN §8): one entered late
    // for a project completed since counts if construction was under way that day.
    let judged = if crate::domain::metrics::counts_as_completed(status) {
        history.state_on(input.reported_on).map_or(status, |s| s.status)
    } else {
        status
    };
    lifecycle::check(actor, judged, ProjectAction::ReportProgress, current.department_id)?;
    check_dates(current.actual_start, Some(input.reported_on), "reportedOn").map_err(|_| {
        Fault::invalid(
            "reportedOn",
            format!("{} is before construction started", input.reported_on),
        )
    })?;
    // A report dated before the latest one changes the past: it is a correction, and is
    // recorded as one whether or not the clerk said so.
    let back_dated = last.is_some_and(|l| input.reported_on < l.on);
    let correction = input.correction || back_dated;
    if let Some(last) = last
        && quantity < last.quantity
        && !correction
    {
        return Err(Fault::invalid(
            "completedQuantity",
            format!(
                "the cumulative quantity {} is below the last report's {}; set `correction` to correct it",
                quantity.to_decimal(),
                last.quantity.to_decimal()
            ),
        )
        .into());
    }
    Ok(Checked {
        input,
        quantity,
        invested,
        note,
        history,
        current,
        status,
        correction,
    })
}

async fn write(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    checked: Checked,
) -> ServiceResult<(progress_report::Model, project::Model)> {
    let Checked {
        input,
        quantity,
        invested,
        note,
        history,
        current,
        status,
        correction,
    } = checked;
    let updated = write_guarded(conn, &current, project::ActiveModel::default()).await?;
    let mut after = history.clone();
    after.push_report(input.reported_on, quantity);
    super::timeline::record(conn, &updated, &history, &after).await?;
    let report = progress_report::Entity::insert(progress_report::ActiveModel {
        project_id: Set(current.id),
        based_on_version: Set(current.version),
        completed_quantity_milli: Set(quantity.milli()),
        invested_fen: Set(invested.fen()),
        reported_on: Set(input.reported_on),
        note: Set(note.clone()),
        is_correction: Set(correction),
        reported_by: Set(actor.username.clone()),
        recorded_at: Set(chrono::Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(conn)
    .await?;
    let event = EventRecord {
        action: ProjectAction::ReportProgress,
        on: input.reported_on,
        from: Some(status),
        // A report leaves the project where it stands.
        to: status,
        details: TransitionDetails {
            comment: note,
            date: Some(input.reported_on),
            ..Default::default()
        },
        final_quantity: Some(quantity),
    };
    record_event(conn, actor, &updated, event).await?;
    audit::record_all(
        conn,
        actor,
        vec![
            project_change(AuditAction::ProjectReportProgress, Some(&current), &updated),
            audit::Change {
                action: AuditAction::ProgressReportCreate,
                entity_type: "ProgressReport",
                entity_id: report.id.to_string(),
                region_code: Some(current.township_code.clone()),
                before: None,
                after: super::audit::json(&report),
            },
        ],
    )
    .await?;
    Ok((report, updated))
}

/// One progress report by its id, if the actor may see its project.
pub async fn find(db: &DatabaseConnection, actor: &Actor, id: i64) -> ServiceResult<Option<progress_report::Model>> {
    let Some(report) = progress_report::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let visible = super::projects::find(db, actor, report.project_id).await?.is_some();
    Ok(visible.then_some(report))
}

/// Reports per project, newest first, for batching.
pub async fn reports_of_projects(
    db: &DatabaseConnection,
    project_ids: &[i64],
) -> ServiceResult<HashMap<i64, Vec<progress_report::Model>>> {
    static REPORTS: KeyedRead<progress_report::Model> =
        KeyedRead::new(r#""project_id" {in_keys}"#, r#"ORDER BY "reported_on" DESC, "id" DESC"#);
    let rows = REPORTS.all(db, project_ids, []).await?;
    Ok(rows::group_by(project_ids, rows, |row| Some((row.project_id, row))))
}

/// The latest report of each project (`None` if it has none) — latest by the day it reports
/// on, then by recording (DESIGN §8) — for batching a page's current progress: one row per
/// project (found through the project-day-id index) rather than the whole history.
pub async fn latest_reports_of_projects(
    db: &DatabaseConnection,
    project_ids: &[i64],
) -> ServiceResult<HashMap<i64, Option<progress_report::Model>>> {
    static LATEST: KeyedRead<progress_report::Model> = KeyedRead::new(
        r#""id" IN (SELECT (SELECT "latest"."id" FROM "progress_report" AS "latest" WHERE "latest"."project_id" = "of"."project_id" ORDER BY "latest"."reported_on" DESC, "latest"."id" DESC LIMIT 1) FROM "progress_report" AS "of" WHERE "of"."project_id" {in_keys} GROUP BY "of"."project_id")"#,
        "",
    );
    let rows = LATEST.all(db, project_ids, []).await?;
    let mut out: HashMap<i64, Option<progress_report::Model>> = project_ids.iter().map(|id| (*id, None)).collect();
    for row in rows {
        out.insert(row.project_id, Some(row));
    }
    Ok(out)
}
