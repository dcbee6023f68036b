//! Projects: drafting, the lifecycle transitions of DESIGN §3, and the scoped project
//! list. Every transition is checked against `domain::lifecycle`, guarded by the
//! project's version, and written with its event and audit entry in one transaction.
use super::audit::{self, Change};
use super::{Page, PageRequest, ServiceError, ServiceResult, begin_write, is_unique_violation};
use crate::db::rows::{self, KeyedRead};
use crate::domain::access::{Actor, ProjectsSeen};
use crate::domain::audit::AuditAction;
use crate::domain::calendar;
use crate::domain::fault::{ErrorCode, Fault, required_text};
use crate::domain::lifecycle::{self, CREATOR, Need, ProjectAction, ProjectStatus};
use crate::domain::money::Money;
use crate::domain::project::{
    self as rules, AcceptanceGrade, Beneficiaries, ConstructionNature, PerformanceTarget, PreparationMilestone,
    SubmissionRecord, check_dates,
};
use crate::domain::quantity::Quantity;
use crate::domain::region::{RegionCode, RegionLevel};
use crate::domain::sector::Sector;
use crate::domain::timeline::{self, History};
use chrono::NaiveDate;
use entity::{project, project_event, project_village, region};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

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

pub fn targets_of(model: &project::Model) -> Vec<PerformanceTarget> {
    // Only this module writes the column, always from a serialized Vec.
    serde_json::from_str(&model.performance_targets).unwrap_or_default()
}

fn township_of(model: &project::Model) -> ServiceResult<RegionCode> {
    RegionCode::parse(&model.township_code).map_err(ServiceError::Internal)
}

