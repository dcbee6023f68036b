//! 时间线 — keeps `construction_total` (the construction figures as dated changes) in step
//! with the projects' histories, in the transaction of each step and report, and reads a
//! region's figures on any day from it: a sum over a few rows per group, however many
//! events the region has (DESIGN §8).
use super::{ServiceError, ServiceResult};
use crate::domain::lifecycle::{ProjectAction, ProjectStatus};
use crate::domain::quantity::Quantity;
use crate::domain::region::{RegionCode, RegionLevel};
use crate::domain::sector::Sector;
use crate::domain::timeline::{self, History, Report, Step, Tally};
use chrono::{Datelike, NaiveDate};
use entity::{construction_total, progress_report, project, project_event};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::BTreeMap;

/// A project's steps and reports, as recorded.
pub async fn history(conn: &impl ConnectionTrait, project_id: i64) -> ServiceResult<History> {
    // Of each day only the latest recorded report counts: a project corrected day after
    // day reads one row a day, not every report it ever had.
    use progress_report::Column as R;
    let latest_of_each_day = Query::select()
        .expr(Expr::col(R::Id).max())
        .from(progress_report::Entity)
        .and_where(Expr::col(R::ProjectId).eq(project_id))
        .group_by_col(R::ReportedOn)
        .to_owned();
    let reports: Vec<ReportRow> = report_rows()
        .filter(R::ProjectId.eq(project_id))
        .filter(R::Id.in_subquery(latest_of_each_day))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(History::new(
        steps(conn, project_id).await?,
        reports.into_iter().map(report_of).collect(),
    ))
}

/// A project's steps and the reports a new report on `day` is judged against
/// ([`History::report_window`]): two index lookups, however many reports it has.
pub async fn history_for_report(
    conn: &impl ConnectionTrait,
    project_id: i64,
    day: NaiveDate,
) -> ServiceResult<History> {
    use progress_report::Column as R;
    use sea_orm::QueryTrait;
    use sea_orm::sea_query::{Asterisk, UnionType};
    let of_project = || report_rows().filter(R::ProjectId.eq(project_id));
    let on_or_before = of_project()
        .filter(R::ReportedOn.lte(day))
        .order_by_desc(R::ReportedOn)
        .order_by_desc(R::Id)
        .limit(1)
        .into_query();
    let first_after = of_project()
        .filter(R::ReportedOn.gt(day))
        .order_by_asc(R::ReportedOn)
        .order_by_asc(R::Id)
        .limit(1)
        .into_query();
    // One statement: each side in a subquery, which both databases accept with its own
    // ORDER BY and LIMIT.
    let both = Query::select()
        .column(Asterisk)
        .from_subquery(on_or_before, Alias::new("on_or_before"))
        .union(
            UnionType::All,
            Query::select()
                .column(Asterisk)
                .from_subquery(first_after, Alias::new("first_after"))
                .to_owned(),
        )
        .to_owned();
    let reports = conn
        .query_all(&both)
        .await?
        .iter()
        .map(|row| Ok(report_of(row.try_get_many_by_index::<ReportRow>()?)))
        .collect::<ServiceResult<_>>()?;
    Ok(History::new(steps(conn, project_id).await?, reports))
}

/// A project's history from its recorded events, without its progress reports (for a
/// state on a day, read for many projects at once).
pub fn steps_of_events(events: &[project_event::Model]) -> ServiceResult<History> {
    let steps = events
        .iter()
        .map(|e| {
            step_of((
                e.happened_on,
                e.id,
                e.action.clone(),
                e.to_status.clone(),
                e.department_id,
                e.quantity_milli,
            ))
        })
        .collect::<ServiceResult<Vec<_>>>()?;
    Ok(History::new(steps, Vec::new()))
}

