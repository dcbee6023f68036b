//! The fund ledger: `fundLines`, the ledger entries, and the finance bureau's mutations.
use super::context::ContextExt;
use super::errors::{OrApiError, UserError, internal, payload};
use super::node::{decode_numeric, global_id};
use super::pagination::{ConnectionOf, connection, cost, page_request};
use super::projects::Project;
use super::regions::Region;
use super::scalars::{Date, DateTime, Decimal, yuan};
use crate::domain::funds::{EntryKind, FundKind, FundLevel};
use crate::domain::money::Money;
use crate::service::ServiceError;
use crate::service::funds::{self as svc, AllocationInput, DisbursementInput, FundLineInput, ReceiptInput};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::{fund_line, ledger_entry};

pub struct FundLine(pub fund_line::Model);

/// 资金项 — one named source of money for one county and year. Its money figures are the
/// ledger's totals to date, reversals included.
#[Object]
impl FundLine {
    /// The fund line's opaque global ID, for `node(id:)` and the ledger mutations.
    pub async fn id(&self) -> ID {
        global_id("FundLine", self.0.id)
    }
    /// 资金项名称 — unique in its county and year.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The county (县) whose money it is.
    async fn county(&self, ctx: &Context<'_>) -> async_graphql::Result<Region> {
        ctx.loaders()?
            .regions
            .load_one(&self.0.county_code)
            .await?
            .map(Region)
            .ok_or_else(|| internal("fund line without a county"))
    }
    /// 年度 — the programme year.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// 资金类型 — where the money comes from.
    async fn kind(&self) -> async_graphql::Result<FundKind> {
        svc::kind_of_line(&self.0).api()
    }
    /// 资金级次 — the level of government it comes from.
    async fn level(&self) -> async_graphql::Result<FundLevel> {
        svc::level_of_line(&self.0).api()
    }
    /// 年计划 as the line was created, in yuan (the approved annual plan may set another).
    async fn planned_amount(&self) -> Decimal {
        yuan(Money::from_fen(self.0.planned_fen))
    }
    /// Whether its money may only reach poverty villages or registered poor households.
    async fn poverty_targeted(&self) -> bool {
        self.0.poverty_targeted
    }
    /// 到位 — Σ receipts, in yuan.
    async fn in_place(&self, ctx: &Context<'_>) -> async_graphql::Result<Decimal> {
        Ok(yuan(self.totals(ctx).await?.0))
    }
    /// 已安排 — Σ allocations, in yuan.
    async fn allocated(&self, ctx: &Context<'_>) -> async_graphql::Result<Decimal> {
        Ok(yuan(self.totals(ctx).await?.1))
    }
    /// 未安排结余 — what has arrived and is not yet allocated, in yuan.
    async fn unallocated(&self, ctx: &Context<'_>) -> async_graphql::Result<Decimal> {
        let (in_place, allocated, _) = self.totals(ctx).await?;
        Ok(yuan(Money::from_fen(in_place.fen() - allocated.fen())))
    }
    /// 已拨付 — Σ disbursements, in yuan.
    async fn disbursed(&self, ctx: &Context<'_>) -> async_graphql::Result<Decimal> {
        Ok(yuan(self.totals(ctx).await?.2))
    }
    /// When the line was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// 到位 — the line's receipts by date, reversals included (FINANCE, COORDINATOR,
    /// INSPECTOR, ADMIN, as for `ledgerEntries`).
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn receipts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
    ) -> async_graphql::Result<ConnectionOf<LedgerEntry>> {
        super::journal::of_line(ctx, self.0.id, EntryKind::Receipt, first, after).await
    }
    /// 安排 — the line's allocations by date, reversals included (as `receipts`).
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn allocations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
    ) -> async_graphql::Result<ConnectionOf<LedgerEntry>> {
        super::journal::of_line(ctx, self.0.id, EntryKind::Allocation, first, after).await
    }
    /// 拨付 — the line's disbursements by date, reversals included (as `receipts`).
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn disbursements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
    ) -> async_graphql::Result<ConnectionOf<LedgerEntry>> {
        super::journal::of_line(ctx, self.0.id, EntryKind::Disbursement, first, after).await
    }
}

