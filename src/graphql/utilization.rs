//! 资金使用情况 — `fundUtilization`: the money metrics of DESIGN §4, grouped.
use super::context::ContextExt;
use super::departments::{Department, department_of};
use super::errors::OrApiError;
use super::funds::FundLine;
use super::list::{List, resolve_grouped};
use super::object::{Plain, in_place};
use super::regions::RegionByCode;
use super::scalars::{Date, Decimal, yuan};
use crate::db::rows::distinct;
use crate::domain::funds::{FundKind, FundLevel};
use crate::domain::metrics::{Dimension, MoneyFigures};
use crate::domain::sector::Sector;
use crate::service::utilization::{self as svc, GroupKey};
use async_graphql::indexmap::IndexMap;
use async_graphql::indexmap::map::raw_entry_v1::{RawEntryApiV1, RawEntryMut};
use async_graphql::parser::types::{Field, Selection};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::enum_value;
use async_graphql::{
    Context, ContextSelectionSet, Name, Object, OutputType, Positioned, ScalarType, ServerResult, Value,
};
use std::borrow::Cow;
use std::hash::{BuildHasher, RandomState};

pub struct FundUtilizationRow {
    key: GroupKey,
    figures: MoneyFigures,
    outside_plan: Option<bool>,
}

/// A row of money figures with no group keys (for the work report).
pub fn money_row(figures: MoneyFigures) -> FundUtilizationRow {
    FundUtilizationRow {
        key: GroupKey::default(),
        figures,
        outside_plan: None,
    }
}

/// 资金使用情况 — one group of the utilization figures. The group's keys are the
/// dimensions asked for; the others are null. Money is yuan; rates are percentages with 2
/// decimals, null when their denominator is 0 or the figure does not apply to the grouping.
#[Object]
impl FundUtilizationRow {
    /// 县 — with COUNTY, the group's county.
    async fn county(&self) -> Option<RegionByCode> {
        self.key.county.clone().map(RegionByCode)
    }
    /// 资金类型 — with FUND_KIND, the group's kind of fund.
    async fn fund_kind(&self) -> Option<FundKind> {
        self.key.fund_kind
    }
    /// 资金级次 — with FUND_LEVEL, the group's level.
    async fn fund_level(&self) -> Option<FundLevel> {
        self.key.fund_level
    }
    /// 资金项 — with FUND_LINE, the group's fund line.
    async fn fund_line(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<FundLine>>> {
        match self.key.fund_line_id {
            None => Ok(None),
            Some(id) => Ok(ctx
                .loaders()?
                .fund_lines
                .load_one(&id)
                .await?
                .map(|l| Plain(FundLine(l)))),
        }
    }
    /// 行业 — with SECTOR, the sector of the projects the money went to.
    async fn sector(&self) -> Option<Sector> {
        self.key.sector
    }
    /// 乡镇 — with TOWNSHIP, the township of the projects the money went to.
    async fn township(&self) -> Option<RegionByCode> {
        self.key.township.clone().map(RegionByCode)
    }
    /// 责任部门 — with DEPARTMENT, the department that held the projects the money went to
    /// at the end of `asOf` (now when left out); null for those not assigned.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Department>>> {
        department_of(ctx, self.key.department_id).await
    }
    /// 计划外资金 — with FUND_LINE, whether the line is outside the plan in force in its
    /// county (its 年计划 then counts 0: money the approved plan never had is a finding).
    /// False while the county has no plan in force; null for other groupings.
    async fn outside_plan(&self) -> Option<bool> {
        self.outside_plan
    }
    /// The month (1–12) of the entries' dates; with `yearMonth`, which year's.
    async fn month(&self) -> Option<i32> {
        self.key.month.map(|m| m % 100)
    }
    /// 月份 — the year-month of the entries' dates, as `2025-12`. Money that arrived before
    /// its line's year (提前下达) keeps its own year-month, so it never merges with the same
    /// month of the line's year.
    async fn year_month(&self) -> Option<String> {
        self.key.month.map(crate::domain::funds::year_month_text)
    }
    /// 年计划 — Σ planned amounts of the fund lines: each line's amount in the plan in
    /// force (the latest approved by the day), or its own while no plan in force names it.
    /// Grouped by SECTOR, TOWNSHIP or DEPARTMENT (without MONTH): what the plan in force
    /// gives the group's projects (整合方案), null while no plan in force lists projects.
    /// Otherwise null for a region below a county, and null when grouped by MONTH.
    async fn planned(&self) -> Option<Decimal> {
        self.figures.planned.map(yuan)
    }
    /// 到位 — Σ receipts. Null when grouped by SECTOR, TOWNSHIP or DEPARTMENT, or for a
    /// region below a county: receipts belong to a fund line, not to a project.
    async fn in_place(&self) -> Option<Decimal> {
        self.figures.in_place.map(yuan)
    }
    /// 到位率 — inPlace / planned × 100.
    async fn arrival_rate(&self) -> Option<Decimal> {
        self.figures.arrival_rate().map(Decimal)
    }
    /// 已安排 — Σ allocations.
    async fn allocated(&self) -> Decimal {
        yuan(self.figures.allocated)
    }
    /// 未安排结余 — inPlace − allocated.
    async fn unallocated(&self) -> Option<Decimal> {
        self.figures.unallocated().map(yuan)
    }
    /// 已拨付 — Σ disbursements.
    async fn disbursed(&self) -> Decimal {
        yuan(self.figures.disbursed)
    }
    /// 支出进度 — disbursed / inPlace × 100.
    async fn disbursement_rate(&self) -> Option<Decimal> {
        self.figures.disbursement_rate().map(Decimal)
    }
    /// 支出进度 of the money allocated — disbursed / allocated × 100: the rate townships and
    /// departments are ranked by (`disbursementRanking`), since money arrives per fund line.
    /// Null when nothing is allocated.
    async fn allocation_disbursement_rate(&self) -> Option<Decimal> {
        self.figures.allocation_disbursement_rate().map(Decimal)
    }
}