/// A project's lifecycle steps, without its progress reports.
async fn steps(conn: &impl ConnectionTrait, project_id: i64) -> ServiceResult<Vec<Step>> {
    let events: Vec<StepRow> = step_rows()
        .filter(project_event::Column::ProjectId.eq(project_id))
        // Written out, not bound: the partial index `idx_project_event_steps` (a project's
        // steps without its many reports) serves only a condition that matches its own.
        .filter(Expr::cust(format!(
            "action <> '{}'",
            ProjectAction::ReportProgress.as_str()
        )))
        .order_by_asc(project_event::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    events.into_iter().map(step_of).collect()
}

/// The columns of an event that a step is read from (read by position: a project's
/// history is read in every step's and report's request, and decoding whole events by
/// column name was a sixth of a progress report's work).
type StepRow = (NaiveDate, i64, String, String, Option<i64>, Option<i64>);

fn step_rows() -> sea_orm::Select<project_event::Entity> {
    use project_event::Column as E;
    project_event::Entity::find().select_only().columns([
        E::HappenedOn,
        E::Id,
        E::Action,
        E::ToStatus,
        E::DepartmentId,
        E::QuantityMilli,
    ])
}

/// A recorded event as a step of the timeline.
fn step_of((on, seq, action, status, department_id, quantity): StepRow) -> ServiceResult<Step> {
    Ok(Step {
        on,
        seq,
        action: ProjectAction::parse(&action)
            .ok_or_else(|| ServiceError::Internal(format!("unknown action {action}")))?,
        status: ProjectStatus::parse(&status)
            .ok_or_else(|| ServiceError::Internal(format!("unknown status {status}")))?,
        department_id,
        quantity: quantity.map(Quantity::from_milli),
    })
}

/// The columns of a progress report that the timeline reads.
type ReportRow = (NaiveDate, i64, i64);

fn report_rows() -> sea_orm::Select<progress_report::Entity> {
    use progress_report::Column as R;
    progress_report::Entity::find()
        .select_only()
        .columns([R::ReportedOn, R::Id, R::CompletedQuantityMilli])
}

fn report_of((on, seq, quantity): ReportRow) -> Report {
    Report {
        on,
        seq,
        quantity: Quantity::from_milli(quantity),
    }
}

/// The `construction_total` key of one dated change.
type TotalKey = (i32, String, String, String, i64, i32, i32);

/// Adds a project's dated changes to `totals`: each under its day and its month, per
/// township and department and per county (see `construction_total`).
pub fn add_changes(
    totals: &mut BTreeMap<TotalKey, Tally>,
    project: &project::Model,
    changes: &BTreeMap<(NaiveDate, Option<i64>), Tally>,
) {
    for ((day, department), tally) in changes {
        let month = crate::domain::funds::year_month(*day);
        for (township, department) in [(project.township_code.as_str(), department.unwrap_or(0)), ("", 0)] {
            for day in [0, day.day() as i32] {
                let key = (
                    project.year,
                    township.to_string(),
                    project.county_code.clone(),
                    project.sector.clone(),
                    department,
                    month,
                    day,
                );
                totals.entry(key).or_default().add(*tally, 1);
            }
        }
    }
}

/// The rows to insert for `totals`.
pub fn total_rows(totals: BTreeMap<TotalKey, Tally>) -> Vec<construction_total::ActiveModel> {
    use sea_orm::ActiveValue::Set;
    totals
        .into_iter()
        .filter(|(_, tally)| !tally.is_zero())
        .map(
            |((year, township, county, sector, department, month, day), t)| construction_total::ActiveModel {
                year: Set(year),
                township_code: Set(township),
                county_code: Set(county),
                sector: Set(sector),
                department_id: Set(department),
                month: Set(month),
                day: Set(day),
                project_count: Set(t.project_count),
                started_count: Set(t.started_count),
                completed_count: Set(t.completed_count),
                completed_quantity_milli: Set(t.completed_quantity_milli),
            },
        )
        .collect()
}

/// Records what a change of a project's history (`before` → `after`) changes in the
/// figures, in the change's transaction.
pub async fn record(
    conn: &impl ConnectionTrait,
    project: &project::Model,
    before: &History,
    after: &History,
) -> ServiceResult<()> {
    let sector: Sector = project.sector.parse().map_err(ServiceError::Internal)?;
    let changes = timeline::changes(&before.parts(sector), &after.parts(sector));
    let mut totals = BTreeMap::new();
    add_changes(&mut totals, project, &changes);
    let rows = total_rows(totals);
    if rows.is_empty() {
        return Ok(());
    }
    use construction_total::Column as C;
    construction_total::Entity::insert_many(rows)
        .on_conflict(super::adding_on_conflict(
            [
                C::Year,
                C::TownshipCode,
                C::CountyCode,
                C::Sector,
                C::DepartmentId,
                C::Month,
                C::Day,
            ],
            [
                C::ProjectCount,
                C::StartedCount,
                C::CompletedCount,
                C::CompletedQuantityMilli,
            ],
        ))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Rebuilds `construction_total` from every project's history, a county at a time, if it
/// is empty while some project has entered the programme (a database from before the
/// table, see the migration). Returns how many projects were read.
pub async fn rebuild_if_empty(db: &sea_orm::DatabaseConnection) -> ServiceResult<usize> {
    if construction_total::Entity::find().one(db).await?.is_some() {
        return Ok(0);
    }
    let entered = project_event::Entity::find()
        .filter(project_event::Column::ToStatus.eq(ProjectStatus::Approved.as_str()))
        .one(db)
        .await?;
    if entered.is_none() {
        return Ok(0);
    }
    let counties: Vec<String> = project::Entity::find()
        .select_only()
        .column(project::Column::CountyCode)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut read = 0;
    for county in counties {
        let projects = project::Entity::find()
            .filter(project::Column::CountyCode.eq(&county))
            .all(db)
            .await?;
        let mut totals = BTreeMap::new();
        for chunk in projects.chunks(2_000) {
            let ids: Vec<i64> = chunk.iter().map(|p| p.id).collect();
            let mut steps: BTreeMap<i64, Vec<Step>> = BTreeMap::new();
            for (on, seq, action, status, department, quantity, project) in step_rows()
                .column(project_event::Column::ProjectId)
                .filter(project_event::Column::ProjectId.is_in(ids.clone()))
                .into_tuple::<(NaiveDate, i64, String, String, Option<i64>, Option<i64>, i64)>()
                .all(db)
                .await?
            {
                let step = step_of((on, seq, action, status, department, quantity))?;
                steps.entry(project).or_default().push(step);
            }
            let mut reports: BTreeMap<i64, Vec<Report>> = BTreeMap::new();
            for (on, seq, quantity, project) in report_rows()
                .column(progress_report::Column::ProjectId)
                .filter(progress_report::Column::ProjectId.is_in(ids))
                .into_tuple::<(NaiveDate, i64, i64, i64)>()
                .all(db)
                .await?
            {
                reports.entry(project).or_default().push(report_of((on, seq, quantity)));
            }
            for p in chunk {
                let history = History::new(
                    steps.remove(&p.id).unwrap_or_default(),
                    reports.remove(&p.id).unwrap_or_default(),
                );
                let sector: Sector = p.sector.parse().map_err(ServiceError::Internal)?;
                add_changes(&mut totals, p, &timeline::changes(&[], &history.parts(sector)));
            }
        }
        read += projects.len();
        let rows = total_rows(totals);
        let txn = super::begin_write(db).await?;
        for chunk in rows.chunks(1_000) {
            construction_total::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        tracing::info!(county, projects = projects.len(), "construction figures rebuilt");
    }
    Ok(read)
}

/// How finely figures are read: per county (all a region's figures without splits need),
/// or per township and department.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grain {
    County,
    TownshipDepartment,
}

/// One group's summed changes.
#[derive(Clone, Debug, FromQueryResult)]
struct TotalRow {
    county_code: String,
    township_code: String,
    department_id: i64,
    sector: String,
    month: i32,
    project_count: i64,
    started_count: i64,
    completed_count: i64,
    completed_quantity_milli: i64,
}

/// A group's figures read from `construction_total`.
#[derive(Clone, Debug)]
pub struct GroupTally {
    pub county_code: String,
    /// Empty at the county grain.
    pub township_code: String,
    pub department_id: Option<i64>,
    pub sector: Sector,
    /// With `per_month`, the year-month (202609) the changes fell in; changes of the
    /// as-of day's month are summed up to that day.
    pub month: Option<i32>,
    pub tally: Tally,
}

/// The summed changes of the projects of `year` in `region` up to the end of `day`, per
/// group of `grain` (and per month with `per_month`; the caller sums those up).
pub async fn tallies(
    conn: &impl ConnectionTrait,
    region: &RegionCode,
    year: i32,
    day: NaiveDate,
    grain: Grain,
    per_month: bool,
) -> ServiceResult<Vec<GroupTally>> {
    use construction_total::Column as C;
    let month = crate::domain::funds::year_month(day);
    let sum = |c: C| Expr::cust(format!("CAST(SUM({}) AS BIGINT)", c.as_str()));
    let mut q = Query::select();
    q.from(construction_total::Entity)
        .columns([C::CountyCode, C::TownshipCode, C::DepartmentId, C::Sector])
        .expr_as(sum(C::ProjectCount), Alias::new("project_count"))
        .expr_as(sum(C::StartedCount), Alias::new("started_count"))
        .expr_as(sum(C::CompletedCount), Alias::new("completed_count"))
        .expr_as(sum(C::CompletedQuantityMilli), Alias::new("completed_quantity_milli"))
        .and_where(Expr::col(C::Year).eq(year))
        .and_where(
            Expr::col(C::Month)
                .lt(month)
                .and(Expr::col(C::Day).eq(0))
                .or(Expr::col(C::Month)
                    .eq(month)
                    .and(Expr::col(C::Day).gt(0))
                    .and(Expr::col(C::Day).lte(day.day() as i32))),
        )
        .group_by_columns([C::CountyCode, C::TownshipCode, C::DepartmentId, C::Sector]);
    // Township codes start with their county's, so one range serves both grains.
    let county_grain = grain == Grain::County && region.level() <= RegionLevel::County;
    if county_grain {
        q.and_where(Expr::col(C::TownshipCode).eq(""))
            .and_where(Expr::col(C::CountyCode).gte(region.subtree_prefix()))
            .and_where(Expr::col(C::CountyCode).lt(region.subtree_end()));
    } else {
        q.and_where(Expr::col(C::TownshipCode).gte(region.subtree_prefix()))
            .and_where(Expr::col(C::TownshipCode).lt(region.subtree_end()));
    }
    if per_month {
        q.column(C::Month).group_by_col(C::Month);
    } else {
        q.expr_as(Expr::val(0), Alias::new("month"));
    }
    let backend = conn.get_database_backend();
    let rows = TotalRow::find_by_statement(backend.build(&q)).all(conn).await?;
    rows.into_iter()
        .map(|r| {
            Ok(GroupTally {
                sector: r.sector.parse().map_err(ServiceError::Internal)?,
                department_id: (r.department_id != 0).then_some(r.department_id),
                month: per_month.then_some(r.month),
                tally: Tally {
                    project_count: r.project_count,
                    started_count: r.started_count,
                    completed_count: r.completed_count,
                    completed_quantity_milli: r.completed_quantity_milli,
                },
                county_code: r.county_code,
                // A region below a county is read at the township grain, whatever was asked.
                township_code: if county_grain { String::new() } else { r.township_code },
            })
        })
        .collect()
}

/// The department holding each project at the end of `day`, as rows (`id`, `department_id`)
/// of the projects assigned by then: its last assignment or decline dated by then (the
/// later recorded of one day), the department assigned or none after a decline — what
/// `History::state_on` says, in SQL, for a rollup to join.
pub fn department_on_statement(day: Expr) -> sea_orm::sea_query::SelectStatement {
    use project_event::Column as E;
    let (step, later) = (Alias::new("step"), Alias::new("later"));
    let holding = [ProjectAction::Assign.as_str(), ProjectAction::Decline.as_str()];
    let of = |alias: &Alias, column: E| Expr::col((alias.clone(), column));
    Query::select()
        .expr_as(of(&step, E::ProjectId), Alias::new("id"))
        .expr_as(
            Expr::case(
                of(&step, E::Action).eq(ProjectAction::Assign.as_str()),
                of(&step, E::DepartmentId),
            )
            .finally(Expr::cust("NULL")),
            Alias::new("department_id"),
        )
        .from_as(project_event::Entity, step.clone())
        .and_where(of(&step, E::Action).is_in(holding))
        .and_where(of(&step, E::HappenedOn).lte(day.clone()))
        .and_where(
            Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from_as(project_event::Entity, later.clone())
                    .and_where(of(&later, E::ProjectId).equals((step.clone(), E::ProjectId)))
                    .and_where(of(&later, E::Action).is_in(holding))
                    .and_where(of(&later, E::HappenedOn).lte(day))
                    .cond_where(
                        sea_orm::Condition::any()
                            .add(of(&later, E::HappenedOn).gt(of(&step, E::HappenedOn)))
                            .add(
                                sea_orm::Condition::all()
                                    .add(of(&later, E::HappenedOn).eq(of(&step, E::HappenedOn)))
                                    .add(of(&later, E::Id).gt(of(&step, E::Id))),
                            ),
                    )
                    .to_owned(),
            )
            .not(),
        )
        .to_owned()
}