/// A condition matching the projects `actor` may see: `ProjectsSeen` in SQL.
fn visible(actor: &Actor) -> Condition {
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
fn in_region(region: &RegionCode) -> Condition {
    match region.level() {
        RegionLevel::County => Condition::all().add(project::Column::CountyCode.eq(region.as_str())),
        level if level < RegionLevel::County => super::in_subtree(project::Column::CountyCode, region),
        _ => super::in_subtree(project::Column::TownshipCode, region),
    }
}

/// The project with `id`, if `actor` may see it.
pub async fn find(conn: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<Option<project::Model>> {
    let Some(model) = project::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    Ok(actor
        .projects_seen()
        .contains(&township_of(&model)?, model.department_id)
        .then_some(model))
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
                .add(project::Column::Name.contains(text))
                .add(project::Column::Code.contains(text)),
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

/// A draft's fields, checked.
struct Checked {
    name: String,
    sector: Sector,
    year: i32,
    villages: Vec<RegionCode>,
    nature: ConstructionNature,
    content: String,
    planned_quantity: Quantity,
    budget: Money,
    beneficiaries: Beneficiaries,
    targets: Vec<PerformanceTarget>,
    planned_start: Option<NaiveDate>,
    planned_finish: Option<NaiveDate>,
}

/// Checks a project's fields; the villages must be villages of `township` that exist.
async fn check_fields(
    conn: &impl ConnectionTrait,
    township: &RegionCode,
    input: &ProjectInput,
) -> ServiceResult<Checked> {
    let mut faults = Vec::new();
    fn keep<T>(faults: &mut Vec<Fault>, result: Result<T, Fault>) -> Option<T> {
        result.map_err(|f| faults.push(f)).ok()
    }
    let name = keep(
        &mut faults,
        required_text("name", "the project's name", &input.name, 200),
    );
    keep(&mut faults, rules::check_year(input.year));
    let content = input.content.trim().to_string();
    if content.chars().count() > 5000 {
        faults.push(Fault::invalid(
            "content",
            "the construction content is longer than 5000 characters",
        ));
    }
    let planned_quantity = keep(
        &mut faults,
        Quantity::parse(input.planned_quantity).map_err(|m| Fault::invalid("plannedQuantity", m)),
    );
    let budget = keep(
        &mut faults,
        Money::parse_positive(input.budget).map_err(|e| Fault::invalid("budget", format!("budget: {e}"))),
    );
    faults.extend(input.beneficiaries.check());
    keep(
        &mut faults,
        check_dates(input.planned_start, input.planned_finish, "plannedFinish"),
    );
    let mut targets = Vec::new();
    for (i, target) in input.performance_targets.iter().enumerate() {
        let indicator = required_text(
            "performanceTargets",
            &format!("performance target {}'s indicator", i + 1),
            &target.indicator,
            200,
        );
        let unit = target.unit.trim().to_string();
        match indicator {
            Ok(indicator) => targets.push(PerformanceTarget {
                indicator,
                unit,
                target: target.target.normalize().to_string(),
            }),
            Err(f) => faults.push(f),
        }
    }
    if input.performance_targets.len() > 50 {
        faults.push(Fault::invalid(
            "performanceTargets",
            "a project has at most 50 performance targets",
        ));
    }
    let mut villages = Vec::new();
    if input.village_codes.is_empty() {
        faults.push(Fault::invalid(
            "villageCodes",
            "name at least one village the project serves",
        ));
    }
    for raw in &input.village_codes {
        match RegionCode::parse(raw) {
            Ok(code) if code.level() == RegionLevel::Village && township.contains(&code) => {
                if !villages.contains(&code) {
                    villages.push(code)
                }
            }
            Ok(code) => faults.push(Fault::invalid(
                "villageCodes",
                format!("{code} is not a village of township {township}"),
            )),
            Err(m) => faults.push(Fault::invalid("villageCodes", m)),
        }
    }
    if !villages.is_empty() {
        let found = region::Entity::find()
            .filter(region::Column::Code.is_in(villages.iter().map(|c| c.to_string())))
            .count(conn)
            .await?;
        if found != villages.len() as u64 {
            faults.push(Fault::not_found(
                "villageCodes",
                "some of the villages named do not exist",
            ));
        }
    }
    match (name, planned_quantity, budget) {
        (Some(name), Some(planned_quantity), Some(budget)) if faults.is_empty() => Ok(Checked {
            name,
            sector: input.sector,
            year: input.year,
            villages,
            nature: input.nature,
            content,
            planned_quantity,
            budget,
            beneficiaries: input.beneficiaries,
            targets,
            planned_start: input.planned_start,
            planned_finish: input.planned_finish,
        }),
        _ => Err(ServiceError::Rejected(faults)),
    }
}

async fn replace_villages(conn: &impl ConnectionTrait, project_id: i64, villages: &[RegionCode]) -> ServiceResult<()> {
    project_village::Entity::delete_many()
        .filter(project_village::Column::ProjectId.eq(project_id))
        .exec(conn)
        .await?;
    project_village::Entity::insert_many(villages.iter().map(|code| project_village::ActiveModel {
        project_id: Set(project_id),
        village_code: Set(code.to_string()),
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

pub(super) struct EventRecord {
    pub(super) action: ProjectAction,
    /// The day it happened.
    pub(super) on: NaiveDate,
    pub(super) from: Option<ProjectStatus>,
    pub(super) to: ProjectStatus,
    pub(super) details: TransitionDetails,
    pub(super) final_quantity: Option<Quantity>,
}

pub(super) async fn record_event(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i64,
    event: EventRecord,
) -> ServiceResult<()> {
    project_event::Entity::insert(project_event::ActiveModel {
        project_id: Set(project_id),
        action: Set(event.action.as_str().to_string()),
        from_status: Set(event.from.map(|s| s.as_str().to_string())),
        to_status: Set(event.to.as_str().to_string()),
        actor_id: Set(actor.user_id),
        actor_username: Set(actor.username.clone()),
        actor_role: Set(actor.role.as_str().to_string()),
        occurred_at: Set(chrono::Utc::now()),
        comment: Set(event.details.comment.clone()),
        event_date: Set(event.details.date.or(event.details.deadline)),
        happened_on: Set(event.on),
        milestone: Set(event.details.milestone.map(|m| m.as_str().to_string())),
        grade: Set(event.details.grade.map(|g| g.as_str().to_string())),
        department_id: Set(event.details.department_id),
        quantity_milli: Set(event.final_quantity.map(Quantity::milli)),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// How many times a create retries when a concurrent create took the same code.
const CODE_RETRIES: usize = 5;

/// A township drafts a project in its own township (— → DRAFT).
pub async fn create(db: &DatabaseConnection, actor: &Actor, input: ProjectInput) -> ServiceResult<project::Model> {
    if actor.role != CREATOR {
        return Err(Fault::forbidden(format!(
            "only a township (TOWNSHIP) drafts projects; you are {}",
            actor.role.as_str()
        ))
        .into());
    }
    let township = match actor.scope.root() {
        Some(code) if code.level() == RegionLevel::Township => code.clone(),
        _ => return Err(Fault::forbidden("a township user must be scoped to a township to draft projects").into()),
    };
    let county = township
        .parent()
        .ok_or_else(|| ServiceError::Internal(format!("township {township} has no county")))?;
    let today = calendar::today();
    let created_on = input.created_on.unwrap_or(today);
    timeline::check_step_date(created_on, today, None)?;
    for attempt in 1..=CODE_RETRIES {
        let txn = begin_write(db).await?;
        let checked = check_fields(&txn, &township, &input).await?;
        let taken = project::Entity::find()
            .filter(project::Column::CountyCode.eq(county.as_str()))
            .filter(project::Column::Year.eq(checked.year))
            .filter(project::Column::Sector.eq(checked.sector.as_str()))
            .count(&txn)
            .await?;
        let code = rules::project_code(
            checked.year,
            checked.sector,
            u32::try_from(taken + 1).unwrap_or(u32::MAX),
        );
        let now = chrono::Utc::now();
        let inserted = project::Entity::insert(project::ActiveModel {
            county_code: Set(county.to_string()),
            code: Set(code),
            name: Set(checked.name),
            sector: Set(checked.sector.as_str().to_string()),
            year: Set(checked.year),
            township_code: Set(township.to_string()),
            construction_nature: Set(checked.nature.as_str().to_string()),
            content: Set(checked.content),
            planned_quantity_milli: Set(checked.planned_quantity.milli()),
            budget_fen: Set(checked.budget.fen()),
            beneficiary_households: Set(checked.beneficiaries.households),
            beneficiary_people: Set(checked.beneficiaries.people),
            poor_households: Set(checked.beneficiaries.poor_households),
            poor_people: Set(checked.beneficiaries.poor_people),
            performance_targets: Set(serde_json::to_string(&checked.targets).unwrap_or_else(|_| "[]".into())),
            department_id: Set(None),
            claim_deadline: Set(None),
            planned_start: Set(checked.planned_start),
            planned_finish: Set(checked.planned_finish),
            actual_start: Set(None),
            actual_finish: Set(None),
            final_quantity_milli: Set(None),
            acceptance_grade: Set(None),
            status: Set(ProjectStatus::Draft.as_str().to_string()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await;
        let model = match inserted {
            Ok(model) => model,
            Err(e) if is_unique_violation(&e) && attempt < CODE_RETRIES => {
                txn.rollback().await?;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        replace_villages(&txn, model.id, &checked.villages).await?;
        let event = EventRecord {
            action: ProjectAction::Create,
            on: created_on,
            from: None,
            to: ProjectStatus::Draft,
            details: TransitionDetails::default(),
            final_quantity: None,
        };
        record_event(&txn, actor, model.id, event).await?;
        audit::record(&txn, actor, project_change(AuditAction::ProjectCreate, None, &model)).await?;
        txn.commit().await?;
        return Ok(model);
    }
    Err(ServiceError::Internal("could not allocate a project code".into()))
}

pub(super) fn project_change<'a>(
    action: AuditAction,
    before: Option<&project::Model>,
    after: &project::Model,
) -> Change<'a> {
    Change {
        action,
        entity_type: "Project",
        entity_id: after.id.to_string(),
        region_code: Some(after.township_code.clone()),
        before: before.and_then(super::audit::json),
        after: super::audit::json(after),
    }
}

/// Loads a project for a change: visible to the actor, at the version the actor saw. The
/// row is locked (`FOR UPDATE` on PostgreSQL; SQLite's write transaction already excludes
/// other writers), so a concurrent change waits and then sees the new version.
pub(super) async fn load_for_change(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    expected_version: i32,
) -> ServiceResult<project::Model> {
    let found = crate::db::rows::one(project::Entity::find_by_id(id).lock_exclusive(), conn).await?;
    at_version(actor, found, expected_version)
}

/// Loads a project as `load_for_change` does but without a lock or a transaction, for a
/// change whose only write to the project is `write_guarded`: every change to a project
/// bumps its version, so the guard finding the version unchanged proves that what was
/// checked against this row (status, department, its latest progress) still holds. The
/// write transaction is then shorter by the reads — on SQLite, where writers take turns,
/// that is what bounds writes per second.
pub(super) async fn load_at_version(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    expected_version: i32,
) -> ServiceResult<project::Model> {
    let found = crate::db::rows::one(project::Entity::find_by_id(id), conn).await?;
    at_version(actor, found, expected_version)
}

fn at_version(actor: &Actor, found: Option<project::Model>, expected_version: i32) -> ServiceResult<project::Model> {
    let model = found
        .filter(|m| township_of(m).is_ok_and(|t| actor.projects_seen().contains(&t, m.department_id)))
        .ok_or_else(|| Fault::not_found("project", "there is no such project among those you can see"))?;
    if model.version != expected_version {
        return Err(stale(&model));
    }
    Ok(model)
}

fn stale(model: &project::Model) -> ServiceError {
    Fault::new(
        ErrorCode::StaleVersion,
        &["input", "expectedVersion"],
        format!(
            "project {} has changed since you loaded it (it is now at version {}, {}): reload it and try again",
            model.code, model.version, model.status
        ),
    )
    .into()
}

/// Writes `changes` if the project is still at `expected_version`, bumping the version;
/// a concurrent change in between makes it `STALE_VERSION`.
pub(super) async fn write_guarded(
    conn: &impl ConnectionTrait,
    current: &project::Model,
    mut changes: project::ActiveModel,
) -> ServiceResult<project::Model> {
    changes.version = Set(current.version + 1);
    changes.updated_at = Set(chrono::Utc::now());
    // `UPDATE … RETURNING` (both databases): the fresh row without a second statement.
    let updated = project::Entity::update_many()
        .set(changes)
        .filter(project::Column::Id.eq(current.id))
        .filter(project::Column::Version.eq(current.version))
        .exec_with_returning(conn)
        .await?;
    match updated.into_iter().next() {
        Some(fresh) => Ok(fresh),
        None => {
            let latest = project::Entity::find_by_id(current.id)
                .one(conn)
                .await?
                .ok_or_else(|| ServiceError::Internal(format!("project {} vanished", current.id)))?;
            Err(stale(&latest))
        }
    }
}

/// Edits a draft (only drafts can be edited; the township that owns it edits it).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    changes: ProjectChanges,
) -> ServiceResult<project::Model> {
    let txn = begin_write(db).await?;
    let current = load_for_change(&txn, actor, id, expected_version).await?;
    let status = status_of(&current)?;
    if status != ProjectStatus::Draft {
        return Err(Fault::new(
            ErrorCode::InvalidTransition,
            &[],
            format!(
                "only drafts can be edited; project {} is {}",
                current.code,
                status.as_str()
            ),
        )
        .into());
    }
    if actor.role != CREATOR {
        return Err(Fault::forbidden("only the township that drafted a project edits it").into());
    }
    let township = township_of(&current)?;
    let existing_villages = villages_of(db, &[current.id])
        .await?
        .remove(&current.id)
        .unwrap_or_default();
    let merged = ProjectInput {
        name: changes.name.unwrap_or_else(|| current.name.clone()),
        sector: changes.sector.map_or_else(|| sector_of(&current), Ok)?,
        year: changes.year.unwrap_or(current.year),
        village_codes: changes.village_codes.unwrap_or(existing_villages),
        nature: changes
            .nature
            .or_else(|| ConstructionNature::parse(&current.construction_nature))
            .unwrap_or(ConstructionNature::New),
        content: changes.content.unwrap_or_else(|| current.content.clone()),
        planned_quantity: changes
            .planned_quantity
            .unwrap_or_else(|| Quantity::from_milli(current.planned_quantity_milli).to_decimal()),
        budget: changes
            .budget
            .unwrap_or_else(|| Money::from_fen(current.budget_fen).to_yuan()),
        beneficiaries: changes.beneficiaries.unwrap_or(Beneficiaries {
            households: current.beneficiary_households,
            people: current.beneficiary_people,
            poor_households: current.poor_households,
            poor_people: current.poor_people,
        }),
        performance_targets: match changes.performance_targets {
            Some(targets) => targets,
            None => targets_of(&current)
                .into_iter()
                .map(|t| TargetInput {
                    indicator: t.indicator,
                    unit: t.unit,
                    target: t.target.parse().unwrap_or_default(),
                })
                .collect(),
        },
        planned_start: changes.planned_start.or(current.planned_start),
        planned_finish: changes.planned_finish.or(current.planned_finish),
        created_on: None,
    };
    if merged.sector != sector_of(&current)? || merged.year != current.year {
        return Err(Fault::invalid(
            "sector",
            "a project's sector and year make its code and cannot change; cancel it and draft a new one",
        )
        .into());
    }
    let checked = check_fields(&txn, &township, &merged).await?;
    let changes = project::ActiveModel {
        name: Set(checked.name),
        construction_nature: Set(checked.nature.as_str().to_string()),
        content: Set(checked.content),
        planned_quantity_milli: Set(checked.planned_quantity.milli()),
        budget_fen: Set(checked.budget.fen()),
        beneficiary_households: Set(checked.beneficiaries.households),
        beneficiary_people: Set(checked.beneficiaries.people),
        poor_households: Set(checked.beneficiaries.poor_households),
        poor_people: Set(checked.beneficiaries.poor_people),
        performance_targets: Set(serde_json::to_string(&checked.targets).unwrap_or_else(|_| "[]".into())),
        planned_start: Set(checked.planned_start),
        planned_finish: Set(checked.planned_finish),
        ..Default::default()
    };
    let updated = write_guarded(&txn, &current, changes).await?;
    replace_villages(&txn, updated.id, &checked.villages).await?;
    audit::record(
        &txn,
        actor,
        project_change(AuditAction::ProjectUpdate, Some(&current), &updated),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Checks what a transition needs and turns it into the project's new values.
async fn apply_needs(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    current: &project::Model,
    need: Need,
    details: &mut TransitionDetails,
    on: NaiveDate,
) -> ServiceResult<(project::ActiveModel, Option<Quantity>)> {
    let mut changes = project::ActiveModel::default();
    let mut final_quantity = None;
    details.comment = crate::domain::fault::optional_text(
        "comment",
        "a comment",
        details.comment.as_deref(),
        crate::domain::fault::MAX_NOTE_CHARS,
    )?;
    let require_comment = |field: &str, what: &str| -> Result<(), Fault> {
        match &details.comment {
            Some(_) => Ok(()),
            None => Err(Fault::invalid(field, format!("give {what}"))),
        }
    };
    match need {
        Need::Nothing => {}
        Need::CompleteRecord => {
            let villages = project_village::Entity::find()
                .filter(project_village::Column::ProjectId.eq(current.id))
                .count(conn)
                .await? as usize;
            let record = SubmissionRecord {
                content: &current.content,
                planned_quantity: Quantity::from_milli(current.planned_quantity_milli),
                budget: Money::from_fen(current.budget_fen),
                villages,
                beneficiaries: Beneficiaries {
                    households: current.beneficiary_households,
                    people: current.beneficiary_people,
                    poor_households: current.poor_households,
                    poor_people: current.poor_people,
                },
                performance_targets: targets_of(current).len(),
                planned_start: current.planned_start,
                planned_finish: current.planned_finish,
            };
            let missing = rules::missing_for_submission(&record);
            if !missing.is_empty() {
                return Err(ServiceError::Rejected(missing));
            }
        }
        Need::Reason => require_comment("reason", "a reason")?,
        Need::Findings => require_comment("findings", "the findings of the acceptance inspection")?,
        Need::DepartmentAndDeadline => {
            let department_id = details
                .department_id
                .ok_or_else(|| Fault::invalid("department", "say which department the project is assigned to"))?;
            let deadline = details
                .deadline
                .ok_or_else(|| Fault::invalid("deadline", "give the deadline for claiming it"))?;
            if deadline < on {
                return Err(Fault::invalid(
                    "deadline",
                    format!("the deadline {deadline} is before the assignment ({on})"),
                )
                .into());
            }
            let department = super::departments::find(conn, actor, department_id)
                .await?
                .ok_or_else(|| Fault::not_found("department", "there is no such department in your area"))?;
            if department.county_code != current.county_code {
                return Err(Fault::invalid(
                    "department",
                    format!(
                        "{} belongs to another county than project {}",
                        department.name, current.code
                    ),
                )
                .into());
            }
            let sector = sector_of(current)?;
            if !super::departments::sectors_of(&department).contains(&sector) {
                return Err(Fault::invalid(
                    "department",
                    format!(
                        "{} does not handle {} ({}) projects",
                        department.name,
                        sector.as_str(),
                        sector.chinese_name()
                    ),
                )
                .into());
            }
            changes.department_id = Set(Some(department_id));
            changes.claim_deadline = Set(Some(deadline));
        }
        Need::MilestoneAndDate => {
            let milestone = details
                .milestone
                .ok_or_else(|| Fault::invalid("milestone", "say which milestone (立项、审批、设计、招标)"))?;
            let date = on;
            // A milestone is reached once: recording it again corrects the record, and the
            // clerk says so (the event's comment then says so too).
            let earlier = project_event::Entity::find()
                .filter(project_event::Column::ProjectId.eq(current.id))
                .filter(project_event::Column::Action.eq(ProjectAction::RecordPreparation.as_str()))
                .filter(project_event::Column::Milestone.eq(milestone.as_str()))
                .order_by_desc(project_event::Column::Id)
                .one(conn)
                .await?;
            if let Some(earlier) = earlier {
                let on = earlier.event_date.map_or_else(String::new, |d| format!(" on {d}"));
                if !details.correction {
                    return Err(Fault::invalid(
                        "milestone",
                        format!(
                            "the milestone {} ({}) was already recorded{on}; send it with correction: true to correct that record",
                            milestone.as_str(),
                            milestone.chinese_name()
                        ),
                    )
                    .into());
                }
                let note = details.comment.take().map_or_else(String::new, |c| format!(": {c}"));
                details.comment = Some(format!("更正{}{on} → {date}{note}", milestone.chinese_name()));
            }
        }
        Need::Date => {
            changes.actual_start = Set(Some(on));
        }
        Need::DateAndFinalQuantity => {
            let date = on;
            check_dates(current.actual_start, Some(date), "date")?;
            let raw = details
                .final_quantity
                .ok_or_else(|| Fault::invalid("finalQuantity", "give the quantity built"))?;
            let quantity = Quantity::parse(raw).map_err(|m| Fault::invalid("finalQuantity", m))?;
            changes.actual_finish = Set(Some(date));
            changes.final_quantity_milli = Set(Some(quantity.milli()));
            final_quantity = Some(quantity);
        }
        Need::Grade => {
            let grade = details
                .grade
                .ok_or_else(|| Fault::invalid("grade", "give the grade: QUALIFIED (合格) or EXCELLENT (优质)"))?;
            changes.acceptance_grade = Set(Some(grade.as_str().to_string()));
        }
        Need::Progress => {
            return Err(Fault::invalid("action", "progress is reported with progressReportCreate").into());
        }
    }
    Ok((changes, final_quantity))
}

/// The day before which a step may not be dated: the previous step's; for a milestone
/// recorded again to correct it, the claim's (preliminary work is recorded from then on).
fn step_floor(history: &History, action: ProjectAction, correction: bool) -> Option<NaiveDate> {
    if action == ProjectAction::RecordPreparation && correction {
        history.last_step_of(ProjectAction::Claim)
    } else {
        history.last_step_on()
    }
}

/// Takes `action` on a project: checks the table (state, then role), the version, what
/// the action needs; writes the new state, the event and the audit entry together.
pub async fn transition(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    action: ProjectAction,
    mut details: TransitionDetails,
) -> ServiceResult<project::Model> {
    let today = calendar::today();
    let on = details.date.unwrap_or(today);
    let txn = begin_write(db).await?;
    let current = load_for_change(&txn, actor, id, expected_version).await?;
    let from = status_of(&current)?;
    let row = lifecycle::check(actor, from, action, current.department_id)?;
    let history = super::timeline::history(&txn, current.id).await?;
    timeline::check_step_date(on, today, step_floor(&history, action, details.correction))?;
    if action == ProjectAction::Cancel {
        // Money allocated and not paid would sit on a cancelled project with nothing for
        // finance to act on: it is released (reversed) first.
        let unpaid = super::funds::unpaid_allocations(&txn, current.id).await?;
        if !unpaid.is_empty() {
            let list: Vec<String> = unpaid
                .iter()
                .map(|(a, left)| format!("{left} yuan of the allocation of {} ({})", a.entry_date, a.id))
                .collect();
            return Err(Fault::new(
                ErrorCode::WrongProjectStage,
                &["input", "project"],
                format!(
                    "project {} still holds money allocated and not paid: {}; finance must release it (ledgerEntryReverse) before the project is cancelled",
                    current.code,
                    list.join(", ")
                ),
            )
            .into());
        }
    }
    let (mut changes, final_quantity) = apply_needs(&txn, actor, &current, row.needs, &mut details, on).await?;
    match action {
        ProjectAction::Decline => {
            changes.department_id = Set(None);
            changes.claim_deadline = Set(None);
        }
        ProjectAction::FailAcceptance => {
            changes.actual_finish = Set(None);
            changes.final_quantity_milli = Set(None);
        }
        _ => {}
    }
    changes.status = Set(row.to.as_str().to_string());
    let updated = write_guarded(&txn, &current, changes).await?;
    let event = EventRecord {
        action,
        on,
        from: Some(from),
        to: row.to,
        details,
        final_quantity,
    };
    let mut after = history.clone();
    after.push_step(timeline::Step {
        on,
        seq: 0,
        action,
        status: row.to,
        department_id: event.details.department_id,
        quantity: final_quantity,
    });
    record_event(&txn, actor, updated.id, event).await?;
    super::timeline::record(&txn, &updated, &history, &after).await?;
    let change = project_change(AuditAction::of_project(action), Some(&current), &updated);
    audit::record(&txn, actor, change).await?;
    txn.commit().await?;
    Ok(updated)
}