impl FundLine {
    async fn totals(&self, ctx: &Context<'_>) -> async_graphql::Result<(Money, Money, Money)> {
        Ok(ctx
            .loaders()?
            .fund_line_totals
            .load_one(&self.0.id)
            .await?
            .unwrap_or_default())
    }
}

pub struct LedgerEntry(pub ledger_entry::Model);

/// 台账分录 — one entry of the append-only ledger: a receipt (到位), an allocation (安排)
/// or a disbursement (拨付). A reversal (冲销) is an entry of the same kind with a
/// negative amount that names the entry it reverses.
#[Object]
impl LedgerEntry {
    /// The entry's opaque global ID; an allocation's is the `allocation` that
    /// `disbursementRecord` pays out.
    pub async fn id(&self) -> ID {
        global_id("LedgerEntry", self.0.id)
    }
    /// 到位, 安排 or 拨付; a reversal has the kind of the entry it reverses.
    async fn kind(&self) -> async_graphql::Result<EntryKind> {
        svc::kind_of_entry(&self.0).api()
    }
    /// In yuan; negative for a reversal.
    async fn amount(&self) -> Decimal {
        yuan(Money::from_fen(self.0.amount_fen))
    }
    /// The day the money moved (or the reversal's day), as recorded.
    async fn date(&self) -> Date {
        Date(self.0.entry_date)
    }
    /// The fund line whose money it is.
    async fn fund_line(&self, ctx: &Context<'_>) -> async_graphql::Result<FundLine> {
        ctx.loaders()?
            .fund_lines
            .load_one(&self.0.fund_line_id)
            .await?
            .map(FundLine)
            .ok_or_else(|| internal("entry without a fund line"))
    }
    /// The project money was allocated or paid to; null for a receipt.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        match self.0.project_id {
            None => Ok(None),
            Some(id) => Ok(ctx.loaders()?.projects.load_one(&id).await?.map(Project)),
        }
    }
    /// For a disbursement: the allocation it pays out.
    async fn allocation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<LedgerEntry>> {
        match self.0.allocation_id {
            None => Ok(None),
            Some(id) => Ok(ctx.loaders()?.ledger_entries.load_one(&id).await?.map(LedgerEntry)),
        }
    }
    /// 文号 — the document number of a receipt.
    async fn document_no(&self) -> Option<&str> {
        (self.0.kind == EntryKind::Receipt.as_str())
            .then_some(self.0.document_no.as_deref())
            .flatten()
    }
    /// The voucher number of a disbursement.
    async fn voucher_no(&self) -> Option<&str> {
        (self.0.kind == EntryKind::Disbursement.as_str())
            .then_some(self.0.document_no.as_deref())
            .flatten()
    }
    /// 质保金 — whether a disbursement is the retention payment.
    async fn is_retention(&self) -> bool {
        self.0.is_retention
    }
    /// 计划外 — whether an allocation was made outside the plan in force (its reason is the
    /// `note`); a reversal shows what it reverses.
    async fn outside_plan(&self) -> bool {
        self.0.outside_plan
    }
    /// The reversal (冲销) that cancelled this entry; null while it stands.
    async fn reversed_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<LedgerEntry>> {
        if self.0.reverses_id.is_some() {
            return Ok(None);
        }
        Ok(ctx.loaders()?.reversals.load_one(&self.0.id).await?.map(LedgerEntry))
    }
    /// For a reversal: the entry it reverses.
    async fn reverses(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<LedgerEntry>> {
        match self.0.reverses_id {
            None => Ok(None),
            Some(id) => Ok(ctx.loaders()?.ledger_entries.load_one(&id).await?.map(LedgerEntry)),
        }
    }
    /// A note, or the reason for a reversal.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The username of who recorded the entry.
    async fn recorded_by(&self) -> &str {
        &self.0.recorded_by
    }
    /// When the entry was recorded.
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.recorded_at)
    }
}

