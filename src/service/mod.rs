//! Use cases: each change a user makes is one public function, checked against the
//! permission table and run in one transaction with its audit entry; each read is checked
//! against the same table and scoped to the actor's region. Services speak in domain
//! types and entity rows; they never see a GraphQL type.
//!
//! Two modules serve the use cases rather than users: `audit` writes the audit entries,
//! and `timeline` keeps the construction figures' running totals in step with each step
//! and report (and reads a project's history for them).
//!
//! The batch reads the GraphQL loaders call (`by_ids`, `by_codes`, `…_of`) follow
//! references from objects already in the caller's scope and check nothing further (see
//! `graphql::loaders`).
pub mod alerts;
pub mod assessment;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod construction;
pub mod departments;
pub mod disclosure;
pub mod exit;
pub mod exports;
pub mod funds;
pub mod imports;
pub mod journal;
pub mod negative_list;
pub mod plans;
pub mod progress;
pub mod projects;
pub mod public;
pub mod rankings;
pub mod rectification;
pub mod regions;
pub mod retention;
pub mod task_lists;
pub mod timeline;
pub mod users;
pub mod utilization;

pub use crate::db::begin_write;

use crate::domain::fault::Fault;
use sea_orm::{DbErr, SqlErr, sea_query::Condition};

/// The most rows a whole-list read takes in one go (an export, the retentions due).
pub const MAX_ROWS: u64 = 100_000;

/// The most keys one `IN (…)` list binds: PostgreSQL takes at most 65,535 parameters a
/// statement, and a whole-list read can name more ids than that.
pub(crate) const IDS_PER_STATEMENT: usize = 10_000;

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request broke a rule; nothing changed. Reported to the user.
    #[error("{}", .0.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; "))]
    Rejected(Vec<Fault>),
    /// The database failed; logged, never shown.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// Something else failed that the user cannot fix; logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<Fault> for ServiceError {
    fn from(fault: Fault) -> Self {
        ServiceError::Rejected(vec![fault])
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// Whether a database error is a unique-constraint violation (a name or code already taken).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// One page of a list ordered by a unique key, and how many rows the whole list has.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    pub total_count: u64,
}

/// Where a page starts and how long it is; `after` is the sort key of the last row seen.
#[derive(Clone, Debug)]
pub struct PageRequest<K> {
    pub first: u64,
    pub after: Option<K>,
    /// Whether to count the whole list (a statement of its own); lists that can skip it
    /// when nobody asked for `totalCount` do.
    pub count_total: bool,
}

impl<T> Page<T> {
    /// Builds a page from `first + 1` fetched rows: the extra row only says there is more.
    pub fn from_overfetch(mut rows: Vec<T>, first: u64, total_count: u64) -> Page<T> {
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        Page {
            items: rows,
            has_next_page,
            total_count,
        }
    }
}

/// One page of `query` by its unique `key` (ascending, or descending for newest first):
/// the whole list counted, then `first + 1` rows after the cursor, the extra one saying
/// there is more.
pub(crate) async fn keyset_page<E, C, K>(
    db: &impl sea_orm::ConnectionTrait,
    mut query: sea_orm::Select<E>,
    key: C,
    order: sea_orm::Order,
    page: &PageRequest<K>,
) -> ServiceResult<Page<E::Model>>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
    C: sea_orm::ColumnTrait,
    K: Clone + Into<sea_orm::Value>,
{
    use sea_orm::{PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
    let total_count = query.clone().count(db).await?;
    if let Some(after) = page.after.clone() {
        query = query.filter(match order {
            sea_orm::Order::Desc => key.lt(after),
            _ => key.gt(after),
        });
    }
    let rows = query.order_by(key, order).limit(page.first + 1).all(db).await?;
    Ok(Page::from_overfetch(rows, page.first, total_count))
}

/// A condition that `column` contains `text` as typed, alike on both databases: `%` and `_`
/// match themselves, and ASCII letters match either case (SQLite's LIKE ignores ASCII case,
/// PostgreSQL's does not, so both sides are lower-cased).
pub(crate) fn contains_text<C: sea_orm::ColumnTrait>(column: C, text: &str) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
    let mut pattern = String::from("%");
    for c in text.to_ascii_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Expr::expr(Func::lower(Expr::col((column.entity_name(), column)))).like(LikeExpr::new(pattern).escape('\\'))
}

