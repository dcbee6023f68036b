//! 三单 — a unit's monthly task list: drafted, published (晒单), followed up (跟单) and
//! cleared (清单), each step checked against `domain::task_list`, dated and audited.
//!
//! Who sees a list follows the projects' rule (`service::unit_records_seen`): a department its own, a
//! township its own and its villages', county roles every list of their area.
use super::audit::{self, Change};
use super::{
    Page, PageRequest, ServiceError, ServiceResult, begin_write, in_subtree, is_unique_violation, keyset_page,
};
use crate::domain::access::{Actor, Operation, authorize, authorize_at};
use crate::domain::audit::AuditAction;
use crate::domain::calendar;
use crate::domain::fault::{ErrorCode, Fault, MAX_NOTE_CHARS, optional_text, required_text};
use crate::domain::region::{RegionCode, RegionLevel};
use crate::domain::task_list::{self as rules, ListAction, ListStatus, Month, Outcome, Unit, UnitKind};
use chrono::{NaiveDate, Utc};
use entity::{department, project, rectification_issue, region, task_list, task_list_item};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use std::collections::HashMap;

/// The most items one list holds.
pub const MAX_ITEMS: usize = 100;

/// Whose list: the kind, and the department, township or village, or the leader's name.
#[derive(Clone, Debug)]
pub struct UnitInput {
    pub kind: UnitKind,
    pub department_id: Option<i64>,
    pub region_code: Option<String>,
    pub leader_name: Option<String>,
}

/// One planned item (晒单).
#[derive(Clone, Debug)]
pub struct ItemInput {
    pub content: String,
    pub planned_result: String,
    pub project_id: Option<i64>,
    pub issue_id: Option<i64>,
}

/// A new list.
#[derive(Clone, Debug)]
pub struct ListInput {
    pub county_code: String,
    pub month: String,
    pub unit: UnitInput,
    pub items: Vec<ItemInput>,
}

/// 跟单 of one item.
#[derive(Clone, Debug)]
pub struct FollowUp {
    pub item_id: i64,
    pub note: String,
    pub on_track: bool,
}

/// 清单 of one item.
#[derive(Clone, Debug)]
pub struct Clearing {
    pub item_id: i64,
    pub outcome: Outcome,
    pub reason: Option<String>,
}

/// Which lists to read; every condition given must hold.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub region_code: Option<String>,
    pub month: Option<String>,
    pub unit_kind: Option<UnitKind>,
    pub department_id: Option<i64>,
    pub status: Option<ListStatus>,
}

pub fn status_of(row: &task_list::Model) -> ServiceResult<ListStatus> {
    ListStatus::parse(&row.status).ok_or_else(|| ServiceError::Internal(format!("unknown list status {}", row.status)))
}

pub fn month_of(row: &task_list::Model) -> ServiceResult<Month> {
    Month::parse(&row.month).ok_or_else(|| ServiceError::Internal(format!("bad month {}", row.month)))
}

pub fn outcome_of(item: &task_list_item::Model) -> Option<Outcome> {
    item.outcome.as_deref().and_then(Outcome::parse)
}

/// The unit whose keeper writes the list.
fn unit_of(row: &task_list::Model) -> ServiceResult<Unit<'_>> {
    let kind = UnitKind::parse(&row.unit_kind)
        .ok_or_else(|| ServiceError::Internal(format!("unknown unit kind {}", row.unit_kind)))?;
    let region = || {
        row.unit_region_code
            .as_deref()
            .ok_or_else(|| ServiceError::Internal(format!("list {} has no region", row.id)))
    };
    Ok(match kind {
        UnitKind::Leader => Unit::Leader,
        UnitKind::Department => Unit::Department(
            row.unit_department_id
                .ok_or_else(|| ServiceError::Internal(format!("list {} has no department", row.id)))?,
        ),
        // A village's list is kept by its township.
        UnitKind::Township | UnitKind::Village => Unit::Place(region()?),
    })
}

