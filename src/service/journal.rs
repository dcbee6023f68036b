//! 资金台账 — the journal: the ledger's entries listed and searched as the finance bureau
//! works from its books (by line, project, kind, day, 文号 or voucher, reversals, clerk),
//! for the roles the permission table lets read it (`Operation::ViewJournal`), within
//! their area. The same list feeds `ledgerEntries`, a fund line's receipts, allocations
//! and disbursements, and the journal's spreadsheet.
use super::{Page, PageRequest, ServiceResult, in_subtree, scoped_codes};
use crate::domain::access::{Actor, Operation, authorize, authorize_at};
use crate::domain::fault::{ErrorCode, Fault};
use crate::domain::funds::EntryKind;
use crate::domain::region::{RegionCode, RegionLevel};
use chrono::NaiveDate;
use entity::{ledger_entry, project_village};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::str::FromStr;

/// Which entries to list; every condition given must hold.
#[derive(Clone, Debug, Default)]
pub struct JournalFilter {
    /// A county or larger region: its counties' entries; a township or village: the
    /// allocations and disbursements of its projects.
    pub region_code: Option<String>,
    /// 年度 — the fund lines' programme year.
    pub year: Option<i32>,
    pub fund_line_id: Option<i64>,
    pub project_id: Option<i64>,
    pub kind: Option<EntryKind>,
    /// From this day on (the entry's business date).
    pub date_from: Option<NaiveDate>,
    /// Up to and including this day.
    pub date_to: Option<NaiveDate>,
    /// Receipts whose 文号 contains this text.
    pub document_no: Option<String>,
    /// Disbursements whose voucher number contains this text.
    pub voucher_no: Option<String>,
    /// `true`: entries a reversal has cancelled; `false`: entries no reversal has cancelled.
    pub reversed: Option<bool>,
    /// `true`: only reversals (冲销); `false`: no reversals.
    pub is_reversal: Option<bool>,
    /// `true`: only allocations made outside the plan in force (计划外); `false`: none of those.
    pub outside_plan: Option<bool>,
    /// Entries recorded by this username.
    pub recorded_by: Option<String>,
}

/// The journal's order: by business date, ties in the order recorded.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum JournalOrder {
    #[default]
    DateAscending,
    DateDescending,
}

/// Where a journal page continues: the last entry's date and id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalCursor {
    pub date: NaiveDate,
    pub id: i64,
}

impl JournalCursor {
    pub fn of(entry: &ledger_entry::Model) -> JournalCursor {
        JournalCursor {
            date: entry.entry_date,
            id: entry.id,
        }
    }
}

impl std::fmt::Display for JournalCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.date, self.id)
    }
}

impl FromStr for JournalCursor {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (date, id) = s.split_once('/').ok_or(())?;
        Ok(JournalCursor {
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| ())?,
            id: id.parse().map_err(|_| ())?,
        })
    }
}

fn invalid(field: &str, message: String) -> Fault {
    Fault::new(ErrorCode::InvalidInput, &["filter", field], message)
}