/// Which fund lines to list, of your area's; every condition given must hold.
#[derive(InputObject, Default)]
pub struct FundLineFilter {
    /// Only this county's lines (its 12-digit code).
    pub county_code: Option<String>,
    /// Only lines of this programme year.
    pub year: Option<i32>,
    /// Only lines of this 资金类型.
    pub kind: Option<FundKind>,
    /// Only lines of this 资金级次.
    pub level: Option<FundLevel>,
}

#[derive(Default)]
pub struct FundQuery;

#[Object]
impl FundQuery {
    /// 资金项 — the fund lines of the counties in your area (a township's users see none),
    /// in the order they were created.
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn fund_lines(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
        #[graphql(desc = "Which fund lines; all of your area's when left out.")] filter: Option<FundLineFilter>,
    ) -> async_graphql::Result<ConnectionOf<FundLine>> {
        let actor = ctx.actor()?;
        let page = page_request::<i64>(first, after.clone())?;
        let f = filter.unwrap_or_default();
        let filter = svc::FundLineFilter {
            county_code: f.county_code,
            year: f.year,
            kind: f.kind,
            level: f.level,
        };
        let rows = svc::list_lines(ctx.db()?, actor, &filter, &page).await.api()?;
        let ids: Vec<i64> = rows.items.iter().map(|l| l.id).collect();
        ctx.loaders()?.fund_line_totals.prime(&ids).await?;
        Ok(connection(rows, after.is_some(), |l| l.id.to_string(), FundLine))
    }
}

/// 资金项 — a new fund line of a county and year.
#[derive(InputObject)]
pub struct FundLineCreateInput {
    /// The county's 12-digit code; a county in your area.
    pub county_code: String,
    /// 年度 — the programme year, 2000–2100.
    pub year: i32,
    /// 资金项名称; unique in the county and year, at most 200 characters.
    pub name: String,
    /// 资金类型.
    pub kind: FundKind,
    /// 资金级次.
    pub level: FundLevel,
    /// 年计划, in yuan.
    pub planned_amount: Decimal,
    /// Whether its money may only reach poverty villages or poor households; by default
    /// every kind but SECTOR and SELF_RAISED.
    pub poverty_targeted: Option<bool>,
}

/// 资金到位 — money of a fund line that has arrived.
#[derive(InputObject)]
pub struct FundReceiptRecordInput {
    /// The fund line the money arrived on (its global ID).
    pub fund_line: ID,
    /// In yuan, at most 2 decimals.
    pub amount: Decimal,
    /// The day the money arrived; not in the future.
    pub date: Date,
    /// 文号 — the document the money came under. A 文号 the line already has (on a receipt
    /// not reversed) is refused with `ALREADY_EXISTS` naming the earlier receipt, unless
    /// `confirmDuplicate` is set.
    pub document_no: String,
    /// A note, at most 2000 characters.
    pub note: Option<String>,
    /// Set to record a second receipt under a 文号 the line already has.
    #[graphql(default)]
    pub confirm_duplicate: bool,
}

/// 资金安排 — arrived money of a fund line assigned to a project.
#[derive(InputObject)]
pub struct FundAllocateInput {
    /// The fund line the money comes from (its global ID).
    pub fund_line: ID,
    /// The project it goes to (its global ID): of the line's county, approved or later,
    /// not cancelled.
    pub project: ID,
    /// In yuan, above 0 with at most 2 decimals; at most what has arrived on the line and
    /// is not yet allocated.
    pub amount: Decimal,
    /// The day of the allocation; not in the future.
    pub date: Date,
    /// A note, at most 2000 characters; the reason when `confirmAboveBudget` is set.
    pub note: Option<String>,
    /// 超概算 — set to allocate beyond the project's budget (what it has been allocated
    /// with this amount); refused without it, and without a reason in `note`.
    #[graphql(default)]
    pub confirm_above_budget: bool,
    /// 计划外 — set to allocate outside the plan in force on the allocation's day: once that
    /// plan lists projects (整合方案), a project it does not list for this line, or more than
    /// it gives the project from the line, is refused (`OUTSIDE_PLAN`) without this and a
    /// reason in `note`. The entry then shows `outsidePlan: true`.
    #[graphql(default)]
    pub outside_plan: bool,
}

