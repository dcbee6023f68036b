//! 支出进度排名 — `disbursementRanking`: townships or departments by the share of their
//! allocated money paid out, with the change since the previous quarter-end (三级督考).
use super::context::ContextExt;
use super::departments::{Department, department_of};
use super::errors::OrApiError;
use super::object::Plain;
use super::regions::RegionByCode;
use super::scalars::{Date, Decimal, yuan};
use crate::domain::metrics::RankedBy;
use crate::service::rankings::{self as svc, RankedRow, Ranking};
use async_graphql::{Context, Object};

pub struct DisbursementRanking(Ranking);

/// 支出进度排名 — a ranking as of a day, against the previous quarter-end.
#[Object]
impl DisbursementRanking {
    /// The day the figures are as of (截至).
    async fn as_of(&self) -> Date {
        Date(self.0.as_of)
    }
    /// The last quarter-end before `asOf`, which the changes are measured from.
    async fn previous_quarter_end(&self) -> Date {
        Date(self.0.previous_quarter_end)
    }
    /// The townships or departments by place, those with nothing allocated last.
    async fn rows(&self) -> Vec<DisbursementRankingRow<'_>> {
        self.0.rows.iter().map(DisbursementRankingRow).collect()
    }
}

pub struct DisbursementRankingRow<'a>(&'a RankedRow);

/// One township's or department's place in a ranking.
#[Object]
impl DisbursementRankingRow<'_> {
    /// 名次 — 1 for the highest rate; equal rates share a place (1, 2, 2, 4); null when
    /// nothing is allocated.
    async fn rank(&self) -> Option<i32> {
        self.0.now.rank.map(|r| r as i32)
    }
    /// 乡镇 — when ranked by TOWNSHIP.
    async fn township(&self) -> Option<RegionByCode> {
        self.0.township.clone().map(RegionByCode)
    }
    /// 责任部门 — when ranked by DEPARTMENT: the department that held the projects on the day.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Department>>> {
        department_of(ctx, self.0.department_id).await
    }
    /// 已安排 — Σ allocations to its projects, in yuan.
    async fn allocated(&self) -> Decimal {
        yuan(self.0.now.figures.allocated)
    }
    /// 已拨付 — Σ disbursements to its projects, in yuan.
    async fn disbursed(&self) -> Decimal {
        yuan(self.0.now.figures.disbursed)
    }
    /// 支出进度 — disbursed ÷ allocated × 100, 2 decimals half up; null when nothing is allocated.
    async fn disbursement_rate(&self) -> Option<Decimal> {
        self.0.now.rate.map(Decimal)
    }
    /// 计划 — what the plan in force gives its projects (整合方案), in yuan; null while the
    /// plan lists no projects.
    async fn planned(&self) -> Option<Decimal> {
        self.0.now.figures.planned.map(yuan)
    }
    /// 支出进度 of the plan — disbursed ÷ planned × 100; null without `planned`.
    async fn planned_disbursement_rate(&self) -> Option<Decimal> {
        self.0.now.figures.planned_disbursement_rate().map(Decimal)
    }
    /// The place at the previous quarter-end; null when it had none.
    async fn previous_rank(&self) -> Option<i32> {
        self.0.before.as_ref().and_then(|b| b.rank).map(|r| r as i32)
    }
    /// 支出进度 at the previous quarter-end.
    async fn previous_disbursement_rate(&self) -> Option<Decimal> {
        self.0.before.as_ref().and_then(|b| b.rate).map(Decimal)
    }
    /// The rate's change since the previous quarter-end, in percentage points.
    async fn rate_change(&self) -> Option<Decimal> {
        let before = self.0.before.as_ref()?.rate?;
        Some(Decimal(self.0.now.rate? - before))
    }
    /// Places gained since the previous quarter-end (negative: places lost).
    async fn rank_change(&self) -> Option<i32> {
        let before = self.0.before.as_ref()?.rank?;
        Some(before as i32 - self.0.now.rank? as i32)
    }
}

#[derive(Default)]
pub struct RankingQuery;

#[Object]
impl RankingQuery {
    /// 支出进度排名 — the townships or departments of a county (or larger region) ranked by
    /// 支出进度 of the money allocated to their projects, as of a day (today when left
    /// out), with the change since the previous quarter-end.
    async fn disbursement_ranking(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "年度 — the fund lines' programme year.")] year: i32,
        #[graphql(desc = "The region whose townships or departments are ranked (its 12-digit code).")]
        region_code: String,
        #[graphql(desc = "Rank townships or departments.")] by: RankedBy,
        #[graphql(desc = "The day the figures are as of; today when left out.")] as_of: Option<Date>,
    ) -> async_graphql::Result<DisbursementRanking> {
        let actor = ctx.actor()?;
        svc::disbursement_ranking(ctx.db()?, actor, year, &region_code, by, as_of.map(|d| d.0))
            .await
            .api()
            .map(DisbursementRanking)
    }
}
