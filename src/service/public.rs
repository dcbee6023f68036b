//! 公开 — what the public portal shows: a region's page (a county, township or village), a
//! project's, a notice's and a published three-list's, each as one serializable view the
//! HTML, JSON and CSV are all made from.
//!
//! Only what has been disclosed is here. A project appears once one of its notices is up
//! (posted, not withdrawn); a notice once posted; a three-list once published. Never users,
//! the audit trail, drafts, withdrawn notices or who objected. The money and construction
//! figures are the API's own (`fund_utilization`, `construction_progress`, the project's
//! columns), read as the system, so they agree with what signed-in users see.
use super::{ServiceError, ServiceResult};
use crate::domain::access::Actor;
use crate::domain::calendar;
use crate::domain::disclosure::{NATIONAL_HOTLINE, Status};
use crate::domain::funds::FundKind;
use crate::domain::lifecycle::ProjectStatus;
use crate::domain::metrics::Dimension;
use crate::domain::money::Money;
use crate::domain::quantity::Quantity;
use crate::domain::region::{RegionCode, RegionLevel};
use crate::domain::sector::Sector;
use chrono::{Datelike, NaiveDate};
use entity::{
    department, disclosure, disclosure_objection, project, project_village, region, task_list, task_list_item,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// The most running notices a region's page lists.
const MAX_RUNNING: u64 = 500;
/// The most ended notices a region's page lists (the latest).
const MAX_ENDED: u64 = 30;

/// A place, linked.
#[derive(Clone, Debug, Serialize)]
pub struct Place {
    pub code: String,
    pub name: String,
    /// 县, 乡镇 or 村.
    pub level: String,
    pub poverty_village: bool,
}

/// One fund kind's money in a region.
#[derive(Clone, Debug, Serialize)]
pub struct FundRow {
    pub kind: String,
    pub kind_name: String,
    /// 年计划 (a county's only).
    pub planned: Option<String>,
    /// 到位 (a county's only).
    pub in_place: Option<String>,
    /// 安排到项目.
    pub allocated: String,
    /// 拨付.
    pub disbursed: String,
    /// 支出进度 — disbursed of in place, percent (a county's only).
    pub disbursement_rate: Option<String>,
}

/// One sector's projects in a region this year.
#[derive(Clone, Debug, Serialize)]
pub struct SectorRow {
    pub sector: String,
    pub sector_name: String,
    pub projects: i64,
    pub started: i64,
    pub completed: i64,
}

/// A disclosed project, in a list.
#[derive(Clone, Debug, Serialize)]
pub struct ProjectSummary {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub sector_name: String,
    pub stage: String,
    pub budget: String,
    pub allocated: String,
    pub disbursed: String,
    pub villages: Vec<Place>,
}

/// A posted notice, in a list.
#[derive(Clone, Debug, Serialize)]
pub struct NoticeSummary {
    pub id: i64,
    pub title: String,
    pub subject: String,
    pub subject_name: String,
    pub level_name: String,
    pub place: String,
    pub start_date: String,
    pub end_date: String,
    pub days: i64,
    /// 公示中 or 公示期满.
    pub status: String,
    pub status_name: String,
}

/// A published three-list, in a list.
#[derive(Clone, Debug, Serialize)]
pub struct TaskListSummary {
    pub id: i64,
    pub month: String,
    pub unit: String,
    pub status_name: String,
}

/// A region's page.
#[derive(Clone, Debug, Serialize)]
pub struct RegionPage {
    pub region: Place,
    pub parents: Vec<Place>,
    pub children: Vec<Place>,
    pub year: i32,
    pub as_of: String,
    pub funds: Vec<FundRow>,
    pub sectors: Vec<SectorRow>,
    pub projects: Vec<ProjectSummary>,
    pub notices: Vec<NoticeSummary>,
    pub task_lists: Vec<TaskListSummary>,
    pub hotline: &'static str,
}

/// A notice's objections as the public sees them: how many, and how they were resolved
/// (never who objected).
#[derive(Clone, Debug, Serialize)]
pub struct ObjectionSummary {
    pub received_on: String,
    pub resolved_on: Option<String>,
    pub resolution: Option<String>,
}

/// A notice's page: the sheet on the board.
#[derive(Clone, Debug, Serialize)]
pub struct NoticePage {
    pub notice: NoticeSummary,
    pub region: Place,
    pub body: String,
    pub issuer: String,
    pub hotlines: Vec<String>,
    pub project: Option<ProjectSummary>,
    pub objections: Vec<ObjectionSummary>,
    /// The page's own path (`/public/notices/{id}`).
    pub path: String,
}

/// A project's page.
#[derive(Clone, Debug, Serialize)]
pub struct ProjectPage {
    pub project: ProjectSummary,
    pub township: Place,
    pub content: String,
    pub planned_quantity: String,
    pub completed_quantity: Option<String>,
    pub unit: String,
    /// 完成进度 — the latest reported quantity of the planned, percent.
    pub progress: Option<String>,
    pub progress_reported_on: Option<String>,
    pub department: Option<String>,
    pub planned_start: Option<String>,
    pub planned_finish: Option<String>,
    pub actual_start: Option<String>,
    pub actual_finish: Option<String>,
    pub acceptance_grade: Option<String>,
    pub beneficiaries: String,
    pub notices: Vec<NoticePage>,
    pub hotline: &'static str,
}

/// A published three-list's page.
#[derive(Clone, Debug, Serialize)]
pub struct TaskListPage {
    pub list: TaskListSummary,
    pub items: Vec<TaskItemRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TaskItemRow {
    pub position: i32,
    pub content: String,
    pub planned_result: String,
    pub outcome: Option<String>,
}

fn yuan(fen: i64) -> String {
    Money::from_fen(fen).to_string()
}

fn money(m: Option<Money>) -> Option<String> {
    m.map(|m| m.to_string())
}

fn place_of(row: &region::Model) -> Place {
    let level = row.level.parse::<RegionLevel>().map_or("", |l| l.chinese_name());
    Place {
        code: row.code.clone(),
        name: row.name.clone(),
        level: level.to_string(),
        poverty_village: row.is_poverty_village,
    }
}

async fn place(conn: &impl ConnectionTrait, code: &str) -> ServiceResult<Place> {
    region::Entity::find_by_id(code.to_string())
        .one(conn)
        .await?
        .map(|r| place_of(&r))
        .ok_or_else(|| ServiceError::Internal(format!("no region {code}")))
}

fn notice_summary(row: &disclosure::Model, today: NaiveDate) -> ServiceResult<NoticeSummary> {
    let subject = super::disclosure::subject_of(row)?;
    let level = super::disclosure::level_of(row)?;
    let status = super::disclosure::status_on(row, today);
    Ok(NoticeSummary {
        id: row.id,
        title: row.title.clone(),
        subject: subject.as_str().to_string(),
        subject_name: subject.chinese_name().to_string(),
        level_name: level.chinese_name().to_string(),
        place: row.place.clone(),
        start_date: row.start_on.to_string(),
        end_date: row.end_on.to_string(),
        days: (row.end_on - row.start_on).num_days() + 1,
        status: status.as_str().to_string(),
        status_name: if status == Status::Posted {
            "公示中"
        } else {
            "公示期满"
        }
        .to_string(),
    })
}

async fn summaries(conn: &impl ConnectionTrait, rows: &[project::Model]) -> ServiceResult<Vec<ProjectSummary>> {
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let mut villages: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(super::IDS_PER_STATEMENT) {
        for v in project_village::Entity::find()
            .filter(project_village::Column::ProjectId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            villages.entry(v.project_id).or_default().push(v.village_code);
        }
    }
    let mut names: HashMap<String, Place> = HashMap::new();
    let codes: BTreeSet<String> = villages.values().flatten().cloned().collect();
    for r in region::Entity::find()
        .filter(region::Column::Code.is_in(codes))
        .all(conn)
        .await?
    {
        names.insert(r.code.clone(), place_of(&r));
    }
    Ok(rows
        .iter()
        .map(|p| ProjectSummary {
            id: p.id,
            code: p.code.clone(),
            name: p.name.clone(),
            sector_name: p.sector.parse::<Sector>().map_or("", |s| s.chinese_name()).to_string(),
            stage: ProjectStatus::parse(&p.status)
                .map_or("", |s| s.chinese_name())
                .to_string(),
            budget: yuan(p.budget_fen),
            allocated: yuan(p.allocated_fen),
            disbursed: yuan(p.disbursed_fen),
            villages: villages
                .get(&p.id)
                .map(|codes| codes.iter().filter_map(|c| names.get(c).cloned()).collect())
                .unwrap_or_default(),
        })
        .collect())
}

/// The region's page, or `None` when there is no such region.
pub async fn region_page(db: &DatabaseConnection, code: &RegionCode) -> ServiceResult<Option<RegionPage>> {
    let Some(row) = region::Entity::find_by_id(code.to_string()).one(db).await? else {
        return Ok(None);
    };
    let today = calendar::today();
    let year = today.year();
    let level = code.level();
    let mut parents = Vec::new();
    let mut up = code.parent();
    while let Some(p) = up {
        if p.level() < RegionLevel::County {
            break;
        }
        parents.insert(0, place(db, p.as_str()).await?);
        up = p.parent();
    }
    let children = region::Entity::find()
        .filter(region::Column::ParentCode.eq(code.as_str()))
        .order_by_asc(region::Column::Code)
        .all(db)
        .await?
        .iter()
        .map(place_of)
        .collect();
    let system = Actor::system();
    let (funds, sectors) = if level <= RegionLevel::Township && level >= RegionLevel::County {
        let rows = super::utilization::fund_utilization(db, &system, year, code.as_str(), &[Dimension::FundKind], None)
            .await?;
        let funds = rows
            .into_iter()
            .filter_map(|r| {
                let kind: FundKind = r.key.fund_kind?;
                Some(FundRow {
                    kind: kind.as_str().to_string(),
                    kind_name: kind.chinese_name().to_string(),
                    planned: money(r.figures.planned),
                    in_place: money(r.figures.in_place),
                    allocated: r.figures.allocated.to_string(),
                    disbursed: r.figures.disbursed.to_string(),
                    disbursement_rate: r.figures.disbursement_rate().map(|d| d.to_string()),
                })
            })
            .collect();
        let progress = super::construction::construction_progress(db, &system, year, code.as_str(), &[], None).await?;
        let sectors = progress
            .into_iter()
            .filter_map(|r| {
                let sector = r.key.sector?;
                Some(SectorRow {
                    sector: sector.as_str().to_string(),
                    sector_name: sector.chinese_name().to_string(),
                    projects: r.figures.project_count,
                    started: r.figures.started_count,
                    completed: r.figures.completed_count,
                })
            })
            .collect();
        (funds, sectors)
    } else {
        (Vec::new(), Vec::new())
    };
    // Projects: those disclosed, in the region.
    let county = code
        .county()
        .ok_or_else(|| ServiceError::Internal(format!("{code} is not in a county")))?
        .to_string();
    let mut query = project::Entity::find()
        .filter(Expr::col(project::Column::Id).in_subquery(super::disclosure::public_project_ids(&county, today)));
    query = match level {
        RegionLevel::Village => query.filter(
            Expr::col(project::Column::Id).in_subquery(
                Query::select()
                    .column(project_village::Column::ProjectId)
                    .from(project_village::Entity)
                    .and_where(project_village::Column::VillageCode.eq(code.as_str()))
                    .to_owned(),
            ),
        ),
        RegionLevel::Township => query.filter(project::Column::TownshipCode.eq(code.as_str())),
        _ => query.filter(project::Column::CountyCode.eq(county.as_str())),
    };
    let rows = query.order_by_asc(project::Column::Code).all(db).await?;
    let projects = summaries(db, &rows).await?;
    // The notices up now, all; those whose period is over, the latest few (the JSON too).
    let mut notices = Vec::new();
    for (status, limit) in [(Status::Posted, MAX_RUNNING), (Status::Ended, MAX_ENDED)] {
        for n in super::disclosure::public_in_region(db, code, status, today, limit).await? {
            notices.push(notice_summary(&n, today)?);
        }
    }
    let task_lists = published_lists(db, code).await?;
    Ok(Some(RegionPage {
        region: place_of(&row),
        parents,
        children,
        year,
        as_of: today.to_string(),
        funds,
        sectors,
        projects,
        notices,
        task_lists,
        hotline: NATIONAL_HOTLINE,
    }))
}

async fn list_summary(conn: &impl ConnectionTrait, list: &task_list::Model) -> ServiceResult<TaskListSummary> {
    let unit = match list.unit_kind.as_str() {
        "LEADER" => format!("县级领导 {}", list.leader_name.clone().unwrap_or_default()),
        "DEPARTMENT" => match list.unit_department_id {
            Some(id) => department::Entity::find_by_id(id)
                .one(conn)
                .await?
                .map_or_else(String::new, |d| d.name),
            None => String::new(),
        },
        _ => match &list.unit_region_code {
            Some(code) => place(conn, code).await?.name,
            None => String::new(),
        },
    };
    Ok(TaskListSummary {
        id: list.id,
        month: list.month.clone(),
        unit,
        status_name: if list.cleared_on.is_some() {
            "已清单"
        } else {
            "已晒单"
        }
        .to_string(),
    })
}

/// The published three-lists of a region: the county's (leaders', departments') on a
/// county page, a township's or village's own on theirs.
async fn published_lists(db: &DatabaseConnection, code: &RegionCode) -> ServiceResult<Vec<TaskListSummary>> {
    let mut query = task_list::Entity::find().filter(task_list::Column::PublishedOn.is_not_null());
    query = if code.level() <= RegionLevel::County {
        query.filter(task_list::Column::CountyCode.eq(code.as_str()))
    } else {
        query.filter(task_list::Column::UnitRegionCode.eq(code.as_str()))
    };
    let rows = query
        .order_by_desc(task_list::Column::Month)
        .order_by_asc(task_list::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(list_summary(db, row).await?);
    }
    Ok(out)
}

/// A notice's page; `objections` are its own (`disclosure::objections_of`, read for all
/// the notices of a page at once).
async fn notice_page(
    conn: &impl ConnectionTrait,
    row: &disclosure::Model,
    project: Option<ProjectSummary>,
    objections: Vec<disclosure_objection::Model>,
    today: NaiveDate,
) -> ServiceResult<NoticePage> {
    let objections = objections
        .into_iter()
        .map(|o| ObjectionSummary {
            received_on: o.received_on.to_string(),
            resolved_on: o.resolved_on.map(|d| d.to_string()),
            resolution: o.resolution,
        })
        .collect();
    Ok(NoticePage {
        notice: notice_summary(row, today)?,
        region: place(conn, &row.region_code).await?,
        body: row.body.clone(),
        issuer: row.issuer.clone(),
        hotlines: row
            .hotline
            .iter()
            .cloned()
            .chain([NATIONAL_HOTLINE.to_string()])
            .collect(),
        project,
        objections,
        path: crate::graphql::disclosure::public_path(row.id),
    })
}

/// A posted notice's page, or `None` when there is none to show.
pub async fn notice(db: &DatabaseConnection, id: i64) -> ServiceResult<Option<NoticePage>> {
    let today = calendar::today();
    let Some(row) = super::disclosure::public_notice(db, id, today).await? else {
        return Ok(None);
    };
    let project = match row.project_id {
        Some(pid) => {
            let rows = project::Entity::find_by_id(pid).all(db).await?;
            summaries(db, &rows).await?.pop()
        }
        None => None,
    };
    let objections = super::disclosure::objections_of(db, &[row.id])
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    Ok(Some(notice_page(db, &row, project, objections, today).await?))
}

/// A disclosed project's page, or `None` when it has no notice up.
pub async fn project_page(db: &DatabaseConnection, id: i64) -> ServiceResult<Option<ProjectPage>> {
    let today = calendar::today();
    let notices = super::disclosure::public_of_project(db, id, today).await?;
    if notices.is_empty() {
        return Ok(None);
    }
    let Some(p) = project::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let summary = summaries(db, std::slice::from_ref(&p))
        .await?
        .pop()
        .ok_or_else(|| ServiceError::Internal("project summary".into()))?;
    let latest = super::progress::latest_reports_of_projects(db, &[id])
        .await?
        .remove(&id)
        .flatten();
    let unit = p.sector.parse::<Sector>().map_or("", |s| s.unit()).to_string();
    let quantity = |milli: i64| Quantity::from_milli(milli).to_decimal().normalize().to_string();
    let progress = latest.as_ref().and_then(|r| {
        crate::domain::metrics::rate(r.completed_quantity_milli, p.planned_quantity_milli).map(|d| d.to_string())
    });
    let department = match p.department_id {
        Some(d) => department::Entity::find_by_id(d).one(db).await?.map(|d| d.name),
        None => None,
    };
    let mut objections =
        super::disclosure::objections_of(db, &notices.iter().map(|n| n.id).collect::<Vec<_>>()).await?;
    let mut pages = Vec::with_capacity(notices.len());
    for n in &notices {
        let own = objections.remove(&n.id).unwrap_or_default();
        pages.push(notice_page(db, n, None, own, today).await?);
    }
    Ok(Some(ProjectPage {
        township: place(db, &p.township_code).await?,
        content: p.content.clone(),
        planned_quantity: quantity(p.planned_quantity_milli),
        completed_quantity: p
            .final_quantity_milli
            .or(latest.as_ref().map(|r| r.completed_quantity_milli))
            .map(quantity),
        unit,
        progress,
        progress_reported_on: latest.as_ref().map(|r| r.reported_on.to_string()),
        department,
        planned_start: p.planned_start.map(|d| d.to_string()),
        planned_finish: p.planned_finish.map(|d| d.to_string()),
        actual_start: p.actual_start.map(|d| d.to_string()),
        actual_finish: p.actual_finish.map(|d| d.to_string()),
        acceptance_grade: p.acceptance_grade.as_deref().map(|g| match g {
            "EXCELLENT" => "优质".to_string(),
            "QUALIFIED" => "合格".to_string(),
            other => other.to_string(),
        }),
        beneficiaries: format!(
            "{}户{}人，其中建档立卡贫困户{}户{}人",
            p.beneficiary_households, p.beneficiary_people, p.poor_households, p.poor_people
        ),
        project: summary,
        notices: pages,
        hotline: NATIONAL_HOTLINE,
    }))
}

/// A published three-list's page, or `None` when it is not published.
pub async fn task_list_page(db: &DatabaseConnection, id: i64) -> ServiceResult<Option<TaskListPage>> {
    let Some(list) = task_list::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    if list.published_on.is_none() {
        return Ok(None);
    }
    let items = task_list_item::Entity::find()
        .filter(task_list_item::Column::ListId.eq(id))
        .order_by_asc(task_list_item::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|i| TaskItemRow {
            position: i.position,
            content: i.content,
            planned_result: i.planned_result,
            outcome: i.outcome.as_deref().map(|o| match o {
                "DONE" => "已完成".to_string(),
                "PARTLY" => "部分完成".to_string(),
                _ => "未完成".to_string(),
            }),
        })
        .collect();
    Ok(Some(TaskListPage {
        list: list_summary(db, &list).await?,
        items,
    }))
}
