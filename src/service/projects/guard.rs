//! How every change to a project is made safe and kept: loaded at the version the user
//! saw, written only if still at it (`STALE_VERSION` otherwise), with its lifecycle event
//! and its audit entry.
use super::{TransitionDetails, township_of};
use crate::domain::access::Actor;
use crate::domain::audit::AuditAction;
use crate::domain::changes::ChangeKind;
use crate::domain::fault::Fault;
use crate::domain::lifecycle::{ProjectAction, ProjectStatus};
use crate::domain::quantity::Quantity;
use crate::service::audit::Change;
use crate::service::{ServiceError, ServiceResult};
use chrono::NaiveDate;
use entity::{project, project_event};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

pub(in crate::service) struct EventRecord {
    pub(in crate::service) action: ProjectAction,
    /// The day it happened.
    pub(in crate::service) on: NaiveDate,
    pub(in crate::service) from: Option<ProjectStatus>,
    pub(in crate::service) to: ProjectStatus,
    pub(in crate::service) details: TransitionDetails,
    pub(in crate::service) final_quantity: Option<Quantity>,
}

/// Writes a project's event (a step, a report) and puts it on the change feed
/// (`service::changes`), whose subscribers follow it once committed.
pub(in crate::service) async fn record_event(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    project: &project::Model,
    event: EventRecord,
) -> ServiceResult<()> {
    let change = match event.action {
        ProjectAction::ReportProgress => ChangeKind::Progress,
        _ => ChangeKind::Status,
    };
    crate::service::changes::project_changed(conn, project, change, event.action.as_str(), event.on).await?;
    project_event::Entity::insert(project_event::ActiveModel {
        project_id: Set(project.id),
        action: Set(event.action.as_str().to_string()),
        from_status: Set(event.from.map(|s| s.as_str().to_string())),
        to_status: Set(event.to.as_str().to_string()),
        actor_id: Set(actor.user_id),
        actor_username: Set(actor.username.clone()),
        actor_role: Set(actor.role.as_str().to_string()),
        occurred_at: Set(chrono::Utc::now()),
        comment: Set(event.details.comment.clone()),
        // An assignment names its claim deadline; other steps the day they name.
        event_date: Set(event.details.deadline.or(event.details.date)),
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

pub(in crate::service) fn project_change<'a>(
    action: AuditAction,
    before: Option<&project::Model>,
    after: &project::Model,
) -> Change<'a> {
    Change {
        action,
        entity_type: "Project",
        entity_id: after.id.to_string(),
        region_code: Some(after.township_code.clone()),
        before: before.and_then(crate::service::audit::json),
        after: crate::service::audit::json(after),
    }
}

/// Loads a project for a change: visible to the actor, at the version the actor saw. The
/// row is locked (`FOR UPDATE` on PostgreSQL; SQLite's write transaction already excludes
/// other writers), so a concurrent change waits and then sees the new version.
pub(in crate::service) async fn load_for_change(
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
pub(in crate::service) async fn load_at_version(
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
    Fault::stale(format!("project {}", model.code), model.version, &model.status).into()
}

/// Writes `changes` if the project is still at `expected_version`, bumping the version;
/// a concurrent change in between makes it `STALE_VERSION`.
pub(in crate::service) async fn write_guarded(
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
