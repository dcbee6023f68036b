//! 痕迹档案 — the audit trail. Every change writes one entry in the transaction that makes it.
use crate::domain::access::Actor;
use entity::audit_entry;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde_json::Value;

/// What changed: the action, the entity, and its values before and after.
pub struct Change<'a> {
    /// e.g. `region.create`, `user.delete`.
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    /// The region the entity belongs to, so inspectors read only their subtree.
    pub region_code: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

pub async fn record(conn: &impl ConnectionTrait, actor: &Actor, change: Change<'_>) -> Result<(), DbErr> {
    audit_entry::Entity::insert(audit_entry::ActiveModel {
        occurred_at: Set(chrono::Utc::now()),
        actor_id: Set(actor.user_id),
        actor_username: Set(actor.username.clone()),
        actor_role: Set(actor.role.as_str().to_string()),
        action: Set(change.action.to_string()),
        entity_type: Set(change.entity_type.to_string()),
        entity_id: Set(change.entity_id),
        region_code: Set(change.region_code),
        before: Set(change.before.map(|v| v.to_string())),
        after: Set(change.after.map(|v| v.to_string())),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}
