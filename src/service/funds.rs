//! The fund ledger: fund lines, and the append-only entries that move their money —
//! receipts (到位), allocations (安排), disbursements (拨付) and reversals (冲销).
//!
//! Every write locks the fund line's row first (`SELECT … FOR UPDATE` on PostgreSQL; on
//! SQLite the write transaction already holds the database's single write lock), then
//! checks the invariants of DESIGN §2.5 against sums read inside the same transaction, so
//! concurrent requests cannot together overdraw a line or an allocation.
use super::audit::{self, Change};
use super::{Page, PageRequest, ServiceError, ServiceResult, begin_write, is_unique_violation, scoped_codes};
use crate::db::rows::{self, KeyedRead};
use crate::domain::access::{Actor, Operation, authorize, authorize_at};
use crate::domain::audit::AuditAction;
use crate::domain::calendar::{self, check_not_future};
use crate::domain::fault::{ErrorCode, Fault, required_text};
use crate::domain::funds::{self as rules, EntryKind, FundKind, FundLevel};
use crate::domain::money::Money;
use crate::domain::region::{RegionCode, RegionLevel};
use chrono::NaiveDate;
use entity::{
    fund_line, fund_line_month_total, fund_line_total, ledger_entry, ledger_total, project, project_village, region,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

#[derive(Clone, Debug)]
pub struct FundLineInput {
    pub county_code: String,
    pub year: i32,
    pub name: String,
    pub kind: FundKind,
    pub level: FundLevel,
    pub planned: Decimal,
    /// Defaults to the kind's default (every kind but SECTOR and SELF_RAISED).
    pub poverty_targeted: Option<bool>,
}

#[derive(Clone, Debug, Default)]
pub struct FundLineFilter {
    pub county_code: Option<String>,
    pub year: Option<i32>,
    pub kind: Option<FundKind>,
    pub level: Option<FundLevel>,
}

#[derive(Clone, Debug)]
pub struct ReceiptInput {
    pub fund_line_id: i64,
    pub amount: Decimal,
    pub date: NaiveDate,
    /// 文号
    pub document_no: String,
    pub note: Option<String>,
    /// The clerk confirms a second receipt under a 文号 the line already has.
    pub confirm_duplicate: bool,
}

#[derive(Clone, Debug)]
pub struct AllocationInput {
    pub fund_line_id: i64,
    pub project_id: i64,
    pub amount: Decimal,
    pub date: NaiveDate,
    pub note: Option<String>,
    /// Set to allocate above the project's budget (超概算); the reason goes in `note`.
    pub confirm_above_budget: bool,
    /// Set to allocate outside the plan in force (计划外); the reason goes in `note`.
    pub outside_plan: bool,
}

#[derive(Clone, Debug)]
pub struct DisbursementInput {
    pub allocation_id: i64,
    pub amount: Decimal,
    pub date: NaiveDate,
    pub voucher_no: String,
    pub is_retention: bool,
    /// 提前退还 — why a retention is paid before it falls due (acceptance + the guarantee period).
    pub early_release_reason: Option<String>,
    pub note: Option<String>,
    /// The clerk confirms a second payment under a voucher number the county already has.
    pub confirm_duplicate: bool,
}

/// How a payment's note records the reason retention was released early.
pub const EARLY_RELEASE: &str = "提前退还质保金：";

pub fn kind_of_line(line: &fund_line::Model) -> ServiceResult<FundKind> {
    stored_kind(&line.kind)
}

pub fn level_of_line(line: &fund_line::Model) -> ServiceResult<FundLevel> {
    stored_level(&line.level)
}

/// A fund kind as stored in a row; anything else is a fault of the data, not of the request.
pub fn stored_kind(kind: &str) -> ServiceResult<FundKind> {
    FundKind::parse(kind).ok_or_else(|| ServiceError::Internal(format!("unknown fund kind {kind}")))
}

/// A fund level as stored in a row.
pub fn stored_level(level: &str) -> ServiceResult<FundLevel> {
    FundLevel::parse(level).ok_or_else(|| ServiceError::Internal(format!("unknown fund level {level}")))
}

pub fn kind_of_entry(entry: &ledger_entry::Model) -> ServiceResult<EntryKind> {
    EntryKind::parse(&entry.kind).ok_or_else(|| ServiceError::Internal(format!("unknown entry kind {}", entry.kind)))
}

fn amount_field(field: &str, raw: Decimal) -> Result<Money, Fault> {
    Money::parse_positive(raw).map_err(|e| Fault::invalid(field, format!("{field}: {e}")))
}

fn optional_note(raw: &Option<String>) -> Result<Option<String>, Fault> {
    crate::domain::fault::optional_text("note", "a note", raw.as_deref(), crate::domain::fault::MAX_NOTE_CHARS)
}

/// A line's money arrived and not yet allocated, moving by day from `from`'s month on:
/// receipts in, allocations out, each reversal with its sign; the months before, from the
/// line's month totals, as one movement on the day before (a balance from `from` on is all
/// a check needs, and an entry on a line with thousands reads a month of them, not all).
/// Read under the line's lock, which every entry on the line takes first.
pub(crate) async fn line_movements(
    conn: &impl ConnectionTrait,
    line_id: i64,
    from: NaiveDate,
) -> ServiceResult<Vec<(NaiveDate, Money)>> {
    let signed = |kind: &str, fen: i64| {
        let sign = if kind == EntryKind::Receipt.as_str() { 1 } else { -1 };
        Money::from_fen(sign * fen)
    };
    let kinds = [EntryKind::Receipt.as_str(), EntryKind::Allocation.as_str()];
    let month_start = chrono::Datelike::with_day(&from, 1).unwrap_or(from);
    let earlier: Vec<(String, i64)> = fund_line_month_total::Entity::find()
        .select_only()
        .column(fund_line_month_total::Column::Kind)
        .column(fund_line_month_total::Column::AmountFen)
        .filter(fund_line_month_total::Column::FundLineId.eq(line_id))
        .filter(fund_line_month_total::Column::Kind.is_in(kinds))
        .filter(fund_line_month_total::Column::EntryMonth.lt(rules::year_month(from)))
        .into_tuple()
        .all(conn)
        .await?;
    let rows: Vec<(NaiveDate, String, i64)> = ledger_entry::Entity::find()
        .select_only()
        .column(ledger_entry::Column::EntryDate)
        .column(ledger_entry::Column::Kind)
        .column_as(Expr::cust("CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT)"), "total")
        .filter(ledger_entry::Column::FundLineId.eq(line_id))
        .filter(ledger_entry::Column::Kind.is_in(kinds))
        .filter(ledger_entry::Column::EntryDate.gte(month_start))
        .group_by(ledger_entry::Column::EntryDate)
        .group_by(ledger_entry::Column::Kind)
        .into_tuple()
        .all(conn)
        .await?;
    let before = Money::from_fen(earlier.iter().map(|(kind, fen)| signed(kind, *fen).fen()).sum());
    let day_before = month_start.pred_opt().unwrap_or(month_start);
    Ok(std::iter::once((day_before, before))
        .chain(rows.into_iter().map(|(day, kind, fen)| (day, signed(&kind, fen))))
        .collect())
}

/// What an allocation has left to pay out, moving by day: its amount in, its reversal out,
/// its disbursements out (their reversals in).
async fn allocation_movements(
    conn: &impl ConnectionTrait,
    allocation: &ledger_entry::Model,
) -> ServiceResult<Vec<(NaiveDate, Money)>> {
    let entries = ledger_entry::Entity::find()
        .filter(
            Condition::any()
                .add(ledger_entry::Column::Id.eq(allocation.id))
                .add(ledger_entry::Column::ReversesId.eq(allocation.id))
                .add(
                    Condition::all()
                        .add(ledger_entry::Column::AllocationId.eq(allocation.id))
                        .add(ledger_entry::Column::Kind.eq(EntryKind::Disbursement.as_str())),
                ),
        )
        .all(conn)
        .await?;
    Ok(entries
        .iter()
        .filter_map(|e| unpaid_change(e).map(|(_, fen)| (e.entry_date, Money::from_fen(fen))))
        .collect())
}

/// How an entry changes what an allocation has left to pay out, and which allocation: the
/// allocation itself adds its amount, its reversal takes it back, a payment takes its amount
/// (a payment's reversal, being negative, gives it back). Other entries change none.
fn unpaid_change(e: &ledger_entry::Model) -> Option<(i64, i64)> {
    if e.kind == EntryKind::Allocation.as_str() {
        Some((e.reverses_id.unwrap_or(e.id), e.amount_fen))
    } else if e.kind == EntryKind::Disbursement.as_str() {
        e.allocation_id.map(|allocation| (allocation, -e.amount_fen))
    } else {
        None
    }
}

/// The project's allocations with money still unpaid, and how much each holds: what a
/// cancellation must wait for finance to release (reverse).
pub(crate) async fn unpaid_allocations(
    conn: &impl ConnectionTrait,
    project_id: i64,
) -> ServiceResult<Vec<(ledger_entry::Model, Money)>> {
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::ProjectId.eq(project_id))
        .order_by_asc(ledger_entry::Column::Id)
        .all(conn)
        .await?;
    let mut left: HashMap<i64, i64> = HashMap::new();
    for (allocation, fen) in entries.iter().filter_map(unpaid_change) {
        *left.entry(allocation).or_default() += fen;
    }
    let unpaid: Vec<(ledger_entry::Model, i64)> = entries
        .into_iter()
        .filter(|e| e.kind == EntryKind::Allocation.as_str() && e.reverses_id.is_none())
        .map(|a| {
            let fen = left.get(&a.id).copied().unwrap_or(0);
            (a, fen)
        })
        .collect();
    Ok(unpaid
        .into_iter()
        .filter(|(_, left)| *left > 0)
        .map(|(a, left)| (a, Money::from_fen(left)))
        .collect())
}

