//! Projects: drafting, the lifecycle transitions of DESIGN §3, and the scoped project
//! list. Every transition is checked against `domain::lifecycle`, guarded by the
//! project's version, and written with its event and audit entry in one transaction.
use super::{Page, PageRequest, ServiceError, ServiceResult};
use crate::db::rows::{self, KeyedRead};
use crate::domain::access::{Actor, ProjectsSeen};
use crate::domain::fault::{ErrorCode, Fault};
use crate::domain::lifecycle::ProjectStatus;
use crate::domain::project::{
    AcceptanceGrade, Beneficiaries, ConstructionNature, PerformanceTarget, PreparationMilestone,
};
use crate::domain::region::{RegionCode, RegionLevel};
use crate::domain::sector::Sector;
use chrono::NaiveDate;
use entity::{project, project_event, project_village, region};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::collections::HashMap;

mod drafts;
mod guard;
mod transitions;

pub(crate) use drafts::create_in;
pub use drafts::{create, update};
pub(super) use guard::{EventRecord, load_at_version, load_for_change, project_change, record_event, write_guarded};
pub use transitions::transition;
pub(crate) use transitions::transition_in;

/// A performance target as entered: the target is an exact decimal.
#[derive(Clone, Debug)]
pub struct TargetInput {
    pub indicator: String,
    pub unit: String,
    pub target: Decimal,
}

/// A project as a township describes it.
#[derive(Clone, Debug)]
pub struct ProjectInput {
    pub name: String,
    pub sector: Sector,
    /// 项目类别; the sector's usual one when `None`.
    pub category: Option<crate::domain::category::ProjectCategory>,
    pub year: i32,
    pub village_codes: Vec<String>,
    pub nature: ConstructionNature,
    pub content: String,
    pub planned_quantity: Decimal,
    pub budget: Decimal,
    pub beneficiaries: Beneficiaries,
    pub performance_targets: Vec<TargetInput>,
    pub planned_start: Option<NaiveDate>,
    pub planned_finish: Option<NaiveDate>,
    /// The day the draft was made (its business date); today if `None`.
    pub created_on: Option<NaiveDate>,
}

/// Changes to a draft; `None` keeps a value.
#[derive(Clone, Debug, Default)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub sector: Option<Sector>,
    pub category: Option<crate::domain::category::ProjectCategory>,
    pub year: Option<i32>,
    pub village_codes: Option<Vec<String>>,
    pub nature: Option<ConstructionNature>,
    pub content: Option<String>,
    pub planned_quantity: Option<Decimal>,
    pub budget: Option<Decimal>,
    pub beneficiaries: Option<Beneficiaries>,
    pub performance_targets: Option<Vec<TargetInput>>,
    pub planned_start: Option<NaiveDate>,
    pub planned_finish: Option<NaiveDate>,
}

/// What a transition carries; which parts it needs is the table's `needs`.
#[derive(Clone, Debug, Default)]
pub struct TransitionDetails {
    /// A free comment, or the reason / findings where those are needed.
    pub comment: Option<String>,
    pub department_id: Option<i64>,
    pub deadline: Option<NaiveDate>,
    pub milestone: Option<PreparationMilestone>,
    /// The day the step happened (its business date); today in China if `None`.
    pub date: Option<NaiveDate>,
    pub final_quantity: Option<Decimal>,
    pub grade: Option<AcceptanceGrade>,
    /// The step corrects an earlier record (a preliminary-work milestone recorded again).
    pub correction: bool,
}

