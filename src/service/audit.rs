//! 痕迹档案 — the audit trail. Every change writes one entry in the transaction that makes it.
use crate::domain::access::Actor;
pub use crate::domain::audit::AuditAction;
use entity::audit_entry;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

/// What changed: the action, the entity, and its values before and after.
pub struct Change<'a> {
    pub action: AuditAction,
    pub entity_type: &'a str,
    pub entity_id: String,
    /// The region the entity belongs to, so inspectors read only their subtree.
    pub region_code: Option<String>,
    /// The values as JSON text (see [`json`]).
    pub before: Option<String>,
    pub after: Option<String>,
}

/// An entity's values as the audit trail keeps them: JSON text, written straight from the
/// row (no `serde_json::Value` tree in between, which cost a progress report a tenth of
/// its instructions), fields in the row's order.
pub fn json(values: &impl serde::Serialize) -> Option<String> {
    serde_json::to_string(values).ok()
}

pub async fn record(conn: &impl ConnectionTrait, actor: &Actor, change: Change<'_>) -> Result<(), DbErr> {
    record_all(conn, actor, vec![change]).await
}

/// Records several changes of one request with one statement.
pub async fn record_all(conn: &impl ConnectionTrait, actor: &Actor, changes: Vec<Change<'_>>) -> Result<(), DbErr> {
    let now = chrono::Utc::now();
    let rows = changes.into_iter().map(|change| audit_entry::ActiveModel {
        occurred_at: Set(now),
        actor_id: Set(actor.user_id),
        actor_username: Set(actor.username.clone()),
        actor_role: Set(actor.role.as_str().to_string()),
        action: Set(change.action.as_str().to_string()),
        entity_type: Set(change.entity_type.to_string()),
        entity_id: Set(change.entity_id),
        region_code: Set(change.region_code),
        before: Set(change.before),
        after: Set(change.after),
        ..Default::default()
    });
    audit_entry::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Which audit entries to list.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_username: Option<String>,
    pub action: Option<AuditAction>,
    pub occurred_after: Option<chrono::DateTime<chrono::Utc>>,
    pub occurred_before: Option<chrono::DateTime<chrono::Utc>>,
}

/// One entry of the trail by its id, if it lies in the actor's area (ADMIN, INSPECTOR).
pub async fn find(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> super::ServiceResult<Option<audit_entry::Model>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    // Like every object outside one's reach, an entry one may not read is not there.
    if crate::domain::access::authorize(actor, crate::domain::access::Operation::ViewAuditLog).is_err() {
        return Ok(None);
    }
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::Id.eq(id))
        .filter(super::scoped_codes(
            actor,
            crate::domain::access::Operation::ViewAuditLog,
            audit_entry::Column::RegionCode,
        ))
        .one(db)
        .await?)
}

/// One page of the audit trail in the actor's area, newest first (ADMIN, INSPECTOR).
pub async fn list(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    filter: &AuditFilter,
    page: &super::PageRequest<i64>,
) -> super::ServiceResult<super::Page<audit_entry::Model>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    crate::domain::access::authorize(actor, crate::domain::access::Operation::ViewAuditLog)?;
    let mut query = audit_entry::Entity::find().filter(super::scoped_codes(
        actor,
        crate::domain::access::Operation::ViewAuditLog,
        audit_entry::Column::RegionCode,
    ));
    if let Some(kind) = &filter.entity_type {
        query = query.filter(audit_entry::Column::EntityType.eq(kind.trim()));
    }
    if let Some(id) = &filter.entity_id {
        query = query.filter(audit_entry::Column::EntityId.eq(id.trim()));
    }
    if let Some(username) = &filter.actor_username {
        query = query.filter(audit_entry::Column::ActorUsername.eq(username.trim()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_entry::Column::Action.eq(action.as_str()));
    }
    if let Some(after) = filter.occurred_after {
        query = query.filter(audit_entry::Column::OccurredAt.gte(after));
    }
    if let Some(before) = filter.occurred_before {
        query = query.filter(audit_entry::Column::OccurredAt.lt(before));
    }
    super::keyset_page(db, query, audit_entry::Column::Id, sea_orm::Order::Desc, page).await
}