/// Checks the keeper's right and reach: the county in its area, or — for a township — the
/// list's township or village.
fn check_reach(actor: &Actor, county: &RegionCode, place: Option<&str>) -> Result<(), Fault> {
    authorize(actor, Operation::KeepTaskLists)?;
    authorize_at(actor, Operation::KeepTaskLists, county).or_else(|e| match place {
        Some(code) if RegionCode::parse(code).is_ok_and(|c| actor.scope.contains(&c)) => Ok(()),
        _ => Err(e),
    })
}

pub(crate) fn seen(actor: &Actor) -> Condition {
    use task_list::Column as C;
    super::unit_records_seen(actor, C::CountyCode, C::UnitDepartmentId, C::UnitRegionCode)
}

fn sees(actor: &Actor, row: &task_list::Model) -> bool {
    super::unit_record_seen(
        actor,
        &row.county_code,
        row.unit_department_id,
        row.unit_region_code.as_deref(),
    )
}

/// The list with `id`, if the actor sees it.
pub async fn find(conn: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<Option<task_list::Model>> {
    authorize(actor, Operation::ViewTaskLists)?;
    let row = task_list::Entity::find_by_id(id).one(conn).await?;
    Ok(row.filter(|r| sees(actor, r)))
}

/// The item with `id` and its list, if the actor sees the list.
pub async fn find_item(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Option<(task_list::Model, task_list_item::Model)>> {
    let Some(item) = task_list_item::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    Ok(find(conn, actor, item.list_id).await?.map(|list| (list, item)))
}

/// One page of the lists the actor sees, in the order drafted.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &ListFilter,
    page: &PageRequest<i64>,
) -> ServiceResult<Page<task_list::Model>> {
    use task_list::Column as C;
    authorize(actor, Operation::ViewTaskLists)?;
    let mut query = task_list::Entity::find().filter(seen(actor));
    if let Some(raw) = &filter.region_code {
        let region = RegionCode::parse(raw.trim())
            .map_err(|m| Fault::new(ErrorCode::InvalidInput, &["filter", "regionCode"], m))?;
        query = query.filter(if region.level() <= RegionLevel::County {
            in_subtree(C::CountyCode, &region)
        } else {
            in_subtree(C::UnitRegionCode, &region)
        });
    }
    if let Some(raw) = &filter.month {
        let month = Month::parse(raw).ok_or_else(|| {
            Fault::new(
                ErrorCode::InvalidInput,
                &["filter", "month"],
                "give the month as YYYY-MM",
            )
        })?;
        query = query.filter(C::Month.eq(month.to_string()));
    }
    if let Some(kind) = filter.unit_kind {
        query = query.filter(C::UnitKind.eq(kind.as_str()));
    }
    if let Some(id) = filter.department_id {
        query = query.filter(C::UnitDepartmentId.eq(id));
    }
    if let Some(status) = filter.status {
        query = query.filter(C::Status.eq(status.as_str()));
    }
    keyset_page(db, query, C::Id, sea_orm::Order::Asc, page).await
}

/// The items of the lists with `ids`, each list's in order.
pub async fn items_of(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> ServiceResult<HashMap<i64, Vec<task_list_item::Model>>> {
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for chunk in ids.chunks(super::IDS_PER_STATEMENT) {
        let rows = task_list_item::Entity::find()
            .filter(task_list_item::Column::ListId.is_in(chunk.iter().copied()))
            .order_by_asc(task_list_item::Column::ListId)
            .order_by_asc(task_list_item::Column::Position)
            .all(db)
            .await?;
        for row in rows {
            out.entry(row.list_id).or_default().push(row);
        }
    }
    Ok(out)
}

/// Checks the unit of a new list and gives its key and columns.
async fn check_unit(
    conn: &impl ConnectionTrait,
    county: &RegionCode,
    unit: &UnitInput,
) -> ServiceResult<(String, Option<i64>, Option<String>, Option<String>)> {
    let region_in_county = |level: RegionLevel| {
        let raw = unit.region_code.as_deref().unwrap_or_default();
        let what = level.chinese_name();
        RegionCode::parse(raw.trim())
            .ok()
            .filter(|c| c.level() == level && county.contains(c))
            .ok_or_else(|| Fault::invalid("regionCode", format!("give the code of a {what} of county {county}")))
    };
    Ok(match unit.kind {
        UnitKind::Leader => {
            let name = required_text(
                "leaderName",
                "the leader's name (县级领导)",
                unit.leader_name.as_deref().unwrap_or(""),
                50,
            )?;
            (format!("LEADER:{name}"), None, None, Some(name))
        }
        UnitKind::Department => {
            let id = unit
                .department_id
                .ok_or_else(|| Fault::invalid("department", "say which department's list it is"))?;
            let found = department::Entity::find_by_id(id).one(conn).await?;
            if found.is_none_or(|d| d.county_code != county.as_str()) {
                return Err(
                    Fault::not_found("department", format!("there is no such department in county {county}")).into(),
                );
            }
            (format!("DEPARTMENT:{id}"), Some(id), None, None)
        }
        UnitKind::Township | UnitKind::Village => {
            let level = if unit.kind == UnitKind::Township {
                RegionLevel::Township
            } else {
                RegionLevel::Village
            };
            let code = region_in_county(level)?;
            if region::Entity::find_by_id(code.to_string()).one(conn).await?.is_none() {
                return Err(Fault::not_found("regionCode", format!("there is no region {code}")).into());
            }
            (
                format!("{}:{code}", unit.kind.as_str()),
                None,
                Some(code.to_string()),
                None,
            )
        }
    })
}

/// Checks the planned items: text given, projects and problems of the county.
async fn check_items(
    conn: &impl ConnectionTrait,
    county: &RegionCode,
    items: &[ItemInput],
) -> ServiceResult<Vec<ItemInput>> {
    if items.len() > MAX_ITEMS {
        return Err(Fault::invalid("items", format!("a list holds at most {MAX_ITEMS} items")).into());
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let index = i.to_string();
        let at = |field: &str, f: Fault| Fault::new(f.code, &["input", "items", &index, field], f.message);
        let content =
            required_text("content", "what will be done", &item.content, 2000).map_err(|f| at("content", f))?;
        let planned_result = required_text("plannedResult", "the planned result", &item.planned_result, 2000)
            .map_err(|f| at("plannedResult", f))?;
        if let Some(id) = item.project_id {
            let found = project::Entity::find_by_id(id).one(conn).await?;
            if found.is_none_or(|p| p.county_code != county.as_str()) {
                return Err(at(
                    "project",
                    Fault::not_found("project", format!("there is no such project in county {county}")),
                )
                .into());
            }
        }
        if let Some(id) = item.issue_id {
            let found = rectification_issue::Entity::find_by_id(id).one(conn).await?;
            if found.is_none_or(|p| p.county_code != county.as_str()) {
                return Err(at(
                    "rectificationIssue",
                    Fault::not_found(
                        "rectificationIssue",
                        format!("there is no such problem in county {county}"),
                    ),
                )
                .into());
            }
        }
        out.push(ItemInput {
            content,
            planned_result,
            project_id: item.project_id,
            issue_id: item.issue_id,
        });
    }
    Ok(out)
}

async fn insert_items(conn: &impl ConnectionTrait, list_id: i64, items: &[ItemInput]) -> ServiceResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    task_list_item::Entity::insert_many(items.iter().enumerate().map(|(i, item)| task_list_item::ActiveModel {
        list_id: Set(list_id),
        position: Set(i as i32 + 1),
        content: Set(item.content.clone()),
        planned_result: Set(item.planned_result.clone()),
        project_id: Set(item.project_id),
        issue_id: Set(item.issue_id),
        ..Default::default()
    }))
    .exec(conn)
    .await?;
    Ok(())
}

/// Drafts a unit's list for a month.
pub async fn create(db: &DatabaseConnection, actor: &Actor, input: ListInput) -> ServiceResult<task_list::Model> {
    authorize(actor, Operation::KeepTaskLists)?;
    let county = super::regions::parse_code("countyCode", input.county_code.trim())?;
    if county.level() != RegionLevel::County {
        return Err(Fault::invalid(
            "countyCode",
            format!("task lists belong to a county; {county} is not one"),
        )
        .into());
    }
    let month = Month::parse(&input.month).ok_or_else(|| Fault::invalid("month", "give the month as YYYY-MM"))?;
    let txn = begin_write(db).await?;
    check_reach(actor, &county, input.unit.region_code.as_deref().map(str::trim))?;
    let (unit_key, department_id, region_code, leader_name) = check_unit(&txn, &county, &input.unit).await?;
    let row = task_list::Model {
        id: 0,
        county_code: county.to_string(),
        month: month.to_string(),
        unit_kind: input.unit.kind.as_str().to_string(),
        unit_key,
        unit_department_id: department_id,
        unit_region_code: region_code,
        leader_name,
        status: ListStatus::Draft.as_str().to_string(),
        published_on: None,
        cleared_on: None,
        version: 1,
        created_by: actor.username.clone(),
        created_at: Utc::now(),
    };
    if !rules::keeper_admits(actor, unit_of(&row)?) {
        return Err(Fault::forbidden(format!(
            "you do not keep the {} list of this unit: {}",
            input.unit.kind.as_str(),
            crate::domain::access::permission(Operation::KeepTaskLists).description
        ))
        .into());
    }
    let items = check_items(&txn, &county, &input.items).await?;
    let mut active: task_list::ActiveModel = row.into();
    active.id = sea_orm::ActiveValue::NotSet;
    let row = match task_list::Entity::insert(active).exec_with_returning(&txn).await {
        Ok(row) => row,
        Err(e) if is_unique_violation(&e) => {
            return Err(Fault::new(
                ErrorCode::AlreadyExists,
                &["input", "month"],
                format!("this unit already has a list for {month}"),
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    insert_items(&txn, row.id, &items).await?;
    record(&txn, actor, AuditAction::TaskListCreate, None, &row).await?;
    txn.commit().await?;
    Ok(row)
}

async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    action: AuditAction,
    before: Option<&task_list::Model>,
    after: &task_list::Model,
) -> ServiceResult<()> {
    audit::record(
        conn,
        actor,
        Change {
            action,
            entity_type: "MonthlyTaskList",
            entity_id: after.id.to_string(),
            region_code: Some(after.county_code.clone()),
            before: before.and_then(audit::json),
            after: audit::json(after),
        },
    )
    .await?;
    Ok(())
}

/// Loads a list for `action` by its keeper: seen, kept by the actor, in a state that allows
/// it, at the version read. Returns it and the state it moves to.
async fn load_for(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    action: ListAction,
) -> ServiceResult<(task_list::Model, ListStatus)> {
    authorize(actor, Operation::KeepTaskLists)?;
    let row = find(conn, actor, id)
        .await?
        .ok_or_else(|| Fault::not_found("list", "there is no such task list in your area"))?;
    let county = RegionCode::parse(&row.county_code).map_err(ServiceError::Internal)?;
    check_reach(actor, &county, row.unit_region_code.as_deref())?;
    if !rules::keeper_admits(actor, unit_of(&row)?) {
        return Err(Fault::forbidden(
            "only the unit's own users (the poverty office for a leader's list) keep its task list",
        )
        .into());
    }
    let to = rules::check(status_of(&row)?, action)?;
    if row.version != expected_version {
        return Err(Fault::stale("the list", row.version, &row.status).into());
    }
    Ok((row, to))
}

/// Writes the list's new state and version, with its audit entry.
async fn save(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    action: AuditAction,
    before: &task_list::Model,
    after: task_list::Model,
) -> ServiceResult<task_list::Model> {
    let updated = task_list::Entity::update_many()
        .col_expr(task_list::Column::Status, Expr::val(after.status.as_str()))
        .col_expr(task_list::Column::PublishedOn, Expr::val(after.published_on))
        .col_expr(task_list::Column::ClearedOn, Expr::val(after.cleared_on))
        .col_expr(task_list::Column::Version, Expr::val(after.version))
        .filter(task_list::Column::Id.eq(before.id))
        .filter(task_list::Column::Version.eq(before.version))
        .exec(conn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ServiceError::Internal(format!(
            "list {} changed under a write lock",
            before.id
        )));
    }
    record(conn, actor, action, Some(before), &after).await?;
    Ok(after)
}

/// Replaces a draft's items.
pub async fn update_items(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    items: Vec<ItemInput>,
) -> ServiceResult<task_list::Model> {
    let txn = begin_write(db).await?;
    let (row, to) = load_for(&txn, actor, id, expected_version, ListAction::Edit).await?;
    let county = RegionCode::parse(&row.county_code).map_err(ServiceError::Internal)?;
    let items = check_items(&txn, &county, &items).await?;
    task_list_item::Entity::delete_many()
        .filter(task_list_item::Column::ListId.eq(row.id))
        .exec(&txn)
        .await?;
    insert_items(&txn, row.id, &items).await?;
    let after = task_list::Model {
        status: to.as_str().to_string(),
        version: row.version + 1,
        ..row.clone()
    };
    let after = save(&txn, actor, AuditAction::TaskListUpdate, &row, after).await?;
    txn.commit().await?;
    Ok(after)
}

/// Checks the day of a step: not in the future, not before the list's previous step.
fn check_day(on: NaiveDate, previous: Option<NaiveDate>) -> Result<(), Fault> {
    crate::domain::timeline::check_step_date(on, calendar::today(), previous)
}

/// 晒单 — publishes a draft: its items are locked.
pub async fn publish(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    on: Option<NaiveDate>,
) -> ServiceResult<task_list::Model> {
    let txn = begin_write(db).await?;
    let (row, to) = load_for(&txn, actor, id, expected_version, ListAction::Publish).await?;
    let on = on.unwrap_or_else(calendar::today);
    check_day(on, None)?;
    let items = items_of(&txn, &[row.id]).await?;
    if items.get(&row.id).is_none_or(Vec::is_empty) {
        return Err(Fault::invalid(
            "list",
            "a list without items cannot be published: add what will be done",
        )
        .into());
    }
    let after = task_list::Model {
        status: to.as_str().to_string(),
        published_on: Some(on),
        version: row.version + 1,
        ..row.clone()
    };
    let after = save(&txn, actor, AuditAction::TaskListPublish, &row, after).await?;
    txn.commit().await?;
    Ok(after)
}

/// The published list's items by id, each given at most once; faults name `input.items.N.item`.
fn items_named(
    items: &[task_list_item::Model],
    ids: impl Iterator<Item = i64>,
) -> Result<Vec<&task_list_item::Model>, Fault> {
    let mut out: Vec<&task_list_item::Model> = Vec::new();
    for (i, id) in ids.enumerate() {
        let index = i.to_string();
        let item = items.iter().find(|it| it.id == id).ok_or_else(|| {
            Fault::new(
                ErrorCode::NotFound,
                &["input", "items", &index, "item"],
                "no such item on this list",
            )
        })?;
        if out.iter().any(|seen| seen.id == id) {
            return Err(Fault::new(
                ErrorCode::InvalidInput,
                &["input", "items", &index, "item"],
                "this item is named twice",
            ));
        }
        out.push(item);
    }
    Ok(out)
}

/// 跟单 — records the follow-up of some items of a published list.
pub async fn follow_up(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    on: Option<NaiveDate>,
    follow_ups: Vec<FollowUp>,
) -> ServiceResult<task_list::Model> {
    let txn = begin_write(db).await?;
    let (row, to) = load_for(&txn, actor, id, expected_version, ListAction::FollowUp).await?;
    let on = on.unwrap_or_else(calendar::today);
    check_day(on, row.published_on)?;
    if follow_ups.is_empty() {
        return Err(Fault::invalid("items", "name the items followed up").into());
    }
    let items = items_of(&txn, &[row.id]).await?.remove(&row.id).unwrap_or_default();
    let named = items_named(&items, follow_ups.iter().map(|f| f.item_id))?;
    for (i, (item, f)) in named.into_iter().zip(&follow_ups).enumerate() {
        let note = required_text("note", "the progress note (跟单)", &f.note, MAX_NOTE_CHARS)
            .map_err(|e| Fault::new(e.code, &["input", "items", &i.to_string(), "note"], e.message))?;
        task_list_item::Entity::update_many()
            .col_expr(task_list_item::Column::FollowUpNote, Expr::val(note))
            .col_expr(task_list_item::Column::OnTrack, Expr::val(f.on_track))
            .col_expr(task_list_item::Column::FollowedUpOn, Expr::val(on))
            .filter(task_list_item::Column::Id.eq(item.id))
            .exec(&txn)
            .await?;
    }
    let after = task_list::Model {
        status: to.as_str().to_string(),
        version: row.version + 1,
        ..row.clone()
    };
    let after = save(&txn, actor, AuditAction::TaskListFollowUp, &row, after).await?;
    txn.commit().await?;
    Ok(after)
}

/// 清单 — gives every item of a published list its outcome and closes the list.
pub async fn clear(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    on: Option<NaiveDate>,
    clearings: Vec<Clearing>,
) -> ServiceResult<task_list::Model> {
    let txn = begin_write(db).await?;
    let (row, to) = load_for(&txn, actor, id, expected_version, ListAction::Clear).await?;
    let on = on.unwrap_or_else(calendar::today);
    check_day(on, row.published_on)?;
    let items = items_of(&txn, &[row.id]).await?.remove(&row.id).unwrap_or_default();
    let named = items_named(&items, clearings.iter().map(|c| c.item_id))?;
    if named.len() != items.len() {
        return Err(Fault::invalid(
            "items",
            format!(
                "give the outcome of every item: the list has {}, you gave {}",
                items.len(),
                named.len()
            ),
        )
        .into());
    }
    for (i, (item, c)) in named.into_iter().zip(&clearings).enumerate() {
        let index = i.to_string();
        let reason = optional_text("reason", "the reason", c.reason.as_deref(), MAX_NOTE_CHARS)
            .map_err(|e| Fault::new(e.code, &["input", "items", &index, "reason"], e.message))?;
        if c.outcome.needs_reason() && reason.is_none() {
            return Err(Fault::new(
                ErrorCode::InvalidInput,
                &["input", "items", &index, "reason"],
                "say why the item was not done in full",
            )
            .into());
        }
        task_list_item::Entity::update_many()
            .col_expr(task_list_item::Column::Outcome, Expr::val(c.outcome.as_str()))
            .col_expr(task_list_item::Column::OutcomeReason, Expr::val(reason))
            .filter(task_list_item::Column::Id.eq(item.id))
            .exec(&txn)
            .await?;
    }
    let after = task_list::Model {
        status: to.as_str().to_string(),
        cleared_on: Some(on),
        version: row.version + 1,
        ..row.clone()
    };
    let after = save(&txn, actor, AuditAction::TaskListClear, &row, after).await?;
    txn.commit().await?;
    Ok(after)
}