/// The rows of a rollup. A selection of plain fields — the group's keys, the figures, a
/// region's code — is read once and answered for every row in one loop, with no future
/// and no context per field (through the rows' resolvers, a province's hundred rows were
/// the larger part of the server's work). Anything else — a fund line, a department, a
/// region's name, a fragment, a directive, a key asked twice — goes to the rows'
/// resolvers. The answers are the resolvers' own (a test asks every field both ways).
pub struct Rows(Vec<FundUtilizationRow>);

/// A field of a row answered from the row alone.
enum PlainField {
    Typename,
    Key(fn(&GroupKey) -> Value),
    Figure(fn(&MoneyFigures) -> Value),
    /// The row's county or township: the region's fields its code answers (response key,
    /// field name).
    Region(fn(&GroupKey) -> Option<&String>, Vec<(Name, String)>),
}

fn optional<T>(value: Option<T>, to_value: impl Fn(T) -> Value) -> Value {
    value.map_or(Value::Null, to_value)
}

impl PlainField {
    /// The plain field `field` is, if it is one (what the `#[Object]` resolvers above give).
    fn of(field: &Positioned<Field>) -> Option<PlainField> {
        let field = &field.node;
        if !field.directives.is_empty() {
            return None;
        }
        let key = |f: fn(&GroupKey) -> Value| Some(PlainField::Key(f));
        let figure = |f: fn(&MoneyFigures) -> Value| Some(PlainField::Figure(f));
        match field.name.node.as_str() {
            "__typename" => Some(PlainField::Typename),
            "fundKind" => key(|k| optional(k.fund_kind, enum_value)),
            "fundLevel" => key(|k| optional(k.fund_level, enum_value)),
            "sector" => key(|k| optional(k.sector, enum_value)),
            "month" => key(|k| optional(k.month, |m| (m % 100).to_value())),
            "yearMonth" => key(|k| optional(k.month, |m| crate::domain::funds::year_month_text(m).to_value())),
            "planned" => figure(|f| optional(f.planned, |m| yuan(m).to_value())),
            "inPlace" => figure(|f| optional(f.in_place, |m| yuan(m).to_value())),
            "arrivalRate" => figure(|f| optional(f.arrival_rate(), |r| Decimal(r).to_value())),
            "allocated" => figure(|f| yuan(f.allocated).to_value()),
            "unallocated" => figure(|f| optional(f.unallocated(), |m| yuan(m).to_value())),
            "disbursed" => figure(|f| yuan(f.disbursed).to_value()),
            "disbursementRate" => figure(|f| optional(f.disbursement_rate(), |r| Decimal(r).to_value())),
            "allocationDisbursementRate" => {
                figure(|f| optional(f.allocation_disbursement_rate(), |r| Decimal(r).to_value()))
            }
            "county" => RegionByCode::fields_answered(&field.selection_set.node)
                .map(|f| PlainField::Region(|k| k.county.as_ref(), f)),
            "township" => RegionByCode::fields_answered(&field.selection_set.node)
                .map(|f| PlainField::Region(|k| k.township.as_ref(), f)),
            _ => None,
        }
    }

    fn answer(&self, row: &FundUtilizationRow) -> Value {
        match self {
            PlainField::Typename => Value::String(FundUtilizationRow::type_name().into_owned()),
            PlainField::Key(f) => f(&row.key),
            PlainField::Figure(f) => f(&row.figures),
            PlainField::Region(code_of, fields) => {
                optional(code_of(&row.key), |code| RegionByCode::answer_fields(code, fields))
            }
        }
    }
}

