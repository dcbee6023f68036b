//! 负面清单 — `negativeList(countyCode:)`: the national entries and the county's own; the
//! finance bureau adds and takes out the county's own.
use super::context::ContextExt;
use super::errors::{OrApiError, UserError, payload};
use super::node::{decode_numeric, global_id};
use super::scalars::DateTime;
use crate::domain::category::ProjectCategory;
use crate::domain::funds::FundKind;
use crate::service::negative_list::{self as svc, EntryInput, ListedEntry};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

pub struct NegativeListEntry(ListedEntry);

/// 负面清单 — one entry: money of `fundKind` may not pay for projects of `category`.
#[Object]
impl NegativeListEntry {
    /// The county's own entry's ID, for `negativeListEntryRemove`; null for a national one.
    async fn id(&self) -> Option<ID> {
        self.0.row.as_ref().map(|r| global_id("NegativeListEntry", r.id))
    }
    /// Whether it is national (binding every county, not removable) or the county's own.
    async fn national(&self) -> bool {
        self.0.row.is_none()
    }
    /// 项目类别 barred.
    async fn category(&self) -> ProjectCategory {
        self.0.barred.category
    }
    /// The category's Chinese name, as the list is written.
    async fn category_name(&self) -> &'static str {
        self.0.barred.category.chinese_name()
    }
    /// 资金类型 that may not pay for it.
    async fn fund_kind(&self) -> FundKind {
        self.0.barred.fund_kind
    }
    /// 依据 — the document that bars it.
    async fn source(&self) -> &str {
        &self.0.barred.source
    }
    /// A note on the county's own entry.
    async fn note(&self) -> Option<&str> {
        self.0.row.as_ref().and_then(|r| r.note.as_deref())
    }
    /// Who added the county's own entry.
    async fn created_by(&self) -> Option<&str> {
        self.0.row.as_ref().map(|r| r.created_by.as_str())
    }
    /// When the county's own entry was added.
    async fn created_at(&self) -> Option<DateTime> {
        self.0.created_at().map(DateTime)
    }
}

#[derive(Default)]
pub struct NegativeListQuery;

#[Object]
impl NegativeListQuery {
    /// 负面清单 — what each kind of fund may not pay for in a county: the national entries,
    /// then the county's own. An allocation to a project of a barred category is refused
    /// (`NEGATIVE_LIST`, naming the document).
    async fn negative_list(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county's 12-digit code.")] county_code: String,
    ) -> async_graphql::Result<Vec<NegativeListEntry>> {
        let entries = svc::list(ctx.db()?, ctx.actor()?, &county_code).await.api()?;
        Ok(entries.into_iter().map(NegativeListEntry).collect())
    }
}

/// A county's own entry of the negative list.
#[derive(InputObject)]
pub struct NegativeListEntryAddInput {
    /// The county's 12-digit code.
    pub county_code: String,
    /// 项目类别 to bar.
    pub category: ProjectCategory,
    /// 资金类型 that may not pay for it.
    pub fund_kind: FundKind,
    /// 依据 — the document that bars it; required, at most 200 characters.
    pub source: String,
    /// A note, at most 2000 characters.
    pub note: Option<String>,
}

/// Which county entry to take out.
#[derive(InputObject)]
pub struct NegativeListEntryRemoveInput {
    /// The entry (its global ID); national entries cannot be taken out.
    pub entry: ID,
}

/// What a negative-list mutation did.
#[derive(SimpleObject)]
pub struct NegativeListEntryPayload {
    /// The entry added or taken out; null when refused.
    pub entry: Option<NegativeListEntry>,
    /// Why it was refused; empty when it was done.
    pub user_errors: Vec<UserError>,
}

fn entry_payload(
    result: Result<entity::negative_list_entry::Model, crate::service::ServiceError>,
) -> async_graphql::Result<NegativeListEntryPayload> {
    let (row, user_errors) = payload(result.and_then(|row| {
        let barred = svc::barred_of(&row)?;
        Ok(ListedEntry { barred, row: Some(row) })
    }))?;
    Ok(NegativeListEntryPayload {
        entry: row.map(NegativeListEntry),
        user_errors,
    })
}

#[derive(Default)]
pub struct NegativeListMutation;

#[Object]
impl NegativeListMutation {
    /// 负面清单 — bars a project category for a kind of fund in a county (FINANCE, ADMIN).
    async fn negative_list_entry_add(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county, category, fund kind and the document that bars it.")]
        input: NegativeListEntryAddInput,
    ) -> async_graphql::Result<NegativeListEntryPayload> {
        let input = EntryInput {
            county_code: input.county_code,
            category: input.category,
            fund_kind: input.fund_kind,
            source: input.source,
            note: input.note,
        };
        entry_payload(svc::add(ctx.db()?, ctx.actor()?, input).await)
    }

    /// Takes a county's own entry out of its negative list (FINANCE, ADMIN).
    async fn negative_list_entry_remove(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry to take out.")] input: NegativeListEntryRemoveInput,
    ) -> async_graphql::Result<NegativeListEntryPayload> {
        let db = ctx.db()?;
        let actor = ctx.actor()?;
        let result = async {
            let id = decode_numeric(&input.entry, "NegativeListEntry", "entry")?;
            svc::remove(db, actor, id).await
        }
        .await;
        entry_payload(result)
    }
}