/// A condition matching the codes in `region`'s subtree, as a range an index can answer
/// (a `LIKE 'prefix%'` with a bound pattern cannot use a B-tree on PostgreSQL).
pub(crate) fn in_subtree<C: sea_orm::ColumnTrait>(column: C, region: &crate::domain::region::RegionCode) -> Condition {
    Condition::all()
        .add(column.gte(region.subtree_prefix()))
        .add(column.lt(region.subtree_end()))
}

/// A condition matching the region codes where `operation` may reach for `actor`, as the
/// permission table says: its subtree, and for reference data the regions above it too.
pub(crate) fn scoped_codes<C: sea_orm::ColumnTrait>(
    actor: &crate::domain::access::Actor,
    operation: crate::domain::access::Operation,
    column: C,
) -> Condition {
    match crate::domain::access::permission(operation).reach {
        crate::domain::access::Reach::Visible => visible_codes(&actor.scope, column),
        crate::domain::access::Reach::Subtree => subtree_codes(&actor.scope, column),
    }
}

/// Who sees a unit's record — a rectification problem, a monthly list — by the projects'
/// rule (`ProjectsSeen`): a department the records of its own, a township those of units in
/// its area, everyone else those of the counties in their subtree. The SQL form; the same
/// for a row in hand is [`unit_record_seen`].
pub(crate) fn unit_records_seen<C: sea_orm::ColumnTrait>(
    actor: &crate::domain::access::Actor,
    county: C,
    department: C,
    region: C,
) -> Condition {
    use crate::domain::access::ProjectsSeen;
    use sea_orm::sea_query::{Expr, ExprTrait};
    match actor.projects_seen() {
        ProjectsSeen::AssignedTo(Some(id)) => Condition::all().add(department.eq(id)),
        ProjectsSeen::AssignedTo(None) => Condition::all().add(Expr::val(1).eq(Expr::val(0))),
        ProjectsSeen::Everything => Condition::all(),
        ProjectsSeen::InRegion(root) => Condition::any()
            .add(in_subtree(county, &root))
            .add(in_subtree(region, &root)),
    }
}

/// [`unit_records_seen`] for a record in hand: its county, unit department and unit region.
pub(crate) fn unit_record_seen(
    actor: &crate::domain::access::Actor,
    county: &str,
    department: Option<i64>,
    region: Option<&str>,
) -> bool {
    use crate::domain::access::ProjectsSeen;
    use crate::domain::region::RegionCode;
    let within = |code: &str| RegionCode::parse(code).is_ok_and(|c| actor.scope.contains(&c));
    match actor.projects_seen() {
        ProjectsSeen::AssignedTo(mine) => mine.is_some() && mine == department,
        ProjectsSeen::Everything => true,
        ProjectsSeen::InRegion(_) => within(county) || region.is_some_and(within),
    }
}

/// A condition matching region codes the scope can see (its subtree and the regions above it).
pub(crate) fn visible_codes<C: sea_orm::ColumnTrait>(scope: &crate::domain::access::Scope, column: C) -> Condition {
    use crate::domain::access::Scope;
    match scope {
        Scope::Everything => Condition::all(),
        Scope::Subtree(root) => Condition::any()
            .add(in_subtree(column, root))
            .add(column.is_in(root.ancestors().iter().map(|c| c.to_string()))),
    }
}

/// A condition matching region codes inside the scope's subtree.
pub(crate) fn subtree_codes<C: sea_orm::ColumnTrait>(scope: &crate::domain::access::Scope, column: C) -> Condition {
    use crate::domain::access::Scope;
    match scope {
        Scope::Everything => Condition::all(),
        Scope::Subtree(root) => in_subtree(column, root),
    }
}

/// `ON CONFLICT (key) DO UPDATE SET amount = amount + excluded.amount` for each amount: a
/// new running-total row, or its amounts added to the one there.
pub(crate) fn adding_on_conflict<C: sea_orm::ColumnTrait>(
    key: impl IntoIterator<Item = C>,
    amounts: impl IntoIterator<Item = C>,
) -> sea_orm::sea_query::OnConflict {
    use sea_orm::sea_query::{Expr, ExprTrait};
    let mut on_conflict = sea_orm::sea_query::OnConflict::columns(key);
    for amount in amounts {
        on_conflict.value(
            amount,
            Expr::col((amount.entity_name(), amount)).add(Expr::cust(format!("excluded.{}", amount.as_str()))),
        );
    }
    on_conflict
}
