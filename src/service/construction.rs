//! 建设进度 — construction figures per sector for a region and year, as they stood at the
//! end of a day (or of each month), and the work report built from them and the ledger.
//!
//! A project's state on a day is its last step dated by then; its completed quantity is
//! the quantity recorded at completion once it is completed, else its latest progress
//! report dated by then (`domain::timeline`). The figures are read from the dated changes
//! each step and report left in `construction_total` (`service::timeline`), so a
//! province's figures cost a few rows per group, not a replay of its events.
use super::timeline::{self, Grain};
use super::utilization::fund_utilization;
use super::{ServiceError, ServiceResult};
use crate::domain::access::{Actor, Operation, authorize, authorize_at};
use crate::domain::calendar;
use crate::domain::funds::FundKind;
pub use crate::domain::metrics::ProgressDimension;
use crate::domain::metrics::{ConstructionFigures, Dimension, MoneyFigures};
use crate::domain::quantity::Quantity;
use crate::domain::region::RegionLevel;
use crate::domain::report::{ReportFigures, narrative};
use crate::domain::sector::Sector;
use crate::domain::timeline::Tally;
use chrono::{Datelike, NaiveDate};
use sea_orm::DatabaseConnection;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    let day = as_of.unwrap_or_else(calendar::today);
    let wants = |d: ProgressDimension| group_by.contains(&d);
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
    let grain = if split {
        Grain::TownshipDepartment
    } else {
        Grain::County
    };
    let tallies = timeline::tallies(db, &region, year, day, grain, wants(ProgressDimension::Month)).await?;
    let mut rows: BTreeMap<ProgressKey, ConstructionFigures> = BTreeMap::new();
    // Per (month, sector): the counties whose plan sets a target, and those with projects.
    let mut targeted: HashMap<(Option<u32>, Sector), BTreeSet<String>> = HashMap::new();
    let mut with_projects: HashMap<(Option<u32>, Sector), BTreeSet<String>> = HashMap::new();
    for (month, at) in days {
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
        // The groups' changes up to `at` (per month, those of the months up to its own).
        let upto = at.year() * 100 + at.month() as i32;
        let mut groups: BTreeMap<(ProgressKey, String), Tally> = BTreeMap::new();
        for t in tallies.iter().filter(|t| t.month.is_none_or(|m| m <= upto)) {
            let key = ProgressKey {
                sector: Some(t.sector),
                township: wants(ProgressDimension::Township).then(|| t.township_code.clone()),
                department_id: if wants(ProgressDimension::Department) {
                    t.department_id
                } else {
                    None
                },
                month,
            };
            groups.entry((key, t.county_code.clone())).or_default().add(t.tally, 1);
        }
        for ((key, county), tally) in groups {
            // A group counts once it has a project in the programme.
            if tally.project_count == 0 {
                continue;
            }
            if county_wide
                && !split
                && let Some(sector) = key.sector
            {
                with_projects.entry((month, sector)).or_default().insert(county);
            }
            tally.add_to(rows.entry(key).or_default());
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
    let day = as_of.unwrap_or_else(calendar::today);
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