impl OutputType for Rows {
    fn type_name() -> Cow<'static, str> {
        <List<FundUtilizationRow> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <List<FundUtilizationRow> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <List<FundUtilizationRow> as OutputType>::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        if !in_place(ctx) {
            return resolve_grouped(&self.0, ctx).await;
        }
        let mut plain: Vec<(Name, PlainField)> = Vec::with_capacity(ctx.item.node.items.len());
        for item in &ctx.item.node.items {
            let field = match &item.node {
                Selection::Field(field) => field,
                _ => return resolve_grouped(&self.0, ctx).await,
            };
            let key = field.node.response_key().node.clone();
            match PlainField::of(field) {
                Some(answer) if !plain.iter().any(|(k, _)| *k == key) => plain.push((key, answer)),
                _ => return resolve_grouped(&self.0, ctx).await,
            }
        }
        // Every row's map has the same keys: each is hashed once, for maps that share one
        // hasher (hashing a name costs more than answering most fields).
        let hasher = RandomState::new();
        let hashes: Vec<u64> = plain.iter().map(|(key, _)| hasher.hash_one(key)).collect();
        Ok(Value::List(
            self.0
                .iter()
                .map(|row| {
                    let mut map = IndexMap::with_capacity_and_hasher(plain.len(), hasher.clone());
                    for ((key, field), hash) in plain.iter().zip(&hashes) {
                        // Each key is there once (checked above): the slot is always vacant.
                        if let RawEntryMut::Vacant(slot) = map.raw_entry_mut_v1().from_key_hashed_nocheck(*hash, key) {
                            slot.insert_hashed_nocheck(*hash, key.clone(), field.answer(row));
                        }
                    }
                    Value::Object(map)
                })
                .collect(),
        ))
    }
}

/// Loads at once the regions, fund lines and departments the rows' selected fields will
/// ask for: one query each, rather than a province's hundred counties each going through
/// the batching window on its own (a fifth of a province-wide rollup's work).
async fn prime(ctx: &Context<'_>, rows: &[svc::UtilizationRow]) -> async_graphql::Result<()> {
    let selection = ctx.look_ahead();
    let wants = |field: &str| selection.field(field).exists();
    // A region whose code is all that is asked is not loaded at all (`RegionByCode`).
    let wants_region = |field: &str| {
        ctx.field()
            .selection_set()
            .filter(|f| f.name() == field)
            .any(|f| !RegionByCode::code_is_enough(f.selection_set()))
    };
    let loaders = ctx.loaders()?;
    let mut codes = Vec::new();
    if wants_region("county") {
        codes.extend(rows.iter().filter_map(|r| r.key.county.clone()));
    }
    if wants_region("township") {
        codes.extend(rows.iter().filter_map(|r| r.key.township.clone()));
    }
    loaders.regions.prime(&distinct(codes)).await?;
    if wants("fundLine") {
        let ids = distinct(rows.iter().filter_map(|r| r.key.fund_line_id));
        loaders.fund_lines.prime(&ids).await?;
    }
    if wants("department") {
        let ids = distinct(rows.iter().filter_map(|r| r.key.department_id));
        loaders.departments.prime(&ids).await?;
    }
    Ok(())
}

#[derive(Default)]
pub struct UtilizationQuery;

#[Object]
impl UtilizationQuery {
    /// 资金使用情况 — fund utilization for a region and year: planned, in place, allocated,
    /// disbursed and the rates, grouped by the dimensions given (none: one row of totals,
    /// or no row when the region has no fund lines or entries for the year). `asOf` gives
    /// the ledger as it stood at the end of that day. A city or province sums its counties;
    /// a township or village counts the money that reached its projects.
    /// Rows are ordered by county, fund kind, fund level, fund line, sector, township,
    /// department and month, as far as grouped by: codes, ids and months ascending, kinds,
    /// levels and sectors in the order this schema lists them, a missing key first.
    async fn fund_utilization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "年度 — the fund lines' programme year.")] year: i32,
        #[graphql(desc = "The 12-digit code of a region in your area.")] region_code: String,
        #[graphql(desc = "What to group by; one row of totals when left out.")] group_by: Option<Vec<Dimension>>,
        #[graphql(desc = "The day whose end the figures show; today (UTC+8) when left out.")] as_of: Option<Date>,
    ) -> async_graphql::Result<Rows> {
        let actor = ctx.actor()?;
        let group_by = group_by.unwrap_or_default();
        let rows = svc::fund_utilization(ctx.db()?, actor, year, &region_code, &group_by, as_of.map(|d| d.0))
            .await
            .api()?;
        prime(ctx, &rows).await?;
        Ok(Rows(
            rows.into_iter()
                .map(|r| FundUtilizationRow {
                    key: r.key,
                    figures: r.figures,
                    outside_plan: r.outside_plan,
                })
                .collect(),
        ))
    }
}
