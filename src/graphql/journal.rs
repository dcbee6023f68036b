//! 资金台账 — the journal: `ledgerEntries`, searched by line, project, kind, day, 文号 or
//! voucher number, reversals and clerk; a fund line's receipts, allocations and
//! disbursements are the same list with the line and kind fixed.
use super::context::ContextExt;
use super::errors::{OrApiError, from_service};
use super::funds::LedgerEntry;
use super::node::decode_numeric;
use super::pagination::{ConnectionOf, connection, cost, page_request};
use super::scalars::Date;
use crate::db::rows::distinct;
use crate::domain::funds::EntryKind;
use crate::service::journal::{self as svc, JournalCursor, JournalFilter, JournalOrder};
use async_graphql::{Context, Enum, ID, InputObject, Object};

/// Which ledger entries to list, of your area's; every condition given must hold.
#[derive(InputObject, Default)]
pub struct LedgerEntryFilter {
    /// A county or larger region (its 12-digit code): its counties' entries; a township or
    /// village: the allocations and disbursements of its projects.
    pub region_code: Option<String>,
    /// 年度 — entries of fund lines of this programme year.
    pub year: Option<i32>,
    /// Entries of this fund line (its global ID).
    pub fund_line: Option<ID>,
    /// Entries of this project (its global ID).
    pub project: Option<ID>,
    /// Only receipts (到位), allocations (安排) or disbursements (拨付).
    pub kind: Option<EntryKind>,
    /// Entries dated on or after this day.
    pub date_from: Option<Date>,
    /// Entries dated on or before this day.
    pub date_to: Option<Date>,
    /// Receipts whose 文号 contains this text.
    pub document_no: Option<String>,
    /// Disbursements whose voucher number (凭证号) contains this text.
    pub voucher_no: Option<String>,
    /// `true`: only entries a reversal has cancelled (已冲销); `false`: only entries no
    /// reversal has cancelled.
    pub reversed: Option<bool>,
    /// `true`: only reversals (冲销分录); `false`: no reversals.
    pub is_reversal: Option<bool>,
    /// `true`: only allocations made outside the plan in force (计划外) and their
    /// reversals; `false`: no such entries.
    pub outside_plan: Option<bool>,
    /// Only entries recorded by this username.
    pub recorded_by: Option<String>,
}

/// The journal's order.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum LedgerEntryOrder {
    /// By business date, oldest first; entries of one day in the order recorded.
    #[default]
    DateAsc,
    /// By business date, newest first; entries of one day the last recorded first.
    DateDesc,
}

impl LedgerEntryFilter {
    pub fn into_service(self) -> Result<JournalFilter, crate::domain::fault::Fault> {
        Ok(JournalFilter {
            region_code: self.region_code,
            year: self.year,
            fund_line_id: self
                .fund_line
                .map(|id| decode_numeric(&id, "FundLine", "fundLine"))
                .transpose()?,
            project_id: self
                .project
                .map(|id| decode_numeric(&id, "Project", "project"))
                .transpose()?,
            kind: self.kind,
            date_from: self.date_from.map(|d| d.0),
            date_to: self.date_to.map(|d| d.0),
            document_no: self.document_no,
            voucher_no: self.voucher_no,
            reversed: self.reversed,
            is_reversal: self.is_reversal,
            outside_plan: self.outside_plan,
            recorded_by: self.recorded_by,
        })
    }
}

impl From<LedgerEntryOrder> for JournalOrder {
    fn from(order: LedgerEntryOrder) -> Self {
        match order {
            LedgerEntryOrder::DateAsc => JournalOrder::DateAscending,
            LedgerEntryOrder::DateDesc => JournalOrder::DateDescending,
        }
    }
}

/// One page of the journal.
pub(super) async fn page(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    filter: JournalFilter,
    order: JournalOrder,
) -> async_graphql::Result<ConnectionOf<LedgerEntry>> {
    let actor = ctx.actor()?;
    let page = page_request::<JournalCursor>(first, after.clone())?;
    let rows = svc::list(ctx.db()?, actor, &filter, order, &page).await.api()?;
    let lines = distinct(rows.items.iter().map(|e| e.fund_line_id));
    ctx.loaders()?.fund_lines.prime(&lines).await?;
    Ok(connection(
        rows,
        after.is_some(),
        |e| JournalCursor::of(e).to_string(),
        LedgerEntry,
    ))
}

#[derive(Default)]
pub struct JournalQuery;

#[Object]
impl JournalQuery {
    /// 资金台账 — the ledger's entries in your area (FINANCE, COORDINATOR, INSPECTOR, ADMIN),
    /// by business date; reversals are entries of their own, each naming what it reverses.
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn ledger_entries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
        #[graphql(desc = "Which entries; all of your area's when left out.")] filter: Option<LedgerEntryFilter>,
        #[graphql(desc = "By business date, oldest first when left out.")] order_by: Option<LedgerEntryOrder>,
    ) -> async_graphql::Result<ConnectionOf<LedgerEntry>> {
        let filter = filter
            .unwrap_or_default()
            .into_service()
            .map_err(|f| from_service(f.into()))?;
        page(ctx, first, after, filter, order_by.unwrap_or_default().into()).await
    }
}

/// The entries of one kind on a fund line, as `FundLine.receipts` and its siblings list them.
pub(super) async fn of_line(
    ctx: &Context<'_>,
    line: i64,
    kind: EntryKind,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<ConnectionOf<LedgerEntry>> {
    let filter = JournalFilter {
        fund_line_id: Some(line),
        kind: Some(kind),
        ..Default::default()
    };
    page(ctx, first, after, filter, JournalOrder::DateAscending).await
}