/// 资金拨付 — money of an allocation paid out.
#[derive(InputObject)]
pub struct DisbursementRecordInput {
    /// The allocation paid out.
    pub allocation: ID,
    /// In yuan, above 0 with at most 2 decimals; at most what remains of the allocation.
    pub amount: Decimal,
    /// The day of the payment; not in the future.
    pub date: Date,
    /// 凭证号 — the payment voucher's number; required, at most 100 characters. A number
    /// the county already has (on a payment not reversed) is refused with `ALREADY_EXISTS`
    /// naming the earlier payment, unless `confirmDuplicate` is set.
    pub voucher_no: String,
    /// 质保金 — the retention payment, made after acceptance.
    #[graphql(default)]
    pub is_retention: bool,
    /// 提前退还 — for a retention paid before it falls due (acceptance plus the county's
    /// guarantee period), why it is released early; refused without it. Kept in the note.
    pub early_release_reason: Option<String>,
    /// A note, at most 2000 characters.
    pub note: Option<String>,
    /// Set to record a second payment under a voucher number the county already has.
    #[graphql(default)]
    pub confirm_duplicate: bool,
}

/// 冲销 — which entry to reverse, why, and on what day.
#[derive(InputObject)]
pub struct LedgerEntryReverseInput {
    /// The entry to reverse (its global ID); a reversal itself cannot be reversed.
    pub entry: ID,
    /// Why; required.
    pub reason: String,
    /// The reversal's date; today if left out.
    pub date: Option<Date>,
}

/// What `fundLineCreate` did: the new fund line, or why nothing changed.
#[derive(SimpleObject)]
pub struct FundLinePayload {
    /// The new fund line; null when it was refused.
    pub fund_line: Option<FundLine>,
    /// Why it was refused; empty when the line was created.
    pub user_errors: Vec<UserError>,
}

/// What a ledger mutation did: the new entry, or why nothing changed.
#[derive(SimpleObject)]
pub struct LedgerEntryPayload {
    /// The new entry (for a reversal, the negative one); null when it was refused.
    pub entry: Option<LedgerEntry>,
    /// Why it was refused; empty when the entry was recorded.
    pub user_errors: Vec<UserError>,
}

fn entry_payload(result: Result<ledger_entry::Model, ServiceError>) -> async_graphql::Result<LedgerEntryPayload> {
    let (entry, user_errors) = payload(result)?;
    Ok(LedgerEntryPayload {
        entry: entry.map(LedgerEntry),
        user_errors,
    })
}

#[derive(Default)]
pub struct FundMutation;

