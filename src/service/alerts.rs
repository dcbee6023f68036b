//! 逾期预警 — everything late in a region on a day, by `domain::alerts`: projects read from
//! their steps' business dates (so a past day's alerts do not move when a step is entered
//! late), rectification problems from theirs, monthly list items from their lists'
//! clearing days. Each alert names the unit responsible.
use super::ServiceResult;
use crate::domain::access::{Actor, Operation, authorize};
use crate::domain::alerts::{self as rules, AlertKind};
use crate::domain::fault::{ErrorCode, Fault};
use crate::domain::lifecycle::ProjectAction;
use crate::domain::rectification::{self, IssueStatus};
use crate::domain::region::RegionCode;
use crate::domain::task_list::{self, Month};
use chrono::NaiveDate;
use entity::{progress_report, project, project_event, rectification_issue, task_list as list, task_list_item};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// What is late.
#[derive(Clone, Debug)]
pub enum Subject {
    Project(project::Model),
    Issue(rectification_issue::Model),
    TaskItem(list::Model, task_list_item::Model),
    ExitGap(entity::exit_gap::Model),
    /// An approved plan adjustment not yet disclosed.
    PlanAdjustment(entity::annual_plan::Model),
}

/// One late thing on the day asked.
#[derive(Clone, Debug)]
pub struct Alert {
    pub kind: AlertKind,
    /// The day it was due by.
    pub due_on: NaiveDate,
    pub days_overdue: i64,
    pub subject: Subject,
    /// The unit responsible: a department …
    pub department_id: Option<i64>,
    /// … or a township or village (the project's township when no department holds it).
    pub region_code: Option<String>,
}

/// The alerts of `kinds` in `region_code` on `as_of` among what the actor sees, the latest
/// first (most days overdue), then by kind.
pub async fn alerts(
    db: &DatabaseConnection,
    actor: &Actor,
    region_code: &str,
    kinds: &[AlertKind],
    as_of: NaiveDate,
    no_progress_days: u32,
) -> ServiceResult<Vec<Alert>> {
    authorize(actor, Operation::ViewAlerts)?;
    let region =
        RegionCode::parse(region_code.trim()).map_err(|m| Fault::new(ErrorCode::InvalidInput, &["regionCode"], m))?;
    if !actor.scope.sees(&region) {
        return Err(Fault::forbidden(format!("region {region} is outside your area")).into());
    }
    if !(1..=365).contains(&no_progress_days) {
        return Err(Fault::new(
            ErrorCode::InvalidInput,
            &["noProgressDays"],
            "give the days a site may go without a progress report: 1 to 365",
        )
        .into());
    }
    let kinds: Vec<AlertKind> = if kinds.is_empty() {
        AlertKind::ALL.to_vec()
    } else {
        kinds.to_vec()
    };
    let mut out = Vec::new();
    if kinds.iter().any(|k| {
        matches!(
            k,
            AlertKind::ClaimOverdue | AlertKind::StartOverdue | AlertKind::FinishOverdue | AlertKind::NoProgress
        )
    }) {
        project_alerts(db, actor, &region, &kinds, as_of, no_progress_days, &mut out).await?;
    }
    if kinds.contains(&AlertKind::RectificationOverdue) {
        issue_alerts(db, actor, &region, as_of, &mut out).await?;
    }
    if kinds.contains(&AlertKind::TaskItemNotCleared) {
        task_item_alerts(db, actor, &region, as_of, &mut out).await?;
    }
    if kinds.contains(&AlertKind::ExitGapOverdue) {
        for (gap, days) in super::exit::gaps_overdue_on(db, actor, &region, as_of).await? {
            out.push(Alert {
                kind: AlertKind::ExitGapOverdue,
                due_on: gap.deadline.unwrap_or(as_of),
                days_overdue: days,
                department_id: gap.department_id,
                region_code: gap.department_id.is_none().then(|| gap.village_code.clone()),
                subject: Subject::ExitGap(gap),
            });
        }
    }
    if kinds.contains(&AlertKind::DisclosureOverdue) {
        for (plan, due_on, days) in super::disclosure::adjustments_overdue_on(db, actor, &region, as_of).await? {
            out.push(Alert {
                kind: AlertKind::DisclosureOverdue,
                due_on,
                days_overdue: days,
                department_id: None,
                region_code: Some(plan.county_code.clone()),
                subject: Subject::PlanAdjustment(plan),
            });
        }
    }
    out.sort_by(|a, b| b.days_overdue.cmp(&a.days_overdue).then(a.kind.cmp(&b.kind)));
    Ok(out)
}

async fn project_alerts(
    db: &DatabaseConnection,
    actor: &Actor,
    region: &RegionCode,
    kinds: &[AlertKind],
    as_of: NaiveDate,
    no_progress_days: u32,
    out: &mut Vec<Alert>,
) -> ServiceResult<()> {
    let projects = project::Entity::find()
        .filter(super::projects::visible(actor))
        .filter(super::projects::in_region(region))
        .order_by_asc(project::Column::Id)
        .limit(super::MAX_ROWS)
        .all(db)
        .await?;
    let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    let events = super::projects::events_of(db, &ids).await?;
    let last_reports = last_reports_on_or_before(db, &ids, as_of).await?;
    for p in projects {
        let events: Vec<project_event::Model> = events
            .get(&p.id)
            .into_iter()
            .flatten()
            .filter(|e| e.happened_on <= as_of)
            .cloned()
            .collect();
        let history = super::timeline::steps_of_events(&events)?;
        let Some(state) = history.state_on(as_of) else {
            continue;
        };
        let last_of = |action: ProjectAction| {
            events
                .iter()
                .filter(|e| e.action == action.as_str())
                .max_by_key(|e| (e.happened_on, e.id))
        };
        let claim_deadline = last_of(ProjectAction::Assign).and_then(|e| e.event_date);
        let started_on = last_of(ProjectAction::StartConstruction).map(|e| e.happened_on);
        let last_progress = started_on.max(last_reports.get(&p.id).copied());
        let dates = rules::ProjectDates {
            status: state.status,
            claim_deadline,
            planned_start: p.planned_start,
            planned_finish: p.planned_finish,
            last_progress,
        };
        for (kind, due_on, days) in rules::project_alerts(&dates, no_progress_days, as_of) {
            if kinds.contains(&kind) {
                out.push(Alert {
                    kind,
                    due_on,
                    days_overdue: days,
                    department_id: state.department_id,
                    region_code: state.department_id.is_none().then(|| p.township_code.clone()),
                    subject: Subject::Project(p.clone()),
                });
            }
        }
    }
    Ok(())
}