/// The entry of `kind` with the document or voucher `number` that still stands (not a
/// reversal, not reversed), within `scope`.
pub(crate) async fn standing_with_number(
    conn: &impl ConnectionTrait,
    kind: EntryKind,
    number: &str,
    scope: Condition,
) -> ServiceResult<Option<ledger_entry::Model>> {
    let condition = scope
        .add(ledger_entry::Column::Kind.eq(kind.as_str()))
        .add(ledger_entry::Column::DocumentNo.eq(number));
    Ok(standing_entries(conn, condition).await?.into_iter().next())
}

/// The entries matching `condition` that still stand — not reversals, and not reversed by
/// an entry of any day — in the order recorded.
pub(crate) async fn standing_entries(
    conn: &impl ConnectionTrait,
    condition: Condition,
) -> ServiceResult<Vec<ledger_entry::Model>> {
    // Reversals are left out here, not in SQL: `reverses_id IS NULL` would lead SQLite
    // down the unique index on it, through every entry of the ledger.
    let candidates: Vec<ledger_entry::Model> = ledger_entry::Entity::find()
        .filter(condition)
        .order_by_asc(ledger_entry::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .filter(|e| e.reverses_id.is_none())
        .collect();
    if candidates.is_empty() {
        return Ok(candidates);
    }
    let reversed: Vec<i64> = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::ReversesId.is_in(candidates.iter().map(|c| c.id)))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|r| r.reverses_id)
        .collect();
    Ok(candidates.into_iter().filter(|c| !reversed.contains(&c.id)).collect())
}

