//! 支出进度排名 — townships or departments ranked by how much of the money allocated to
//! their projects has been paid out (三级督考), with the change since the previous
//! quarter-end. The figures are `fund_utilization`'s for the same grouping; the rate and
//! the places are `domain::metrics`'.
use super::ServiceResult;
use super::utilization::{UtilizationRow, fund_utilization};
use crate::domain::access::Actor;
use crate::domain::metrics::{MoneyFigures, RankedBy, previous_quarter_end, ranks};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;

/// A township's or department's place on a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    pub figures: MoneyFigures,
    /// 支出进度 — disbursed ÷ allocated × 100.
    pub rate: Option<Decimal>,
    pub rank: Option<u32>,
}

/// One township or department of a ranking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankedRow {
    pub township: Option<String>,
    pub department_id: Option<i64>,
    pub now: Standing,
    /// At the previous quarter-end; `None` where the group had no row then (no money and
    /// no plan); a group with a plan but nothing allocated has a standing without a place.
    pub before: Option<Standing>,
}

/// A ranking as of a day, against the previous quarter-end.
#[derive(Clone, Debug)]
pub struct Ranking {
    pub as_of: NaiveDate,
    pub previous_quarter_end: NaiveDate,
    /// By place; those without a rate last, in the rollup's order.
    pub rows: Vec<RankedRow>,
}

type Key = (Option<String>, Option<i64>);

/// The standings of one day, by township or department: groups without one (money of
/// projects no department holds) are not ranked.
async fn standings(
    db: &DatabaseConnection,
    actor: &Actor,
    year: i32,
    region_code: &str,
    by: RankedBy,
    day: NaiveDate,
) -> ServiceResult<Vec<(Key, Standing)>> {
    let rows: Vec<UtilizationRow> = fund_utilization(db, actor, year, region_code, &[by.dimension()], Some(day))
        .await?
        .into_iter()
        .filter(|r| match by {
            RankedBy::Township => r.key.township.is_some(),
            RankedBy::Department => r.key.department_id.is_some(),
        })
        .collect();
    let rates: Vec<Option<Decimal>> = rows.iter().map(|r| r.figures.allocation_disbursement_rate()).collect();
    let places = ranks(&rates);
    Ok(rows
        .into_iter()
        .zip(rates.into_iter().zip(places))
        .map(|(row, (rate, rank))| {
            (
                (row.key.township, row.key.department_id),
                Standing {
                    figures: row.figures,
                    rate,
                    rank,
                },
            )
        })
        .collect())
}

/// 支出进度排名 of `region`'s townships or departments as of `as_of` (today when `None`).
pub async fn disbursement_ranking(
    db: &DatabaseConnection,
    actor: &Actor,
    year: i32,
    region_code: &str,
    by: RankedBy,
    as_of: Option<NaiveDate>,
) -> ServiceResult<Ranking> {
    let today = crate::domain::calendar::today();
    let as_of = as_of.unwrap_or(today);
    crate::domain::calendar::check_not_future("asOf", as_of, today)?;
    let previous = previous_quarter_end(as_of);
    let now = standings(db, actor, year, region_code, by, as_of).await?;
    let mut before: HashMap<Key, Standing> = standings(db, actor, year, region_code, by, previous)
        .await?
        .into_iter()
        .collect();
    let mut rows: Vec<RankedRow> = now
        .into_iter()
        .map(|((township, department_id), now)| RankedRow {
            before: before.remove(&(township.clone(), department_id)),
            township,
            department_id,
            now,
        })
        .collect();
    rows.sort_by_key(|r| r.now.rank.unwrap_or(u32::MAX));
    Ok(Ranking {
        as_of,
        previous_quarter_end: previous,
        rows,
    })
}
