//! 建设进度 — construction figures per sector for a region and year, as they stood at the
//! end of a day (or of each month), and the work report built from them and the ledger.
//!
//! A project's state at a moment is the last event recorded by then (the event log is
//! append-only); its completed quantity is the quantity recorded at completion once it
//! is completed, else its latest progress report dated by then.
use super::utilization::fund_utilization;
use super::{ServiceError, ServiceResult};
use crate::domain::access::{Actor, Operation, authorize, authorize_at};
use crate::domain::funds::FundKind;
use crate::domain::lifecycle::{ProjectAction, ProjectStatus};
use crate::domain::metrics::{ConstructionFigures, Dimension, MoneyFigures};
use crate::domain::project::china_date;
use crate::domain::quantity::Quantity;
use crate::domain::region::RegionLevel;
use crate::domain::report::{ReportFigures, narrative};
use crate::domain::sector::Sector;
use chrono::{Datelike, NaiveDate};
use entity::{progress_report, project, project_event};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// 分组维度 — what construction figures can be split by besides the sector.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProgressDimension {
    /// 乡镇
    Township,
    /// 责任部门
    Department,
    /// 月份 — the figures as they stood at the end of each month of the year.
    Month,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProgressKey {
    pub sector: Option<Sector>,
    pub township: Option<String>,
    pub department_id: Option<i64>,
    pub month: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct ProgressRow {
    pub key: ProgressKey,
    pub figures: ConstructionFigures,
    /// The counties with projects of the row's sector in the programme whose plan in force
    /// sets no target for it. While any is missing the region has no target (DESIGN §8: a
    /// sum over some of the counties would overstate every rate).
    pub counties_without_target: Vec<String>,
}

/// One step of a project's history: when it was recorded, the status after it, and the
/// quantity recorded if it was a completion.
type Step = (chrono::DateTime<chrono::Utc>, ProjectStatus, Option<i64>);

/// One project with its history, enough to know its state at any moment.
struct Tracked {
    project: project::Model,
    sector: Sector,
    events: Vec<Step>,
    /// (reported on, id, cumulative quantity), oldest first.
    reports: Vec<(NaiveDate, i64, i64)>,
}

impl Tracked {
    fn status_at(&self, cutoff: chrono::DateTime<chrono::Utc>) -> Option<ProjectStatus> {
        self.events.iter().rfind(|(at, _, _)| *at < cutoff).map(|(_, s, _)| *s)
    }

    fn completed_at(&self, status: ProjectStatus, cutoff: chrono::DateTime<chrono::Utc>, day: NaiveDate) -> Quantity {
        if crate::domain::metrics::counts_as_completed(status)
            && let Some(q) = self
                .events
                .iter()
                .rfind(|(at, _, q)| *at < cutoff && q.is_some())
                .and_then(|(_, _, q)| *q)
        {
            return Quantity::from_milli(q);
        }
        self.reports
            .iter()
            .filter(|(on, _, _)| *on <= day)
            .max_by_key(|(on, id, _)| (*on, *id))
            .map_or(Quantity::ZERO, |(_, _, q)| Quantity::from_milli(*q))
    }
}

/// The projects of a year in a region, with their events and progress reports.
async fn track(
    db: &DatabaseConnection,
    region: &crate::domain::region::RegionCode,
    year: i32,
) -> ServiceResult<Vec<Tracked>> {
    let projects = project::Entity::find()
        .filter(super::in_subtree(project::Column::TownshipCode, region))
        .filter(project::Column::Year.eq(year))
        .all(db)
        .await?;
    let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    let mut events: HashMap<i64, Vec<Step>> = HashMap::new();
    for chunk in ids.chunks(5_000) {
        for e in project_event::Entity::find()
            .filter(project_event::Column::ProjectId.is_in(chunk.iter().copied()))
            .order_by_asc(project_event::Column::Id)
            .all(db)
            .await?
        {
            let status = ProjectStatus::parse(&e.to_status)
                .ok_or_else(|| ServiceError::Internal(format!("unknown status {}", e.to_status)))?;
            let completion = (e.action == ProjectAction::Complete.as_str())
                .then_some(e.quantity_milli)
                .flatten();
            events
                .entry(e.project_id)
                .or_default()
                .push((e.occurred_at, status, completion));
        }
    }
    let mut reports: HashMap<i64, Vec<(NaiveDate, i64, i64)>> = HashMap::new();
    for chunk in ids.chunks(5_000) {
        for r in progress_report::Entity::find()
            .filter(progress_report::Column::ProjectId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            reports
                .entry(r.project_id)
                .or_default()
                .push((r.reported_on, r.id, r.completed_quantity_milli));
        }
    }
    projects
        .into_iter()
        .map(|p| {
            Ok(Tracked {
                sector: p.sector.parse().map_err(ServiceError::Internal)?,
                events: events.remove(&p.id).unwrap_or_default(),
                reports: reports.remove(&p.id).unwrap_or_default(),
                project: p,
            })
        })
        .collect()
}

/// The last day of `month` of `year`.
fn month_end(year: i32, month: u32) -> NaiveDate {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|d| d.pred_opt()).unwrap_or_default()
}