/// Each project's latest progress-report day on or before `day`.
async fn last_reports_on_or_before(
    db: &DatabaseConnection,
    ids: &[i64],
    day: NaiveDate,
) -> ServiceResult<HashMap<i64, NaiveDate>> {
    use progress_report::Column as R;
    let mut out = HashMap::new();
    for chunk in ids.chunks(super::IDS_PER_STATEMENT) {
        let rows: Vec<(i64, Option<NaiveDate>)> = progress_report::Entity::find()
            .select_only()
            .column(R::ProjectId)
            .column_as(R::ReportedOn.max(), "last")
            .filter(R::ProjectId.is_in(chunk.iter().copied()))
            .filter(R::ReportedOn.lte(day))
            .group_by(R::ProjectId)
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows.into_iter().filter_map(|(id, last)| last.map(|d| (id, d))));
    }
    Ok(out)
}

async fn issue_alerts(
    db: &DatabaseConnection,
    actor: &Actor,
    region: &RegionCode,
    as_of: NaiveDate,
    out: &mut Vec<Alert>,
) -> ServiceResult<()> {
    let issues = rectification_issue::Entity::find()
        .filter(super::rectification::seen(actor))
        .filter(super::rectification::in_region(region))
        .filter(rectification_issue::Column::FiledOn.lte(as_of))
        .filter(rectification_issue::Column::Deadline.lt(as_of))
        .order_by_asc(rectification_issue::Column::Id)
        .limit(super::MAX_ROWS)
        .all(db)
        .await?;
    let ids: Vec<i64> = issues.iter().map(|i| i.id).collect();
    let events = super::rectification::events_of(db, &ids).await?;
    for issue in issues {
        let steps: Vec<_> = events
            .get(&issue.id)
            .into_iter()
            .flatten()
            .filter_map(|e| IssueStatus::parse(&e.to_status).map(|s| (e.happened_on, e.id, s)))
            .collect();
        let Some(status) = rectification::status_on(&steps, as_of) else {
            continue;
        };
        if let Some(days) = rectification::days_overdue(status, issue.deadline, as_of) {
            out.push(Alert {
                kind: AlertKind::RectificationOverdue,
                due_on: issue.deadline,
                days_overdue: days,
                department_id: issue.unit_department_id,
                region_code: issue.unit_township_code.clone(),
                subject: Subject::Issue(issue),
            });
        }
    }
    Ok(())
}

async fn task_item_alerts(
    db: &DatabaseConnection,
    actor: &Actor,
    region: &RegionCode,
    as_of: NaiveDate,
    out: &mut Vec<Alert>,
) -> ServiceResult<()> {
    use list::Column as L;
    let region_condition = if region.level() <= crate::domain::region::RegionLevel::County {
        super::in_subtree(L::CountyCode, region)
    } else {
        super::in_subtree(L::UnitRegionCode, region)
    };
    let lists = list::Entity::find()
        .filter(super::task_lists::seen(actor))
        .filter(region_condition)
        .filter(L::PublishedOn.lte(as_of))
        .filter(L::Month.lt(Month::of(as_of).to_string()))
        .order_by_asc(L::Id)
        .limit(super::MAX_ROWS)
        .all(db)
        .await?;
    let ids: Vec<i64> = lists.iter().map(|l| l.id).collect();
    let mut items = super::task_lists::items_of(db, &ids).await?;
    for l in lists {
        let month = super::task_lists::month_of(&l)?;
        // A list cleared after the day counts as not cleared on it.
        let Some(days) = task_list::item_days_overdue(month, l.cleared_on, as_of) else {
            continue;
        };
        for item in items.remove(&l.id).unwrap_or_default() {
            out.push(Alert {
                kind: AlertKind::TaskItemNotCleared,
                due_on: month.last_day(),
                days_overdue: days,
                department_id: l.unit_department_id,
                region_code: l.unit_region_code.clone(),
                subject: Subject::TaskItem(l.clone(), item),
            });
        }
    }
    Ok(())
}

impl Alert {
    /// A line for the command line and the spreadsheet: what is late, in words.
    pub fn describe(&self) -> String {
        match &self.subject {
            Subject::Project(p) => format!("{} {}", p.code, p.name),
            Subject::Issue(i) => format!("[{}] {}", i.batch, i.description),
            Subject::TaskItem(l, item) => format!("{} 三单 #{}: {}", l.month, item.position, item.content),
            Subject::ExitGap(g) => format!("{} 缺项 {}", g.village_code, g.indicator_code),
            Subject::PlanAdjustment(p) => format!("{}年度计划第{}版 计划调整公告未发布", p.year, p.version),
        }
    }
}