/// The filter as a condition, checked: the region within the actor's reach, the dates in order.
fn condition(actor: &Actor, filter: &JournalFilter) -> ServiceResult<Condition> {
    let mut cond = Condition::all().add(scoped_codes(
        actor,
        Operation::ViewJournal,
        ledger_entry::Column::CountyCode,
    ));
    if let Some(raw) = &filter.region_code {
        let region = RegionCode::parse(raw.trim()).map_err(|m| invalid("regionCode", m))?;
        authorize_at(actor, Operation::ViewJournal, &region)?;
        cond = cond.add(match region.level() {
            RegionLevel::Township => in_subtree(ledger_entry::Column::TownshipCode, &region),
            RegionLevel::Village => Condition::all().add(
                ledger_entry::Column::ProjectId.in_subquery(
                    Query::select()
                        .column(project_village::Column::ProjectId)
                        .from(project_village::Entity)
                        .and_where(project_village::Column::VillageCode.eq(region.as_str()))
                        .to_owned(),
                ),
            ),
            _ => in_subtree(ledger_entry::Column::CountyCode, &region),
        });
    }
    if let (Some(from), Some(to)) = (filter.date_from, filter.date_to)
        && from > to
    {
        return Err(invalid("dateTo", format!("`dateTo` ({to}) is before `dateFrom` ({from})")).into());
    }
    if let Some(year) = filter.year {
        cond = cond.add(ledger_entry::Column::Year.eq(year));
    }
    if let Some(line) = filter.fund_line_id {
        cond = cond.add(ledger_entry::Column::FundLineId.eq(line));
    }
    if let Some(project) = filter.project_id {
        cond = cond.add(ledger_entry::Column::ProjectId.eq(project));
    }
    if let Some(kind) = filter.kind {
        cond = cond.add(ledger_entry::Column::Kind.eq(kind.as_str()));
    }
    if let Some(from) = filter.date_from {
        cond = cond.add(ledger_entry::Column::EntryDate.gte(from));
    }
    if let Some(to) = filter.date_to {
        cond = cond.add(ledger_entry::Column::EntryDate.lte(to));
    }
    for (number, kind) in [
        (&filter.document_no, EntryKind::Receipt),
        (&filter.voucher_no, EntryKind::Disbursement),
    ] {
        if let Some(text) = number.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            cond = cond
                .add(ledger_entry::Column::Kind.eq(kind.as_str()))
                .add(super::contains_text(ledger_entry::Column::DocumentNo, text));
        }
    }
    if let Some(reversed) = filter.reversed {
        // An entry is reversed when a later entry names it; the unique index on
        // `reverses_id` answers this.
        let reversal = Alias::new("reversal");
        let reversals = Query::select()
            .expr(Expr::val(1))
            .from_as(ledger_entry::Entity, reversal.clone())
            .and_where(
                Expr::col((reversal, ledger_entry::Column::ReversesId))
                    .equals((ledger_entry::Entity, ledger_entry::Column::Id)),
            )
            .to_owned();
        cond = cond.add(if reversed {
            Expr::exists(reversals)
        } else {
            Expr::exists(reversals).not()
        });
    }
    if let Some(is_reversal) = filter.is_reversal {
        cond = cond.add(if is_reversal {
            ledger_entry::Column::ReversesId.is_not_null()
        } else {
            ledger_entry::Column::ReversesId.is_null()
        });
    }
    if let Some(outside) = filter.outside_plan {
        cond = cond.add(ledger_entry::Column::OutsidePlan.eq(outside));
    }
    if let Some(user) = filter.recorded_by.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        cond = cond.add(ledger_entry::Column::RecordedBy.eq(user));
    }
    Ok(cond)
}

/// One page of the journal as the actor may read it.
pub async fn list(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    filter: &JournalFilter,
    order: JournalOrder,
    page: &PageRequest<JournalCursor>,
) -> ServiceResult<Page<ledger_entry::Model>> {
    authorize(actor, Operation::ViewJournal)?;
    let cond = condition(actor, filter)?;
    let query = ledger_entry::Entity::find().filter(cond);
    let total_count = if page.count_total {
        query.clone().count(conn).await?
    } else {
        0
    };
    let (direction, beyond) = match order {
        JournalOrder::DateAscending => (Order::Asc, true),
        JournalOrder::DateDescending => (Order::Desc, false),
    };
    let mut query = query;
    if let Some(after) = &page.after {
        let (date, id) = (ledger_entry::Column::EntryDate, ledger_entry::Column::Id);
        query = query.filter(if beyond {
            Condition::any()
                .add(date.gt(after.date))
                .add(Condition::all().add(date.eq(after.date)).add(id.gt(after.id)))
        } else {
            Condition::any()
                .add(date.lt(after.date))
                .add(Condition::all().add(date.eq(after.date)).add(id.lt(after.id)))
        });
    }
    let rows = query
        .order_by(ledger_entry::Column::EntryDate, direction.clone())
        .order_by(ledger_entry::Column::Id, direction)
        .limit(page.first + 1)
        .all(conn)
        .await?;
    Ok(Page::from_overfetch(rows, page.first, total_count))
}

/// The reversals of `ids`, keyed by the entry each reverses (at most one each).
pub async fn reversals_of(conn: &impl ConnectionTrait, ids: &[i64]) -> ServiceResult<Vec<ledger_entry::Model>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(super::IDS_PER_STATEMENT) {
        found.extend(
            ledger_entry::Entity::find()
                .filter(ledger_entry::Column::ReversesId.is_in(chunk.iter().copied()))
                .all(conn)
                .await?,
        );
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = JournalCursor {
            date: NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
            id: 42,
        };
        assert_eq!(cursor.to_string().parse::<JournalCursor>(), Ok(cursor));
        assert!("2026-09-30".parse::<JournalCursor>().is_err());
        assert!("2026-13-01/4".parse::<JournalCursor>().is_err());
        assert!("2026-09-30/x".parse::<JournalCursor>().is_err());
    }
}