/// A number used again needs the clerk's confirmation: typing a receipt or a payment twice
/// is the commonest way a ledger goes wrong.
fn check_not_repeated(
    earlier: Option<ledger_entry::Model>,
    confirmed: bool,
    field: &str,
    what: &str,
) -> Result<(), Fault> {
    match earlier {
        Some(earlier) if !confirmed => Err(Fault::new(
            ErrorCode::AlreadyExists,
            &["input", field],
            format!(
                "{what} {} is already on entry {} of {} ({} yuan); if this is another entry under the same number, send it again with confirmDuplicate: true",
                earlier.document_no.as_deref().unwrap_or(""),
                earlier.id,
                earlier.entry_date,
                Money::from_fen(earlier.amount_fen)
            ),
        )),
        _ => Ok(()),
    }
}

/// Loads a fund line the actor may write to, taking its row lock.
async fn lock_line(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    line_id: i64,
    field: &str,
) -> ServiceResult<fund_line::Model> {
    let line = fund_line::Entity::find_by_id(line_id)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| Fault::not_found(field, "there is no such fund line"))?;
    let county = RegionCode::parse(&line.county_code).map_err(ServiceError::Internal)?;
    if authorize_at(actor, Operation::ManageFunds, &county).is_err() {
        return Err(Fault::not_found(field, "there is no such fund line in your area").into());
    }
    Ok(line)
}

fn check_entry_date(field: &str, date: NaiveDate) -> Result<(), Fault> {
    check_not_future(field, date, calendar::today())
}

pub async fn create_line(
    db: &DatabaseConnection,
    actor: &Actor,
    input: FundLineInput,
) -> ServiceResult<fund_line::Model> {
    let txn = begin_write(db).await?;
    let done = create_line_in(&txn, actor, input).await?;
    txn.commit().await?;
    Ok(done)
}