/// Which projects a list shows.
#[derive(Clone, Debug, Default)]
pub struct ProjectFilter {
    pub year: Option<i32>,
    pub sector: Option<Sector>,
    pub statuses: Vec<ProjectStatus>,
    pub township_code: Option<String>,
    /// Only projects in this region's subtree.
    pub region_code: Option<String>,
    pub village_code: Option<String>,
    pub department_id: Option<i64>,
    pub poverty_village: Option<bool>,
    pub text: Option<String>,
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum ProjectOrderField {
    #[default]
    Code,
    Name,
    Year,
    Status,
    PlannedStart,
    UpdatedAt,
}

#[derive(Copy, Clone, Debug, Default)]
pub struct ProjectOrder {
    pub field: ProjectOrderField,
    pub descending: bool,
}

pub fn status_of(model: &project::Model) -> ServiceResult<ProjectStatus> {
    ProjectStatus::parse(&model.status)
        .ok_or_else(|| ServiceError::Internal(format!("unknown status {}", model.status)))
}

pub fn sector_of(model: &project::Model) -> ServiceResult<Sector> {
    model.sector.parse().map_err(ServiceError::Internal)
}

/// 项目类别 as stored.
pub fn category_of(model: &project::Model) -> ServiceResult<crate::domain::category::ProjectCategory> {
    crate::domain::category::ProjectCategory::parse(&model.category)
        .ok_or_else(|| ServiceError::Internal(format!("unknown project category {}", model.category)))
}

pub fn targets_of(model: &project::Model) -> Vec<PerformanceTarget> {
    // Only this module writes the column, always from a serialized Vec.
    serde_json::from_str(&model.performance_targets).unwrap_or_default()
}

fn township_of(model: &project::Model) -> ServiceResult<RegionCode> {
    RegionCode::parse(&model.township_code).map_err(ServiceError::Internal)
}

/// A condition matching the projects `actor` may see: `ProjectsSeen` in SQL.
pub(crate) fn visible(actor: &Actor) -> Condition {
    match actor.projects_seen() {
        ProjectsSeen::AssignedTo(Some(id)) => Condition::all().add(project::Column::DepartmentId.eq(id)),
        ProjectsSeen::AssignedTo(None) => Condition::all().add(Expr::val(1).eq(Expr::val(0))),
        ProjectsSeen::Everything => Condition::all(),
        ProjectsSeen::InRegion(root) => in_region(&root),
    }
}

/// A condition matching the projects in `region`'s subtree, in the form the indexes answer
/// best: a county by equality on the project's county (so a county's list is read in code
/// order from the county-and-code index, without sorting the county), regions above it by
/// a range of county codes, a township by a range of township codes.
pub(crate) fn in_region(region: &RegionCode) -> Condition {
    match region.level() {
        RegionLevel::County => Condition::all().add(project::Column::CountyCode.eq(region.as_str())),
        level if level < RegionLevel::County => super::in_subtree(project::Column::CountyCode, region),
        _ => super::in_subtree(project::Column::TownshipCode, region),
    }
}

/// Whether `actor` sees a project in hand (`ProjectsSeen`), as `find` applies it.
pub fn seen_by(actor: &Actor, model: &project::Model) -> ServiceResult<bool> {
    Ok(actor
        .projects_seen()
        .contains(&township_of(model)?, model.department_id))
}

/// The project with `id`, if `actor` may see it.
pub async fn find(conn: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<Option<project::Model>> {
    let Some(model) = project::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    Ok(seen_by(actor, &model)?.then_some(model))
}

/// Which of `ids` the actor may see (`ProjectsSeen`, as `find` applies it), for lists that
/// name projects by id (a plan's rows).
pub async fn visible_ids(
    db: &DatabaseConnection,
    actor: &Actor,
    ids: &[i64],
) -> ServiceResult<std::collections::HashSet<i64>> {
    let mut visible = std::collections::HashSet::new();
    for p in by_ids(db, ids).await? {
        if seen_by(actor, &p)? {
            visible.insert(p.id);
        }
    }
    Ok(visible)
}

/// The project with a county-unique `code`. Without `county_code` the code must be unique
/// among the projects the actor can see.
pub async fn find_by_code(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    county_code: Option<&str>,
) -> ServiceResult<Option<project::Model>> {
    let mut query = project::Entity::find()
        .filter(project::Column::Code.eq(code.trim()))
        .filter(visible(actor));
    if let Some(county) = county_code {
        query = query.filter(project::Column::CountyCode.eq(county.trim()));
    }
    let mut found = rows::all(query.limit(2), db).await?;
    if found.len() > 1 {
        return Err(Fault::new(
            ErrorCode::InvalidInput,
            &["countyCode"],
            format!("several counties have a project {code}: give countyCode too"),
        )
        .into());
    }
    Ok(found.pop())
}

/// One page of the projects the actor can see.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &ProjectFilter,
    order: ProjectOrder,
    page: &PageRequest<u64>,
) -> ServiceResult<Page<project::Model>> {
    let mut query = project::Entity::find().filter(visible(actor));
    if let Some(year) = filter.year {
        query = query.filter(project::Column::Year.eq(year));
    }
    if let Some(sector) = filter.sector {
        query = query.filter(project::Column::Sector.eq(sector.as_str()));
    }
    if !filter.statuses.is_empty() {
        query = query.filter(project::Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())));
    }
    if let Some(township) = &filter.township_code {
        query = query.filter(project::Column::TownshipCode.eq(township.trim()));
    }
    if let Some(region) = &filter.region_code {
        let region =
            RegionCode::parse(region).map_err(|m| Fault::new(ErrorCode::InvalidInput, &["filter", "regionCode"], m))?;
        query = query.filter(in_region(&region));
    }
    if let Some(department) = filter.department_id {
        query = query.filter(project::Column::DepartmentId.eq(department));
    }
    if let Some(village) = &filter.village_code {
        query = query.filter(
            project::Column::Id.in_subquery(
                Query::select()
                    .column(project_village::Column::ProjectId)
                    .from(project_village::Entity)
                    .and_where(project_village::Column::VillageCode.eq(village.trim()))
                    .to_owned(),
            ),
        );
    }
    if let Some(poverty) = filter.poverty_village {
        let poverty_projects = Query::select()
            .column((project_village::Entity, project_village::Column::ProjectId))
            .from(project_village::Entity)
            .inner_join(
                region::Entity,
                Expr::col((region::Entity, region::Column::Code))
                    .equals((project_village::Entity, project_village::Column::VillageCode)),
            )
            .and_where(Expr::col((region::Entity, region::Column::IsPovertyVillage)).eq(Expr::val(true)))
            .to_owned();
        query = query.filter(if poverty {
            project::Column::Id.in_subquery(poverty_projects)
        } else {
            project::Column::Id.not_in_subquery(poverty_projects)
        });
    }
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        query = query.filter(
            Condition::any()
                .add(super::contains_text(project::Column::Name, text))
                .add(super::contains_text(project::Column::Code, text)),
        );
    }
    let total_count = if page.count_total {
        query.clone().count(db).await?
    } else {
        0
    };
    let column = |c: project::Column| Expr::col((project::Entity, c));
    let sort_key: sea_orm::sea_query::SimpleExpr = match order.field {
        ProjectOrderField::Code => column(project::Column::Code),
        ProjectOrderField::Name => column(project::Column::Name),
        ProjectOrderField::Year => column(project::Column::Year),
        ProjectOrderField::Status => status_rank(),
        ProjectOrderField::PlannedStart => column(project::Column::PlannedStart),
        ProjectOrderField::UpdatedAt => column(project::Column::UpdatedAt),
    };
    let direction = if order.descending { Order::Desc } else { Order::Asc };
    let page_query = query
        .order_by(sort_key, direction.clone())
        .order_by(project::Column::Id, direction)
        .offset(page.after.unwrap_or(0))
        .limit(page.first + 1);
    let rows = rows::all(page_query, db).await?;
    Ok(Page::from_overfetch(rows, page.first, total_count))
}

