//! 痕迹档案 — `auditLog`: who changed what, when, with the values before and after.
use super::context::ContextExt;
use super::errors::{OrApiError, bad_input};
use super::node::{decode, global_id};
use super::pagination::{ConnectionOf, connection, cost, page_request};
use super::scalars::DateTime;
use crate::service::audit::{self as svc, AuditFilter as SvcFilter};
use async_graphql::{Context, ID, InputObject, Object};
use entity::audit_entry;

pub struct AuditEntry(pub audit_entry::Model);

/// 痕迹档案 — one change, as it was recorded in the transaction that made it.
#[Object]
impl AuditEntry {
    /// The entry's opaque ID (not one that `node(id:)` takes).
    pub async fn id(&self) -> ID {
        global_id("AuditEntry", self.0.id)
    }
    /// When the change was made (its transaction's time).
    async fn occurred_at(&self) -> DateTime {
        DateTime(self.0.occurred_at)
    }
    /// The user who made the change (`system` for the command-line tools).
    async fn actor_username(&self) -> &str {
        &self.0.actor_username
    }
    /// The role the user had then: `ADMIN`, `COORDINATOR`, `FINANCE`, `DEPARTMENT`,
    /// `TOWNSHIP` or `INSPECTOR` (`ADMIN` for the command-line tools).
    async fn actor_role(&self) -> &str {
        &self.0.actor_role
    }
    /// What was done, e.g. `project.approve`, `user.create`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The kind of object changed: `Project`, `ProgressReport`, `LedgerEntry`, `FundLine`,
    /// `AnnualPlan`, `Region`, `Department` or `User`.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// The global ID of the object changed. `node(id:)` fetches it while it exists, for
    /// the kinds that are a `Node` (not `AnnualPlan` or `ProgressReport`).
    async fn entity_id(&self) -> ID {
        global_id(&self.0.entity_type, &self.0.entity_id)
    }
    /// The object's stored values before the change, as JSON text (the database's column
    /// names, money in fen, quantities in thousandths of the unit; a plan with its fund
    /// lines and sectors); null for a creation.
    async fn before(&self) -> Option<&str> {
        self.0.before.as_deref()
    }
    /// The object's stored values after the change, as JSON text like `before`; null for
    /// a deletion.
    async fn after(&self) -> Option<&str> {
        self.0.after.as_deref()
    }
}

/// Which entries of the audit trail to list; every condition given must hold.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Only changes to this object (any global ID).
    pub entity: Option<ID>,
    /// Only changes to objects of this kind, e.g. `Project`; ignored when `entity` is given.
    pub entity_type: Option<String>,
    /// Only changes made by this user (the exact username).
    pub actor_username: Option<String>,
    /// Only changes of this action, e.g. `project.approve` (the exact name).
    pub action: Option<String>,
    /// From this instant on.
    pub occurred_after: Option<DateTime>,
    /// Before this instant.
    pub occurred_before: Option<DateTime>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail of your area, newest first (ADMIN, INSPECTOR).
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
        #[graphql(desc = "Which entries; the whole trail of your area when left out.")] filter: Option<AuditLogFilter>,
    ) -> async_graphql::Result<ConnectionOf<AuditEntry>> {
        let actor = ctx.actor()?;
        let page = page_request::<i64>(first, after.clone())?;
        let f = filter.unwrap_or_default();
        let (entity_type, entity_id) = match &f.entity {
            Some(id) => {
                let (kind, key) = decode(id)
                    .ok_or_else(|| bad_input(format!("`{}` is not an ID issued by this API", id.as_str())))?;
                (Some(kind), Some(key))
            }
            None => (f.entity_type, None),
        };
        let filter = SvcFilter {
            entity_type,
            entity_id,
            actor_username: f.actor_username,
            action: f.action,
            occurred_after: f.occurred_after.map(|d| d.0),
            occurred_before: f.occurred_before.map(|d| d.0),
        };
        let rows = svc::list(ctx.db()?, actor, &filter, &page).await.api()?;
        Ok(connection(rows, after.is_some(), |e| e.id.to_string(), AuditEntry))
    }
}