/// [`create_line`] in a transaction the caller holds (an import's, one row at a time).
pub(crate) async fn create_line_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: FundLineInput,
) -> ServiceResult<fund_line::Model> {
    authorize(actor, Operation::ManageFunds)?;
    let county = super::regions::parse_code("countyCode", &input.county_code)?;
    authorize_at(actor, Operation::ManageFunds, &county)?;
    if county.level() != RegionLevel::County {
        return Err(Fault::invalid(
            "countyCode",
            format!(
                "fund lines belong to a county; {county} is a {}",
                county.level().chinese_name()
            ),
        )
        .into());
    }
    let name = required_text("name", "the fund line's name", &input.name, 200)?;
    crate::domain::project::check_year(input.year)?;
    let planned =
        Money::parse(input.planned).map_err(|e| Fault::invalid("plannedAmount", format!("plannedAmount: {e}")))?;
    if planned.fen() < 0 {
        return Err(Fault::invalid("plannedAmount", "the planned amount cannot be negative").into());
    }
    super::regions::get(conn, actor, "countyCode", &county).await?;
    let now = chrono::Utc::now();
    let model = fund_line::Entity::insert(fund_line::ActiveModel {
        county_code: Set(county.to_string()),
        year: Set(input.year),
        name: Set(name.clone()),
        kind: Set(input.kind.as_str().to_string()),
        level: Set(input.level.as_str().to_string()),
        planned_fen: Set(planned.fen()),
        poverty_targeted: Set(input
            .poverty_targeted
            .unwrap_or(input.kind.poverty_targeted_by_default())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(conn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            Fault::new(
                ErrorCode::AlreadyExists,
                &["input", "name"],
                format!(
                    "county {county} already has a fund line named {name} for {}",
                    input.year
                ),
            )
            .into()
        } else {
            ServiceError::from(e)
        }
    })?;
    audit::record(
        conn,
        actor,
        Change {
            action: AuditAction::FundLineCreate,
            entity_type: "FundLine",
            entity_id: model.id.to_string(),
            region_code: Some(model.county_code.clone()),
            before: None,
            after: super::audit::json(&model),
        },
    )
    .await?;
    Ok(model)
}

pub async fn list_lines(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &FundLineFilter,
    page: &PageRequest<i64>,
) -> ServiceResult<Page<fund_line::Model>> {
    authorize(actor, Operation::ViewFunds)?;
    let mut query =
        fund_line::Entity::find().filter(scoped_codes(actor, Operation::ViewFunds, fund_line::Column::CountyCode));
    if let Some(county) = &filter.county_code {
        query = query.filter(fund_line::Column::CountyCode.eq(county.trim()));
    }
    if let Some(year) = filter.year {
        query = query.filter(fund_line::Column::Year.eq(year));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(fund_line::Column::Kind.eq(kind.as_str()));
    }
    if let Some(level) = filter.level {
        query = query.filter(fund_line::Column::Level.eq(level.as_str()));
    }
    super::keyset_page(db, query, fund_line::Column::Id, sea_orm::Order::Asc, page).await
}

/// The fund line with `id`, if the actor may see it.
pub async fn find_line(conn: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<Option<fund_line::Model>> {
    authorize(actor, Operation::ViewFunds)?;
    let Some(line) = fund_line::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let county = RegionCode::parse(&line.county_code).map_err(ServiceError::Internal)?;
    Ok(authorize_at(actor, Operation::ViewFunds, &county)
        .is_ok()
        .then_some(line))
}

/// The ledger entry with `id`, if the actor may see it: its line's county is visible, and
/// for an entry of a project, the project too.
pub async fn find_entry(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Option<ledger_entry::Model>> {
    authorize(actor, Operation::ViewFunds)?;
    let Some(entry) = ledger_entry::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    // The line's county within the reach of ViewFunds (the permission table's row, as for
    // `find_line`): a township reads its own projects' money, not its county's receipts.
    let county = RegionCode::parse(&entry.county_code).map_err(ServiceError::Internal)?;
    let visible = match entry.project_id {
        Some(project_id) => super::projects::find(conn, actor, project_id).await?.is_some(),
        None => authorize_at(actor, Operation::ViewFunds, &county).is_ok(),
    };
    Ok(visible.then_some(entry))
}

struct NewEntry {
    /// 计划外 — an allocation outside the plan in force, confirmed.
    outside_plan: bool,
    kind: EntryKind,
    line: fund_line::Model,
    date: NaiveDate,
    amount: i64,
    project: Option<project::Model>,
    allocation_id: Option<i64>,
    document_no: Option<String>,
    is_retention: bool,
    reverses_id: Option<i64>,
    note: Option<String>,
}

async fn write_entry(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    action: AuditAction,
    entry: NewEntry,
) -> ServiceResult<ledger_entry::Model> {
    let model = ledger_entry::Entity::insert(ledger_entry::ActiveModel {
        kind: Set(entry.kind.as_str().to_string()),
        fund_line_id: Set(entry.line.id),
        county_code: Set(entry.line.county_code.clone()),
        year: Set(entry.line.year),
        entry_date: Set(entry.date),
        entry_month: Set(crate::domain::funds::year_month(entry.date)),
        amount_fen: Set(entry.amount),
        project_id: Set(entry.project.as_ref().map(|p| p.id)),
        township_code: Set(entry.project.as_ref().map(|p| p.township_code.clone())),
        sector: Set(entry.project.as_ref().map(|p| p.sector.clone())),
        allocation_id: Set(entry.allocation_id),
        document_no: Set(entry.document_no),
        is_retention: Set(entry.is_retention),
        reverses_id: Set(entry.reverses_id),
        outside_plan: Set(entry.outside_plan),
        note: Set(entry.note),
        recorded_by: Set(actor.username.clone()),
        recorded_at: Set(chrono::Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(conn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            ServiceError::from(Fault::new(
                ErrorCode::AlreadyReversed,
                &["input", "entry"],
                "this entry has already been reversed",
            ))
        } else {
            ServiceError::from(e)
        }
    })?;
    add_to_totals(conn, &model).await?;
    super::changes::entry_recorded(conn, &model).await?;
    let region = model.township_code.clone().unwrap_or_else(|| model.county_code.clone());
    audit::record(
        conn,
        actor,
        Change {
            action,
            entity_type: "LedgerEntry",
            entity_id: model.id.to_string(),
            region_code: Some(region),
            before: None,
            after: super::audit::json(&model),
        },
    )
    .await?;
    Ok(model)
}

/// Adds a new entry to the running totals: its fund line × kind × township × sector × month
/// row of `ledger_total`, its fund line × kind row of `fund_line_total` and fund line × kind
/// × month row of `fund_line_month_total`, and for an
/// allocation or disbursement its project's figure. In the entry's own transaction (which
/// holds the fund line's lock), so the totals never differ from the ledger.
async fn add_to_totals(conn: &impl ConnectionTrait, entry: &ledger_entry::Model) -> ServiceResult<()> {
    ledger_total::Entity::insert(total_of(entry).into_active_model())
        .on_conflict(super::adding_on_conflict(
            [
                ledger_total::Column::FundLineId,
                ledger_total::Column::Kind,
                ledger_total::Column::TownshipCode,
                ledger_total::Column::Sector,
                ledger_total::Column::EntryMonth,
            ],
            [ledger_total::Column::AmountFen],
        ))
        .exec_without_returning(conn)
        .await?;
    fund_line_total::Entity::insert(line_total_of(entry).into_active_model())
        .on_conflict(super::adding_on_conflict(
            [fund_line_total::Column::FundLineId, fund_line_total::Column::Kind],
            [fund_line_total::Column::AmountFen],
        ))
        .exec_without_returning(conn)
        .await?;
    fund_line_month_total::Entity::insert(line_month_total_of(entry).into_active_model())
        .on_conflict(super::adding_on_conflict(
            [
                fund_line_month_total::Column::FundLineId,
                fund_line_month_total::Column::Kind,
                fund_line_month_total::Column::EntryMonth,
            ],
            [fund_line_month_total::Column::AmountFen],
        ))
        .exec_without_returning(conn)
        .await?;
    let column = match EntryKind::parse(&entry.kind) {
        Some(EntryKind::Allocation) => project::Column::AllocatedFen,
        Some(EntryKind::Disbursement) => project::Column::DisbursedFen,
        _ => return Ok(()),
    };
    if let Some(project_id) = entry.project_id {
        project::Entity::update_many()
            .col_expr(column, Expr::col(column).add(entry.amount_fen))
            .filter(project::Column::Id.eq(project_id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// The `fund_line_total` row an entry alone would make (the generator sums these too).
pub fn line_total_of(entry: &ledger_entry::Model) -> fund_line_total::Model {
    fund_line_total::Model {
        fund_line_id: entry.fund_line_id,
        kind: entry.kind.clone(),
        county_code: entry.county_code.clone(),
        year: entry.year,
        amount_fen: entry.amount_fen,
    }
}

/// The `fund_line_month_total` row an entry alone would make (the generator sums these too).
pub fn line_month_total_of(entry: &ledger_entry::Model) -> fund_line_month_total::Model {
    fund_line_month_total::Model {
        fund_line_id: entry.fund_line_id,
        kind: entry.kind.clone(),
        entry_month: entry.entry_month,
        county_code: entry.county_code.clone(),
        year: entry.year,
        amount_fen: entry.amount_fen,
    }
}

/// The `ledger_total` row an entry alone would make (the generator sums these too).
pub fn total_of(entry: &ledger_entry::Model) -> ledger_total::Model {
    ledger_total::Model {
        fund_line_id: entry.fund_line_id,
        kind: entry.kind.clone(),
        township_code: entry.township_code.clone().unwrap_or_default(),
        sector: entry.sector.clone().unwrap_or_default(),
        entry_month: entry.entry_month,
        county_code: entry.county_code.clone(),
        year: entry.year,
        amount_fen: entry.amount_fen,
    }
}

/// 资金到位 — records money of a fund line that has arrived.
pub async fn record_receipt(
    db: &DatabaseConnection,
    actor: &Actor,
    input: ReceiptInput,
) -> ServiceResult<ledger_entry::Model> {
    let txn = begin_write(db).await?;
    let done = record_receipt_in(&txn, actor, input).await?;
    txn.commit().await?;
    Ok(done)
}

/// [`record_receipt`] in a transaction the caller holds (an import's, one row at a time).
pub(crate) async fn record_receipt_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: ReceiptInput,
) -> ServiceResult<ledger_entry::Model> {
    authorize(actor, Operation::ManageFunds)?;
    let amount = amount_field("amount", input.amount)?;
    let document_no = required_text("documentNo", "the document number (文号)", &input.document_no, 100)?;
    check_entry_date("date", input.date)?;
    let note = optional_note(&input.note)?;
    let line = lock_line(conn, actor, input.fund_line_id, "fundLine").await?;
    let earlier = standing_with_number(
        conn,
        EntryKind::Receipt,
        &document_no,
        Condition::all().add(ledger_entry::Column::FundLineId.eq(line.id)),
    )
    .await?;
    check_not_repeated(earlier, input.confirm_duplicate, "documentNo", "the 文号")?;
    let entry = NewEntry {
        outside_plan: false,
        kind: EntryKind::Receipt,
        line,
        date: input.date,
        amount: amount.fen(),
        project: None,
        allocation_id: None,
        document_no: Some(document_no),
        is_retention: false,
        reverses_id: None,
        note,
    };
    let model = write_entry(conn, actor, AuditAction::LedgerReceipt, entry).await?;
    Ok(model)
}

/// Whether any of a project's villages is a poverty village.
async fn serves_poverty_village(conn: &impl ConnectionTrait, project_id: i64) -> ServiceResult<bool> {
    let villages: Vec<String> = project_village::Entity::find()
        .select_only()
        .column(project_village::Column::VillageCode)
        .filter(project_village::Column::ProjectId.eq(project_id))
        .into_tuple()
        .all(conn)
        .await?;
    let poverty = region::Entity::find()
        .filter(region::Column::Code.is_in(villages))
        .filter(region::Column::IsPovertyVillage.eq(true))
        .count(conn)
        .await?;
    Ok(poverty > 0)
}

/// 资金安排 — assigns money that has arrived on a fund line to a project.
pub async fn allocate(
    db: &DatabaseConnection,
    actor: &Actor,
    input: AllocationInput,
) -> ServiceResult<ledger_entry::Model> {
    let txn = begin_write(db).await?;
    let done = allocate_in(&txn, actor, input).await?;
    txn.commit().await?;
    Ok(done)
}

/// [`allocate`] in a transaction the caller holds (an import's, one row at a time).
pub(crate) async fn allocate_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: AllocationInput,
) -> ServiceResult<ledger_entry::Model> {
    authorize(actor, Operation::ManageFunds)?;
    let amount = amount_field("amount", input.amount)?;
    check_entry_date("date", input.date)?;
    let note = optional_note(&input.note)?;
    let line = lock_line(conn, actor, input.fund_line_id, "fundLine").await?;
    let project = super::projects::find(conn, actor, input.project_id)
        .await?
        .ok_or_else(|| Fault::not_found("project", "there is no such project in your area"))?;
    if project.county_code != line.county_code {
        return Err(Fault::invalid(
            "project",
            format!("project {} is in another county than the fund line", project.code),
        )
        .into());
    }
    rules::check_allocatable(super::projects::status_of(&project)?)?;
    let budget = Money::from_fen(project.budget_fen);
    let total = Money::from_fen(project.allocated_fen + amount.fen());
    crate::domain::fault::check_confirmed_excess(
        total > budget,
        ("confirmAboveBudget", input.confirm_above_budget),
        ("note", note.as_deref()),
        || {
            format!(
                "project {} would have {total} yuan allocated, above its budget of {budget} yuan",
                project.code
            )
        },
    )?;
    crate::domain::category::check_negative_list(
        kind_of_line(&line)?,
        super::projects::sector_of(&project)?,
        super::projects::category_of(&project)?,
        &super::negative_list::county_entries(conn, &line.county_code).await?,
    )?;
    let serves_poverty = serves_poverty_village(conn, project.id).await?;
    rules::check_poverty_targeting(line.poverty_targeted, serves_poverty, project.poor_households)?;
    let outside_plan = outside_the_plan(conn, &line, project.id, amount, input.date).await?;
    let outside_plan = crate::domain::plan::check_outside_plan(outside_plan, input.outside_plan, note.as_deref())?;
    let movements = line_movements(conn, line.id, input.date).await?;
    rules::check_available_from(
        amount,
        &movements,
        input.date,
        &format!("had arrived on {} and was not yet allocated", line.name),
        "amount",
    )?;
    let entry = NewEntry {
        outside_plan,
        kind: EntryKind::Allocation,
        line,
        date: input.date,
        amount: amount.fen(),
        project: Some(project),
        allocation_id: None,
        document_no: None,
        is_retention: false,
        reverses_id: None,
        note,
    };
    let model = write_entry(conn, actor, AuditAction::LedgerAllocation, entry).await?;
    Ok(model)
}

/// 计划外 — why an allocation of `amount` from `line` to a project on `date` falls outside
/// the plan in force in the line's county that day (`None` when within it, or when that
/// plan lists no projects).
async fn outside_the_plan(
    conn: &impl ConnectionTrait,
    line: &fund_line::Model,
    project_id: i64,
    amount: Money,
    date: NaiveDate,
) -> ServiceResult<Option<String>> {
    let county = RegionCode::parse(&line.county_code).map_err(ServiceError::Internal)?;
    let plans = super::plans::in_force(conn, &county, line.year, Some(date)).await?;
    let Some(plan) = plans.get(&line.county_code) else {
        return Ok(None);
    };
    let rows = plan.project_rows();
    if rows.is_empty() {
        return Ok(None);
    }
    let (already,): (i64,) = ledger_entry::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT)"), "total")
        .filter(ledger_entry::Column::FundLineId.eq(line.id))
        .filter(ledger_entry::Column::ProjectId.eq(project_id))
        .filter(ledger_entry::Column::Kind.eq(EntryKind::Allocation.as_str()))
        .into_tuple()
        .one(conn)
        .await?
        .unwrap_or((0,));
    Ok(crate::domain::plan::outside_plan(
        &rows,
        line.id,
        project_id,
        Money::from_fen(already + amount.fen()),
    ))
}

/// 资金拨付 — pays out money of an allocation.
pub async fn disburse(
    db: &DatabaseConnection,
    actor: &Actor,
    input: DisbursementInput,
) -> ServiceResult<ledger_entry::Model> {
    let txn = begin_write(db).await?;
    let done = disburse_in(&txn, actor, input).await?;
    txn.commit().await?;
    Ok(done)
}

/// [`disburse`] in a transaction the caller holds (an import's, one row at a time).
pub(crate) async fn disburse_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: DisbursementInput,
) -> ServiceResult<ledger_entry::Model> {
    authorize(actor, Operation::ManageFunds)?;
    let amount = amount_field("amount", input.amount)?;
    let voucher_no = required_text("voucherNo", "the voucher number", &input.voucher_no, 100)?;
    check_entry_date("date", input.date)?;
    let note = optional_note(&input.note)?;
    let allocation = ledger_entry::Entity::find_by_id(input.allocation_id)
        .one(conn)
        .await?
        .filter(|e| e.kind == EntryKind::Allocation.as_str() && e.reverses_id.is_none())
        .ok_or_else(|| Fault::not_found("allocation", "there is no such allocation"))?;
    let line = lock_line(conn, actor, allocation.fund_line_id, "allocation").await?;
    let project_id = allocation
        .project_id
        .ok_or_else(|| ServiceError::Internal("allocation without a project".into()))?;
    let project = super::projects::find(conn, actor, project_id)
        .await?
        .ok_or_else(|| Fault::not_found("allocation", "there is no such allocation in your area"))?;
    rules::check_disbursable(super::projects::status_of(&project)?, input.is_retention)?;
    // And on the payment's own day (a payment entered late is checked against then).
    let then = super::timeline::history(conn, project.id).await?.state_on(input.date);
    rules::check_disbursable_on(input.date, then.map(|s| s.status), input.is_retention)?;
    let mut note = note;
    if input.is_retention
        && let Some(due_on) = super::retention::due_on(conn, &project).await?
    {
        let reason = crate::domain::fault::optional_text(
            "earlyReleaseReason",
            "the reason for an early release",
            input.early_release_reason.as_deref(),
            crate::domain::fault::MAX_NOTE_CHARS,
        )?;
        crate::domain::retention::check_release(due_on, input.date, reason.as_deref())?;
        // The reason stays with the payment, in its note.
        if let Some(reason) = reason.filter(|_| input.date < due_on) {
            let kept = match note {
                Some(note) => format!("{note}；{EARLY_RELEASE}{reason}"),
                None => format!("{EARLY_RELEASE}{reason}"),
            };
            if kept.chars().count() > crate::domain::fault::MAX_NOTE_CHARS {
                return Err(Fault::invalid(
                    "earlyReleaseReason",
                    format!(
                        "the note and the reason are kept together and may have {} characters between them",
                        crate::domain::fault::MAX_NOTE_CHARS
                    ),
                )
                .into());
            }
            note = Some(kept);
        }
    }
    if input.date < allocation.entry_date {
        return Err(Fault::invalid(
            "date",
            format!(
                "the payment is dated {}, before the allocation it pays from ({})",
                input.date, allocation.entry_date
            ),
        )
        .into());
    }
    let movements = allocation_movements(conn, &allocation).await?;
    rules::check_available_from(amount, &movements, input.date, "remained of this allocation", "amount")?;
    let earlier = standing_with_number(
        conn,
        EntryKind::Disbursement,
        &voucher_no,
        Condition::all().add(ledger_entry::Column::CountyCode.eq(line.county_code.as_str())),
    )
    .await?;
    check_not_repeated(earlier, input.confirm_duplicate, "voucherNo", "the voucher number")?;
    let entry = NewEntry {
        outside_plan: false,
        kind: EntryKind::Disbursement,
        line,
        date: input.date,
        amount: amount.fen(),
        project: Some(project),
        allocation_id: Some(allocation.id),
        document_no: Some(voucher_no),
        is_retention: input.is_retention,
        reverses_id: None,
        note,
    };
    let model = write_entry(conn, actor, AuditAction::LedgerDisbursement, entry).await?;
    Ok(model)
}

/// 冲销 — reverses an entry with a new, negative entry tied to it. The ledger is never
/// edited: the reversal must leave every invariant holding (a receipt cannot be reversed
/// below what is allocated, an allocation not once anything is paid from it).
pub async fn reverse(
    db: &DatabaseConnection,
    actor: &Actor,
    entry_id: i64,
    reason: Option<String>,
    date: Option<NaiveDate>,
) -> ServiceResult<ledger_entry::Model> {
    authorize(actor, Operation::ManageFunds)?;
    let reason = match reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => r.to_string(),
        None => return Err(Fault::invalid("reason", "give the reason for the reversal").into()),
    };
    let date = date.unwrap_or_else(calendar::today);
    check_entry_date("date", date)?;
    let txn = begin_write(db).await?;
    let original = ledger_entry::Entity::find_by_id(entry_id)
        .one(&txn)
        .await?
        .ok_or_else(|| Fault::not_found("entry", "there is no such ledger entry"))?;
    let line = lock_line(&txn, actor, original.fund_line_id, "entry").await?;
    if original.reverses_id.is_some() {
        return Err(Fault::invalid(
            "entry",
            "a reversal cannot itself be reversed; record a new entry instead",
        )
        .into());
    }
    if date < original.entry_date {
        return Err(Fault::invalid(
            "date",
            format!(
                "a reversal cannot be dated {date}, before the entry it reverses ({})",
                original.entry_date
            ),
        )
        .into());
    }
    let kind = kind_of_entry(&original)?;
    let amount = Money::from_fen(original.amount_fen);
    // Taking the money back must leave every day from the reversal's on consistent.
    match kind {
        EntryKind::Receipt => {
            let movements = line_movements(&txn, line.id, date).await?;
            rules::check_available_from(
                amount,
                &movements,
                date,
                "was unallocated on this line to take the receipt back",
                "entry",
            )?;
        }
        EntryKind::Allocation => {
            let movements = allocation_movements(&txn, &original).await?;
            rules::check_available_from(
                amount,
                &movements,
                date,
                "remained unpaid of this allocation (reverse its disbursements first)",
                "entry",
            )?;
        }
        EntryKind::Disbursement => {}
    }
    let project = match original.project_id {
        Some(id) => Some(
            project::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or_else(|| ServiceError::Internal(format!("entry {} names a missing project", original.id)))?,
        ),
        None => None,
    };
    let entry = NewEntry {
        outside_plan: original.outside_plan,
        kind,
        line,
        date,
        amount: -original.amount_fen,
        project,
        allocation_id: original.allocation_id,
        document_no: original.document_no.clone(),
        is_retention: original.is_retention,
        reverses_id: Some(original.id),
        note: Some(reason),
    };
    let model = write_entry(&txn, actor, AuditAction::LedgerReversal, entry).await?;
    txn.commit().await?;
    Ok(model)
}

/// Entries of `kind` per project (reversals included), oldest first, for batching.
pub async fn entries_of_projects(
    db: &DatabaseConnection,
    project_ids: &[i64],
    kind: EntryKind,
) -> ServiceResult<HashMap<i64, Vec<ledger_entry::Model>>> {
    static ENTRIES: KeyedRead<ledger_entry::Model> =
        KeyedRead::new(r#""project_id" {in_keys} AND "kind" = {#2}"#, r#"ORDER BY "id""#);
    let rows = ENTRIES.all(db, project_ids, [kind.as_str().into()]).await?;
    Ok(rows::group_by(project_ids, rows, |row| Some((row.project_id?, row))))
}

/// A project's money under one kind of fund: allocated and disbursed. (The project's
/// totals are kept on the project itself.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindAmounts {
    pub kind: FundKind,
    pub allocated: Money,
    pub disbursed: Money,
}

/// Per fund kind, the money of many projects in one grouped query, kinds in order.
pub async fn amounts_by_kind_of_projects(
    db: &DatabaseConnection,
    project_ids: &[i64],
) -> ServiceResult<HashMap<i64, Vec<KindAmounts>>> {
    use sea_orm::sea_query::{Alias, Query};
    let statement = Query::select()
        .column((ledger_entry::Entity, ledger_entry::Column::ProjectId))
        .column((fund_line::Entity, fund_line::Column::Kind))
        .expr_as(
            Expr::col((ledger_entry::Entity, ledger_entry::Column::Kind)),
            Alias::new("entry_kind"),
        )
        .expr_as(
            Expr::cust("CAST(COALESCE(SUM(ledger_entry.amount_fen), 0) AS BIGINT)"),
            Alias::new("total"),
        )
        .from(ledger_entry::Entity)
        .inner_join(
            fund_line::Entity,
            Expr::col((fund_line::Entity, fund_line::Column::Id))
                .equals((ledger_entry::Entity, ledger_entry::Column::FundLineId)),
        )
        .and_where(
            Expr::col((ledger_entry::Entity, ledger_entry::Column::ProjectId)).is_in(project_ids.iter().copied()),
        )
        .group_by_col((ledger_entry::Entity, ledger_entry::Column::ProjectId))
        .group_by_col((fund_line::Entity, fund_line::Column::Kind))
        .group_by_col((ledger_entry::Entity, ledger_entry::Column::Kind))
        .to_owned();
    let mut out: HashMap<i64, Vec<KindAmounts>> = project_ids.iter().map(|id| (*id, Vec::new())).collect();
    for row in db.query_all(&statement).await? {
        let project_id: i64 = row.try_get("", "project_id")?;
        let fund_kind: String = row.try_get("", "kind")?;
        let entry_kind: String = row.try_get("", "entry_kind")?;
        let total: i64 = row.try_get("", "total")?;
        let kind = stored_kind(&fund_kind)?;
        let kinds = out.entry(project_id).or_default();
        let i = kinds.iter().position(|k| k.kind == kind).unwrap_or_else(|| {
            kinds.push(KindAmounts {
                kind,
                allocated: Money::ZERO,
                disbursed: Money::ZERO,
            });
            kinds.len() - 1
        });
        let slot = &mut kinds[i];
        match EntryKind::parse(&entry_kind) {
            Some(EntryKind::Allocation) => slot.allocated = Money::from_fen(slot.allocated.fen() + total),
            Some(EntryKind::Disbursement) => slot.disbursed = Money::from_fen(slot.disbursed.fen() + total),
            _ => {}
        }
    }
    for kinds in out.values_mut() {
        kinds.sort_by_key(|k| k.kind);
    }
    Ok(out)
}

/// Fund lines by id, for the references of objects already in the caller's scope (an
/// entry's fund line): no further check.
pub async fn lines_by_ids(db: &DatabaseConnection, ids: &[i64]) -> ServiceResult<Vec<fund_line::Model>> {
    static BY_IDS: KeyedRead<fund_line::Model> = KeyedRead::new(r#""id" {in_keys}"#, "");
    Ok(BY_IDS.all(db, ids, []).await?)
}

/// Ledger entries by id, for the references of objects already in the caller's scope (the
/// allocation a disbursement pays out of, the entry a reversal reverses): no further check.
pub async fn entries_by_ids(db: &DatabaseConnection, ids: &[i64]) -> ServiceResult<Vec<ledger_entry::Model>> {
    static BY_IDS: KeyedRead<ledger_entry::Model> = KeyedRead::new(r#""id" {in_keys}"#, "");
    Ok(BY_IDS.all(db, ids, []).await?)
}

/// Receipts, allocations and disbursements per fund line, from the running totals.
pub async fn totals_of_lines(
    db: &impl ConnectionTrait,
    line_ids: &[i64],
) -> ServiceResult<HashMap<i64, (Money, Money, Money)>> {
    let rows: Vec<(i64, String, i64)> = fund_line_total::Entity::find()
        .select_only()
        .column(fund_line_total::Column::FundLineId)
        .column(fund_line_total::Column::Kind)
        .column(fund_line_total::Column::AmountFen)
        .filter(fund_line_total::Column::FundLineId.is_in(line_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<i64, (Money, Money, Money)> = line_ids
        .iter()
        .map(|id| (*id, (Money::ZERO, Money::ZERO, Money::ZERO)))
        .collect();
    for (line_id, kind, total) in rows {
        let slot = out.entry(line_id).or_insert((Money::ZERO, Money::ZERO, Money::ZERO));
        match EntryKind::parse(&kind) {
            Some(EntryKind::Receipt) => slot.0 = Money::from_fen(total),
            Some(EntryKind::Allocation) => slot.1 = Money::from_fen(total),
            Some(EntryKind::Disbursement) => slot.2 = Money::from_fen(total),
            None => {}
        }
    }
    Ok(out)
}