#[Object]
impl FundMutation {
    /// 资金项 — creates a fund line for a county and year (FINANCE, ADMIN).
    async fn fund_line_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county, year, name, kind, level and planned amount of the line.")]
        input: FundLineCreateInput,
    ) -> async_graphql::Result<FundLinePayload> {
        let actor = ctx.actor()?;
        let input = FundLineInput {
            county_code: input.county_code,
            year: input.year,
            name: input.name,
            kind: input.kind,
            level: input.level,
            planned: input.planned_amount.0,
            poverty_targeted: input.poverty_targeted,
        };
        let (line, user_errors) = payload(svc::create_line(ctx.db()?, actor, input).await)?;
        Ok(FundLinePayload {
            fund_line: line.map(FundLine),
            user_errors,
        })
    }

    /// 资金到位 — records money of a fund line that has arrived (FINANCE, ADMIN).
    async fn fund_receipt_record(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fund line, the amount, its day and document number.")] input: FundReceiptRecordInput,
    ) -> async_graphql::Result<LedgerEntryPayload> {
        let actor = ctx.actor()?;
        let db = ctx.db()?;
        let result = async {
            let input = ReceiptInput {
                fund_line_id: decode_numeric(&input.fund_line, "FundLine", "fundLine")?,
                amount: input.amount.0,
                date: input.date.0,
                document_no: input.document_no,
                note: input.note,
                confirm_duplicate: input.confirm_duplicate,
            };
            svc::record_receipt(db, actor, input).await
        }
        .await;
        entry_payload(result)
    }

    /// 资金安排 — allocates arrived money of a fund line to a project (FINANCE, ADMIN).
    async fn fund_allocate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fund line, the project, the amount and its day.")] input: FundAllocateInput,
    ) -> async_graphql::Result<LedgerEntryPayload> {
        let actor = ctx.actor()?;
        let db = ctx.db()?;
        let result = async {
            let input = AllocationInput {
                fund_line_id: decode_numeric(&input.fund_line, "FundLine", "fundLine")?,
                project_id: decode_numeric(&input.project, "Project", "project")?,
                amount: input.amount.0,
                date: input.date.0,
                note: input.note,
                confirm_above_budget: input.confirm_above_budget,
                outside_plan: input.outside_plan,
            };
            svc::allocate(db, actor, input).await
        }
        .await;
        entry_payload(result)
    }

    /// 资金拨付 — pays out money of an allocation (FINANCE, ADMIN).
    async fn disbursement_record(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The allocation, the amount, its day and voucher number.")] input: DisbursementRecordInput,
    ) -> async_graphql::Result<LedgerEntryPayload> {
        let actor = ctx.actor()?;
        let db = ctx.db()?;
        let result = async {
            let input = DisbursementInput {
                allocation_id: decode_numeric(&input.allocation, "LedgerEntry", "allocation")?,
                amount: input.amount.0,
                date: input.date.0,
                voucher_no: input.voucher_no,
                is_retention: input.is_retention,
                early_release_reason: input.early_release_reason,
                note: input.note,
                confirm_duplicate: input.confirm_duplicate,
            };
            svc::disburse(db, actor, input).await
        }
        .await;
        entry_payload(result)
    }

    /// 冲销 — reverses an entry with a new negative entry tied to it (FINANCE, ADMIN). The
    /// ledger is never edited or deleted.
    async fn ledger_entry_reverse(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry to reverse, why, and the reversal's day.")] input: LedgerEntryReverseInput,
    ) -> async_graphql::Result<LedgerEntryPayload> {
        let actor = ctx.actor()?;
        let db = ctx.db()?;
        let result = async {
            let id = decode_numeric(&input.entry, "LedgerEntry", "entry")?;
            svc::reverse(db, actor, id, Some(input.reason), input.date.map(|d| d.0)).await
        }
        .await;
        entry_payload(result)
    }
}

pub struct ProjectFundSummary {
    pub project_id: i64,
    pub allocated: Money,
    pub disbursed: Money,
}

/// A project's money, in yuan.
#[Object]
impl ProjectFundSummary {
    /// 已安排 — Σ allocations to the project, reversals included.
    async fn allocated(&self) -> Decimal {
        yuan(self.allocated)
    }
    /// 已拨付 — Σ disbursements to the project, reversals included.
    async fn disbursed(&self) -> Decimal {
        yuan(self.disbursed)
    }
    /// Per kind of fund, the kinds the project has money from, in order.
    async fn by_kind(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FundKindAmounts>> {
        Ok(ctx
            .loaders()?
            .project_amounts_by_kind
            .load_one(&self.project_id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|k| FundKindAmounts {
                kind: k.kind,
                allocated: yuan(k.allocated),
                disbursed: yuan(k.disbursed),
            })
            .collect())
    }
}

/// A project's money from one kind of fund, in yuan.
#[derive(SimpleObject)]
pub struct FundKindAmounts {
    /// 资金类型.
    pub kind: FundKind,
    /// 已安排 — Σ allocations from fund lines of this kind, reversals included.
    pub allocated: Decimal,
    /// 已拨付 — Σ disbursements from fund lines of this kind, reversals included.
    pub disbursed: Decimal,
}