/// A project's status as its place in the lifecycle (`ProjectStatus::ALL`'s order), for
/// sorting: statuses are stored by name, whose alphabetical order means nothing to a clerk.
fn status_rank() -> sea_orm::sea_query::SimpleExpr {
    let mut ranks = sea_orm::sea_query::CaseStatement::new();
    for (rank, status) in ProjectStatus::ALL.into_iter().enumerate() {
        ranks = ranks.case(
            Expr::col((project::Entity, project::Column::Status)).eq(status.as_str()),
            rank as i32,
        );
    }
    ranks.finally(ProjectStatus::ALL.len() as i32).into()
}

/// Projects by id, for the references of objects already in the caller's scope (an
/// entry's project): no further check.
pub async fn by_ids(db: &DatabaseConnection, ids: &[i64]) -> ServiceResult<Vec<project::Model>> {
    static BY_IDS: KeyedRead<project::Model> = KeyedRead::new(r#""id" {in_keys}"#, "");
    Ok(BY_IDS.all(db, ids, []).await?)
}

/// Village codes per project, for batching.
pub async fn villages_of(db: &DatabaseConnection, project_ids: &[i64]) -> ServiceResult<HashMap<i64, Vec<String>>> {
    static VILLAGES: KeyedRead<project_village::Model> =
        KeyedRead::new(r#""project_id" {in_keys}"#, r#"ORDER BY "village_code""#);
    let villages = VILLAGES.all(db, project_ids, []).await?;
    Ok(rows::group_by(project_ids, villages, |row| {
        Some((row.project_id, row.village_code))
    }))
}

/// Events per project, oldest first, for batching.
pub async fn events_of(
    db: &DatabaseConnection,
    project_ids: &[i64],
) -> ServiceResult<HashMap<i64, Vec<project_event::Model>>> {
    static EVENTS: KeyedRead<project_event::Model> = KeyedRead::new(r#""project_id" {in_keys}"#, r#"ORDER BY "id""#);
    let rows = EVENTS.all(db, project_ids, []).await?;
    Ok(rows::group_by(project_ids, rows, |row| Some((row.project_id, row))))
}