pub async fn construction_progress(
    db: &DatabaseConnection,
    actor: &Actor,
    year: i32,
    region_code: &str,
    group_by: &[ProgressDimension],
    as_of: Option<NaiveDate>,
) -> ServiceResult<Vec<ProgressRow>> {
    authorize(actor, Operation::ViewFunds)?;
    let region = super::regions::parse_code("regionCode", region_code)?;
    authorize_at(actor, Operation::ViewFunds, &region)?;
    super::regions::get(db, actor, "regionCode", &region).await?;
    let day = as_of.unwrap_or_else(|| china_date(chrono::Utc::now()));
    let wants = |d: ProgressDimension| group_by.contains(&d);
    let tracked = track(db, &region, year).await?;
    // The days the figures are taken at: the day asked, or the end of each month up to it.
    let days: Vec<(Option<u32>, NaiveDate)> = if wants(ProgressDimension::Month) {
        let last_month = if day.year() > year {
            12
        } else if day.year() < year {
            0
        } else {
            day.month()
        };
        (1..=last_month)
            .map(|m| (Some(m), month_end(year, m).min(day)))
            .collect()
    } else {
        vec![(None, day)]
    };
    let split = wants(ProgressDimension::Township) || wants(ProgressDimension::Department);
    let county_wide = region.level() <= RegionLevel::County;
    let mut rows: BTreeMap<ProgressKey, ConstructionFigures> = BTreeMap::new();
    // Per (month, sector): the counties whose plan sets a target, and those with projects.
    let mut targeted: HashMap<(Option<u32>, Sector), BTreeSet<String>> = HashMap::new();
    let mut with_projects: HashMap<(Option<u32>, Sector), BTreeSet<String>> = HashMap::new();
    for (month, at) in days {
        let cutoff = super::plans::end_of_day_china(at);
        if county_wide && !split {
            // The plans in force in the counties of the region: their sector targets.
            for plan in super::plans::in_force(db, &region, year, Some(at)).await?.values() {
                for target in &plan.sectors {
                    let sector: Sector = target.sector.parse().map_err(ServiceError::Internal)?;
                    targeted
                        .entry((month, sector))
                        .or_default()
                        .insert(plan.plan.county_code.clone());
                    let figures = rows
                        .entry(ProgressKey {
                            sector: Some(sector),
                            month,
                            ..Default::default()
                        })
                        .or_default();
                    figures.target_quantity = Some(Quantity::from_milli(
                        figures.target_quantity.map_or(0, Quantity::milli) + target.target_quantity_milli,
                    ));
                    figures.target_project_count =
                        Some(figures.target_project_count.unwrap_or(0) + target.target_project_count);
                }
            }
        }
        for t in &tracked {
            let Some(status) = t.status_at(cutoff) else { continue };
            let key = ProgressKey {
                sector: Some(t.sector),
                township: wants(ProgressDimension::Township).then(|| t.project.township_code.clone()),
                department_id: if wants(ProgressDimension::Department) {
                    t.project.department_id
                } else {
                    None
                },
                month,
            };
            if !crate::domain::metrics::counts_in_programme(status) {
                continue;
            }
            if county_wide && !split {
                with_projects
                    .entry((month, t.sector))
                    .or_default()
                    .insert(t.project.county_code.clone());
            }
            rows.entry(key)
                .or_default()
                .add_project(t.sector, status, t.completed_at(status, cutoff, at));
        }
    }
    Ok(rows
        .into_iter()
        .map(|(key, mut figures)| {
            let group = key.sector.map(|sector| (key.month, sector));
            let missing: Vec<String> = group
                .and_then(|g| with_projects.get(&g).map(|counties| (g, counties)))
                .map(|(g, counties)| {
                    let has = targeted.get(&g);
                    counties
                        .iter()
                        .filter(|c| !has.is_some_and(|t| t.contains(*c)))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            if !missing.is_empty() {
                figures.target_quantity = None;
                figures.target_project_count = None;
            }
            ProgressRow {
                key,
                figures,
                counties_without_target: missing,
            }
        })
        .collect())
}

/// The figures of the work report and its paragraph.
#[derive(Clone, Debug)]
pub struct WorkReport {
    pub as_of: NaiveDate,
    pub figures: ReportFigures,
    /// Per sector, the counties whose plan sets no target for it (see `ProgressRow`).
    pub counties_without_target: HashMap<Sector, Vec<String>>,
    pub narrative: String,
}

pub async fn work_report(
    db: &DatabaseConnection,
    actor: &Actor,
    year: i32,
    region_code: &str,
    as_of: Option<NaiveDate>,
) -> ServiceResult<WorkReport> {
    let day = as_of.unwrap_or_else(|| china_date(chrono::Utc::now()));
    let money = fund_utilization(db, actor, year, region_code, &[Dimension::FundKind], Some(day)).await?;
    let of_kind = |kind: FundKind| {
        money
            .iter()
            .find(|r| r.key.fund_kind == Some(kind))
            .map(|r| r.figures)
            .unwrap_or(MoneyFigures {
                planned: Some(crate::domain::money::Money::ZERO),
                in_place: Some(crate::domain::money::Money::ZERO),
                ..Default::default()
            })
    };
    let rows = construction_progress(db, actor, year, region_code, &[], Some(day)).await?;
    let mut programme = ConstructionFigures::default();
    let mut sectors = Vec::new();
    let mut counties_without_target = HashMap::new();
    for sector in Sector::ALL {
        let row = rows.iter().find(|r| r.key.sector == Some(sector));
        let figures = row.map(|r| r.figures).unwrap_or_default();
        if let Some(row) = row.filter(|r| !r.counties_without_target.is_empty()) {
            counties_without_target.insert(sector, row.counties_without_target.clone());
        }
        programme.project_count += figures.project_count;
        programme.started_count += figures.started_count;
        programme.completed_count += figures.completed_count;
        sectors.push((sector, figures));
    }
    let figures = ReportFigures {
        integrated: of_kind(FundKind::IntegratedAgricultural),
        county_matching: of_kind(FundKind::CountyMatching),
        policy_loan: of_kind(FundKind::PolicyLoan),
        programme,
        sectors,
        as_of: day,
    };
    let narrative = narrative(&figures);
    Ok(WorkReport {
        as_of: day,
        figures,
        counties_without_target,
        narrative,
    })
}
